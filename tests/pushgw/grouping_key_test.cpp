#include "pushgw/grouping_key.hpp"

#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw {
namespace {

struct AcceptCase {
  std::string name;
  std::string path;
  exposition::Labels labels;
};

// Keeps ctest names readable: "… # GetParam() = job/j7".
void PrintTo(const AcceptCase& c, std::ostream* out) { *out << c.path; }

class GroupingKeyAccepts : public ::testing::TestWithParam<AcceptCase> {};

TEST_P(GroupingKeyAccepts, DecodesLabelsAsThePushgatewayDoes) {
  EXPECT_EQ(testing::value_or_fail(parse_grouping_key(GetParam().path)).labels, GetParam().labels);
}

INSTANTIATE_TEST_SUITE_P(
    Section1_3, GroupingKeyAccepts,
    ::testing::Values(
        AcceptCase{"JobOnly", "job/j7", {{"job", "j7"}}},
        AcceptCase{"TrailingSlashMeansNoLabels", "job/j7/", {{"job", "j7"}}},
        AcceptCase{"TrailingSlashAfterNameIsEmptyValue", "job/j7/a/", {{"a", ""}, {"job", "j7"}}},
        AcceptCase{"OnePair", "job/j7/instance/inst", {{"instance", "inst"}, {"job", "j7"}}},
        AcceptCase{"PercentEncodedSpace", "job/etl/instance/host%201", {{"instance", "host 1"}, {"job", "etl"}}},
        AcceptCase{"PlusIsLiteral", "job/j/a/b+c%20d", {{"a", "b+c d"}, {"job", "j"}}},
        AcceptCase{"PercentEncodedUtf8", "job/j/a/%CE%A0", {{"a", "\xCE\xA0"}, {"job", "j"}}},
        AcceptCase{"Base64Job", "job@base64/ZXRs", {{"job", "etl"}}},
        AcceptCase{"Base64JobWithPadding", "job@base64/ZXRs=", {{"job", "etl"}}},
        AcceptCase{"Base64ValueWithSlashes", "job/j/path@base64/L3Zhci90bXA", {{"job", "j"}, {"path", "/var/tmp"}}},
        AcceptCase{"Base64ValuePadded", "job/j/path@base64/L3Zhci90bXA=", {{"job", "j"}, {"path", "/var/tmp"}}},
        AcceptCase{"Base64EqualsIsEmptyValue", "job/j/a@base64/=", {{"a", ""}, {"job", "j"}}},
        AcceptCase{"Base64PercentEncodedEquals", "job/j/a@base64/%3D", {{"a", ""}, {"job", "j"}}},
        AcceptCase{"Base64UrlSafeAlphabet", "job/j/a@base64/77-_", {{"a", "\xEF\xBF\xBF"}, {"job", "j"}}},
        AcceptCase{"RepeatedNameLastWins", "job/j/a/1/a/2", {{"a", "2"}, {"job", "j"}}},
        AcceptCase{"JobPairOverriddenByJobSegment", "job/j/job/other", {{"job", "j"}}},
        AcceptCase{"PairsSortedByName", "job/j/b/2/a/1", {{"a", "1"}, {"b", "2"}, {"job", "j"}}}),
    [](const auto& param_info) { return param_info.param.name; });

struct RejectCase {
  std::string name;
  std::string path;
  std::string message;
};

void PrintTo(const RejectCase& c, std::ostream* out) { *out << c.path; }

class GroupingKeyRejects : public ::testing::TestWithParam<RejectCase> {};

TEST_P(GroupingKeyRejects, WithThePushgatewaysMessage) {
  const auto parsed = parse_grouping_key(GetParam().path);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().kind, PushErrorKind::bad_grouping_key);
  EXPECT_EQ(parsed.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Section1_3, GroupingKeyRejects,
    ::testing::Values(
        RejectCase{"OddComponents", "job/j/a", "odd number of components in label string \"/a\""},
        RejectCase{"TrailingSlashAfterPairIsOdd", "job/j/a/b/", "odd number of components in label string \"/a/b/\""},
        RejectCase{"EncodedSlashSplits", "job/j/a%2Fb/c", "odd number of components in label string \"/a/b/c\""},
        RejectCase{"InvalidLabelName", "job/j/a-b/1", "improper label name \"a-b\""},
        RejectCase{"ReservedLabelName", "job/j/__a/1", "improper label name \"__a\""},
        RejectCase{"ReservedBase64LabelName", "job/j/__a@base64/MQ", "improper label name \"__a\""},
        RejectCase{"EmptyBase64Job", "job@base64/=", "job name is required"},
        RejectCase{"EmptyJob", "job/", "job name is required"},
        RejectCase{"BadBase64Value", "job/j/a@base64/!!",
                   "invalid base64 encoding for label a=\"!!\": illegal base64 data at input byte 0"},
        RejectCase{"BadBase64Job", "job@base64/a",
                   "invalid base64 encoding in job name \"a\": illegal base64 data at input byte 0"},
        RejectCase{"BadPercentEscape", "job/j/a/%zz", "invalid URL escape \"%zz\""},
        RejectCase{"NoJobSegment", "jobs/j", "push path must start with job/ or job@base64/"},
        RejectCase{"ValueNotUtf8", "job/poison/l/%FF",
                   "the value of grouping label \"l\" is not valid UTF-8 (rule label-value-utf8)"},
        RejectCase{"Base64ValueNotUtf8", "job/j/a@base64/-_8",
                   "the value of grouping label \"a\" is not valid UTF-8 (rule label-value-utf8)"},
        RejectCase{"JobNotUtf8", "job/b%FFc", "the value of grouping label \"job\" is not valid UTF-8 (rule label-value-utf8)"},
        RejectCase{"Base64JobNotUtf8", "job@base64/_w",
                   "the value of grouping label \"job\" is not valid UTF-8 (rule label-value-utf8)"},
        RejectCase{"ValueSmugglingAnotherKey", "job/a/x/b%FFy%FFc",
                   "the value of grouping label \"x\" is not valid UTF-8 (rule label-value-utf8)"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(GroupingKey, IdJoinsSortedNamesAndValuesWithFF) {
  const auto parsed = parse_grouping_key("job/j/b/2/a/1");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->id(), "a\xFF" "1\xFF" "b\xFF" "2\xFF" "job\xFF" "j");
}

TEST(GroupingKey, DifferentKeysNeverShareAnId) {
  // Keys parse_grouping_key refuses, but older versions stored (and recovery reads).
  const GroupingKey plain{{{"job", "a"}, {"x", "b"}, {"y", "c"}}};
  const GroupingKey smuggled{{{"job", "a"}, {"x", "b\xFFy\xFF" "c"}}};
  EXPECT_NE(plain.id(), smuggled.id());
  const GroupingKey escape_byte{{{"job", "a"}, {"x", "\xFE\x01"}}};
  const GroupingKey separator_byte{{{"job", "a"}, {"x", "\xFF"}}};
  EXPECT_NE(escape_byte.id(), separator_byte.id());
  EXPECT_EQ(separator_byte.id(), "job\xFF" "a\xFF" "x\xFF" "\xFE\x01");
}

TEST(GroupingKey, OrderOfPairsDoesNotChangeTheGroup) {
  EXPECT_EQ(parse_grouping_key("job/j/a/1/b/2")->id(), parse_grouping_key("job/j/b/2/a/1")->id());
}

// The status page's delete URLs: each value unpadded and then one '=', as the Pushgateway's UI writes them.
TEST(GroupingKey, DeletePathUsesBase64EverywhereAndRoundTrips) {
  const auto parsed = parse_grouping_key("job/etl/path@base64/L3Zhci90bXA/empty@base64/=");
  ASSERT_TRUE(parsed);
  const std::string path = delete_path(*parsed);
  EXPECT_EQ(path, "job@base64/ZXRs=/empty@base64/=/path@base64/L3Zhci90bXA=");
  const auto again = parse_grouping_key(path);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *parsed);
}

}  // namespace
}  // namespace flowgate::pushgw

namespace flowgate::pushgw {
namespace {

// "job/j/l0/v/l1/v/...": `labels` grouping labels, job included.
std::string path_with_labels(std::size_t labels) {
  std::string path = "job/j";
  for (std::size_t i = 1; i < labels; ++i) path += "/l" + std::to_string(i) + "/v";
  return path;
}

PushLimits key_limits(std::size_t labels, std::size_t name_bytes, std::size_t value_bytes) {
  PushLimits limits;
  limits.max_grouping_labels = labels;
  limits.max_label_name_bytes = name_bytes;
  limits.max_label_value_bytes = value_bytes;
  return limits;
}

TEST(GroupingKeyLimits, AcceptsAsManyLabelsAsTheLimit) {
  const auto parsed = parse_grouping_key(path_with_labels(32), key_limits(32, 256, 8192));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->labels.size(), 32u);
}

TEST(GroupingKeyLimits, RefusesMoreLabelsThanTheLimitNamingTheFlag) {
  const auto parsed = parse_grouping_key(path_with_labels(33), key_limits(32, 256, 8192));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().kind, PushErrorKind::too_many_grouping_labels);
  EXPECT_EQ(parsed.error().message,
            "the grouping key has 33 labels (job included), more than the limit of 32 (--push.max-grouping-labels)");
  EXPECT_EQ(http_status(parsed.error().kind), 400);
}

TEST(GroupingKeyLimits, RefusesAHostileKeyOfEightyThousandLabels) {
  const auto parsed = parse_grouping_key(path_with_labels(80'000), PushLimits{});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().kind, PushErrorKind::too_many_grouping_labels);
}

TEST(GroupingKeyLimits, RefusesALongLabelNameOrValue) {
  const auto limits = key_limits(32, 8, 16);
  EXPECT_TRUE(parse_grouping_key("job/j/abcdefgh/0123456789abcdef", limits));
  const auto long_name = parse_grouping_key("job/j/abcdefghi/v", limits);
  ASSERT_FALSE(long_name);
  EXPECT_EQ(long_name.error().kind, PushErrorKind::label_name_too_long);
  EXPECT_EQ(long_name.error().message,
            "grouping label name \"abcdefghi\" has 9 bytes, more than the limit of 8 (--push.max-label-name-bytes)");
  const auto long_value = parse_grouping_key("job/j/a@base64/MDEyMzQ1Njc4OWFiY2RlZmc", limits);  // 17 bytes decoded
  ASSERT_FALSE(long_value);
  EXPECT_EQ(long_value.error().kind, PushErrorKind::label_value_too_long);
  EXPECT_EQ(long_value.error().message,
            "the value of grouping label \"a\" has 17 bytes, more than the limit of 16 (--push.max-label-value-bytes)");
  const auto long_job = parse_grouping_key("job/0123456789abcdefg", limits);
  ASSERT_FALSE(long_job);
  EXPECT_EQ(long_job.error().kind, PushErrorKind::label_value_too_long);
}

TEST(GroupingKeyLimits, ZeroMeansNoLimitAndTheOneArgumentFormHasNone) {
  EXPECT_TRUE(parse_grouping_key(path_with_labels(1000), key_limits(0, 0, 0)));
  EXPECT_TRUE(parse_grouping_key(path_with_labels(1000)));
  EXPECT_TRUE(parse_grouping_key("job/j/a/" + std::string(100'000, 'v')));
}

}  // namespace
}  // namespace flowgate::pushgw

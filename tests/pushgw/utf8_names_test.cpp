// UTF-8 metric and label names through the store (--push.enable-utf8-names):
// what a push may carry with and without them, grouping label names in the
// URL, and the scrape lists in each escaping scheme. Expected strings are
// what Pushgateway 1.11.5 answers for the same requests.

#include <string>

#include <gtest/gtest.h>

#include "exposition/writer.hpp"
#include "pushgw/group.hpp"
#include "pushgw/push_request.hpp"
#include "pushgw/snapshot.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw {
namespace {

using exposition::Format;
using exposition::NameEscaping;
using exposition::NameValidation;
using testing::request;

constexpr std::string_view kProtobufType =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

StoreOptions utf8_store() {
  StoreOptions options;
  options.names = NameValidation::utf8;
  return options;
}

PushLimits utf8_limits() {
  PushLimits limits;
  limits.names = NameValidation::utf8;
  return limits;
}

std::string scrape(const Snapshot& snapshot, Format format, NameEscaping escaping) {
  const auto body = exposition::assemble(format, snapshot.merged(format, escaping, false));
  std::string out;
  for (auto piece : body.pieces) out += piece;
  return out;
}

// The pushed samples of a text scrape, without the push-time gauges.
std::string pushed_samples(const Snapshot& snapshot, NameEscaping escaping) {
  std::string kept;
  const std::string all = scrape(snapshot, Format::text, escaping);
  std::size_t start = 0;
  while (start < all.size()) {
    const std::size_t end = all.find('\n', start);
    const std::string_view line(all.data() + start, end - start);
    if (line.find("push_") == std::string_view::npos) kept.append(line).append("\n");
    start = end + 1;
  }
  return kept;
}

TEST(Utf8Names, AQuotedTextPushIsStoredAndScrapedInEveryScheme) {
  GroupStore store(utf8_store());
  const std::string body = "# TYPE \"my.metric\" gauge\n{\"my.metric\",\"label.name\"=\"v\"} 1\nplain 2\n";
  ASSERT_TRUE(apply_push(request("PUT", "job/j", body), store, utf8_limits()));
  const auto snapshot = store.snapshot();
  EXPECT_EQ(pushed_samples(*snapshot, NameEscaping::allow_utf8),
            "# TYPE \"my.metric\" gauge\n{\"my.metric\",instance=\"\",job=\"j\",\"label.name\"=\"v\"} 1\n"
            "# TYPE plain untyped\nplain{instance=\"\",job=\"j\"} 2\n");
  EXPECT_EQ(pushed_samples(*snapshot, NameEscaping::underscores),
            "# TYPE my_metric gauge\nmy_metric{instance=\"\",job=\"j\",label_name=\"v\"} 1\n"
            "# TYPE plain untyped\nplain{instance=\"\",job=\"j\"} 2\n");
  EXPECT_EQ(pushed_samples(*snapshot, NameEscaping::dots),
            "# TYPE my_dot_metric gauge\nmy_dot_metric{instance=\"\",job=\"j\",label_dot_name=\"v\"} 1\n"
            "# TYPE plain untyped\nplain{instance=\"\",job=\"j\"} 2\n");
  EXPECT_EQ(pushed_samples(*snapshot, NameEscaping::values),
            "# TYPE U__my_2e_metric gauge\nU__my_2e_metric{instance=\"\",job=\"j\",U__label_2e_name=\"v\"} 1\n"
            "# TYPE plain untyped\nplain{instance=\"\",job=\"j\"} 2\n");
}

TEST(Utf8Names, NamesThatEscapeAlikeStayTwoFamiliesInStoredNameOrder) {
  GroupStore store(utf8_store());
  ASSERT_TRUE(apply_push(request("PUT", "job/a", "my_metric 1\n"), store, utf8_limits()));
  ASSERT_TRUE(apply_push(request("PUT", "job/b", "\"my.metric\" 2\n"), store, utf8_limits()));
  EXPECT_EQ(pushed_samples(*store.snapshot(), NameEscaping::underscores),
            "# TYPE my_metric untyped\nmy_metric{instance=\"\",job=\"b\"} 2\n"
            "# TYPE my_metric untyped\nmy_metric{instance=\"\",job=\"a\"} 1\n");
}

TEST(Utf8Names, LegacyNamesShareTheStoredListsInEveryScheme) {
  GroupStore store({});
  ASSERT_TRUE(apply_push(request("PUT", "job/j", "a 1\n"), store, {}));
  const auto snapshot = store.snapshot();
  EXPECT_FALSE(snapshot->has_utf8_names());
  EXPECT_EQ(&snapshot->merged(Format::text, NameEscaping::values, false), &snapshot->merged(Format::text));
}

TEST(Utf8Names, WithoutTheFlagAQuotedNameOutsideTheGrammarIsABadBodyNamingTheLine) {
  GroupStore store({});
  const auto outcome = apply_push(request("PUT", "job/j", "ok 1\n{\"my.metric\"} 1\n"), store, {});
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().kind, PushErrorKind::bad_body);
  EXPECT_NE(outcome.error().message.find("text format parsing error in line 2: invalid metric name \"my.metric\""),
            std::string::npos)
      << outcome.error().message;
  EXPECT_NE(outcome.error().message.find("--push.enable-utf8-names"), std::string::npos);
}

TEST(Utf8Names, ProtobufNamesOutsideTheGrammarNeedTheFlag) {
  exposition::Family family;
  family.name = "r";
  family.type = exposition::MetricType::gauge;
  family.metrics.emplace_back().labels = {{"a-b", "1"}};
  const std::string body = exposition::write(Format::protobuf, {family});
  auto push = request("PUT", "job/pb", body);
  push.content_type = kProtobufType;

  GroupStore legacy({});
  EXPECT_FALSE(apply_push(push, legacy, {}));
  GroupStore utf8(utf8_store());
  ASSERT_TRUE(apply_push(push, utf8, utf8_limits()));
  EXPECT_NE(pushed_samples(*utf8.snapshot(), NameEscaping::allow_utf8).find("r{\"a-b\"=\"1\",instance=\"\""),
            std::string::npos);
}

TEST(Utf8Names, TheConsistencyCheckStillRefusesReservedNames) {
  GroupStore store(utf8_store());
  const auto outcome = apply_push(request("PUT", "job/j", "m{\"__x\"=\"v\"} 1\n"), store, utf8_limits());
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().kind, PushErrorKind::inconsistent);
}

TEST(Utf8Names, RefusalsDescribeSeriesOnOneLine) {
  GroupStore store(utf8_store());
  const auto outcome = apply_push(request("PUT", "job/j", "{\"m\\nx\",\"__a\\nb\"=\"v\"} 1\n"), store, utf8_limits());
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().message.find('\n'), std::string::npos) << outcome.error().message;
  EXPECT_NE(outcome.error().message.find("series \"m\\nx\"{\"__a\\nb\"=\"v\""), std::string::npos)
      << outcome.error().message;
}

TEST(Utf8Names, GroupingLabelNamesMayBeUtf8OrValuesEscaped) {
  const auto key = [](std::string_view path) {
    return testing::value_or_fail(parse_grouping_key(path, NameValidation::utf8)).labels;
  };
  EXPECT_EQ(key("job/j/a.b/v"), (exposition::Labels{{"a.b", "v"}, {"job", "j"}}));
  EXPECT_EQ(key("job/j/%C3%BC/v"), (exposition::Labels{{"job", "j"}, {"\xc3\xbc", "v"}}));
  EXPECT_EQ(key("job/j/U__a_2e_b@base64/dg"), (exposition::Labels{{"a.b", "v"}, {"job", "j"}}));
  EXPECT_EQ(key("job/j/U__zz_zz/v"), (exposition::Labels{{"U__zz_zz", "v"}, {"job", "j"}}));
  // The job is a value: never unescaped.
  EXPECT_EQ(key("job/U__j_2e_k"), (exposition::Labels{{"job", "U__j_2e_k"}}));
}

TEST(Utf8Names, GroupingLabelNamesStillRefuseEmptyReservedAndInvalidNames) {
  for (const std::string_view path : {"job/j/U__/v", "job/j/__x/v", "job/j/U______x/v", "job/j/%FF/v"}) {
    const auto parsed = parse_grouping_key(path, NameValidation::utf8);
    ASSERT_FALSE(parsed) << path;
    EXPECT_EQ(parsed.error().message.rfind("improper label name ", 0), 0u) << parsed.error().message;
  }
}

TEST(Utf8Names, WithoutTheFlagGroupingLabelNamesAreLegacyAndNotUnescaped) {
  EXPECT_FALSE(parse_grouping_key("job/j/a.b/v"));
  EXPECT_EQ(testing::value_or_fail(parse_grouping_key("job/j/U__a_2e_b/v")).labels,
            (exposition::Labels{{"U__a_2e_b", "v"}, {"job", "j"}}));
}

TEST(Utf8Names, DeleteFindsTheGroupOfAUtf8Key) {
  GroupStore store(utf8_store());
  ASSERT_TRUE(apply_push(request("PUT", "job/j/a.b/v", "m 1\n"), store, utf8_limits()));
  ASSERT_TRUE(apply_delete("job/j/U__a_2e_b/v", store));
  EXPECT_EQ(store.snapshot()->group_count(), 0u);
}

TEST(Utf8Names, DeletePathValuesEscapesNamesSoTheyRoundTripAndStaySafeInThePage) {
  const auto parsed = parse_grouping_key("job/j/x');alert(1);('/v/U__U__x/w/a:b/y", NameValidation::utf8);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const std::string path = delete_path(*parsed, NameValidation::utf8);
  EXPECT_EQ(path.find_first_of("'();% "), std::string::npos) << path;
  const auto again = parse_grouping_key(path, NameValidation::utf8);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *parsed);
  // Legacy keys keep their names as they are (a legacy store does not unescape).
  const auto legacy = parse_grouping_key("job/j/U__x/v");
  ASSERT_TRUE(legacy);
  EXPECT_EQ(delete_path(*legacy), "job@base64/ag=/U__x@base64/dg=");
}

TEST(Utf8Names, AFamilyReadBackFromDiskKnowsWhetherItsNamesAreLegacy) {
  EXPECT_TRUE(has_only_legacy_names("m", "m{a=\"x\\\"=y\",b=\"\\\\\"} 1\n"));
  EXPECT_FALSE(has_only_legacy_names("m", "m{\"a.b\"=\"x\"} 1\n"));
  EXPECT_FALSE(has_only_legacy_names("m", "m{a=\"x\\\\\",\"a.b\"=\"x\"} 1\n"));
  EXPECT_FALSE(has_only_legacy_names("my.metric", "{\"my.metric\"} 1\n"));
}

}  // namespace
}  // namespace flowgate::pushgw

#include "pushgw/push_request.hpp"

#include <string>

#include <gtest/gtest.h>

#include "exposition/gzip.hpp"
#include "exposition/protobuf_parser.hpp"
#include "exposition/snappy.hpp"
#include "exposition/writer.hpp"
#include "pushgw/snapshot.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw {
namespace {

using testing::refused_status;
using testing::request;

constexpr std::string_view kProtobufType =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

std::string gzipped(std::string_view body) {
  exposition::GzipWriter writer;
  std::string out;
  writer.write(body, out);
  writer.finish(out);
  return out;
}

TEST(ApplyPush, StoresTheGroupWhenTheStoreChecksConsistency) {
  GroupStore store({});
  EXPECT_TRUE(apply_push(request("PUT", "job/j", "a 1\n"), store, {}));
  EXPECT_EQ(store.snapshot()->group_count(), 1u);
}

TEST(ApplyPush, StoresTheGroupWhenTheCheckIsOff) {
  GroupStore store(testing::unchecked());
  EXPECT_TRUE(apply_push(request("PUT", "job/j", "a 1\n"), store, {}));
  EXPECT_EQ(store.snapshot()->group_count(), 1u);
}

TEST(ApplyPush, PostReplacesFamiliesPutReplacesTheGroup) {
  GroupStore store({});
  ASSERT_TRUE(apply_push(request("PUT", "job/j", "a 1\nb 1\n"), store, {}));
  ASSERT_TRUE(apply_push(request("POST", "job/j", "a 2\n"), store, {}));
  EXPECT_NE(store.snapshot()->find(parse_grouping_key("job/j")->id())->find("b"), nullptr);
  ASSERT_TRUE(apply_push(request("PUT", "job/j", "a 2\n"), store, {}));
  EXPECT_EQ(store.snapshot()->find(parse_grouping_key("job/j")->id())->find("b"), nullptr);
}

TEST(ApplyPush, RefusesABadGroupingKeyWith400) {
  GroupStore store({});
  const auto outcome = apply_push(request("PUT", "job/j/a", "a 1\n"), store, {});
  EXPECT_EQ(refused_status(outcome), 400);
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().kind, PushErrorKind::bad_grouping_key);
  EXPECT_EQ(outcome.error().message, "odd number of components in label string \"/a\"");
}

TEST(ApplyPush, ReportsTextParseErrorsWithThePushgatewaysPrefix) {
  GroupStore store({});
  const auto before = store.snapshot();
  const auto outcome = apply_push(request("PUT", "job/j", "a 1\nb{x=1} 2\n"), store, {});
  EXPECT_EQ(refused_status(outcome), 400);
  ASSERT_FALSE(outcome);
  const std::string& message = outcome.error().message;
  EXPECT_TRUE(message.starts_with("text format parsing error in line 2: ")) << message;
  EXPECT_NE(message.find("column"), std::string::npos) << message;
  EXPECT_EQ(store.snapshot(), before);  // nothing recorded, not even a failure time
}

TEST(ApplyPush, RecordsAFailedPushWhenTheParserFindsWhatThePushgatewaysCheckWouldFind) {
  GroupStore store({});
  // A duplicate series is a consistency failure in the Pushgateway, so the
  // group is created with push_failure_time_seconds = now and push_time = 0.
  EXPECT_EQ(refused_status(apply_push(request("PUT", "job/j", "a 1\na 2\n"), store, {})), 400);
  const Group* group = store.snapshot()->find(parse_grouping_key("job/j")->id());
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->push_failure_time_seconds, 100);
  EXPECT_EQ(group->push_time_seconds, 0);
  EXPECT_EQ(group->find("a"), nullptr);
}

TEST(ApplyPush, RecordsNoFailureForAParseErrorWhenTheCheckIsOff) {
  GroupStore store(testing::unchecked());
  EXPECT_EQ(refused_status(apply_push(request("PUT", "job/j", "a 1\na 2\n"), store, {})), 400);
  EXPECT_EQ(store.snapshot()->group_count(), 0u);
}

TEST(ApplyPush, RefusesATypeConflictAsInconsistent) {
  GroupStore store({});
  ASSERT_TRUE(apply_push(request("PUT", "job/a", "# TYPE m counter\nm 1\n"), store, {}));
  const auto outcome = apply_push(request("PUT", "job/b", "# TYPE m gauge\nm 1\n"), store, {});
  EXPECT_EQ(refused_status(outcome), 400);
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().kind, PushErrorKind::inconsistent);
}

TEST(ApplyPush, InflatesGzipBodiesWhateverTheCaseOfContentEncoding) {
  GroupStore store({});
  const std::string body = gzipped("a 1\n");
  auto r = request("PUT", "job/j", body);
  r.content_encoding = " GZip ";
  EXPECT_TRUE(apply_push(r, store, {}));
  EXPECT_NE(store.snapshot()->find(parse_grouping_key("job/j")->id())->find("a"), nullptr);
}

TEST(ApplyPush, AnswersBrokenGzipWith400AndTooLargeWith413) {
  GroupStore store({});
  auto broken = request("PUT", "job/j", "not gzip");
  broken.content_encoding = "gzip";
  EXPECT_EQ(refused_status(apply_push(broken, store, {})), 400);

  const std::string big(100000, '\n');
  const std::string body = gzipped(big);
  auto bomb = request("PUT", "job/j", body);
  bomb.content_encoding = "gzip";
  EXPECT_EQ(refused_status(apply_push(bomb, store, {.max_body_bytes = 1000})), 413);
  EXPECT_EQ(refused_status(apply_push(request("PUT", "job/j", big), store, {.max_body_bytes = 1000})), 413);
}

TEST(ApplyPush, UnframesSnappyBodiesAsThePushgatewayDoes) {
  GroupStore store({});
  const std::string body = exposition::snappy_compress_frames("# TYPE a gauge\na 1\n");
  auto r = request("PUT", "job/j", body);
  r.content_encoding = "Snappy";
  EXPECT_TRUE(apply_push(r, store, {}));
  EXPECT_NE(store.snapshot()->find(parse_grouping_key("job/j")->id())->find("a"), nullptr);
}

TEST(ApplyPush, AnswersBrokenSnappyWith400AndTooLargeWith413AndChangesNothing) {
  GroupStore store({});
  const std::string unframed = exposition::snappy_compress_block("a 1\n");  // request() keeps a view of it
  auto block = request("PUT", "job/j", unframed);
  block.content_encoding = "snappy";
  const auto refused = apply_push(block, store, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(http_status(refused.error().kind), 400);
  EXPECT_EQ(refused.error().message, "snappy: the body does not start with the stream identifier");
  const std::string expands = exposition::snappy_compress_frames(std::string(100000, '\n'));
  auto bomb = request("PUT", "job/j", expands);
  bomb.content_encoding = "snappy";
  EXPECT_EQ(refused_status(apply_push(bomb, store, {.max_body_bytes = 1000})), 413);
  EXPECT_EQ(store.snapshot()->group_count(), 0u);
}

TEST(ApplyPush, AcceptsIdentityAndRefusesOtherContentEncodingsWith415) {
  GroupStore store({});
  auto identity = request("PUT", "job/j", "a 1\n");
  identity.content_encoding = "identity";
  EXPECT_TRUE(apply_push(identity, store, {}));
  auto deflate = request("PUT", "job/k", "a 1\n");
  deflate.content_encoding = "deflate";
  const auto refused = apply_push(deflate, store, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(http_status(refused.error().kind), 415);
  EXPECT_EQ(refused.error().message,
            "Content-Encoding \"deflate\" is not one flowgate reads; send gzip, snappy (the framing format) or identity");
  EXPECT_EQ(store.snapshot()->group_count(), 1u);
}

TEST(ApplyPush, ParsesProtobufByContentType) {
  GroupStore store({});
  exposition::Families families(1);
  families[0].name = "pb";
  families[0].type = exposition::MetricType::gauge;
  families[0].metrics.push_back({});
  families[0].metrics[0].value = 5;
  const std::string body = exposition::write(exposition::Format::protobuf, families);
  auto r = request("PUT", "job/j", body);
  r.content_type = kProtobufType;
  EXPECT_TRUE(apply_push(r, store, {}));
  EXPECT_NE(testing::scrape(store).find("pb{instance=\"\",job=\"j\"} 5\n"), std::string::npos);
}

TEST(ApplyDelete, RemovesTheGroupAndAcceptsAMissingOne) {
  GroupStore store({});
  ASSERT_TRUE(apply_push(request("PUT", "job/j", "a 1\n"), store, {}));
  EXPECT_TRUE(apply_delete("job/j", store));
  EXPECT_EQ(store.snapshot()->group_count(), 0u);
  EXPECT_TRUE(apply_delete("job/j", store));
  EXPECT_EQ(refused_status(apply_delete("job/j/a", store)), 400);
}

TEST(HttpStatus, MapsEveryKind) {
  EXPECT_EQ(http_status(PushErrorKind::bad_grouping_key), 400);
  EXPECT_EQ(http_status(PushErrorKind::bad_body), 400);
  EXPECT_EQ(http_status(PushErrorKind::has_timestamp), 400);
  EXPECT_EQ(http_status(PushErrorKind::inconsistent), 400);
  EXPECT_EQ(http_status(PushErrorKind::body_too_large), 413);
  EXPECT_EQ(http_status(PushErrorKind::unsupported_encoding), 415);
  EXPECT_EQ(http_status(PushErrorKind::storage_failure), 500);
}

}  // namespace
}  // namespace flowgate::pushgw

#include "pushgw/handlers.hpp"

#include <string>

#include <gtest/gtest.h>

#include "exposition/gzip.hpp"
#include "exposition/protobuf_parser.hpp"
#include "exposition/writer.hpp"
#include "pushgw/snapshot.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw {
namespace {

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

TEST(HandlePush, Answers200WhenTheStoreChecksConsistency) {
  GroupStore store({});
  const auto reply = handle_push(request("PUT", "job/j", "a 1\n"), store, {});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "");
  EXPECT_EQ(store.snapshot()->group_count(), 1u);
}

TEST(HandlePush, Answers202WhenTheCheckIsOff) {
  GroupStore store(testing::unchecked());
  EXPECT_EQ(handle_push(request("PUT", "job/j", "a 1\n"), store, {}).status, 202);
}

TEST(HandlePush, PostReplacesFamiliesPutReplacesTheGroup) {
  GroupStore store({});
  ASSERT_EQ(handle_push(request("PUT", "job/j", "a 1\nb 1\n"), store, {}).status, 200);
  ASSERT_EQ(handle_push(request("POST", "job/j", "a 2\n"), store, {}).status, 200);
  EXPECT_NE(store.snapshot()->find(parse_grouping_key("job/j")->id())->find("b"), nullptr);
  ASSERT_EQ(handle_push(request("PUT", "job/j", "a 2\n"), store, {}).status, 200);
  EXPECT_EQ(store.snapshot()->find(parse_grouping_key("job/j")->id())->find("b"), nullptr);
}

TEST(HandlePush, RejectsABadGroupingKeyWith400) {
  GroupStore store({});
  const auto reply = handle_push(request("PUT", "job/j/a", "a 1\n"), store, {});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, "odd number of components in label string \"/a\"\n");
  EXPECT_EQ(reply.content_type, "text/plain; charset=utf-8");
}

TEST(HandlePush, ReportsTextParseErrorsWithThePushgatewaysPrefix) {
  GroupStore store({});
  const auto before = store.snapshot();
  const auto reply = handle_push(request("PUT", "job/j", "a 1\nb{x=1} 2\n"), store, {});
  EXPECT_EQ(reply.status, 400);
  EXPECT_TRUE(reply.body.starts_with("text format parsing error in line 2: ")) << reply.body;
  EXPECT_NE(reply.body.find("column"), std::string::npos) << reply.body;
  EXPECT_EQ(store.snapshot(), before);  // nothing recorded, not even a failure time
}

TEST(HandlePush, RecordsAFailedPushWhenTheParserFindsWhatThePushgatewaysCheckWouldFind) {
  GroupStore store({});
  // A duplicate series is a consistency failure in the Pushgateway, so the
  // group is created with push_failure_time_seconds = now and push_time = 0.
  const auto reply = handle_push(request("PUT", "job/j", "a 1\na 2\n"), store, {});
  EXPECT_EQ(reply.status, 400);
  const Group* group = store.snapshot()->find(parse_grouping_key("job/j")->id());
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->push_failure_time_seconds, 100);
  EXPECT_EQ(group->push_time_seconds, 0);
  EXPECT_EQ(group->find("a"), nullptr);
}

TEST(HandlePush, RecordsNoFailureForAParseErrorWhenTheCheckIsOff) {
  GroupStore store(testing::unchecked());
  EXPECT_EQ(handle_push(request("PUT", "job/j", "a 1\na 2\n"), store, {}).status, 400);
  EXPECT_EQ(store.snapshot()->group_count(), 0u);
}

TEST(HandlePush, ReportsInconsistencyWithThePushgatewaysPrefix) {
  GroupStore store({});
  ASSERT_EQ(handle_push(request("PUT", "job/a", "# TYPE m counter\nm 1\n"), store, {}).status, 200);
  const auto reply = handle_push(request("PUT", "job/b", "# TYPE m gauge\nm 1\n"), store, {});
  EXPECT_EQ(reply.status, 400);
  EXPECT_TRUE(reply.body.starts_with("pushed metrics are invalid or inconsistent with existing metrics: ")) << reply.body;
}

TEST(HandlePush, InflatesGzipBodiesWhateverTheCaseOfContentEncoding) {
  GroupStore store({});
  const std::string body = gzipped("a 1\n");
  auto r = request("PUT", "job/j", body);
  r.content_encoding = "GZip";
  EXPECT_EQ(handle_push(r, store, {}).status, 200);
  EXPECT_NE(store.snapshot()->find(parse_grouping_key("job/j")->id())->find("a"), nullptr);
}

TEST(HandlePush, AnswersBrokenGzipWith400AndTooLargeWith413) {
  GroupStore store({});
  auto broken = request("PUT", "job/j", "not gzip");
  broken.content_encoding = "gzip";
  EXPECT_EQ(handle_push(broken, store, {}).status, 400);

  const std::string big(100000, '\n');
  const std::string body = gzipped(big);
  auto bomb = request("PUT", "job/j", body);
  bomb.content_encoding = "gzip";
  EXPECT_EQ(handle_push(bomb, store, {.max_body_bytes = 1000}).status, 413);
  EXPECT_EQ(handle_push(request("PUT", "job/j", big), store, {.max_body_bytes = 1000}).status, 413);
}

TEST(HandlePush, IgnoresOtherContentEncodings) {
  GroupStore store({});
  auto r = request("PUT", "job/j", "a 1\n");
  r.content_encoding = "deflate";
  EXPECT_EQ(handle_push(r, store, {}).status, 200);
}

TEST(HandlePush, ParsesProtobufByContentType) {
  GroupStore store({});
  exposition::Families families(1);
  families[0].name = "pb";
  families[0].type = exposition::MetricType::gauge;
  families[0].metrics.push_back({});
  families[0].metrics[0].value = 5;
  const std::string body = exposition::write(exposition::Format::protobuf, families);
  auto r = request("PUT", "job/j", body);
  r.content_type = kProtobufType;
  EXPECT_EQ(handle_push(r, store, {}).status, 200);
  EXPECT_NE(testing::scrape(store).find("pb{instance=\"\",job=\"j\"} 5\n"), std::string::npos);
}

TEST(HandleDelete, Answers202AndRemovesTheGroup) {
  GroupStore store({});
  ASSERT_EQ(handle_push(request("PUT", "job/j", "a 1\n"), store, {}).status, 200);
  EXPECT_EQ(handle_delete(request("DELETE", "job/j", ""), store).status, 202);
  EXPECT_EQ(store.snapshot()->group_count(), 0u);
  EXPECT_EQ(handle_delete(request("DELETE", "job/j", ""), store).status, 202);
  EXPECT_EQ(handle_delete(request("DELETE", "job/j/a", ""), store).status, 400);
}

TEST(HandleWipe, Answers202AndEmptiesTheStore) {
  GroupStore store({});
  ASSERT_EQ(handle_push(request("PUT", "job/j", "a 1\n"), store, {}).status, 200);
  EXPECT_EQ(handle_wipe(store).status, 202);
  EXPECT_EQ(store.snapshot()->group_count(), 0u);
}

TEST(HttpStatus, MapsEveryKind) {
  EXPECT_EQ(http_status(PushErrorKind::bad_grouping_key), 400);
  EXPECT_EQ(http_status(PushErrorKind::bad_body), 400);
  EXPECT_EQ(http_status(PushErrorKind::has_timestamp), 400);
  EXPECT_EQ(http_status(PushErrorKind::inconsistent), 400);
  EXPECT_EQ(http_status(PushErrorKind::body_too_large), 413);
  EXPECT_EQ(http_status(PushErrorKind::storage_failure), 500);
}

}  // namespace
}  // namespace flowgate::pushgw

#include <gtest/gtest.h>

#include "remote_write/send_policy.hpp"

namespace flowgate::remote_write {
namespace {

SendReply answered(int status, std::string body = {}) {
  SendReply reply;
  reply.status = status;
  reply.error = std::move(body);
  return reply;
}

TEST(SendPolicy, DeliveredOn2xx) {
  EXPECT_EQ(judge_reply(answered(204), Protocol::v1, true, {}).verdict, Verdict::delivered);
  SendReply v2 = answered(204);
  v2.samples_written = 10;
  EXPECT_EQ(judge_reply(v2, Protocol::v2, true, {}).verdict, Verdict::delivered);
  EXPECT_EQ(judge_reply(answered(204), Protocol::v2, false, {}).verdict, Verdict::delivered);
}

TEST(SendPolicy, RetriesServerErrorsThrottlingAndSilence) {
  for (int status : {500, 502, 503, 504, 429}) {
    EXPECT_EQ(judge_reply(answered(status), Protocol::v1, true, {}).verdict, Verdict::retry) << status;
  }
  SendReply throttled = answered(429, "slow down");
  throttled.retry_after = std::chrono::seconds(7);
  const auto judged = judge_reply(throttled, Protocol::v1, true, {});
  EXPECT_EQ(judged.retry_after, std::chrono::seconds(7));
  EXPECT_EQ(judged.reason, "HTTP 429: slow down");
  SendReply silent;
  silent.error = "Connection refused";
  EXPECT_EQ(judge_reply(silent, Protocol::v1, true, {}).reason, "no answer: Connection refused");
}

TEST(SendPolicy, NeverRetriesOtherClientErrors) {
  for (int status : {400, 401, 403, 404, 409, 413, 422}) {
    const auto judged = judge_reply(answered(status, "bad"), Protocol::v1, true, {});
    EXPECT_EQ(judged.verdict, Verdict::drop) << status;
    EXPECT_EQ(judged.reason, "HTTP " + std::to_string(status) + ": bad (not retried)");
  }
  QueueConfig no_429;
  no_429.retry_on_http_429 = false;
  EXPECT_EQ(judge_reply(answered(429), Protocol::v1, true, no_429).verdict, Verdict::drop);
}

TEST(SendPolicy, ARedirectNotFollowedIsDropped) {
  SendReply moved = answered(301);
  moved.location = "http://elsewhere/api/v1/write";
  const auto judged = judge_reply(moved, Protocol::v1, true, {});
  EXPECT_EQ(judged.verdict, Verdict::drop);
  EXPECT_NE(judged.reason.find("\"http://elsewhere/api/v1/write\" not followed"), std::string::npos);
}

TEST(SendPolicy, FallsBackToVersion1WhenTheReceiverDoesNotSpeak2) {
  EXPECT_EQ(judge_reply(answered(415), Protocol::v2, true, {}).verdict, Verdict::downgrade);
  EXPECT_EQ(judge_reply(answered(415), Protocol::v1, true, {}).verdict, Verdict::drop);
  // Prometheus 2.42 answers a 2.0 body 204 and stores nothing.
  EXPECT_EQ(judge_reply(answered(204), Protocol::v2, true, {}).verdict, Verdict::downgrade);
}

TEST(SendPolicy, BackoffDoublesUpToTheCapAndRetryAfterLengthensIt) {
  QueueConfig queue;
  queue.min_backoff = std::chrono::milliseconds(30);
  queue.max_backoff = std::chrono::milliseconds(100);
  Backoff backoff(queue);
  EXPECT_EQ(backoff.next(std::nullopt), std::chrono::milliseconds(30));
  EXPECT_EQ(backoff.next(std::nullopt), std::chrono::milliseconds(60));
  EXPECT_EQ(backoff.next(std::nullopt), std::chrono::milliseconds(100));
  EXPECT_EQ(backoff.next(std::nullopt), std::chrono::milliseconds(100));
  EXPECT_EQ(backoff.next(std::chrono::seconds(3)), std::chrono::milliseconds(3000));
  EXPECT_EQ(backoff.next(std::chrono::seconds(86'400 * 365)), kMaxRetryAfter);  // the receiver's number, bounded
  backoff.reset();
  EXPECT_EQ(backoff.next(std::nullopt), std::chrono::milliseconds(30));
}

}  // namespace
}  // namespace flowgate::remote_write

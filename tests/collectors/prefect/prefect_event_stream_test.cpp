#include "collectors/prefect/prefect_event_stream.hpp"

#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "collectors/prefect/prefect_collector.hpp"
#include "tests/collectors/prefect/canned_websocket_server.hpp"

namespace flowgate::collectors::prefect {
namespace {

using namespace std::chrono_literals;
using testing::CannedWebsocketServer;
using Session = CannedWebsocketServer::Session;

// What the stream handed over, waited for without timing anything: each
// wait ends when its condition holds (ctest's timeout catches a hang).
class Recorder {
 public:
  void message(std::string_view text) {
    std::lock_guard lock(mutex_);
    messages_.emplace_back(text);
    changed_.notify_all();
  }
  void change(bool connected, const std::string& why) {
    std::lock_guard lock(mutex_);
    changes_.push_back((connected ? "up: " : "down: ") + why);
    changed_.notify_all();
  }
  std::vector<std::string> wait_for_messages(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return messages_.size() >= count; });
    return messages_;
  }
  std::vector<std::string> wait_for_changes(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return changes_.size() >= count; });
    return changes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> messages_;
  std::vector<std::string> changes_;
};

PrefectEndpoint endpoint_of(const CannedWebsocketServer& server, std::string_view api_key = {}) {
  auto endpoint = make_endpoint(server.url(), api_key, "");
  if (!endpoint) throw std::logic_error(endpoint.error().message);
  return *endpoint;
}

EventStreamOptions fast() {
  EventStreamOptions options;
  options.first_backoff = 1ms;
  options.max_backoff = 4ms;
  return options;
}

std::unique_ptr<EventStream> stream_to(const CannedWebsocketServer& server, Recorder& recorder,
                                       EventStreamOptions options = fast(), std::string token = {}) {
  return std::make_unique<EventStream>(
      endpoint_of(server), std::move(token), options, [&recorder](std::string_view m) { recorder.message(m); },
      [&recorder](bool up, const std::string& why) { recorder.change(up, why); });
}

TEST(PrefectEventStream, SubscribesWithThePrefectSubprotocolTokenAndFilterThenHandsOverMessages) {
  CannedWebsocketServer server({{true, {"one", "two"}, true}});
  Recorder recorder;
  auto stream = stream_to(server, recorder, fast(), "pnu_secret");
  stream->start();
  EXPECT_EQ(recorder.wait_for_messages(2), (std::vector<std::string>{"one", "two"}));
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/api/events/out");
  EXPECT_EQ(seen[0].protocol, "prefect");
  EXPECT_EQ(seen[0].auth, R"({"type":"auth","token":"pnu_secret"})");
  EXPECT_NE(seen[0].filter.find(R"("type":"filter")"), std::string::npos);
  EXPECT_TRUE(stream->stats().connected);
  EXPECT_EQ(stream->stats().messages, 2u);
}

TEST(PrefectEventStream, ReconnectsWhenTheServerClosesAndReportsEachEpisodeOnce) {
  // First connection: one message, then closed; then three refusals; then up again.
  CannedWebsocketServer server({{true, {"a"}, false}, {false, {}, false}, {false, {}, false}, {false, {}, false},
                                {true, {"b"}, true}});
  Recorder recorder;
  auto stream = stream_to(server, recorder);
  stream->start();
  EXPECT_EQ(recorder.wait_for_messages(2), (std::vector<std::string>{"a", "b"}));
  const auto changes = recorder.wait_for_changes(3);
  ASSERT_EQ(changes.size(), 3u);  // up, down (once for four failures), up
  EXPECT_EQ(changes[0].rfind("up: ", 0), 0u) << changes[0];
  EXPECT_NE(changes[1].find("the event stream ended: closed by Prefect (code 1000"), std::string::npos) << changes[1];
  EXPECT_EQ(changes[2].rfind("up: ", 0), 0u) << changes[2];
  EXPECT_EQ(stream->stats().reconnects, 4u);
  EXPECT_EQ(stream->stats().connections, 2u);
}

TEST(PrefectEventStream, ARefusedTokenIsReportedWithPrefectsCloseCode) {
  CannedWebsocketServer server({{false, {}, false}});
  Recorder recorder;
  EventStreamOptions options = fast();
  options.first_backoff = options.max_backoff = 1h;  // one attempt within this test
  auto stream = stream_to(server, recorder, options);
  stream->start();
  const auto changes = recorder.wait_for_changes(1);
  EXPECT_NE(changes[0].find("no answer to the auth message: closed by Prefect (code 1008"), std::string::npos)
      << changes[0];
  EXPECT_FALSE(stream->stats().connected);
}

TEST(PrefectEventStream, CancelEndsTheThreadDuringAnHourLongBackoff) {
  Recorder recorder;
  EventStreamOptions options = fast();
  options.first_backoff = options.max_backoff = 1h;
  std::unique_ptr<EventStream> stream;
  {
    CannedWebsocketServer server({});  // refuses every token
    stream = stream_to(server, recorder, options);
    stream->start();
    recorder.wait_for_changes(1);
  }
  stream->cancel();
  stream.reset();  // joins: returns only because cancel() ended the backoff
  SUCCEED();
}

TEST(PrefectCollectorEvents, CountsEveryMessageByOutcomeWithoutAServer) {
  PrefectCollectorOptions options;
  options.api_url = "http://127.0.0.1:9/api";
  options.events = true;
  auto collector = PrefectCollector::create(options);
  ASSERT_TRUE(collector);
  EXPECT_EQ((*collector)->apply_event_message("garbage"), EventOutcome::undecodable);
  EXPECT_EQ((*collector)->apply_event_message(R"({"type":"pong"})"), EventOutcome::not_a_state_event);
  const std::string completed =
      R"({"type":"event","event":{"id":"s1","event":"prefect.flow-run.Completed","resource":{)"
      R"("prefect.resource.id":"prefect.flow-run.r1","prefect.state-type":"COMPLETED",)"
      R"("prefect.state-name":"Completed","prefect.state-timestamp":"2026-12-06T11:00:00Z"}}})";
  EXPECT_EQ((*collector)->apply_event_message(completed), EventOutcome::before_first_poll);
  const auto counts = (*collector)->event_outcomes();
  EXPECT_EQ(counts[static_cast<std::size_t>(EventOutcome::undecodable)], 1u);
  EXPECT_EQ(counts[static_cast<std::size_t>(EventOutcome::not_a_state_event)], 1u);
  EXPECT_EQ(counts[static_cast<std::size_t>(EventOutcome::before_first_poll)], 1u);
  bool listed = false;
  for (const auto& family : (*collector)->Collect()) {
    if (family.name == "flowgate_prefect_events_total") listed = family.metric.size() == kEventOutcomes;
  }
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace flowgate::collectors::prefect

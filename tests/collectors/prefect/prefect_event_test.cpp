#include "collectors/prefect/prefect_event.hpp"

#include <gtest/gtest.h>

#include "collectors/prefect/prefect_event_apply.hpp"
#include "collectors/prefect/prefect_model.hpp"
#include "exposition/rfc3339.hpp"

namespace flowgate::collectors::prefect {
namespace {

using namespace std::chrono_literals;

// A flow-run event of an ad-hoc run as Prefect 3.9.1 sent it (recorded from
// its /events/out), with a deployment added as deployment runs carry one.
constexpr std::string_view kRecordedFailed =
    R"({"type":"event","event":{"occurred":"2026-12-06T11:05:30.902497Z","event":"prefect.flow-run.Failed",)"
    R"("resource":{"prefect.resource.id":"prefect.flow-run.ff9fb06d-acb9-4043-bb53-e84b3eeb8aa8",)"
    R"("prefect.resource.name":"lush-fossa","prefect.run-count":"1",)"
    R"("prefect.state-message":"Flow run encountered an exception: ValueError: boom","prefect.state-name":"Failed",)"
    R"("prefect.state-timestamp":"2026-12-06T11:05:30.902497+00:00","prefect.state-type":"FAILED"},)"
    R"("related":[{"prefect.resource.id":"prefect.flow.bd97f6b3-3787-4090-aefd-f1b2cd5c87f0",)"
    R"("prefect.resource.role":"flow","prefect.resource.name":"quick"},)"
    R"({"prefect.resource.id":"prefect.deployment.5e1d","prefect.resource.role":"deployment",)"
    R"("prefect.resource.name":"nightly"}],)"
    R"("payload":{"intended":{"from":"RUNNING","to":"FAILED"},"initial_state":{"type":"RUNNING","name":"Running"},)"
    R"("validated_state":{"type":"FAILED","name":"Failed","message":"Flow run encountered an exception: ValueError: boom"}},)"
    R"("id":"01a24b07-c816-776d-958d-278f3795253e","follows":"01a24b07-c414-71a2-842d-23443f92c7fa",)"
    R"("received":"2026-12-06T11:05:30.913905Z"}})";

Timestamp at(int seconds) { return *parse_timestamp("2026-12-06T11:00:00Z") + std::chrono::seconds(seconds); }

std::string iso(int seconds) { return exposition::format_rfc3339(at(seconds), exposition::SecondFraction::micros); }

// "RUNNING" -> "Running", the state name Prefect gives each type.
std::string state_name_of(std::string type) {
  for (std::size_t i = 1; i < type.size(); ++i) type[i] = static_cast<char>(type[i] - 'A' + 'a');
  return type;
}

// An event to decode; set() changes one field (designated initializers
// that leave fields out are warned about by g++ 12).
struct EventSpec {
  std::string kind = "flow-run";
  std::string run = "r1";
  std::string id;
  std::string type;
  std::string name;
  int seconds = 0;
  std::string from_type;  // "" : a new run
  std::string flow = "f1";
  std::string deployment = "d1";
  int run_count = 1;

  template <typename Field, typename Value>
  EventSpec set(Field EventSpec::*field, Value value) const {
    EventSpec copy = *this;
    copy.*field = value;
    return copy;
  }
};

EventSpec spec(std::string run, std::string id, std::string type, std::string name, int seconds) {
  EventSpec e;
  e.run = std::move(run);
  e.id = std::move(id);
  e.type = std::move(type);
  e.name = std::move(name);
  e.seconds = seconds;
  return e;
}

std::string event_json(const EventSpec& e) {
  std::string related = R"([{"prefect.resource.id":"prefect.flow.)" + e.flow +
                        R"(","prefect.resource.role":"flow","prefect.resource.name":"etl"})";
  if (!e.deployment.empty()) {
    related += R"(,{"prefect.resource.id":"prefect.deployment.)" + e.deployment +
               R"(","prefect.resource.role":"deployment","prefect.resource.name":"nightly"})";
  }
  if (e.kind == "task-run") {
    related += R"(,{"prefect.resource.id":"prefect.flow-run.r1","prefect.resource.role":"flow-run"})";
  }
  const std::string from = e.from_type.empty() ? "null" : R"({"type":")" + e.from_type + R"(","name":")" + state_name_of(e.from_type) + R"("})";
  return R"({"type":"event","event":{"occurred":")" + iso(e.seconds) + R"(","event":"prefect.)" + e.kind + "." +
         e.name + R"(","resource":{"prefect.resource.id":"prefect.)" + e.kind + "." + e.run +
         R"(","prefect.resource.name":"run-)" + e.run + R"(","prefect.run-count":")" + std::to_string(e.run_count) +
         R"(","prefect.state-message":"","prefect.state-name":")" + e.name + R"(","prefect.state-timestamp":")" +
         iso(e.seconds) + R"(","prefect.state-type":")" + e.type + R"("},"related":)" + related +
         R"(],"payload":{"initial_state":)" + from + R"(},"id":")" + e.id + R"("}})";
}

StateEvent decoded(const EventSpec& spec) {
  auto message = parse_stream_message(event_json(spec));
  if (!message || !message->event) throw std::logic_error("event_json made an undecodable event");
  return *message->event;
}

TEST(PrefectEventDecoding, ReadsAFlowRunStateEventAsPrefect391SendsIt) {
  auto message = parse_stream_message(kRecordedFailed);
  ASSERT_TRUE(message) << message.error().describe();
  ASSERT_EQ(message->kind, StreamMessageKind::state_event);
  const StateEvent& event = *message->event;
  EXPECT_EQ(event.kind, RunKind::flow_run);
  EXPECT_EQ(event.run_id, "ff9fb06d-acb9-4043-bb53-e84b3eeb8aa8");
  EXPECT_EQ(event.run_name, "lush-fossa");
  EXPECT_EQ(event.state.id, "01a24b07-c816-776d-958d-278f3795253e");  // the state id is the event id
  EXPECT_EQ(event.state.type, "FAILED");
  EXPECT_EQ(event.state.name, "Failed");
  EXPECT_EQ(event.state.message, "Flow run encountered an exception: ValueError: boom");
  EXPECT_EQ(event.state.timestamp, parse_timestamp("2026-12-06T11:05:30.902497Z"));
  ASSERT_TRUE(event.from);
  EXPECT_EQ(event.from->type, "RUNNING");
  EXPECT_EQ(event.flow_id, "bd97f6b3-3787-4090-aefd-f1b2cd5c87f0");
  EXPECT_EQ(event.flow_name, "quick");
  EXPECT_EQ(event.deployment_id, "5e1d");
  EXPECT_EQ(event.deployment_name, "nightly");
  EXPECT_EQ(event.run_count, 1);
}

TEST(PrefectEventDecoding, ReadsATaskRunEventWithItsFlowRun) {
  const StateEvent event = decoded(spec("t1", "s9", "COMPLETED", "Completed", 5).set(&EventSpec::kind, "task-run").set(&EventSpec::from_type, "RUNNING").set(&EventSpec::run_count, 3));
  EXPECT_EQ(event.kind, RunKind::task_run);
  EXPECT_EQ(event.run_id, "t1");
  EXPECT_EQ(event.flow_run_id, "r1");
  EXPECT_EQ(event.run_count, 3);
}

TEST(PrefectEventDecoding, TellsAuthSuccessOtherEventsAndOtherMessagesApart) {
  EXPECT_EQ(parse_stream_message(R"({"type":"auth_success"})")->kind, StreamMessageKind::auth_success);
  auto heartbeat = parse_stream_message(
      R"({"type":"event","event":{"event":"prefect.flow-run.heartbeat","id":"h",)"
      R"("resource":{"prefect.resource.id":"prefect.flow-run.r1"}}})");
  ASSERT_TRUE(heartbeat);
  EXPECT_EQ(heartbeat->kind, StreamMessageKind::other_event);
  EXPECT_EQ(heartbeat->event_name, "prefect.flow-run.heartbeat");
  EXPECT_EQ(parse_stream_message(R"({"type":"pong"})")->kind, StreamMessageKind::other);
}

TEST(PrefectEventDecoding, RefusesGarbageAndStateEventsWithoutTheirFields) {
  EXPECT_FALSE(parse_stream_message("\x01\xff garbage"));
  EXPECT_FALSE(parse_stream_message("[1,2]"));
  EXPECT_FALSE(parse_stream_message(R"({"event":{}})"));
  EXPECT_FALSE(parse_stream_message(R"({"type":"event"})"));
  std::string no_time = event_json(spec("r1", "s1", "RUNNING", "Running", 0));
  const std::string key = R"("prefect.state-timestamp")";
  no_time.replace(no_time.find(key), key.size(), R"("prefect.state-stamp")");
  const auto refused = parse_stream_message(no_time);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().where, "/event/resource/prefect.state-timestamp");
  std::string no_id = event_json(spec("r1", "", "RUNNING", "Running", 0));
  EXPECT_FALSE(parse_stream_message(no_id));
}

TEST(PrefectEventMessages, AuthSendsTheTokenEscapedOrNull) {
  EXPECT_EQ(auth_message(""), R"({"type":"auth","token":null})");
  EXPECT_EQ(auth_message("u:p\"w"), R"({"type":"auth","token":"u:p\"w"})");
}

TEST(PrefectEventMessages, FilterAsksForRunStatesWithoutHeartbeatsOrBackfill) {
  const std::string filter = filter_message(at(0));
  EXPECT_NE(filter.find(R"("backfill":false)"), std::string::npos);
  EXPECT_NE(filter.find(R"("prefix":["prefect.flow-run.","prefect.task-run."])"), std::string::npos);
  EXPECT_NE(filter.find(R"("exclude_name":["prefect.flow-run.heartbeat")"), std::string::npos);
  EXPECT_NE(filter.find(R"("since":"2026-12-06T11:00:00.000000Z")"), std::string::npos);
}

// One flow "etl" with deployment "nightly"; run r1 is Pending at 1 s; the
// poll ran at 10 s.
PollResult poll_at(int seconds) {
  PollResult poll;
  poll.now = at(seconds);
  poll.inventory_read = true;
  poll.flows = {{"f1", "etl"}};
  Deployment deployment;
  deployment.id = "d1";
  deployment.name = "nightly";
  deployment.flow_id = "f1";
  poll.deployments = {deployment};
  return poll;
}

FlowRun run_in(std::string id, std::string state_id, std::string type, std::string name, int seconds) {
  FlowRun run;
  run.id = std::move(id);
  run.flow_id = "f1";
  run.deployment_id = "d1";
  run.state = {std::move(state_id), std::move(type), std::move(name), "", at(seconds)};
  if (is_terminal_state_type(run.state.type)) run.end_time = at(seconds);
  run.total_run_time = 7;
  return run;
}

class PrefectEventApply : public ::testing::Test {
 protected:
  void poll(PollResult result) {
    auto outcome = build_families(state, result, options);
    state = std::move(outcome.state);
    install_poll(live, result, options);
  }
  EventOutcome apply(const EventSpec& spec) { return apply_state_event(state, live, decoded(spec), options); }
  double finished(const std::string& type, const std::string& name) {
    const auto it = state.flow_runs_finished.find({"etl", "nightly", type, name});
    return it == state.flow_runs_finished.end() ? 0 : it->second;
  }
  double current(const std::string& type, const std::string& name) {
    const auto it = state.flow_runs_current_seen.find({"etl", "nightly", type, name});
    return it == state.flow_runs_current_seen.end() ? 0 : it->second;
  }

  ModelOptions options;
  PrefectState state;
  LiveRuns live;
};

TEST_F(PrefectEventApply, NothingAppliesBeforeTheFirstPoll) {
  EXPECT_EQ(apply(spec("r1", "s2", "COMPLETED", "Completed", 5)),
            EventOutcome::before_first_poll);
  EXPECT_TRUE(state.flow_runs_finished.empty());
}

TEST_F(PrefectEventApply, ATerminalEventCountsAtOnceAndThePollThatReadsTheRunDoesNotCountItAgain) {
  auto first = poll_at(10);
  first.current_flow_runs = {run_in("r1", "s1", "PENDING", "Pending", 1)};
  poll(first);
  EXPECT_EQ(current("PENDING", "Pending"), 1);
  EXPECT_EQ(apply(spec("r1", "s2", "RUNNING", "Running", 12)), EventOutcome::applied);
  EXPECT_EQ(current("PENDING", "Pending"), 0);
  EXPECT_EQ(current("RUNNING", "Running"), 1);
  EXPECT_EQ(apply(spec("r1", "s3", "COMPLETED", "Completed", 15)), EventOutcome::applied);
  EXPECT_EQ(finished("COMPLETED", "Completed"), 1);
  EXPECT_EQ(current("RUNNING", "Running"), 0);
  EXPECT_EQ((state.flow_run_durations[{"etl", "nightly"}].count), 0u);  // events carry no run time

  auto second = poll_at(40);
  second.finished_flow_runs = {run_in("r1", "s3", "COMPLETED", "Completed", 15)};
  poll(second);
  EXPECT_EQ(finished("COMPLETED", "Completed"), 1);
  EXPECT_EQ((state.flow_run_durations[{"etl", "nightly"}].count), 1u);  // the poll observes it once
  EXPECT_EQ(state.watermark, at(15));  // and moves over it
  EXPECT_EQ(apply(spec("r1", "s3", "COMPLETED", "Completed", 15)), EventOutcome::duplicate);
  EXPECT_EQ(finished("COMPLETED", "Completed"), 1);
}

TEST_F(PrefectEventApply, ARunThePollCountedFirstIsADuplicateForItsEvent) {
  auto first = poll_at(10);
  first.finished_flow_runs = {run_in("r1", "s3", "FAILED", "Failed", 8)};
  poll(first);
  auto second = poll_at(30);
  second.finished_flow_runs = {run_in("r2", "s5", "FAILED", "Failed", 25)};
  poll(second);
  const double counted = finished("FAILED", "Failed");
  EXPECT_EQ(apply(spec("r2", "s5", "FAILED", "Failed", 25)),
            EventOutcome::duplicate);
  EXPECT_EQ(finished("FAILED", "Failed"), counted);
  EXPECT_EQ(state.flow_run_failures.size(), 1u);
}

TEST_F(PrefectEventApply, ReplaysAndOutOfOrderEventsNeverMoveTheCounts) {
  poll(poll_at(10));
  EXPECT_EQ(apply(spec("r7", "p", "PENDING", "Pending", 11)), EventOutcome::applied);
  EXPECT_EQ(apply(spec("r7", "c", "COMPLETED", "Completed", 13)),
            EventOutcome::applied);
  // The Running event arrives after the Completed one; then everything again.
  EXPECT_EQ(apply(spec("r7", "r", "RUNNING", "Running", 12)), EventOutcome::stale);
  EXPECT_EQ(apply(spec("r7", "p", "PENDING", "Pending", 11)), EventOutcome::stale);
  EXPECT_EQ(apply(spec("r7", "c", "COMPLETED", "Completed", 13)),
            EventOutcome::duplicate);
  EXPECT_EQ(finished("COMPLETED", "Completed"), 1);
  EXPECT_EQ(current("RUNNING", "Running"), 0);
  EXPECT_EQ(current("PENDING", "Pending"), 0);
}

TEST_F(PrefectEventApply, ATerminalStateBeforeThePollsWindowIsTooOld) {
  auto first = poll_at(600);
  first.finished_flow_runs = {run_in("r1", "s1", "COMPLETED", "Completed", 500)};
  poll(first);  // watermark 500 s, overlap 120 s
  EXPECT_EQ(apply(spec("r9", "old", "COMPLETED", "Completed", 100)),
            EventOutcome::too_old);
  EXPECT_EQ(finished("COMPLETED", "Completed"), 1);  // r1, by the poll
}

TEST_F(PrefectEventApply, RunsOfUnknownFlowsOrDeploymentsAndNewScheduledRunsAreLeftToThePoll) {
  poll(poll_at(10));
  EXPECT_EQ(apply(spec("x", "1", "COMPLETED", "Completed", 12).set(&EventSpec::flow, "nope")),
            EventOutcome::unknown_run);
  EXPECT_EQ(apply(spec("y", "2", "COMPLETED", "Completed", 12).set(&EventSpec::deployment, "gone")),
            EventOutcome::unknown_run);
  EXPECT_EQ(apply(spec("z", "3", "SCHEDULED", "Scheduled", 12)),
            EventOutcome::scheduled);
  EXPECT_TRUE(state.flow_runs_finished.empty());
  EXPECT_EQ(current("SCHEDULED", "Scheduled"), 0);
}

TEST_F(PrefectEventApply, FilteredFlowsAreNotApplied) {
  options.keep = [](std::string_view flow, std::string_view) { return flow != "etl"; };
  poll(poll_at(10));
  EXPECT_EQ(apply(spec("r1", "1", "RUNNING", "Running", 12)), EventOutcome::filtered);
}

TEST_F(PrefectEventApply, ThePollsViewOfCurrentRunsWins) {
  poll(poll_at(10));
  EXPECT_EQ(apply(spec("ghost", "1", "RUNNING", "Running", 12)),
            EventOutcome::applied);
  EXPECT_EQ(current("RUNNING", "Running"), 1);
  poll(poll_at(40));  // Prefect has no such run
  EXPECT_EQ(current("RUNNING", "Running"), 0);
  EXPECT_TRUE(live.flow_runs.empty());
}

TEST_F(PrefectEventApply, TaskRunsCountOnceWithTheirRetriesAndMoveTheGaugeAfterThePoll) {
  poll(poll_at(10));
  state.task_runs_current_seen[{"RUNNING", "Running"}] = 1;  // as the poll counted it
  const EventSpec done = spec("t1", "s4", "COMPLETED", "Completed", 12).set(&EventSpec::kind, "task-run").set(&EventSpec::from_type, "RUNNING").set(&EventSpec::run_count, 3);
  EXPECT_EQ(apply(done), EventOutcome::applied);
  EXPECT_EQ(apply(done), EventOutcome::duplicate);
  EXPECT_EQ((state.task_runs_finished[{"COMPLETED", "Completed"}]), 1);
  EXPECT_EQ((state.task_run_retries[{"etl"}]), 2);
  EXPECT_EQ((state.task_runs_current_seen[{"RUNNING", "Running"}]), 0);
  // A transition before the poll's `now` is in the poll's counts already.
  EXPECT_EQ(apply(spec("t2", "s5", "RUNNING", "Running", 9).set(&EventSpec::kind, "task-run").set(&EventSpec::from_type, "PENDING")),
            EventOutcome::applied);
  EXPECT_EQ((state.task_runs_current_seen[{"RUNNING", "Running"}]), 0);
}

TEST(PrefectEventOutcome, EveryOutcomeHasALabelValue) {
  EXPECT_EQ(outcome_name(EventOutcome::applied), "applied");
  EXPECT_EQ(outcome_name(EventOutcome::undecodable), "undecodable");
  EXPECT_EQ(outcome_name(static_cast<EventOutcome>(kEventOutcomes - 1)), "undecodable");
}

}  // namespace
}  // namespace flowgate::collectors::prefect

#pragma once
// Decoders for the Prefect 3 REST responses the collector reads (shapes as
// served by Prefect 3.8.8, see tests/collectors/prefect/fixtures/). Each takes
// the response body, keeps only the fields a metric needs, and returns either
// the decoded values or a PrefectJsonError naming the field; no I/O, no
// exceptions, safe from any thread. Unknown fields are ignored so newer
// servers that add fields still decode.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/system/result.hpp>

namespace flowgate::collectors::prefect {

struct PrefectJsonError {
  PrefectJsonError() = default;
  PrefectJsonError(std::string where_in_body, std::string sentence)
      : where(std::move(where_in_body)), message(std::move(sentence)) {}

  // JSON-pointer-like path of the offending value, e.g. "/3/state/timestamp";
  // empty when the body is not JSON at all.
  std::string where;
  std::string message;  // one sentence

  std::string describe() const;
};

template <typename T>
using JsonResult = boost::system::result<T, PrefectJsonError>;

// Prefect's datetimes as UTC microseconds since the epoch.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// ISO 8601 as pydantic writes it: "2026-11-23T14:00:42.508814Z", with 0-9
// fraction digits and "Z" or "+hh:mm"/"-hh:mm" (a space instead of "T" is
// accepted too).
std::optional<Timestamp> parse_timestamp(std::string_view text);

struct RunState {
  std::string id;
  std::string type;     // StateType name: "FAILED", ...
  std::string name;     // free text: "Failed", "TimedOut", "Late", ...
  std::string message;  // "" when null
  std::optional<Timestamp> timestamp;
};

struct FlowRun {
  std::string id;
  std::string name;
  std::string flow_id;
  std::string deployment_id;  // "" for ad-hoc runs (null in the API)
  std::string work_pool_name;
  std::string work_queue_name;
  RunState state;  // state.type/name mirror the run's state_type/state_name
  std::optional<Timestamp> expected_start_time;
  std::optional<Timestamp> start_time;
  std::optional<Timestamp> end_time;
  double total_run_time = 0.0;  // seconds
  std::int64_t run_count = 0;
  std::vector<std::string> tags;  // free strings, as the API gives them
};

struct TaskRun {
  std::string id;
  std::string name;
  std::string flow_run_id;  // "" for tasks run outside a flow
  RunState state;
  std::optional<Timestamp> end_time;
  double total_run_time = 0.0;
  std::int64_t run_count = 0;  // attempts; retries are run_count - 1
};

struct Flow {
  std::string id;
  std::string name;
};

struct Deployment {
  std::string id;
  std::string name;
  std::string flow_id;
  std::string status;  // "READY", "NOT_READY", "" when null
  bool paused = false;
  bool any_schedule_active = false;  // some entry of `schedules` is active
  std::string work_pool_name;
  std::string work_queue_name;
  // For --prefect.compat-prefecthq's prefect_info_deployment.
  std::string path;               // "" when null
  std::vector<std::string> tags;  // as the API lists them
};

struct WorkPool {
  std::string id;
  std::string name;
  std::string type;
  std::string status;  // READY, NOT_READY, PAUSED, "" when null
  bool is_paused = false;
};

struct WorkQueue {
  std::string id;
  std::string name;
  std::string work_pool_name;
  std::string status;
  bool is_paused = false;
  // For --prefect.compat-prefecthq's work-queue families and health.
  std::int64_t priority = 0;
  std::optional<Timestamp> last_polled;
};

struct Worker {
  std::string name;
  std::string status;  // ONLINE, OFFLINE
  std::optional<Timestamp> last_heartbeat_time;
  std::optional<double> heartbeat_interval_seconds;
};

struct WorkQueueStatus {
  bool healthy = false;
  std::int64_t late_runs_count = 0;
};

// One bucket of /flow_runs/history or /task_runs/history: runs by (state
// type, state name) whose expected start falls in [start, end).
struct HistoryStateCount {
  std::string state_type;
  std::string state_name;
  std::int64_t count_runs = 0;
  double sum_estimated_run_time = 0.0;
  double sum_estimated_lateness = 0.0;
};

struct HistoryInterval {
  std::optional<Timestamp> start;
  std::optional<Timestamp> end;
  std::vector<HistoryStateCount> states;
};

// One page of POST /events/filter or GET /events/filter/next: each event's
// id and resource id ("prefect.flow-run.<uuid>"), and the next page's token.
struct EventSighting {
  std::string id;
  std::string resource_id;
};

struct EventPage {
  std::vector<EventSighting> events;
  std::optional<std::string> next_page_token;  // the page-token of next_page; none on the last page
};

JsonResult<std::vector<FlowRun>> parse_flow_runs(std::string_view body);
JsonResult<std::vector<TaskRun>> parse_task_runs(std::string_view body);
JsonResult<std::vector<Flow>> parse_flows(std::string_view body);
JsonResult<std::vector<Deployment>> parse_deployments(std::string_view body);
JsonResult<std::vector<WorkPool>> parse_work_pools(std::string_view body);
JsonResult<std::vector<WorkQueue>> parse_work_queues(std::string_view body);
JsonResult<std::vector<Worker>> parse_workers(std::string_view body);
JsonResult<WorkQueueStatus> parse_work_queue_status(std::string_view body);
JsonResult<std::vector<HistoryInterval>> parse_run_history(std::string_view body);
JsonResult<EventPage> parse_event_page(std::string_view body);
// /version and /admin/version: a JSON string.
JsonResult<std::string> parse_version(std::string_view body);
// GET /csrf-token?client=<id> (servers with CSRF protection on).
struct CsrfToken {
  std::string token;
  std::string client;
  std::optional<Timestamp> expiration;  // always set in a decoded token
};
JsonResult<CsrfToken> parse_csrf_token(std::string_view body);
// Every /count route: a JSON integer.
JsonResult<std::int64_t> parse_count(std::string_view body);

// The sentence in an error body: `detail` when it is a string (HTTPException,
// e.g. 404 or the limit check), else `exception_message` plus the first
// validation entry's location and msg (422). nullopt when neither is there.
std::optional<std::string> parse_api_error(std::string_view body);

}  // namespace flowgate::collectors::prefect

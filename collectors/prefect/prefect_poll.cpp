#include "collectors/prefect/prefect_poll.hpp"

#include <algorithm>
#include <map>
#include <unordered_set>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "exposition/rfc3339.hpp"

namespace flowgate::collectors::prefect {

namespace {

constexpr std::string_view kTerminal = R"(["COMPLETED","FAILED","CRASHED","CANCELLED"])";

std::string json_string(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return {buffer.GetString(), buffer.GetSize()};
}

// "2026-11-23T14:00:42.508814Z", as Prefect writes its times.
std::string json_time(Timestamp at) {
  return json_string(exposition::format_rfc3339(at, exposition::SecondFraction::micros));
}

// Percent-encoding for a path segment or a query value: everything but the
// unreserved characters ('+', '/' and '=' of a base64 page token included).
std::string encode_component(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

PollError bad_body(std::string_view path, const PrefectJsonError& error) {
  return PollError(ClientError(ClientErrorKind::bad_body, 200,
                               std::string(path) + ": undecodable response: " + error.describe()));
}

template <typename T>
using Parse = JsonResult<std::vector<T>> (*)(std::string_view);

template <typename T>
using PollValue = boost::system::result<T, PollError>;

// Every page of a /filter route: `members` are the filter and sort members
// of the body; pages of `plan.page_size` until a short page; rows deduped by
// `key` (offset paging over a changing table can repeat a row). More than
// `plan.max_pages` pages is an error, unless `first_pages_only`: then the
// rows of those pages.
template <typename T, typename Key>
PollValue<std::vector<T>> read_pages(PrefectClient& client, const PollPlan& plan, std::string_view path,
                                     const std::string& members, Parse<T> parse, Key key,
                                     bool first_pages_only = false) {
  std::vector<T> rows;
  std::unordered_set<std::string> seen;
  for (std::size_t page = 0; page < plan.max_pages; ++page) {
    const std::string body = "{" + members + (members.empty() ? "" : ",") +
                             "\"limit\":" + std::to_string(plan.page_size) +
                             ",\"offset\":" + std::to_string(page * plan.page_size) + "}";
    auto text = client.post(path, body);
    if (!text) return PollError(text.error());
    auto decoded = parse(*text);
    if (!decoded) return bad_body(path, decoded.error());
    const std::size_t got = decoded->size();
    for (auto& row : *decoded) {
      if (seen.insert(key(row)).second) rows.push_back(std::move(row));
    }
    if (got < plan.page_size) return rows;
  }
  if (first_pages_only) return rows;
  return PollError(ClientError(ClientErrorKind::bad_body, 200,
                               std::string(path) + ": more than " + std::to_string(plan.max_pages) +
                                   " pages; refusing a partial read"));
}

const auto by_id = [](const auto& row) { return row.id; };

PollValue<std::vector<FlowRun>> read_flow_runs(PrefectClient& client, const PollPlan& plan, const std::string& members) {
  return read_pages<FlowRun>(client, plan, "/flow_runs/filter", members, &parse_flow_runs, by_id);
}

PollValue<std::vector<TaskRun>> read_task_runs(PrefectClient& client, const PollPlan& plan, const std::string& members) {
  return read_pages<TaskRun>(client, plan, "/task_runs/filter", members, &parse_task_runs, by_id);
}

// Terminal runs that ended at `after` or later, newest first.
std::string ended_after_members(std::string_view entity, Timestamp after) {
  return "\"" + std::string(entity) + "\":{\"state\":{\"type\":{\"any_\":" + std::string(kTerminal) +
         "}},\"end_time\":{\"after_\":" + json_time(after) + "}},\"sort\":\"END_TIME_DESC\"";
}

std::string finished_members(std::string_view entity, std::optional<Timestamp> watermark, const PollPlan& plan,
                             Timestamp now) {
  return ended_after_members(entity, watermark.value_or(now) - plan.finished_overlap);
}

std::optional<PollError> read_inventory(PrefectClient& client, const PollPlan& plan, PollResult& poll) {
  auto version = client.get("/admin/version");
  if (!version) return PollError(version.error());
  auto decoded_version = parse_version(*version);
  if (!decoded_version) return bad_body("/admin/version", decoded_version.error());
  poll.server_version = std::move(*decoded_version);

  auto flows = read_pages<Flow>(client, plan, "/flows/filter", "", &parse_flows, by_id);
  if (!flows) return flows.error();
  auto deployments = read_pages<Deployment>(client, plan, "/deployments/filter", "", &parse_deployments, by_id);
  if (!deployments) return deployments.error();
  auto pools = read_pages<WorkPool>(client, plan, "/work_pools/filter", "", &parse_work_pools, by_id);
  if (!pools) return pools.error();
  auto queues = read_pages<WorkQueue>(client, plan, "/work_queues/filter", "", &parse_work_queues, by_id);
  if (!queues) return queues.error();
  poll.flows = std::move(*flows);
  poll.deployments = std::move(*deployments);
  poll.work_pools = std::move(*pools);
  poll.work_queues = std::move(*queues);
  return std::nullopt;
}

// Runs per (state type, state name) matching `filter`, from one request for
// one bucket of `path` (/flow_runs/history, /task_runs/history): numbers,
// not rows. History buckets by expected start; the bucket spans the epoch to
// a day ahead so that every run due by then falls in it.
PollValue<std::vector<HistoryStateCount>> read_state_counts(PrefectClient& client, std::string_view path,
                                                            const std::string& filter, Timestamp now) {
  const Timestamp start{};  // the epoch
  const Timestamp end = now + std::chrono::hours{24};
  const double interval = std::chrono::duration<double>(end - start).count();
  const std::string body = "{\"history_start\":" + json_time(start) + ",\"history_end\":" + json_time(end) +
                           ",\"history_interval_seconds\":" + std::to_string(interval) + "," + filter + "}";
  auto text = client.post(path, body);
  if (!text) return PollError(text.error());
  auto history = parse_run_history(*text);
  if (!history) return bad_body(path, history.error());
  std::vector<HistoryStateCount> counts;
  for (auto& bucket : *history) std::move(bucket.states.begin(), bucket.states.end(), std::back_inserter(counts));
  return counts;
}

// Terminal runs per (type, name) over all time for one filter.
std::optional<PollError> read_seed(PrefectClient& client, const std::string& filter, Timestamp now,
                                   const std::string& flow_id, const std::string& deployment_id,
                                   std::vector<FinishedSeed>& out) {
  auto counts = read_state_counts(client, "/flow_runs/history", filter, now);
  if (!counts) return counts.error();
  for (const auto& state : *counts) {
    if (!is_terminal_state_type(state.state_type)) continue;
    out.push_back({flow_id, deployment_id, state.state_type, state.state_name, state.count_runs});
  }
  return std::nullopt;
}

constexpr std::string_view kActive = R"(["PENDING","RUNNING","PAUSED","CANCELLING"])";

// The flow runs with these ids (a gone one is left out), 200 ids a request.
PollValue<std::vector<FlowRun>> read_flow_runs_by_id(PrefectClient& client, const PollPlan& plan,
                                                     const std::vector<std::string>& ids) {
  std::vector<FlowRun> runs;
  for (std::size_t first = 0; first < ids.size(); first += plan.page_size) {
    std::string list;
    for (std::size_t i = first; i < std::min(ids.size(), first + plan.page_size); ++i) {
      if (!list.empty()) list += ',';
      list += json_string(ids[i]);
    }
    auto page = read_flow_runs(client, plan, "\"flow_runs\":{\"id\":{\"any_\":[" + list + "]}}");
    if (!page) return page.error();
    std::move(page->begin(), page->end(), std::back_inserter(runs));
  }
  return runs;
}

// Whether a run counts as current at a poll: active, or SCHEDULED and due by
// `due_by` (the scheduler's future runs are not current).
bool is_current(const FlowRun& run, Timestamp due_by) {
  if (run.state.type == "SCHEDULED") return run.expected_start_time && *run.expected_start_time <= due_by;
  return run.state.type == "PENDING" || run.state.type == "RUNNING" || run.state.type == "PAUSED" ||
         run.state.type == "CANCELLING";
}

// Flow run id -> id of its latest event since `since`: Prefect emits an
// event for every state a run enters (prefect.flow-run.<State name>), so
// these are the runs whose state changed. One event per run (distinct,
// newest first), 50 a page. None when there are more than
// `plan.max_event_pages` pages, or when the server has no events API (404):
// the caller then reads every current run.
using LatestEvents = std::unordered_map<std::string, std::string>;
PollValue<std::optional<LatestEvents>> read_flow_run_events(PrefectClient& client, const PollPlan& plan,
                                                            Timestamp since) {
  static constexpr std::string_view kPrefix = "prefect.flow-run.";
  auto text = client.post("/events/filter",
                          R"({"filter":{"occurred":{"since":)" + json_time(since) +
                              R"(},"event":{"prefix":["prefect.flow-run."],"exclude_name":["prefect.flow-run.heartbeat"]},)"
                              R"("resource":{"distinct":true},"order":"DESC"},"limit":50})");
  LatestEvents latest;
  for (std::size_t page = 0; page < plan.max_event_pages; ++page) {
    if (!text) {
      if (page == 0 && text.error().kind == ClientErrorKind::http_status && text.error().status == 404) {
        return std::optional<LatestEvents>();
      }
      return PollError(text.error());
    }
    auto decoded = parse_event_page(*text);
    if (!decoded) return bad_body("/events/filter", decoded.error());
    for (auto& event : decoded->events) {
      if (event.resource_id.starts_with(kPrefix)) {
        latest.emplace(event.resource_id.substr(kPrefix.size()), std::move(event.id));
      }
    }
    if (!decoded->next_page_token) return std::optional(std::move(latest));
    if (page + 1 == plan.max_event_pages) break;
    text = client.get("/events/filter/next?page-token=" + encode_component(*decoded->next_page_token));
  }
  return std::optional<LatestEvents>();
}

// SCHEDULED runs expected to start by `due_by` (and after `after`).
std::string scheduled_due_members(std::optional<Timestamp> after, Timestamp due_by) {
  return R"("flow_runs":{"state":{"type":{"any_":["SCHEDULED"]}},"expected_start_time":{)" +
         (after ? R"("after_":)" + json_time(*after) + "," : std::string()) + R"("before_":)" + json_time(due_by) +
         R"(}},"sort":"ID_DESC")";
}

// Every current flow run: active states, and SCHEDULED ones due by the
// horizon. Two filter bodies, since OR across state types and time is not
// expressible in one.
PollValue<std::vector<FlowRun>> read_current_flow_runs(PrefectClient& client, const PollPlan& plan, Timestamp now) {
  auto active = read_flow_runs(client, plan,
                               R"("flow_runs":{"state":{"type":{"any_":)" + std::string(kActive) + R"(}}},"sort":"ID_DESC")");
  if (!active) return active.error();
  auto due = read_flow_runs(client, plan, scheduled_due_members(std::nullopt, now + plan.scheduled_horizon));
  if (!due) return due.error();
  std::move(due->begin(), due->end(), std::back_inserter(*active));
  return active;
}

// The previous poll's current runs brought up to date, or none when the
// changes are not known (see read_flow_run_events). Reads by id the runs
// with an event not seen before, except those `finished` holds, and the
// scheduled runs that came due since the last poll (coming due is no
// event); a run that left the current states is dropped.
PollValue<std::optional<std::vector<FlowRun>>> update_current_flow_runs(PrefectClient& client, const PollPlan& plan,
                                                                       const PollRequest& request,
                                                                       const std::vector<FlowRun>& finished,
                                                                       LatestEvents& events_out) {
  const Timestamp since = *request.previous_now - plan.finished_overlap;
  auto events = read_flow_run_events(client, plan, since);
  if (!events) return events.error();
  if (!*events) return std::optional<std::vector<FlowRun>>();
  const Timestamp due_by = request.now + plan.scheduled_horizon;
  auto due = read_flow_runs(client, plan, scheduled_due_members(since + plan.scheduled_horizon, due_by));
  if (!due) return due.error();

  std::map<std::string, FlowRun> current;
  for (const auto& run : *request.previous_current_flow_runs) current.emplace(run.id, run);
  std::unordered_set<std::string> read_already;
  for (const auto& run : finished) {
    read_already.insert(run.id);
    current.erase(run.id);
  }
  for (auto& run : *due) {
    read_already.insert(run.id);
    current.insert_or_assign(run.id, std::move(run));
  }
  std::vector<std::string> to_read;
  const auto seen_before = [&request](const std::string& run_id, const std::string& event_id) {
    const auto* seen = request.previous_flow_run_events;
    if (seen == nullptr) return false;
    const auto before = seen->find(run_id);
    return before != seen->end() && before->second == event_id;
  };
  for (const auto& [run_id, event_id] : **events) {
    if (!seen_before(run_id, event_id) && read_already.insert(run_id).second) to_read.push_back(run_id);
  }
  std::sort(to_read.begin(), to_read.end());  // the same request for the same changes
  auto runs = read_flow_runs_by_id(client, plan, to_read);
  if (!runs) return runs.error();
  for (const auto& id : to_read) current.erase(id);  // left the current states, or deleted
  for (auto& run : *runs) {
    if (is_current(run, due_by)) {
      current.insert_or_assign(run.id, std::move(run));
    } else {
      current.erase(run.id);
    }
  }
  events_out = std::move(**events);
  std::vector<FlowRun> out;
  out.reserve(current.size());
  for (auto& [id, run] : current) out.push_back(std::move(run));
  return std::optional(std::move(out));
}

bool names_unknown_flow_or_deployment(const PollResult& poll) {
  std::unordered_set<std::string_view> flows, deployments;
  for (const auto& flow : poll.flows) flows.insert(flow.id);
  for (const auto& deployment : poll.deployments) deployments.insert(deployment.id);
  for (const auto* runs : {&poll.current_flow_runs, &poll.finished_flow_runs}) {
    for (const auto& run : *runs) {
      if (!flows.contains(run.flow_id)) return true;
      if (!run.deployment_id.empty() && !deployments.contains(run.deployment_id)) return true;
    }
  }
  return false;
}

}  // namespace

namespace {

// Flows, deployments, pools, queues and the version: read, or copied from the
// inventory the previous poll read.
std::optional<PollError> take_inventory(PrefectClient& client, const PollPlan& plan, const PollRequest& request,
                                        PollResult& poll) {
  if (request.read_inventory || request.inventory == nullptr) {
    if (auto error = read_inventory(client, plan, poll)) return error;
    poll.inventory_read = true;
    return std::nullopt;
  }
  poll.server_version = request.inventory->server_version;
  poll.flows = request.inventory->flows;
  poll.deployments = request.inventory->deployments;
  poll.work_pools = request.inventory->work_pools;
  poll.work_queues = request.inventory->work_queues;
  return std::nullopt;
}

// Finished runs first: an updating read of the current runs need not read
// them again by id. The current runs are the previous poll's brought up to
// date where the events allow it, else read whole.
std::optional<PollError> read_flow_run_phase(PrefectClient& client, const PollPlan& plan, const PollRequest& request,
                                             PollResult& poll) {
  auto finished = read_flow_runs(client, plan, finished_members("flow_runs", request.flow_watermark, plan, request.now));
  if (!finished) return finished.error();
  poll.finished_flow_runs = std::move(*finished);
  bool updated_current = false;
  if (request.previous_current_flow_runs != nullptr && request.previous_now) {
    auto updated = update_current_flow_runs(client, plan, request, poll.finished_flow_runs, poll.flow_run_events);
    if (!updated) return updated.error();
    if (*updated) poll.current_flow_runs = std::move(**updated);
    updated_current = updated->has_value();
  }
  if (!updated_current) {
    auto current = read_current_flow_runs(client, plan, request.now);
    if (!current) return current.error();
    poll.current_flow_runs = std::move(*current);
  }
  // A run of a flow or deployment created since the inventory was read: read
  // it again now, so that the run is labelled by names from its first count
  // on (a counter first published under an id would have to stay there).
  if (!poll.inventory_read && names_unknown_flow_or_deployment(poll)) {
    if (auto error = read_inventory(client, plan, poll)) return error;
    poll.inventory_read = true;
  }
  return std::nullopt;
}

// Current task runs are only counted (no flow label): one history bucket
// instead of every row. Task runs left Running by a killed flow never end,
// so rows would make every poll grow with them. Finished task runs are read
// whole, with the flow of retried tasks whose flow run was not read above
// (200 ids a request).
std::optional<PollError> read_task_run_phase(PrefectClient& client, const PollPlan& plan, const PollRequest& request,
                                             PollResult& poll) {
  auto current_tasks = read_state_counts(
      client, "/task_runs/history",
      R"("task_runs":{"state":{"type":{"any_":["SCHEDULED","PENDING","RUNNING","PAUSED","CANCELLING"]}}})", request.now);
  if (!current_tasks) return current_tasks.error();
  poll.current_task_states = std::move(*current_tasks);
  auto finished_tasks =
      read_task_runs(client, plan, finished_members("task_runs", request.task_watermark, plan, request.now));
  if (!finished_tasks) return finished_tasks.error();
  poll.finished_task_runs = std::move(*finished_tasks);

  std::unordered_set<std::string> known;
  for (const auto* runs : {&poll.current_flow_runs, &poll.finished_flow_runs}) {
    for (const auto& run : *runs) known.insert(run.id);
  }
  std::vector<std::string> missing;
  for (const auto& task : poll.finished_task_runs) {
    if (task.run_count > 1 && !task.flow_run_id.empty() && known.insert(task.flow_run_id).second) {
      missing.push_back(task.flow_run_id);
    }
  }
  auto parents = read_flow_runs_by_id(client, plan, missing);
  if (!parents) return parents.error();
  for (const auto& run : *parents) poll.flow_id_by_flow_run_id.emplace(run.id, run.flow_id);
  return std::nullopt;
}

std::optional<PollError> read_workers(PrefectClient& client, const PollPlan& plan, PollResult& poll) {
  for (const auto& pool : poll.work_pools) {
    const std::string path = "/work_pools/" + encode_component(pool.name) + "/workers/filter";
    auto workers = read_pages<Worker>(client, plan, path, "", &parse_workers,
                                      [](const Worker& worker) { return worker.name; });
    if (!workers) return workers.error();
    for (auto& worker : *workers) poll.workers.push_back({pool.name, std::move(worker)});
  }
  return std::nullopt;
}

// Terminal runs per deployment and per flow (ad-hoc runs), bounded by end
// time where the finished reads begin, so that a run is either in the seed
// or counted by a finished read, never both. A run ends (end_time) before
// its transaction commits; the overlap already has to cover that lag, and so
// does this bound (a bound of a few seconds counted runs committed later
// twice on a busy server).
std::optional<PollError> read_seeds(PrefectClient& client, const PollPlan& plan, const PollRequest& request,
                                    PollResult& poll) {
  poll.seed_until = request.now - plan.finished_overlap;
  const std::string terminal_until = "\"state\":{\"type\":{\"any_\":" + std::string(kTerminal) +
                                     "}},\"end_time\":{\"before_\":" + json_time(*poll.seed_until) + "}";
  for (const auto& deployment : poll.deployments) {
    const std::string filter = "\"flow_runs\":{\"deployment_id\":{\"any_\":[" + json_string(deployment.id) +
                               "]}," + terminal_until + "}";
    if (auto error = read_seed(client, filter, request.now, deployment.flow_id, deployment.id, poll.finished_seed)) {
      return error;
    }
  }
  for (const auto& flow : poll.flows) {
    const std::string filter = "\"flows\":{\"id\":{\"any_\":[" + json_string(flow.id) +
                               "]}},\"flow_runs\":{\"deployment_id\":{\"is_null_\":true}," + terminal_until + "}";
    if (auto error = read_seed(client, filter, request.now, flow.id, "", poll.finished_seed)) return error;
  }
  return std::nullopt;
}

// --prefect.compat-prefecthq's reads (PollRequest::compat_*). The window
// reads are the first poll's only, newest first and capped, so that a huge
// window costs a bounded read once, not a read of every run at each poll.
std::optional<PollError> read_compat(PrefectClient& client, const PollPlan& plan, const PollRequest& request,
                                     PollResult& poll) {
  PollPlan capped = plan;
  capped.max_pages = plan.compat_max_pages;
  if (request.compat_window_since) {
    auto runs = read_pages<FlowRun>(client, capped, "/flow_runs/filter",
                                    ended_after_members("flow_runs", *request.compat_window_since),
                                    &parse_flow_runs, by_id, true);
    if (!runs) return runs.error();
    poll.compat_window_runs = std::move(*runs);
  }
  if (request.compat_failed_since) {
    auto runs = read_pages<FlowRun>(client, capped, "/flow_runs/filter",
                                    R"("flow_runs":{"state":{"type":{"any_":["FAILED","CRASHED"]}},"start_time":{"after_":)" +
                                        json_time(*request.compat_failed_since) +
                                        R"(},"deployment_id":{"is_null_":false}},"sort":"START_TIME_DESC")",
                                    &parse_flow_runs, by_id, true);
    if (!runs) return runs.error();
    poll.compat_failed_runs = std::move(*runs);
  }
  if (request.compat_read_work_queues && !poll.inventory_read) {
    auto queues = read_pages<WorkQueue>(client, plan, "/work_queues/filter", "", &parse_work_queues, by_id);
    if (!queues) return queues.error();
    poll.work_queues = std::move(*queues);
  }
  return std::nullopt;
}

}  // namespace

boost::system::result<PollResult, PollError> read_poll(PrefectClient& client, const PollPlan& plan,
                                                       const PollRequest& request) {
  PollResult poll;
  poll.now = request.now;
  if (auto error = take_inventory(client, plan, request, poll)) return *error;
  if (auto error = read_flow_run_phase(client, plan, request, poll)) return *error;
  if (auto error = read_task_run_phase(client, plan, request, poll)) return *error;
  if (auto error = read_workers(client, plan, poll)) return *error;
  if (request.read_seed) {
    if (auto error = read_seeds(client, plan, request, poll)) return *error;
  }
  if (auto error = read_compat(client, plan, request, poll)) return *error;
  return poll;
}

}  // namespace flowgate::collectors::prefect

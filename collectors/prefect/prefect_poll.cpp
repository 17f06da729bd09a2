#include "collectors/prefect/prefect_poll.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowgate::collectors::prefect {

namespace {

constexpr std::string_view kTerminal = R"(["COMPLETED","FAILED","CRASHED","CANCELLED"])";

std::string json_string(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return {buffer.GetString(), buffer.GetSize()};
}

std::string json_time(Timestamp at) { return json_string(format_timestamp(at)); }

// Path segment percent-encoding for names in routes (/work_pools/{name}/...).
std::string encode_segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '_' || c == '.' || c == '~';
    if (plain) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
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
// `key` (offset paging over a changing table can repeat a row).
template <typename T, typename Key>
PollValue<std::vector<T>> read_pages(PrefectClient& client, const PollPlan& plan, std::string_view path,
                                     const std::string& members, Parse<T> parse, Key key) {
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

std::string finished_members(std::string_view entity, std::optional<Timestamp> watermark, const PollPlan& plan,
                             Timestamp now) {
  const Timestamp after = watermark.value_or(now) - plan.finished_overlap;
  return "\"" + std::string(entity) + "\":{\"state\":{\"type\":{\"any_\":" + std::string(kTerminal) +
         "}},\"end_time\":{\"after_\":" + json_time(after) + "}},\"sort\":\"END_TIME_DESC\"";
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

// Terminal runs per (type, name) over all time for one filter, in one bucket.
std::optional<PollError> read_seed(PrefectClient& client, const std::string& filter, Timestamp now,
                                   const std::string& flow_id, const std::string& deployment_id,
                                   std::vector<FinishedSeed>& out) {
  const Timestamp start{};  // the epoch
  const Timestamp end = now + std::chrono::hours{24};
  const double interval = std::chrono::duration<double>(end - start).count();
  const std::string body = "{\"history_start\":" + json_time(start) + ",\"history_end\":" + json_time(end) +
                           ",\"history_interval_seconds\":" + std::to_string(interval) + "," + filter + "}";
  auto text = client.post("/flow_runs/history", body);
  if (!text) return PollError(text.error());
  auto history = parse_flow_run_history(*text);
  if (!history) return bad_body("/flow_runs/history", history.error());
  for (const auto& bucket : *history) {
    for (const auto& state : bucket.states) {
      if (!is_terminal_state_type(state.state_type)) continue;
      out.push_back({flow_id, deployment_id, state.state_type, state.state_name, state.count_runs});
    }
  }
  return std::nullopt;
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

std::string format_timestamp(Timestamp at) {
  const auto days = std::chrono::floor<std::chrono::days>(at);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss<std::chrono::microseconds> time{at - days};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
  return text;
}

boost::system::result<PollResult, PollError> read_poll(PrefectClient& client, const PollPlan& plan,
                                                       const PollRequest& request) {
  PollResult poll;
  poll.now = request.now;
  if (request.read_inventory || request.inventory == nullptr) {
    if (auto error = read_inventory(client, plan, poll)) return *error;
    poll.inventory_read = true;
  } else {
    poll.server_version = request.inventory->server_version;
    poll.flows = request.inventory->flows;
    poll.deployments = request.inventory->deployments;
    poll.work_pools = request.inventory->work_pools;
    poll.work_queues = request.inventory->work_queues;
  }

  // Current flow runs: active states, and SCHEDULED ones due soon (the
  // scheduler's future runs are not "current").
  auto active = read_flow_runs(
      client, plan, R"("flow_runs":{"state":{"type":{"any_":["PENDING","RUNNING","PAUSED","CANCELLING"]}}},"sort":"ID_DESC")");
  if (!active) return active.error();
  auto due = read_flow_runs(client, plan,
                            R"("flow_runs":{"state":{"type":{"any_":["SCHEDULED"]}},"expected_start_time":{"before_":)" +
                                json_time(request.now + plan.scheduled_horizon) + R"(}},"sort":"ID_DESC")");
  if (!due) return due.error();
  poll.current_flow_runs = std::move(*active);
  std::move(due->begin(), due->end(), std::back_inserter(poll.current_flow_runs));

  auto finished = read_flow_runs(client, plan, finished_members("flow_runs", request.flow_watermark, plan, request.now));
  if (!finished) return finished.error();
  poll.finished_flow_runs = std::move(*finished);
  // A run of a flow or deployment created since the inventory was read: read
  // it again now, so that the run is labelled by names from its first count
  // on (a counter first published under an id would have to stay there).
  if (!poll.inventory_read && names_unknown_flow_or_deployment(poll)) {
    if (auto error = read_inventory(client, plan, poll)) return *error;
    poll.inventory_read = true;
  }

  auto current_tasks = read_task_runs(
      client, plan,
      R"("task_runs":{"state":{"type":{"any_":["SCHEDULED","PENDING","RUNNING","PAUSED","CANCELLING"]}}},"sort":"ID_DESC")");
  if (!current_tasks) return current_tasks.error();
  poll.current_task_runs = std::move(*current_tasks);
  auto finished_tasks =
      read_task_runs(client, plan, finished_members("task_runs", request.task_watermark, plan, request.now));
  if (!finished_tasks) return finished_tasks.error();
  poll.finished_task_runs = std::move(*finished_tasks);

  // Flow of retried tasks whose flow run was not read above, 200 ids a request.
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
  for (std::size_t first = 0; first < missing.size(); first += plan.page_size) {
    std::string ids;
    for (std::size_t i = first; i < std::min(missing.size(), first + plan.page_size); ++i) {
      ids += (ids.empty() ? "" : ",") + json_string(missing[i]);
    }
    auto parents = read_flow_runs(client, plan, "\"flow_runs\":{\"id\":{\"any_\":[" + ids + "]}}");
    if (!parents) return parents.error();
    for (const auto& run : *parents) poll.flow_id_by_flow_run_id.emplace(run.id, run.flow_id);
  }

  for (const auto& pool : poll.work_pools) {
    const std::string path = "/work_pools/" + encode_segment(pool.name) + "/workers/filter";
    auto workers = read_pages<Worker>(client, plan, path, "", &parse_workers,
                                      [](const Worker& worker) { return worker.name; });
    if (!workers) return workers.error();
    for (auto& worker : *workers) poll.workers.push_back({pool.name, std::move(worker)});
  }

  if (request.read_seed) {
    for (const auto& deployment : poll.deployments) {
      const std::string filter = "\"flow_runs\":{\"deployment_id\":{\"any_\":[" + json_string(deployment.id) +
                                 "]},\"state\":{\"type\":{\"any_\":" + std::string(kTerminal) + "}}}";
      if (auto error = read_seed(client, filter, request.now, deployment.flow_id, deployment.id, poll.finished_seed)) {
        return *error;
      }
    }
    for (const auto& flow : poll.flows) {
      const std::string filter = "\"flows\":{\"id\":{\"any_\":[" + json_string(flow.id) +
                                 "]}},\"flow_runs\":{\"deployment_id\":{\"is_null_\":true},\"state\":{\"type\":{\"any_\":" +
                                 std::string(kTerminal) + "}}}";
      if (auto error = read_seed(client, filter, request.now, flow.id, "", poll.finished_seed)) return *error;
    }
  }
  return poll;
}

}  // namespace flowgate::collectors::prefect

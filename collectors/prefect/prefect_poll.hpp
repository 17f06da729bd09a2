#pragma once
// One poll of the Prefect API as docs/design-notes/prefect-collector.md plans
// it: current runs, runs finished since the watermarks (minus the overlap),
// workers per pool, and, when asked, the inventories and the first-poll seed.
// Either every request succeeds and a whole PollResult comes back, or the
// first failure is returned and nothing read is kept. Blocks on the client;
// same thread rules as PrefectClient.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/system/result.hpp>

#include "collectors/prefect/prefect_client.hpp"
#include "collectors/prefect/prefect_model.hpp"

namespace flowgate::collectors::prefect {

struct PollPlan {
  std::size_t page_size = 200;  // Prefect's cap (PREFECT_SERVER_API_DEFAULT_LIMIT)
  std::size_t max_pages = 500;  // per paged read; more is an error, not a partial result
  std::chrono::seconds finished_overlap{120};
  std::chrono::seconds scheduled_horizon{60};  // SCHEDULED runs due within this count as current
  // Pages of flow-run events (50 each) an incremental poll reads before it
  // reads every current run instead, which is then the cheaper read.
  std::size_t max_event_pages = 20;
  // Pages of the compatibility mode's first-poll window reads: more are not
  // read (the oldest runs of a huge window are left out), not an error.
  std::size_t compat_max_pages = 25;
};

struct PollRequest {
  Timestamp now;
  std::optional<Timestamp> flow_watermark;  // from PrefectState; none: read the overlap before `now`
  std::optional<Timestamp> task_watermark;
  bool read_inventory = true;  // flows, deployments, pools, queues, version
  bool read_seed = false;      // /flow_runs/history per deployment and per flow (needs the inventory)
  // Used when read_inventory is false (the collector's last inventory).
  const PollResult* inventory = nullptr;
  // The current flow runs a previous poll returned and that poll's `now`.
  // With both, only the runs with a flow-run event since then (less the
  // overlap) and the scheduled runs that came due are read, and merged into
  // these; without, every current run is read.
  const std::vector<FlowRun>* previous_current_flow_runs = nullptr;
  std::optional<Timestamp> previous_now;
  // Flow run id -> id of its latest event, as the previous poll saw them
  // (PollResult::flow_run_events): a run whose latest event is unchanged is
  // not read again while its event stays in the overlap window.
  const std::unordered_map<std::string, std::string>* previous_flow_run_events = nullptr;
  // --prefect.compat-prefecthq (plan_compat_reads): the terminal runs that
  // ended since, the failed and crashed deployment runs started since (both
  // capped at PollPlan::compat_max_pages, newest first), and the work queues
  // at every poll (their last_polled gives the exporter's health label).
  std::optional<Timestamp> compat_window_since;
  std::optional<Timestamp> compat_failed_since;
  bool compat_read_work_queues = false;
};

struct PollError {
  PollError() = default;
  explicit PollError(ClientError client_error) : client(std::move(client_error)) {}
  ClientError client;  // kind throttled carries retry_after
};

boost::system::result<PollResult, PollError> read_poll(PrefectClient& client, const PollPlan& plan,
                                                       const PollRequest& request);

}  // namespace flowgate::collectors::prefect

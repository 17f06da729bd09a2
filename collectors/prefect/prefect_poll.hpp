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

#include <boost/system/result.hpp>

#include "collectors/prefect/prefect_client.hpp"
#include "collectors/prefect/prefect_model.hpp"

namespace flowgate::collectors::prefect {

struct PollPlan {
  std::size_t page_size = 200;  // Prefect's cap (PREFECT_SERVER_API_DEFAULT_LIMIT)
  std::size_t max_pages = 500;  // per paged read; more is an error, not a partial result
  std::chrono::seconds finished_overlap{120};
  std::chrono::seconds scheduled_horizon{60};  // SCHEDULED runs due within this count as current
};

struct PollRequest {
  Timestamp now;
  std::optional<Timestamp> flow_watermark;  // from PrefectState; none: read the overlap before `now`
  std::optional<Timestamp> task_watermark;
  bool read_inventory = true;  // flows, deployments, pools, queues, version
  bool read_seed = false;      // /flow_runs/history per deployment and per flow (needs the inventory)
  // Used when read_inventory is false (the collector's last inventory).
  const PollResult* inventory = nullptr;
};

struct PollError {
  PollError() = default;
  explicit PollError(ClientError client_error) : client(std::move(client_error)) {}
  ClientError client;  // kind throttled carries retry_after
};

boost::system::result<PollResult, PollError> read_poll(PrefectClient& client, const PollPlan& plan,
                                                       const PollRequest& request);

// "2026-11-23T14:00:42.508814Z".
std::string format_timestamp(Timestamp at);

}  // namespace flowgate::collectors::prefect

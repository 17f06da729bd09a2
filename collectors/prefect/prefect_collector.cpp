#include "collectors/prefect/prefect_collector.hpp"

#include <algorithm>
#include <functional>

#include "collectors/name_filter.hpp"
#include "collectors/prefect/prefect_state_file.hpp"

namespace flowgate::collectors::prefect {

namespace {

Timestamp now_utc() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

std::shared_ptr<const NameFilter> compile(const std::string& pattern, std::string_view flag) {
  return pattern.empty() ? nullptr : std::make_shared<const NameFilter>(pattern, flag);
}

// NameFilter "excludes" what it matches: an include keeps what it matches.
std::function<bool(std::string_view, std::string_view)> name_selection(const PrefectCollectorOptions& options) {
  auto flows_include = compile(options.flows_include, "--prefect.flows-include");
  auto flows_exclude = compile(options.flows_exclude, "--prefect.flows-exclude");
  auto deployments_include = compile(options.deployments_include, "--prefect.deployments-include");
  auto deployments_exclude = compile(options.deployments_exclude, "--prefect.deployments-exclude");
  if (!flows_include && !flows_exclude && !deployments_include && !deployments_exclude) return {};
  return [=](std::string_view flow, std::string_view deployment) {
    if (flows_include && !flows_include->excludes(flow)) return false;
    if (flows_exclude && flows_exclude->excludes(flow)) return false;
    if (deployments_include && !deployments_include->excludes(deployment)) return false;
    return !(deployments_exclude && deployments_exclude->excludes(deployment));
  };
}

}  // namespace

boost::system::result<std::unique_ptr<PrefectCollector>, EndpointError> PrefectCollector::create(
    PrefectCollectorOptions options) {
  auto endpoint = make_endpoint(options.api_url, options.api_key, options.auth_string);
  if (!endpoint) return endpoint.error();
  auto proxy = choose_proxy(*endpoint, options.proxy);
  if (!proxy) return proxy.error();
  options.client.proxy = std::move(*proxy);
  options.model.keep = name_selection(options);
  PrefectClient client(std::move(*endpoint), options.client);
  return std::unique_ptr<PrefectCollector>(new PrefectCollector(std::move(options), std::move(client)));
}

PrefectCollector::PrefectCollector(PrefectCollectorOptions options, PrefectClient client)
    : options_(std::move(options)), client_(std::move(client)) {
  if (options_.state_file.empty()) return;
  auto loaded = load_state_file(options_.state_file, options_.api_url, options_.model);
  state_file_warning_ = std::move(loaded.warning);
  if (loaded.state) {
    state_ = std::move(*loaded.state);
    saved_state_ = state_to_json(state_, options_.api_url, options_.model);
  }
}

bool PrefectCollector::refresh() {
  client_.set_deadline(std::chrono::steady_clock::now() + options_.poll_timeout);
  const bool ok = published_.refresh_with([this] { return gather(); });
  client_.set_deadline(std::nullopt);
  spent_.store(std::make_shared<const Spent>(Spent{spent_.load()->polls + 1, client_.stats()}));
  return ok;
}

std::optional<MetricFamilies> PrefectCollector::gather() {
  const auto started = std::chrono::steady_clock::now();
  if (started < not_before_) {
    last_error_.store(std::make_shared<const std::string>("waiting for Prefect's Retry-After"));
    return std::nullopt;
  }
  PollRequest request;
  request.now = now_utc();
  request.flow_watermark = state_.watermark;
  request.task_watermark = state_.task_watermark;
  request.read_inventory = !inventory_ || started - inventory_read_at_ >= options_.inventory_interval;
  request.read_seed = options_.seed_finished_counters && !state_.seeded;
  request.inventory = inventory_ ? &*inventory_ : nullptr;
  if (!request.read_inventory && current_read_at_) {
    request.previous_current_flow_runs = &current_flow_runs_;
    request.previous_now = current_read_at_;
    request.previous_flow_run_events = &flow_run_events_;
  }
  plan_compat_reads(state_.compat, options_.model.compat, request);

  auto poll = read_poll(client_, options_.plan, request);
  if (!poll) {
    const ClientError& error = poll.error().client;
    if (error.kind == ClientErrorKind::throttled) {
      const auto wait = std::min(error.retry_after.value_or(options_.retry_after_cap / 60), options_.retry_after_cap);
      not_before_ = std::chrono::steady_clock::now() + wait;
    }
    last_error_.store(std::make_shared<const std::string>(error.message));
    return std::nullopt;
  }
  if (poll->inventory_read) {
    inventory_ = PollResult{};
    inventory_->server_version = poll->server_version;
    inventory_->flows = poll->flows;
    inventory_->deployments = poll->deployments;
    inventory_->work_pools = poll->work_pools;
    inventory_->work_queues = poll->work_queues;
    inventory_read_at_ = started;
  }
  current_flow_runs_ = poll->current_flow_runs;
  current_read_at_ = request.now;
  flow_run_events_ = std::move(poll->flow_run_events);
  auto outcome = build_families(state_, *poll, options_.model);
  state_ = std::move(outcome.state);
  last_error_.store(std::make_shared<const std::string>());
  save_state();
  return std::move(outcome.families);
}

// Written only when the counters moved: an idle poll costs no disk write.
void PrefectCollector::save_state() {
  if (options_.state_file.empty()) return;
  auto text = state_to_json(state_, options_.api_url, options_.model);
  if (text == saved_state_) return;
  auto written = write_state_file(options_.state_file, text);
  state_file_error_.store(std::make_shared<const std::string>(written ? std::string() : written.error().message));
  if (written) saved_state_ = std::move(text);
}

std::vector<prometheus::MetricFamily> PrefectCollector::Collect() const {
  auto families = published_.families();
  const bool up = published_.last_success();
  auto prefect_up = std::find_if(families.begin(), families.end(),
                                 [](const prometheus::MetricFamily& family) { return family.name == "prefect_up"; });
  if (prefect_up != families.end()) {
    for (auto& metric : prefect_up->metric) metric.gauge.value = up ? 1 : 0;
  } else {
    prometheus::MetricFamily family;
    family.name = "prefect_up";
    family.help = "1 if the last poll of the Prefect API succeeded.";
    family.type = prometheus::MetricType::Gauge;
    family.metric.emplace_back().gauge.value = up ? 1 : 0;
    families.insert(families.begin(), std::move(family));
  }
  const auto counter = [&families](std::string name, std::string help, std::uint64_t value) {
    prometheus::MetricFamily family;
    family.name = std::move(name);
    family.help = std::move(help);
    family.type = prometheus::MetricType::Counter;
    family.metric.emplace_back().counter.value = static_cast<double>(value);
    families.push_back(std::move(family));
  };
  const auto spent = spent_.load();
  counter("flowgate_prefect_polls_total", "Polls of the Prefect API, failed ones included.", spent->polls);
  counter("flowgate_prefect_requests_total",
          "HTTP requests sent to the Prefect API (retries and resends included).", spent->client.requests);
  counter("flowgate_prefect_response_bytes_total", "Bytes of Prefect API response bodies read.",
          spent->client.response_bytes);
  if (options_.client.csrf) {
    counter("flowgate_prefect_csrf_token_fetches_total", "CSRF tokens requested from Prefect (--prefect.csrf).",
            spent->client.csrf_token_fetches);
  }
  return families;
}

std::string PrefectCollector::last_error() const { return *last_error_.load(); }

}  // namespace flowgate::collectors::prefect

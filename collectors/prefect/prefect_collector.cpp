#include "collectors/prefect/prefect_collector.hpp"

#include <algorithm>
#include <functional>

#include "collectors/name_filter.hpp"
#include "collectors/prefect/prefect_event.hpp"
#include "collectors/prefect/prefect_state_file.hpp"

namespace flowgate::collectors::prefect {

namespace {

constexpr std::size_t kReplayLimit = 100'000;

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
  // The event stream dials Prefect directly: behind a proxy only the polls run.
  if (options.client.proxy) options.events = false;
  options.model.keep = name_selection(options);
  PrefectClient client(*endpoint, options.client);
  return std::unique_ptr<PrefectCollector>(new PrefectCollector(std::move(options), std::move(client), *endpoint));
}

PrefectCollector::PrefectCollector(PrefectCollectorOptions options, PrefectClient client,
                                   const PrefectEndpoint& endpoint)
    : options_(std::move(options)), client_(std::move(client)) {
  if (options_.events) {
    const std::string& token = !options_.auth_string.empty() ? options_.auth_string : options_.api_key;
    events_ = std::make_unique<EventStream>(
        endpoint, token, options_.event_stream, [this](std::string_view message) { apply_event_message(message); },
        options_.on_event_stream_change);
  }
  if (options_.state_file.empty()) return;
  auto loaded = load_state_file(options_.state_file, options_.api_url, options_.model);
  state_file_warning_ = std::move(loaded.warning);
  if (loaded.state) {
    state_ = std::move(*loaded.state);
    saved_state_ = state_to_json(state_, options_.api_url, options_.model);
  }
}

void PrefectCollector::cancel() {
  client_.cancel();
  if (events_) events_->cancel();
}

bool PrefectCollector::refresh() {
  if (events_) events_->start();
  client_.set_deadline(std::chrono::steady_clock::now() + options_.poll_timeout);
  const bool ok = published_.refresh_with([this] { return gather(); });
  republish_if_events_moved();
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
  {
    std::lock_guard lock(model_mutex_);
    request.flow_watermark = state_.watermark;
    request.task_watermark = state_.task_watermark;
    request.read_seed = options_.seed_finished_counters && !state_.seeded;
    polling_ = true;
    replay_.clear();
  }
  request.read_inventory = !inventory_ || started - inventory_read_at_ >= options_.inventory_interval;
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
    std::lock_guard lock(model_mutex_);
    polling_ = false;
    replay_.clear();
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
  auto families = install(*poll);
  last_error_.store(std::make_shared<const std::string>());
  save_state();
  return families;
}

// The poll's outcome becomes the state; events that arrived while it was in
// flight are applied again on top (those it already holds are duplicates or
// stale by then), so the gauges are the poll's view plus what happened since.
MetricFamilies PrefectCollector::install(const PollResult& poll) {
  std::lock_guard lock(model_mutex_);
  auto outcome = build_families(state_, poll, options_.model);
  state_ = std::move(outcome.state);
  install_poll(live_, poll, options_.model);
  polling_ = false;
  bool moved = false;
  for (const auto& event : replay_) {
    moved = apply_state_event(state_, live_, event, options_.model) == EventOutcome::applied || moved;
  }
  replay_.clear();
  published_version_ = state_version_;
  if (!moved) return std::move(outcome.families);
  auto updated = render_state_families(state_, options_.model);
  for (auto& family : outcome.families) {
    for (auto& fresh : updated) {
      if (fresh.name == family.name) family = std::move(fresh);
    }
  }
  return std::move(outcome.families);
}

EventOutcome PrefectCollector::apply_event_message(std::string_view message) {
  const auto decoded = parse_stream_message(message);
  EventOutcome outcome = EventOutcome::not_a_state_event;
  if (!decoded) {
    outcome = EventOutcome::undecodable;
  } else if (decoded->kind == StreamMessageKind::state_event) {
    std::lock_guard lock(model_mutex_);
    outcome = apply_state_event(state_, live_, *decoded->event, options_.model);
    // Bounded: past the cap the next poll heals what is not applied again.
    if (polling_ && replay_.size() < kReplayLimit) replay_.push_back(*decoded->event);
    if (outcome == EventOutcome::applied) {
      ++state_version_;
      publish_state_families();
    }
  }
  event_outcomes_[static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  return outcome;
}

// Under model_mutex_: the published families with those the state alone
// gives replaced (the rest, from the last poll, stay as they are).
void PrefectCollector::publish_state_families() {
  auto families = published_.families();
  auto updated = render_state_families(state_, options_.model);
  for (auto& family : families) {
    for (auto& fresh : updated) {
      if (fresh.name == family.name) family = std::move(fresh);
    }
  }
  published_.replace(std::move(families));
  published_version_ = state_version_;
}

// An event applied between the poll's install and its publication was
// published first and then overwritten by the poll's families.
void PrefectCollector::republish_if_events_moved() {
  std::lock_guard lock(model_mutex_);
  if (state_version_ != published_version_) publish_state_families();
}

// Written only when the counters moved: an idle poll costs no disk write.
void PrefectCollector::save_state() {
  if (options_.state_file.empty()) return;
  std::string text;
  {
    std::lock_guard lock(model_mutex_);
    text = state_to_json(state_, options_.api_url, options_.model);
  }
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
  add_event_families(families);
  return families;
}

void PrefectCollector::add_event_families(MetricFamilies& families) const {
  if (!events_) return;
  prometheus::MetricFamily outcomes;
  outcomes.name = "flowgate_prefect_events_total";
  outcomes.help = "Messages of Prefect's event stream by what became of them.";
  outcomes.type = prometheus::MetricType::Counter;
  const auto counts = event_outcomes();
  for (std::size_t i = 0; i < counts.size(); ++i) {
    auto& metric = outcomes.metric.emplace_back();
    metric.label.push_back({"outcome", std::string(outcome_name(static_cast<EventOutcome>(i)))});
    metric.counter.value = static_cast<double>(counts[i]);
  }
  families.push_back(std::move(outcomes));
  const auto stream = events_->stats();
  const auto single = [&families](std::string name, std::string help, prometheus::MetricType type, double value) {
    prometheus::MetricFamily family;
    family.name = std::move(name);
    family.help = std::move(help);
    family.type = type;
    auto& metric = family.metric.emplace_back();
    (type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value) = value;
    families.push_back(std::move(family));
  };
  single("flowgate_prefect_event_stream_reconnects_total",
         "Connection attempts to Prefect's event stream after the first.", prometheus::MetricType::Counter,
         static_cast<double>(stream.reconnects));
  single("flowgate_prefect_event_stream_connected", "1 while subscribed to Prefect's event stream.",
         prometheus::MetricType::Gauge, stream.connected ? 1 : 0);
}

std::array<std::uint64_t, kEventOutcomes> PrefectCollector::event_outcomes() const {
  std::array<std::uint64_t, kEventOutcomes> counts{};
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = event_outcomes_[i].load(std::memory_order_relaxed);
  return counts;
}

std::optional<EventStreamStats> PrefectCollector::event_stream_stats() const {
  if (!events_) return std::nullopt;
  return events_->stats();
}

std::string PrefectCollector::last_error() const { return *last_error_.load(); }

}  // namespace flowgate::collectors::prefect

#pragma once
// The Prefect collector: polls the Prefect REST API on the exporter's
// scheduler thread (refresh()) following docs/design-notes/prefect-collector.md
// and publishes the families of docs/metrics.md; Collect() never touches the
// network. A failed poll keeps the last families (marked by prefect_up 0) and
// the counters' state; after 429/503 no request is sent before Retry-After.
// Collect() also reports the polls, API requests and bytes spent so far
// (flowgate_prefect_polls_total, _requests_total, _response_bytes_total).
// With `events`, Prefect's event stream (prefect_event_stream.hpp, started by
// the first refresh(), on its own thread) moves the run families between
// polls (prefect_event_apply.hpp: the poll stays the reconciliation and
// wins for gauges; no run is counted twice), and Collect() adds
// flowgate_prefect_events_total{outcome} and the stream's state.
// refresh() from one thread at a time; the rest is safe from any thread.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>
#include <prometheus/metric_family.h>

#include "collectors/collector.hpp"
#include "collectors/prefect/prefect_client.hpp"
#include "collectors/prefect/prefect_event_apply.hpp"
#include "collectors/prefect/prefect_event_stream.hpp"
#include "collectors/prefect/prefect_model.hpp"
#include "collectors/prefect/prefect_poll.hpp"
#include "collectors/published.hpp"
#include "collectors/published_families.hpp"

namespace flowgate::collectors::prefect {

struct PrefectCollectorOptions {
  std::string api_url;      // PREFECT_API_URL
  std::string api_key;      // PREFECT_API_KEY (bearer)
  std::string auth_string;  // PREFECT_API_AUTH_STRING (basic; wins over the key)
  std::chrono::milliseconds interval{30'000};
  std::chrono::milliseconds inventory_interval{300'000};
  // The whole poll's deadline (every request and retry of one refresh());
  // a poll that runs out of it fails like any other.
  std::chrono::milliseconds poll_timeout{60'000};
  std::chrono::seconds retry_after_cap{1800};
  bool seed_finished_counters = true;
  // RE2 regexes matched anywhere in the name, empty for none; runs of
  // a flow or deployment are reported when no exclude and every given include
  // matches. A pattern that does not compile throws std::invalid_argument
  // naming the flag (start-up misconfiguration), as the host collector's do.
  std::string flows_include, flows_exclude, deployments_include, deployments_exclude;
  // Where the counters are kept across restarts (prefect_state_file.hpp):
  // loaded by create(), rewritten after each poll that changed them; empty:
  // nowhere (only the finished-runs counter continues, through the seed).
  std::string state_file;
  // The proxy settings (--prefect.proxy-url, $HTTPS_PROXY, ...): create()
  // chooses client.proxy from them, and refuses a proxy URL it cannot use.
  ProxySettings proxy;
  ClientOptions client;
  PollPlan plan;
  ModelOptions model;
  // Subscribe to Prefect's event stream (--prefect.events); its token is
  // the auth string, else the API key.
  bool events = false;
  EventStreamOptions event_stream;
  // Called on the stream's thread at each connect and each disconnect
  // episode, for the caller to log.
  EventStream::ChangeHandler on_event_stream_change;
};

class PrefectCollector final : public Collector {
 public:
  // Fails on an unusable API URL (a start-up misconfiguration).
  static boost::system::result<std::unique_ptr<PrefectCollector>, EndpointError> create(
      PrefectCollectorOptions options);

  std::string_view name() const override { return "prefect"; }
  std::chrono::milliseconds interval() const override { return options_.interval; }
  bool refresh() override;
  // The poll in progress ends at once (PrefectClient::cancel), and the
  // event stream stops for good.
  void cancel() override;
  double last_duration_seconds() const override { return published_.last_duration_seconds(); }
  bool last_success() const override { return published_.last_success(); }
  // The last good poll's families, prefect_up set from the last refresh.
  std::vector<prometheus::MetricFamily> Collect() const override;

  // The last failure's sentence (empty after a success), for the caller to log.
  std::string last_error() const;
  // The client's totals as of the end of the last refresh() (any thread).
  ClientStats client_stats() const { return spent_.load()->client; }
  // refresh() calls so far (polls skipped for Retry-After included).
  std::uint64_t polls() const { return spent_.load()->polls; }
  // Why the state file was not used at start (empty when it was, or when
  // there was none), for the caller to log once.
  const std::string& state_file_warning() const { return state_file_warning_; }
  // The last failure to write the state file (empty after a good write).
  std::string state_file_error() const { return *state_file_error_.load(); }
  // Whether the event stream runs (--prefect.events, no tag labels, no proxy).
  bool events_on() const { return events_ != nullptr; }
  // The proxy the client goes through (nullopt: none).
  const std::optional<ProxyRoute>& client_proxy() const { return options_.client.proxy; }
  // The latest tag refusal (--prefect.tag-labels), empty for none; from
  // refresh()'s thread only.
  const std::string& last_tag_refusal() const { return state_.tags.last_refusal; }
  // Messages of the event stream by what became of them (EventOutcome order).
  std::array<std::uint64_t, kEventOutcomes> event_outcomes() const;
  // The stream's connections so far; none without `events`.
  std::optional<EventStreamStats> event_stream_stats() const;
  // Decodes and applies one message of the stream (the stream's thread;
  // public for tests, which feed messages without a server).
  EventOutcome apply_event_message(std::string_view message);

 private:
  PrefectCollector(PrefectCollectorOptions options, PrefectClient client, const PrefectEndpoint& endpoint);
  std::optional<MetricFamilies> gather();
  MetricFamilies install(const PollResult& poll);
  void republish_if_events_moved();
  void publish_state_families();
  void add_event_families(MetricFamilies& families) const;
  void save_state();

  PrefectCollectorOptions options_;
  PrefectClient client_;
  PublishedFamilies published_;
  // Guards state_, live_, replay_, polling_ and the versions: the poll and
  // the event stream both move the state (never held across I/O).
  mutable std::mutex model_mutex_;
  PrefectState state_;
  LiveRuns live_;
  bool polling_ = false;
  std::vector<StateEvent> replay_;  // applied while a poll was in flight: applied again on top of it
  std::uint64_t state_version_ = 0;      // events applied so far
  std::uint64_t published_version_ = 0;  // state_version_ of the families last published
  std::array<std::atomic<std::uint64_t>, kEventOutcomes> event_outcomes_{};
  // Touched by refresh() only.
  std::optional<PollResult> inventory_;
  std::chrono::steady_clock::time_point inventory_read_at_{};
  // The last good poll's current flow runs and its `now`: the next poll
  // reads only what changed since. Read whole again with every inventory,
  // which also heals a change whose event came too late to be seen.
  std::vector<FlowRun> current_flow_runs_;
  std::optional<Timestamp> current_read_at_;
  std::unordered_map<std::string, std::string> flow_run_events_;
  std::chrono::steady_clock::time_point not_before_{};
  Published<std::string> last_error_;
  std::string state_file_warning_;
  std::string saved_state_;  // the file's content as last written or loaded
  Published<std::string> state_file_error_;
  // Replaced after each refresh(): one snapshot, so that a scrape never sees
  // the requests of a poll without the poll.
  struct Spent {
    std::uint64_t polls = 0;
    ClientStats client;
  };
  Published<Spent> spent_;
  // Last: destroyed (its thread joined) before what its callbacks touch.
  std::unique_ptr<EventStream> events_;
};

}  // namespace flowgate::collectors::prefect

#include "exporter/app.hpp"

#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "collectors/host/host_collector.hpp"
#include "collectors/prefect/prefect_collector.hpp"
#include "collectors/process/process_collector.hpp"
#include "collectors/published.hpp"
#include "exporter/authorization_file.hpp"
#include "exporter/build_info.hpp"
#include "exporter/collector_scheduler.hpp"
#include "exporter/dispatcher.hpp"
#include "exporter/flag_help.hpp"
#include "exporter/prefect_setup.hpp"
#include "exporter/remote_writer.hpp"
#include "exporter/routes.hpp"
#include "exporter/scrape_handler.hpp"
#include "exporter/self_metrics.hpp"
#include "exporter/server/http_server.hpp"
#include "exporter/store_keeper.hpp"
#include "pushgw/otlp_ingest.hpp"
#include "exporter/unix_now.hpp"
#include "exporter/web_config_file.hpp"
#include "exposition/from_prometheus_cpp.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::exporter {
namespace {

using FamilyTypes = std::map<std::string, exposition::MetricType, std::less<>>;

StoreKeeperOptions keeper_options(const Flags& flags) {
  StoreKeeperOptions options;
  options.snapshot_file = flags.persistence_file;
  options.sync = flags.persistence_sync == SyncPolicy::always ? pushgw::persistence::SyncPolicy::always
                                                              : pushgw::persistence::SyncPolicy::interval;
  options.sync_interval = flags.persistence_sync_interval;
  options.compaction_interval = flags.persistence_interval;
  options.group_ttl = flags.group_ttl;
  options.declared_ttls = flags.max_group_ttl.count() > 0;
  return options;
}

std::vector<std::string> comma_separated(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string item(text.substr(0, comma));
    std::erase(item, ' ');
    if (!item.empty()) items.push_back(std::move(item));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return items;
}

pushgw::OtlpIngestOptions otlp_options(const Flags& flags) {
  pushgw::OtlpIngestOptions options;
  options.translate.promote_resource_attributes = comma_separated(flags.otlp_promote_resource_attributes);
  const std::string& strategy = flags.otlp_translation_strategy;
  options.translate.naming.utf8 = strategy == "NoUTF8EscapingWithSuffixes" || strategy == "NoTranslation";
  // The store checks every name it takes by --push.enable-utf8-names: names
  // kept as sent would be refused export after export.
  if (options.translate.naming.utf8 && !flags.enable_utf8_names) {
    throw std::runtime_error("--otlp.translation-strategy=" + strategy +
                             " keeps UTF-8 metric and label names; it needs --push.enable-utf8-names");
  }
  options.translate.naming.add_suffixes = strategy.ends_with("WithSuffixes");
  options.series_ttl_seconds = std::chrono::duration<double>(flags.otlp_series_ttl).count();
  return options;
}

std::unique_ptr<WebConfigFile> open_web_config(const Flags& flags) {
  auto opened = WebConfigFile::open(flags.web_config_file, flags.web_config_refuse_auth_removal);
  if (!opened) throw std::runtime_error("invalid --web.config.file: " + opened.error().message);
  return std::move(*opened);
}

std::unique_ptr<AuthorizationFile> open_authorization(const Flags& flags, const WebConfig& web_config) {
  if (flags.web_authorization_file.empty()) return nullptr;
  auto opened = AuthorizationFile::open(flags.web_authorization_file);
  if (!opened) throw std::runtime_error("invalid --web.authorization.file: " + opened.error().message);
  if (web_config.basic_auth_users.empty()) {
    // Every request would be anonymous, and anonymous requests may only scrape.
    throw std::runtime_error("--web.authorization.file needs basic_auth_users in --web.config.file: without "
                             "users nobody could push");
  }
  return std::move(*opened);
}

// --remote-write.config-file: null when not given; a file or destination
// that cannot be used stops the start.
std::unique_ptr<RemoteWriter> make_remote_writer(const Flags& flags, Logger& logger) {
  if (flags.remote_write_config_file.empty()) return nullptr;
  if (flags.persistence_file.empty()) {
    throw std::runtime_error("--remote-write.config-file needs --persistence.file: the write-ahead log is the "
                             "queue remote write reads");
  }
  RemoteWriterOptions options;
  options.config_file = flags.remote_write_config_file;
  options.log_folder = log_folder_of(flags.persistence_file);
  options.positions_folder = flags.persistence_file + ".remote_write";
  options.interval = flags.remote_write_interval;
  options.max_backlog_bytes = flags.remote_write_max_backlog_bytes;
  options.user_agent = "flowgate/" + std::string(build_info().version);
  auto writer = RemoteWriter::create(std::move(options), logger);
  if (!writer) throw std::runtime_error("invalid --remote-write.config-file: " + writer.error().message);
  logger.log(LogLevel::info, FLOWGATE_CALLER, "remote write configured",
             {{"file", flags.remote_write_config_file}, {"destinations", (*writer)->destination_count()}});
  return std::move(*writer);
}

// The process, host and Prefect collectors the flags turn on.
std::vector<std::unique_ptr<collectors::Collector>> make_collectors(const Flags& flags, Logger& logger) {
  std::vector<std::unique_ptr<collectors::Collector>> made;
  if (flags.collector_process) {
    made.push_back(std::make_unique<collectors::ProcessCollector>());
  }
  if (flags.collector_host && flags.host_parts.any()) {
    collectors::HostCollectorOptions options;
    options.parts = flags.host_parts;
    options.mount_points_exclude = flags.filesystem_mount_points_exclude;
    options.fs_types_exclude = flags.filesystem_fs_types_exclude;
    options.diskstats_device_exclude = flags.diskstats_device_exclude;
    options.netdev_device_exclude = flags.netdev_device_exclude;
    options.procfs = flags.path_procfs;
    options.rootfs = flags.path_rootfs;
    try {
      made.push_back(std::make_unique<collectors::HostCollector>(options));
    } catch (const std::invalid_argument& error) {
      throw std::runtime_error(error.what());
    }
  }
  if (auto prefect = make_prefect_collector(flags, logger)) made.push_back(std::move(prefect));
  return made;
}

ServerOptions server_options(const Flags& flags) {
  ServerOptions options;
  options.listen_addresses = flags.listen_addresses;
  options.max_connections = flags.max_connections;
  options.max_connections_per_ip = flags.max_connections_per_ip;
  options.max_inflight_body_bytes = flags.max_inflight_body_bytes;
  options.read_header_timeout = flags.read_header_timeout;
  options.idle_timeout = flags.idle_timeout;
  options.threads = flags.threads;
  options.max_body_bytes = flags.max_body_bytes;
  return options;
}

}  // namespace

struct App::Impl {
  Impl(Flags app_flags, Logger& log)
      : flags(std::move(app_flags)),
        logger(log),
        start_time(unix_now()),
        store(pushgw::StoreOptions{!flags.disable_consistency_check,
                                   [this](std::string_view name) { return own_family_type(name); },
                                   {flags.max_series_per_group, flags.max_groups, flags.max_store_bytes},
                                   name_validation(flags)}),
        otlp(store, otlp_options(flags)),
        web_config(open_web_config(flags)),
        authorization(open_authorization(flags, *web_config->current())) {
    warn_about_unknown_authorized_users();
    collectors = make_collectors(flags, logger);
    remote_writer = make_remote_writer(flags, logger);
    auto keeping = keeper_options(flags);
    keeping.trim = [this] { sweep_otlp_series(); };
    if (remote_writer) keeping.oldest_needed_segment = [this] { return remote_writer->oldest_needed_segment(); };
    keeper = std::make_unique<StoreKeeper>(std::move(keeping), store, logger);
    wire_collectors();
    dispatcher = std::make_unique<Dispatcher>(build_routes(route_context()), flags.route_prefix);
    server = make_server();
  }

  // The scrape handler reads the collectors; the scheduler refreshes them.
  void wire_collectors() {
    std::vector<const collectors::Collector*> readers;
    std::vector<collectors::Collector*> writers;
    for (auto& collector : collectors) {
      readers.push_back(collector.get());
      writers.push_back(collector.get());
    }
    if (remote_writer) {
      readers.push_back(remote_writer.get());
      writers.push_back(remote_writer.get());
    }
    std::optional<FreshnessOptions> freshness;
    if (!flags.disable_freshness_metrics) {
      freshness = FreshnessOptions{std::chrono::duration<double>(flags.group_ttl).count()};
    }
    scrape = std::make_unique<ScrapeHandler>(
        store, readers, self_metrics, [this](const pushgw::Snapshot& snapshot) { describe_store(snapshot); },
        std::move(freshness));
    scheduler = std::make_unique<CollectorScheduler>(
        writers, [this](const collectors::Collector& collector) { on_refresh(collector); });
    if (remote_writer) {
      remote_writer->set_round_source([this] { return scrape->render(exposition::Format::protobuf); });
    }
  }

  RouteContext route_context() {
    StatusInfo status{&flags.values, start_time, flags.enable_admin_api, name_validation(flags)};
    status.runtime = [this] { return runtime_state(); };
    return RouteContext{flags, store, *scrape, self_metrics, status, [this] {
                          logger.log(LogLevel::warn, FLOWGATE_CALLER,
                                     "Received termination request via web service, exiting gracefully...");
                          request_stop();
                        },
                        &logger, authorization.get(), &otlp};
  }

  // What the Status page shows beyond the flags.
  RuntimeState runtime_state() const {
    RuntimeState state;
    state.persistence = keeper->figures();
    for (const auto& collector : collectors) {
      CollectorHealth health{std::string(collector->name()), collector->last_success(),
                             collector->last_duration_seconds(), ""};
      if (const auto* prefect = dynamic_cast<const collectors::prefect::PrefectCollector*>(collector.get())) {
        health.detail = prefect->last_error();
      }
      state.collectors.push_back(std::move(health));
    }
    return state;
  }

  // OTLP series no export carried for --otlp.series-ttl go, logged like expired groups.
  void sweep_otlp_series() {
    const auto swept = otlp.sweep(unix_now());
    for (const auto& key : swept.swept) {
      logger.log(LogLevel::info, FLOWGATE_CALLER, "OTLP series expired",
                 {{"grouping_key", pushgw::describe_series("", key.labels)},
                  {"ttl", std::to_string(otlp.options().series_ttl_seconds) + "s"}});
    }
    // A failing store (a full disk) is logged once, not every tick.
    const std::string error = swept.error ? swept.error->message : "";
    if (!error.empty() && error != last_sweep_error) {
      logger.log(LogLevel::error, FLOWGATE_CALLER, "cannot expire OTLP series", {{"err", error}});
    }
    last_sweep_error = error;
  }

  std::unique_ptr<HttpServer> make_server() {
    ServerHooks hooks;
    hooks.dispatch = [this](const Request& request) { return dispatcher->dispatch(request); };
    hooks.when_durable = [this](std::uint64_t ticket, std::function<void(bool)> done) {
      keeper->when_durable(ticket, std::move(done));
    };
    hooks.answered = [this](std::string_view handler, std::string_view method, int code, double seconds) {
      self_metrics.record_request(handler, method, code, seconds);
    };
    return std::make_unique<HttpServer>(server_options(flags), std::move(hooks), *web_config, logger);
  }

  // A user the authorization file names but the web config does not know is
  // most likely a typo; it can never log in, so its rights are dead.
  void warn_about_unknown_authorized_users() {
    if (!authorization) return;
    auto config = web_config->current();
    for (const auto& [user, rights] : authorization->current()->users) {
      if (!config->basic_auth_users.contains(user)) {
        logger.log(LogLevel::warn, FLOWGATE_CALLER, "--web.authorization.file names a user that is not in "
                   "basic_auth_users of --web.config.file", {{"user", user}});
      }
    }
  }

  std::optional<exposition::MetricType> own_family_type(std::string_view name) const {
    if (auto type = SelfMetrics::family_type(name)) return type;
    auto families = collector_families.load();
    if (auto found = families->find(name); found != families->end()) return found->second;
    return std::nullopt;
  }

  // Records the collector's outcome and learns its family names, so pushes
  // that would clash with them are refused.
  void on_refresh(const collectors::Collector& collector) {
    self_metrics.set_collector_result(collector.name(), collector.last_success(), collector.last_duration_seconds());
    auto known = collector_families.load();
    std::shared_ptr<FamilyTypes> updated;
    for (const auto& family : exposition::from_prometheus_cpp(collector.Collect())) {
      if (known->contains(family.name)) continue;
      if (!updated) updated = std::make_shared<FamilyTypes>(*known);
      updated->emplace(family.name, family.type);
    }
    if (updated) {
      std::lock_guard lock(families_mutex);
      auto current = collector_families.load();
      updated->insert(current->begin(), current->end());
      collector_families.store(std::move(updated));
    }
    if (!collector.last_success()) {
      logger.log(LogLevel::debug, FLOWGATE_CALLER, "collector refresh failed", {{"collector", collector.name()}});
    } else if (first_success(collector.name())) {
      // Once per collector, so a start shows when each source first answered and what it cost.
      logger.log(LogLevel::info, FLOWGATE_CALLER, "collector ready",
                 {{"collector", collector.name()}, {"duration_seconds", collector.last_duration_seconds()}});
    }
  }

  // True the first time it is called with `name`.
  bool first_success(std::string_view name) {
    std::lock_guard lock(families_mutex);
    return succeeded_collectors.emplace(name).second;
  }

  void describe_store(const pushgw::Snapshot& snapshot) {
    std::lock_guard lock(store_size_mutex);
    if (snapshot.version() != described_version || described_version == 0) {
      double bytes = 0;
      for (const auto& group : snapshot.groups()) {
        for (const auto& family : group->families) {
          bytes += static_cast<double>(family->text_block.size() + family->protobuf_block.size());
        }
      }
      described_bytes = bytes;
      described_version = snapshot.version();
    }
    self_metrics.set_store_size(static_cast<double>(snapshot.group_count()),
                                static_cast<double>(snapshot.series_count()), described_bytes);
    self_metrics.set_persistence(keeper->figures());
  }

  void request_stop() {
    {
      std::lock_guard lock(stop_mutex);
      stop_requested = true;
    }
    stop_cv.notify_all();
  }

  Flags flags;
  Logger& logger;
  double start_time;
  SelfMetrics self_metrics;
  std::mutex families_mutex;  // serializes writers of collector_families; guards succeeded_collectors
  std::set<std::string, std::less<>> succeeded_collectors;
  collectors::Published<FamilyTypes> collector_families;
  pushgw::GroupStore store;
  pushgw::OtlpIngest otlp;
  std::string last_sweep_error;  // only the keeper's thread sweeps
  std::unique_ptr<WebConfigFile> web_config;
  std::unique_ptr<AuthorizationFile> authorization;  // null without --web.authorization.file
  std::vector<std::unique_ptr<collectors::Collector>> collectors;
  std::unique_ptr<RemoteWriter> remote_writer;  // null without --remote-write.config-file
  std::unique_ptr<ScrapeHandler> scrape;
  std::unique_ptr<CollectorScheduler> scheduler;
  std::unique_ptr<Dispatcher> dispatcher;
  std::unique_ptr<HttpServer> server;

  std::mutex store_size_mutex;  // guards described_*
  std::uint64_t described_version = 0;
  double described_bytes = 0;

  std::unique_ptr<StoreKeeper> keeper;

  std::mutex stop_mutex;  // guards stop_requested
  std::condition_variable stop_cv;
  bool stop_requested = false;
  bool stopped = false;
};

App::App(Flags flags, Logger& logger) : impl_(std::make_unique<Impl>(std::move(flags), logger)) {}

App::~App() { stop(std::chrono::seconds(1)); }

// The listener first: the store is recovered (in the constructor), so pushes,
// scrapes and readiness are served at once, whatever the collectors' sources
// do; the collectors' first refreshes run on their own threads.
void App::start() {
  impl_->server->start();
  impl_->keeper->start();
  if (impl_->remote_writer) impl_->remote_writer->start();
  impl_->scheduler->start();
}

std::vector<std::uint16_t> App::bound_ports() const { return impl_->server->bound_ports(); }

void App::request_stop() { impl_->request_stop(); }

void App::wait_for_stop() {
  std::unique_lock lock(impl_->stop_mutex);
  impl_->stop_cv.wait(lock, [this] { return impl_->stop_requested; });
}

bool App::stop(std::chrono::milliseconds grace) {
  if (impl_->stopped) return impl_->server->shutdown(grace);
  impl_->stopped = true;
  impl_->request_stop();
  const bool server_stopped = impl_->server->shutdown(grace);
  impl_->scheduler->stop();
  if (impl_->remote_writer) impl_->remote_writer->stop();
  impl_->keeper->stop();
  return server_stopped;
}

void App::reload_web_config() {
  Logger& logger = impl_->logger;
  if (auto reloaded = impl_->web_config->reload(); !reloaded) {
    logger.log(LogLevel::error, FLOWGATE_CALLER, "web config not reloaded; keeping the previous one",
               {{"err", reloaded.error().message}});
  } else {
    if (reloaded->authentication_removed) {
      logger.log(LogLevel::warn, FLOWGATE_CALLER,
                 "the reloaded web config has no basic_auth_users: authentication is now off and every request is "
                 "let in (--web.config.refuse-auth-removal refuses such reloads)",
                 {{"file", impl_->web_config->path()}});
    }
    logger.log(LogLevel::info, FLOWGATE_CALLER, "web config reloaded", {{"file", impl_->web_config->path()}});
  }
  if (auto& authorization = impl_->authorization) {
    if (auto reloaded = authorization->reload(); !reloaded) {
      logger.log(LogLevel::error, FLOWGATE_CALLER, "authorization file not reloaded; keeping the previous one",
                 {{"err", reloaded.error().message}});
    } else {
      logger.log(LogLevel::info, FLOWGATE_CALLER, "authorization file reloaded", {{"file", authorization->path()}});
    }
  }
  impl_->warn_about_unknown_authorized_users();
  if (auto& writer = impl_->remote_writer) {
    if (auto reloaded = writer->reload(); !reloaded) {
      logger.log(LogLevel::error, FLOWGATE_CALLER, "remote write config not reloaded; keeping the previous one",
                 {{"err", reloaded.error().message}});
    } else {
      logger.log(LogLevel::info, FLOWGATE_CALLER, "remote write config reloaded",
                 {{"file", impl_->flags.remote_write_config_file}, {"destinations", writer->destination_count()}});
    }
  }
}

namespace {

void print_version() {
  const auto& build = build_info();
  std::printf("flowgate, version %.*s (branch: %.*s, revision: %.*s)\n  compiler: %.*s\n  build date: %.*s\n",
              static_cast<int>(build.version.size()), build.version.data(), static_cast<int>(build.branch.size()),
              build.branch.data(), static_cast<int>(build.revision.size()), build.revision.data(),
              static_cast<int>(build.compiler.size()), build.compiler.data(),
              static_cast<int>(build.build_date.size()), build.build_date.data());
}

void log_start(Logger& logger) {
  const auto& build = build_info();
  logger.log(LogLevel::info, FLOWGATE_CALLER, "starting flowgate",
             {{"version", "(version=" + std::string(build.version) + ", branch=" + std::string(build.branch) +
                              ", revision=" + std::string(build.revision) + ")"}});
  logger.log(LogLevel::info, FLOWGATE_CALLER, "Build context",
             {{"build_context", "(compiler=" + std::string(build.compiler) + ", date=" +
                                    std::string(build.build_date) + ")"}});
}

// Signals are taken by one thread with sigwait; every other thread inherits
// the blocked mask, so no handler runs at an awkward moment. Returns the set
// that thread waits for.
sigset_t block_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A write past a file size limit must fail with EFBIG like a full disk
  // (the push gets a 500), not kill the process.
  ::signal(SIGXFSZ, SIG_IGN);
  return signals;
}

// SIGHUP reloads the web config, SIGTERM/SIGINT stop the app, SIGUSR1 (sent
// by the main thread when it is done) ends the thread.
std::thread start_signal_thread(App& app, Logger& logger, const sigset_t& signals) {
  return std::thread([&app, &logger, &signals] {
    for (;;) {
      int signal = 0;
      if (sigwait(&signals, &signal) != 0) continue;
      if (signal == SIGUSR1) return;  // the main thread is done
      if (signal == SIGHUP) {
        // SIGHUP re-reads the web config and never loses data (the
        // Pushgateway dies on it without persisting).
        logger.log(LogLevel::info, FLOWGATE_CALLER, "received SIGHUP; reloading the web config");
        app.reload_web_config();
        continue;
      }
      logger.log(LogLevel::warn, FLOWGATE_CALLER,
                 signal == SIGINT ? "received SIGINT; exiting gracefully..." : "received SIGTERM; exiting gracefully...");
      app.request_stop();
      return;
    }
  });
}

// Starts the app, serves until a signal or /-/quit stops it, and stops it.
int serve(Flags flags, Logger& logger) {
  const sigset_t signals = block_signals();
  std::unique_ptr<App> app;
  try {
    app = std::make_unique<App>(std::move(flags), logger);
    app->start();
  } catch (const std::exception& error) {
    logger.log(LogLevel::error, FLOWGATE_CALLER, "cannot start flowgate", {{"err", error.what()}});
    return 1;
  }
  std::thread signal_thread = start_signal_thread(*app, logger, signals);
  app->wait_for_stop();
  const bool stopped_cleanly = app->stop();
  pthread_kill(signal_thread.native_handle(), SIGUSR1);
  signal_thread.join();
  logger.log(LogLevel::info, FLOWGATE_CALLER, "See you next time!");
  if (!stopped_cleanly) {
    // A handler still runs on an HTTP thread past the grace period. The
    // store is saved; destroying the App under that handler would wait for
    // it (or crash), so the process ends here without destructors.
    std::fflush(nullptr);
    std::_Exit(0);
  }
  return 0;
}

// --help and its kin: what to print instead of starting, if any.
std::optional<std::string> informational_output(const Flags& flags, std::string_view prefect_env) {
  if (flags.help) return help_text({terminal_width(), prefect_env});
  if (flags.help_man) return man_page(build_info().version);
  if (flags.completion_bash) return completion_script(Shell::bash);
  if (flags.completion_zsh) return completion_script(Shell::zsh);
  return std::nullopt;
}

}  // namespace

int run(std::span<const std::string_view> args) {
  const char* prefect_env = std::getenv("PREFECT_API_URL");
  auto parsed = parse_flags(args, prefect_env != nullptr ? prefect_env : "");
  if (!parsed) {
    std::fprintf(stderr, "flowgate: error: %s, try --help\n", parsed.error().message.c_str());
    return 2;
  }
  if (auto output = informational_output(*parsed, prefect_env != nullptr ? prefect_env : "")) {
    std::fputs(output->c_str(), stdout);
    return 0;
  }
  if (parsed->version) {
    print_version();
    return 0;
  }
  Logger logger(parsed->log_level, parsed->log_format);
  log_start(logger);
  return serve(std::move(*parsed), logger);
}

}  // namespace flowgate::exporter

#pragma once
// The websocket client of Prefect's event stream (GET <api>/events/out, ws://
// or wss:// after the API URL's scheme): offers the `prefect` subprotocol,
// authenticates with the auth message, subscribes (prefect_event.hpp) and
// hands every later text message to `on_message`. When the connection fails
// or ends it reconnects after a capped exponential backoff (reset once a
// connection stayed up for `stable_after`), until cancel().
// Runs on a thread of its own, started by start(); on_message and on_change
// are called on that thread, one at a time. cancel() and stats() are safe
// from any thread; cancel() returns at once and the thread ends promptly
// (the destructor cancels and joins). Never logs: on_change reports each
// connect and each disconnect episode (once, not every failed retry).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "collectors/prefect/prefect_endpoint.hpp"

namespace flowgate::collectors::prefect {

struct EventStreamOptions {
  std::chrono::milliseconds connect_timeout{5000};  // TCP, TLS, websocket upgrade and auth, each
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{60000};
  std::chrono::milliseconds stable_after{30000};
  // Silence after which a ping is sent, and the connection dropped if the
  // pong does not come within as long again (Prefect pings every 20 s).
  std::chrono::milliseconds idle_timeout{60000};
  std::size_t max_message_bytes = 4 * 1024 * 1024;
  bool verify_tls = true;
};

struct EventStreamStats {
  std::uint64_t connections = 0;  // subscriptions that succeeded
  std::uint64_t reconnects = 0;   // attempts after the first (failed ones included)
  std::uint64_t messages = 0;     // messages handed to on_message
  bool connected = false;
};

class EventStream {
 public:
  using MessageHandler = std::function<void(std::string_view message)>;
  // connected: true when a subscription succeeded, false when a connection
  // ended or the first attempt of an episode failed; `why` is one sentence.
  using ChangeHandler = std::function<void(bool connected, const std::string& why)>;

  // `token` goes in the auth message (API key or auth string; empty: null).
  EventStream(PrefectEndpoint endpoint, std::string token, EventStreamOptions options, MessageHandler on_message,
              ChangeHandler on_change = {});
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Starts the thread (once; later calls do nothing, as do calls after cancel()).
  void start();
  // No undoing it: the connection closes and no other is opened.
  void cancel();
  EventStreamStats stats() const;

 private:
  struct Impl;  // Beast and OpenSSL stay in the .cpp
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowgate::collectors::prefect

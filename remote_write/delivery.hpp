#pragma once
// Delivers one batch of series to one destination the way the remote write
// specification asks: encoded in the destination's protocol, snappy, sent;
// retried after the policy's backoff (send_policy.hpp) while the caller
// wants to go on; sent again as 1.0 when the receiver does not speak 2.0
// (and as 1.0 from then on: the downgrade sticks to the destination).
// Every attempt is reported, for the caller's metrics and logs. Runs on the
// destination's own thread; stop() from any thread ends a wait or a send.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "remote_write/direct_series.hpp"
#include "remote_write/http_sender.hpp"
#include "remote_write/send_policy.hpp"
#include "remote_write/write_request.hpp"

namespace flowgate::remote_write {

struct Attempt {
  Protocol protocol = Protocol::v1;
  SendReply reply;
  Judgement judgement;
  std::chrono::milliseconds wait_after{0};  // the backoff slept after this attempt
};

struct DeliveryReport {
  Verdict outcome = Verdict::delivered;  // delivered, drop, or retry when stopped or out of attempts
  std::vector<Attempt> attempts;
  std::uint64_t samples = 0, histograms = 0, exemplars = 0;  // in the batch
};

class Delivery {
 public:
  Delivery(HttpSender sender, const QueueConfig& queue, Protocol protocol);

  // `max_attempts` 0: until delivered, dropped or stopped; `go_on`, when
  // given, is told each attempt that will be retried, before its wait
  // (false: give up, outcome retry).
  DeliveryReport send(const std::vector<TimeSeries>& batch, std::size_t max_attempts = 0,
                      const std::function<bool(const Attempt&)>& go_on = {});
  // A 1.0 WriteRequest already encoded (DirectWriter), for a destination
  // that speaks 1.0.
  DeliveryReport send_v1(const EncodedBatch& batch, std::size_t max_attempts = 0,
                         const std::function<bool(const Attempt&)>& go_on = {});
  // Any thread: the send in progress and its waits end; every later send
  // returns at once.
  void stop();
  Protocol protocol() const { return protocol_; }

 private:
  bool wait(std::chrono::milliseconds how_long);
  // Attempts until delivered, dropped, out of attempts or stopped;
  // `compressed_body` makes the body in a protocol (again after a downgrade).
  DeliveryReport attempt(DeliveryReport report, const std::function<std::string(Protocol)>& compressed_body,
                         std::size_t max_attempts, const std::function<bool(const Attempt&)>& go_on);

  HttpSender sender_;
  QueueConfig queue_;
  Backoff backoff_;
  Protocol protocol_;
  std::mutex mutex_;
  std::condition_variable woken_;
  bool stopped_ = false;
};

}  // namespace flowgate::remote_write

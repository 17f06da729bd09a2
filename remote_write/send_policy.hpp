#pragma once
// What a destination does with a reply, by the remote write specification:
// 2xx is delivered; 5xx, 429 (unless queue_config.retry_on_http_429 is
// false) and no answer at all are retried with a capped exponential backoff
// that Retry-After lengthens; any other status is dropped and never retried
// (a 3xx that was not followed included); a 2.0 request answered 415, or
// answered 2xx without the X-Prometheus-Remote-Write-*-Written headers by a
// receiver that stored nothing it understood (Prometheus 2.x does that), is
// sent again as 1.0. Pure; the queue acts on it.

#include <chrono>
#include <optional>
#include <string>

#include "remote_write/destination.hpp"
#include "remote_write/http_sender.hpp"

namespace flowgate::remote_write {

enum class Verdict : std::uint8_t { delivered, retry, drop, downgrade };

struct Judgement {
  Verdict verdict = Verdict::delivered;
  std::string reason;  // one sentence for the log, empty when delivered
  std::optional<std::chrono::seconds> retry_after;
};

// `protocol`: what was sent; `carried_data`: the request held samples,
// histograms or exemplars (an empty 2.0 request proves nothing).
Judgement judge_reply(const SendReply& reply, Protocol protocol, bool carried_data, const QueueConfig& queue);

// The longest Retry-After honoured; a longer one waits this long.
inline constexpr std::chrono::minutes kMaxRetryAfter{5};

// min_backoff, doubled after each failed attempt up to max_backoff; a
// Retry-After longer than that wins, up to kMaxRetryAfter. reset() after a
// delivery.
class Backoff {
 public:
  explicit Backoff(const QueueConfig& queue) : min_(queue.min_backoff), max_(queue.max_backoff), next_(min_) {}
  std::chrono::milliseconds next(std::optional<std::chrono::seconds> retry_after);
  void reset() { next_ = min_; }

 private:
  std::chrono::milliseconds min_, max_, next_;
};

}  // namespace flowgate::remote_write

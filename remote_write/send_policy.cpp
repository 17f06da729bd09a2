#include "remote_write/send_policy.hpp"

#include <algorithm>

namespace flowgate::remote_write {
namespace {

std::string status_sentence(const SendReply& reply) {
  std::string sentence = "HTTP " + std::to_string(reply.status);
  if (!reply.error.empty()) sentence += ": " + reply.error;
  return sentence;
}

}  // namespace

Judgement judge_reply(const SendReply& reply, Protocol protocol, bool carried_data, const QueueConfig& queue) {
  const int status = reply.status;
  if (status == 0) return {Verdict::retry, "no answer: " + reply.error, std::nullopt};
  if (status >= 200 && status < 300) {
    const bool acknowledged = reply.samples_written || reply.histograms_written || reply.exemplars_written;
    if (protocol == Protocol::v2 && carried_data && !acknowledged) {
      return {Verdict::downgrade,
              "HTTP " + std::to_string(status) + " without X-Prometheus-Remote-Write-*-Written headers: the receiver "
              "does not speak remote write 2.0; sending 1.0 from now on",
              std::nullopt};
    }
    return {};
  }
  if (status == 415 && protocol == Protocol::v2) {
    return {Verdict::downgrade, status_sentence(reply) + "; sending remote write 1.0 from now on", std::nullopt};
  }
  if (status >= 500 || (status == 429 && queue.retry_on_http_429)) {
    return {Verdict::retry, status_sentence(reply), reply.retry_after};
  }
  if (status >= 300 && status < 400) {
    return {Verdict::drop,
            "HTTP " + std::to_string(status) + " redirect to \"" + reply.location +
                "\" not followed (remote write follows 307 and 308 only, which keep the POST, when follow_redirects)",
            std::nullopt};
  }
  return {Verdict::drop, status_sentence(reply) + " (not retried)", std::nullopt};
}

std::chrono::milliseconds Backoff::next(std::optional<std::chrono::seconds> retry_after) {
  auto wait = next_;
  next_ = std::min(next_ * 2, max_);
  // The receiver chooses Retry-After: bounded, so that one answer cannot
  // park the queue (and its backlog bound) for days.
  if (retry_after && *retry_after > wait) wait = std::min<std::chrono::milliseconds>(*retry_after, kMaxRetryAfter);
  return wait;
}

}  // namespace flowgate::remote_write

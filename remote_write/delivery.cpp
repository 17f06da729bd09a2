#include "remote_write/delivery.hpp"

#include "exposition/snappy.hpp"

namespace flowgate::remote_write {

Delivery::Delivery(HttpSender sender, const QueueConfig& queue, Protocol protocol)
    : sender_(std::move(sender)), queue_(queue), backoff_(queue), protocol_(protocol) {}

bool Delivery::wait(std::chrono::milliseconds how_long) {
  std::unique_lock lock(mutex_);
  return !woken_.wait_for(lock, how_long, [this] { return stopped_; });
}

void Delivery::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  woken_.notify_all();
  sender_.cancel();
}

DeliveryReport Delivery::send(const std::vector<TimeSeries>& batch, std::size_t max_attempts,
                              const std::function<bool(const Attempt&)>& go_on) {
  DeliveryReport report;
  for (const auto& series : batch) {
    report.samples += series.samples.size();
    report.histograms += series.histograms.size();
    report.exemplars += series.exemplars.size();
  }
  return attempt(report, [&](Protocol protocol) { return exposition::snappy_compress_block(encode(protocol, batch)); },
                 max_attempts, go_on);
}

DeliveryReport Delivery::send_v1(const EncodedBatch& batch, std::size_t max_attempts,
                                 const std::function<bool(const Attempt&)>& go_on) {
  DeliveryReport report;
  report.samples = batch.samples;
  report.histograms = batch.histograms;
  report.exemplars = batch.exemplars;
  // Only a 2.0 destination is ever downgraded: a 1.0 body is never encoded again.
  return attempt(report, [&](Protocol) { return exposition::snappy_compress_block(batch.body); }, max_attempts, go_on);
}

DeliveryReport Delivery::attempt(DeliveryReport report, const std::function<std::string(Protocol)>& compressed_body,
                                 std::size_t max_attempts, const std::function<bool(const Attempt&)>& go_on) {
  const bool carried_data = report.samples + report.histograms + report.exemplars > 0;
  Protocol encoded_as = protocol_;
  std::string body = compressed_body(protocol_);
  report.outcome = Verdict::retry;
  while (max_attempts == 0 || report.attempts.size() < max_attempts) {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) break;
    }
    if (encoded_as != protocol_) {
      body = compressed_body(protocol_);
      encoded_as = protocol_;
    }
    Attempt attempt{protocol_, sender_.post(body, protocol_), {}, {}};
    attempt.judgement = judge_reply(attempt.reply, protocol_, carried_data, queue_);
    const Verdict verdict = attempt.judgement.verdict;
    if (verdict == Verdict::downgrade) protocol_ = Protocol::v1;
    if (verdict == Verdict::retry) attempt.wait_after = backoff_.next(attempt.judgement.retry_after);
    report.attempts.push_back(attempt);
    if (verdict == Verdict::delivered || verdict == Verdict::drop) {
      backoff_.reset();
      report.outcome = verdict;
      break;
    }
    if (verdict == Verdict::retry && ((go_on && !go_on(attempt)) || !wait(attempt.wait_after))) break;
  }
  return report;
}

}  // namespace flowgate::remote_write

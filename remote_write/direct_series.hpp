#pragma once
// The short way from stored samples to remote write 1.0. A family's
// client_model Metric messages (StoredFamily::protobuf_block, or a family of
// a /metrics protobuf body) are read in place and written straight out as
// prometheus.TimeSeries messages: the series, labels and values that
// append_series (series.hpp) makes, plus a destination's external labels,
// without the metric model and TimeSeries objects in between, which cost a
// queue thread most of its time. Batches are cut at max_samples_per_send;
// each carries the MetricMetadata of the families in it.
// A family with exemplars or native histograms is not taken (append_family
// returns false and writes nothing): the caller sends it the long way and
// may put the TimeSeries that makes into the same batch (append_series).
// A sample not newer than one already sent for its series is dropped and
// counted (NewestSent), so a receiver never refuses a batch for it.
// One per destination queue, used from its thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include "exposition/model.hpp"
#include "remote_write/write_request.hpp"

namespace flowgate::remote_write {

// The newest timestamp sent per series, by a hash of its final labels.
class NewestSent {
 public:
  // True when `timestamp_ms` is newer than the newest sent for the series
  // (and it becomes the newest).
  bool admit(std::uint64_t series_key, std::int64_t timestamp_ms);
  // Drops the samples not newer than one already sent; returns how many.
  std::uint64_t filter(std::vector<TimeSeries>& series);
  static std::uint64_t key(const exposition::Labels& sorted_labels);

 private:
  boost::unordered_flat_map<std::uint64_t, std::int64_t> newest_;
};

// A 1.0 WriteRequest's bytes (before snappy) and what is in them.
struct EncodedBatch {
  std::string body;
  std::size_t samples = 0, histograms = 0, exemplars = 0;
  std::int64_t newest_ms = 0;  // the newest sample's or histogram's timestamp
};

// What append_family needs of a family besides its samples.
struct FamilyView {
  std::string_view name;
  exposition::MetricType type = exposition::MetricType::untyped;
  std::string_view help;
  std::string_view unit;
};

class DirectWriter {
 public:
  DirectWriter(exposition::Labels external_labels, std::size_t max_samples_per_send, NewestSent& newest);

  // The series of `family` whose Metric messages are `metrics`, each with
  // one sample at `timestamp_ms`. False, with nothing written, for a family
  // this does not take (exemplars, native histograms) or bytes that do not
  // read as Metric messages.
  bool append_family(const FamilyView& family, std::string_view metrics, std::int64_t timestamp_ms);
  // The same from the family's text 0.0.4 lines (StoredFamily::text_block,
  // which is all a family whose text carries it exactly keeps): one series
  // a line. False, with nothing written, for a line this does not read
  // (quoted names, escaped values, timestamps, a name not of the family).
  bool append_text_family(const FamilyView& family, std::string_view lines, std::int64_t timestamp_ms);
  // Every family of a /metrics protobuf body (length-delimited MetricFamily
  // messages) at `timestamp_ms`; a family this does not take is handed to
  // `long_way` as a body of its own. False when the body does not read.
  bool append_body(std::string_view body, std::int64_t timestamp_ms,
                   const std::function<void(std::string_view one_family_body)>& long_way);
  // A series made the long way, already relabelled and filtered.
  void append_series(const TimeSeries& series);

  // The batches written so far, the open one sealed; the writer is empty after.
  std::vector<EncodedBatch> take_batches();
  // Samples dropped (not newer than one sent) since the last call.
  std::uint64_t take_dropped() { return std::exchange(dropped_, 0); }
  std::size_t pending_samples() const;

 private:
  struct LabelView {
    std::string_view name, value;
  };
  // One series of the family being read: a range of labels_, the suffix of
  // its name, the extra label (le, quantile) when it has one, and its value.
  struct PendingSeries {
    std::string_view suffix;
    std::string_view extra_name;
    std::string extra_value;  // reused from family to family
    std::size_t first_label = 0, label_count = 0;
    double value = 0;
  };
  // What one Metric message holds besides its labels.
  struct MetricValues {
    double value = 0, count = 0, sum = 0;
    std::vector<std::pair<double, double>> quantiles;  // quantile, value
    std::vector<std::pair<double, double>> buckets;    // upper bound, cumulative count
    void clear();
  };
  bool read_family(const FamilyView& family, std::string_view metrics);
  bool read_metric(const FamilyView& family, std::string_view metric);
  bool read_values(std::uint32_t field, std::string_view message, MetricValues& values);
  bool read_text_line(const FamilyView& family, std::string_view line);
  void add_pending(std::string_view suffix, std::string_view extra_name, double extra_bound, std::size_t first_label,
                   std::size_t label_count, double value);
  void write_pending(const FamilyView& family, std::int64_t timestamp_ms);
  void write_series(double value, std::int64_t timestamp_ms);
  void note_family(std::string_view name, exposition::MetricType type, std::string_view help, std::string_view unit);
  bool seal_if_full();
  void seal();

  const exposition::Labels external_;
  const std::size_t max_samples_;
  NewestSent& newest_;
  std::uint64_t dropped_ = 0;
  // The family being read.
  std::vector<LabelView> labels_;  // each metric's own labels, one after the other
  std::vector<PendingSeries> pending_;
  std::size_t pending_used_ = 0;
  MetricValues values_;
  // One series being written: its final labels and __name__, reused.
  std::vector<LabelView> series_labels_;
  std::string series_name_;
  // The open batch.
  std::string series_bytes_;
  std::string metadata_bytes_;
  boost::unordered_flat_set<std::uint64_t> families_in_batch_;  // by a hash of the family name
  EncodedBatch open_;
  std::vector<EncodedBatch> sealed_;
};

}  // namespace flowgate::remote_write

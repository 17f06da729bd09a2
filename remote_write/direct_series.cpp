#include "remote_write/direct_series.hpp"

#include <algorithm>
#include <functional>
#include <limits>

#include "exposition/number_format.hpp"
#include "exposition/protobuf_encoder.hpp"
#include "exposition/protobuf_wire.hpp"
#include "pushgw/series_hash.hpp"

namespace flowgate::remote_write {
namespace {

namespace wire = exposition::wire;
using exposition::MetricType;
using wire::WireType;

// Fields of a message read one by one; the first that cannot be read ends
// the walk (false). Stored blocks are flowgate's own bytes, so this only
// guards against reading past them.
template <class OnField>
bool for_each_field(std::string_view message, OnField on_field) {
  wire::Reader reader(message);
  wire::Span span = reader.whole();
  wire::Field field;
  while (!span.done()) {
    if (!reader.next_field(span, field, "Metric")) return false;
    if (!on_field(field, reader)) return false;
  }
  return true;
}

double number(const wire::Field& field) {
  return field.wire == WireType::fixed64 ? wire::as_double(field.bits) : static_cast<double>(field.bits);
}

// The one double (field 1) of Gauge, Counter and Untyped; false for a
// counter's exemplar (field 2), which only the long way sends.
bool read_single_value(std::string_view message, double& value) {
  return for_each_field(message, [&](const wire::Field& f, const wire::Reader&) {
    if (f.number == 1 && f.wire == WireType::fixed64) value = wire::as_double(f.bits);
    return f.number != 2;
  });
}

// Quantile {double quantile = 1; double value = 2}.
bool read_quantile(std::string_view message, std::pair<double, double>& quantile) {
  return for_each_field(message, [&](const wire::Field& f, const wire::Reader&) {
    if (f.number == 1) quantile.first = number(f);
    if (f.number == 2) quantile.second = number(f);
    return true;
  });
}

// Bucket {uint64 cumulative_count = 1; double upper_bound = 2; Exemplar
// exemplar = 3; double cumulative_count_float = 4} as (bound, count); false
// for an exemplar.
bool read_bucket(std::string_view message, std::pair<double, double>& bucket) {
  return for_each_field(message, [&](const wire::Field& f, const wire::Reader&) {
    if (f.number == 1 || f.number == 4) bucket.second = number(f);
    if (f.number == 2) bucket.first = number(f);
    return f.number != 3;
  });
}

// client_model's MetricType numbers.
MetricType metric_type(std::uint64_t number) {
  switch (number) {
    case 0: return MetricType::counter;
    case 1: return MetricType::gauge;
    case 2: return MetricType::summary;
    case 4: return MetricType::histogram;
    case 5: return MetricType::gauge_histogram;
    default: return MetricType::untyped;
  }
}

std::size_t string_field_size(std::size_t length) { return 1 + wire::varint_size(length) + length; }

}  // namespace

bool NewestSent::admit(std::uint64_t series_key, std::int64_t timestamp_ms) {
  auto [it, inserted] = newest_.try_emplace(series_key, timestamp_ms);
  if (inserted) return true;
  if (timestamp_ms <= it->second) return false;
  it->second = timestamp_ms;
  return true;
}

std::uint64_t NewestSent::key(const exposition::Labels& sorted_labels) { return pushgw::series_hash("", sorted_labels); }

std::uint64_t NewestSent::filter(std::vector<TimeSeries>& series) {
  std::uint64_t dropped = 0;
  for (auto& one : series) {
    const std::uint64_t series_key = key(one.labels);
    const auto stale = [&](std::int64_t timestamp_ms) { return !admit(series_key, timestamp_ms); };
    const auto samples_end = std::remove_if(one.samples.begin(), one.samples.end(),
                                            [&](const Sample& sample) { return stale(sample.timestamp_ms); });
    dropped += static_cast<std::uint64_t>(one.samples.end() - samples_end);
    one.samples.erase(samples_end, one.samples.end());
    dropped += std::erase_if(one.histograms, [&](const Histogram& h) { return stale(h.timestamp_ms); });
  }
  std::erase_if(series, [](const TimeSeries& one) { return one.samples.empty() && one.histograms.empty(); });
  return dropped;
}

void DirectWriter::MetricValues::clear() {
  value = count = sum = 0;
  quantiles.clear();
  buckets.clear();
}

DirectWriter::DirectWriter(exposition::Labels external_labels, std::size_t max_samples_per_send, NewestSent& newest)
    : external_(std::move(external_labels)), max_samples_(std::max<std::size_t>(max_samples_per_send, 1)),
      newest_(newest) {}

bool DirectWriter::append_family(const FamilyView& family, std::string_view metrics, std::int64_t timestamp_ms) {
  labels_.clear();
  pending_used_ = 0;
  if (!read_family(family, metrics)) return false;
  write_pending(family, timestamp_ms);
  return true;
}

bool DirectWriter::append_text_family(const FamilyView& family, std::string_view lines, std::int64_t timestamp_ms) {
  labels_.clear();
  pending_used_ = 0;
  while (!lines.empty()) {
    const std::size_t end = lines.find('\n');
    if (end == std::string_view::npos || !read_text_line(family, lines.substr(0, end))) return false;
    lines.remove_prefix(end + 1);
  }
  write_pending(family, timestamp_ms);
  return true;
}

// `name[{label="value",...}] value`, as exposition's text writer writes a
// series: labels are views into the line; anything else is not taken.
bool DirectWriter::read_text_line(const FamilyView& family, std::string_view line) {
  const std::size_t name_end = line.find_first_of("{ ");
  if (name_end == std::string_view::npos || line.substr(0, family.name.size()) != family.name) return false;
  const std::string_view suffix = line.substr(family.name.size(), name_end - family.name.size());
  if (suffix != "" && suffix != "_bucket" && suffix != "_sum" && suffix != "_count") return false;
  std::string_view rest = line.substr(name_end);
  const std::size_t first_label = labels_.size();
  if (rest.front() == '{') {
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() != '}') {
      const std::size_t equals = rest.find("=\"");
      if (equals == std::string_view::npos || rest.front() == '"') return false;
      const std::string_view name = rest.substr(0, equals);
      rest.remove_prefix(equals + 2);
      const std::size_t quote = rest.find_first_of("\"\\");
      if (quote == std::string_view::npos || rest[quote] != '"') return false;  // an escaped value: the long way
      if (quote > 0) labels_.push_back({name, rest.substr(0, quote)});
      rest.remove_prefix(quote + 1);
      if (!rest.empty() && rest.front() == ',') rest.remove_prefix(1);
    }
    if (rest.empty()) return false;
    rest.remove_prefix(1);
  }
  if (rest.size() < 2 || rest.front() != ' ' || rest.find(' ', 1) != std::string_view::npos) return false;
  const auto value = exposition::parse_double(rest.substr(1));
  if (!value) return false;
  add_pending(suffix, {}, 0, first_label, labels_.size() - first_label, *value);
  return true;
}

bool DirectWriter::append_body(std::string_view body, std::int64_t timestamp_ms,
                               const std::function<void(std::string_view)>& long_way) {
  wire::Reader reader(body);
  wire::Span span = reader.whole();
  while (!span.done()) {
    const std::size_t start = span.pos;
    std::uint64_t length = 0;
    if (!reader.read_varint(span, length, "a MetricFamily length") || length > span.end - span.pos) return false;
    const std::string_view message = body.substr(span.pos, length);
    span.pos += length;
    FamilyView family;
    const bool header_read = for_each_field(message, [&](const wire::Field& f, const wire::Reader& r) {
      if (f.number == 1 && f.wire == WireType::len) family.name = r.bytes(f);
      if (f.number == 2 && f.wire == WireType::len) family.help = r.bytes(f);
      if (f.number == 3 && f.wire == WireType::varint) family.type = metric_type(f.bits);
      if (f.number == 5 && f.wire == WireType::len) family.unit = r.bytes(f);
      return true;
    });
    if (!header_read) return false;
    if (!append_family(family, message, timestamp_ms)) long_way(body.substr(start, span.pos - start));
  }
  return true;
}

bool DirectWriter::read_family(const FamilyView& family, std::string_view metrics) {
  // A MetricFamily's other fields (name, help, type, unit) are skipped: the
  // caller read them into `family`.
  return for_each_field(metrics, [&](const wire::Field& f, const wire::Reader& reader) {
    return f.number != 4 || f.wire != WireType::len || read_metric(family, reader.bytes(f));
  });
}

bool DirectWriter::read_values(std::uint32_t field, std::string_view message, MetricValues& values) {
  switch (field) {
    case 2:  // Gauge
    case 3:  // Counter
    case 5:  // Untyped
      return read_single_value(message, values.value);
    case 4:  // Summary
      return for_each_field(message, [&](const wire::Field& f, const wire::Reader& reader) {
        if (f.number == 1) values.count = number(f);
        if (f.number == 2) values.sum = number(f);
        if (f.number == 3) return read_quantile(reader.bytes(f), values.quantiles.emplace_back());
        return true;
      });
    case 7:  // Histogram: classic buckets only; exemplars (3, 16) and native parts (5-14) go the long way
      return for_each_field(message, [&](const wire::Field& f, const wire::Reader& reader) {
        if (f.number == 1 || f.number == 4) values.count = number(f);
        if (f.number == 2) values.sum = number(f);
        if (f.number == 3) return read_bucket(reader.bytes(f), values.buckets.emplace_back());
        return f.number < 5 || f.number == 15;
      });
    default: return true;
  }
}

bool DirectWriter::read_metric(const FamilyView& family, std::string_view metric) {
  const std::size_t first_label = labels_.size();
  values_.clear();
  const bool read = for_each_field(metric, [&](const wire::Field& f, const wire::Reader& reader) {
    if (f.wire != WireType::len) return true;  // timestamp_ms: a push's series all take the push's time
    if (f.number != 1) return read_values(f.number, reader.bytes(f), values_);
    LabelView label;
    const bool pair_read = for_each_field(reader.bytes(f), [&](const wire::Field& l, const wire::Reader& r) {
      if (l.number == 1) label.name = r.bytes(l);
      if (l.number == 2) label.value = r.bytes(l);
      return true;
    });
    if (!label.value.empty()) labels_.push_back(label);
    return pair_read;
  });
  if (!read) return false;
  const std::size_t count = labels_.size() - first_label;
  switch (family.type) {
    case MetricType::summary:
      for (const auto& [quantile, value] : values_.quantiles) add_pending("", "quantile", quantile, first_label, count, value);
      add_pending("_sum", {}, 0, first_label, count, values_.sum);
      add_pending("_count", {}, 0, first_label, count, values_.count);
      break;
    case MetricType::histogram:
    case MetricType::gauge_histogram: {
      bool has_infinity = false;
      for (const auto& [bound, cumulative] : values_.buckets) {
        has_infinity = has_infinity || bound == std::numeric_limits<double>::infinity();
        add_pending("_bucket", "le", bound, first_label, count, cumulative);
      }
      if (!has_infinity) {  // implied by the count, as in a text scrape
        add_pending("_bucket", "le", std::numeric_limits<double>::infinity(), first_label, count, values_.count);
      }
      add_pending("_sum", {}, 0, first_label, count, values_.sum);
      add_pending("_count", {}, 0, first_label, count, values_.count);
      break;
    }
    default: add_pending("", {}, 0, first_label, count, values_.value);
  }
  return true;
}

void DirectWriter::add_pending(std::string_view suffix, std::string_view extra_name, double extra_bound,
                               std::size_t first_label, std::size_t label_count, double value) {
  if (pending_used_ == pending_.size()) pending_.emplace_back();
  PendingSeries& series = pending_[pending_used_++];
  series.suffix = suffix;
  series.extra_name = extra_name;
  series.extra_value.clear();
  if (!extra_name.empty()) exposition::append_double(extra_bound, series.extra_value);
  series.first_label = first_label;
  series.label_count = label_count;
  series.value = value;
}

void DirectWriter::write_pending(const FamilyView& family, std::int64_t timestamp_ms) {
  note_family(family.name, family.type, family.help, family.unit);
  for (std::size_t i = 0; i < pending_used_; ++i) {
    const PendingSeries& series = pending_[i];
    series_name_.assign(family.name).append(series.suffix);
    series_labels_.clear();
    series_labels_.push_back({"__name__", series_name_});
    series_labels_.insert(series_labels_.end(), labels_.begin() + static_cast<std::ptrdiff_t>(series.first_label),
                          labels_.begin() + static_cast<std::ptrdiff_t>(series.first_label + series.label_count));
    if (!series.extra_name.empty()) series_labels_.push_back({series.extra_name, series.extra_value});
    const std::size_t own = series_labels_.size();
    for (const auto& label : external_) {
      const auto end = series_labels_.begin() + static_cast<std::ptrdiff_t>(own);
      if (std::none_of(series_labels_.begin(), end, [&](const LabelView& l) { return l.name == label.name; })) {
        series_labels_.push_back({label.name, label.value});
      }
    }
    std::sort(series_labels_.begin(), series_labels_.end(),
              [](const LabelView& a, const LabelView& b) { return a.name < b.name; });
    pushgw::SeriesHasher hasher;
    hasher.add("");
    for (const auto& label : series_labels_) {
      hasher.add(label.name);
      hasher.add(label.value);
    }
    if (!newest_.admit(hasher.finish(), timestamp_ms)) {
      ++dropped_;
      continue;
    }
    write_series(series.value, timestamp_ms);
    if (seal_if_full() && i + 1 < pending_used_) note_family(family.name, family.type, family.help, family.unit);
  }
}

// prometheus.TimeSeries {repeated Label labels = 1; repeated Sample samples = 2}
// with its sizes worked out first, so nothing is moved after it is written.
void DirectWriter::write_series(double value, std::int64_t timestamp_ms) {
  std::size_t labels_size = 0;
  for (const auto& label : series_labels_) {
    const std::size_t pair = string_field_size(label.name.size()) + string_field_size(label.value.size());
    labels_size += 1 + wire::varint_size(pair) + pair;
  }
  const std::size_t sample = 9 + 1 + wire::varint_size(static_cast<std::uint64_t>(timestamp_ms));
  const std::size_t body = labels_size + 1 + wire::varint_size(sample) + sample;
  std::string& out = series_bytes_;
  wire::put_tag(1, wire::kLenWire, out);
  wire::put_varint(body, out);
  for (const auto& label : series_labels_) {
    wire::put_tag(1, wire::kLenWire, out);
    wire::put_varint(string_field_size(label.name.size()) + string_field_size(label.value.size()), out);
    wire::put_string(1, label.name, out);
    wire::put_string(2, label.value, out);
  }
  wire::put_tag(2, wire::kLenWire, out);
  wire::put_varint(sample, out);
  wire::put_double(1, value, out);
  wire::put_uint(2, static_cast<std::uint64_t>(timestamp_ms), out);
  ++open_.samples;
  open_.newest_ms = std::max(open_.newest_ms, timestamp_ms);
}

void DirectWriter::append_series(const TimeSeries& series) {
  note_family(series.family->name, series.family->metadata.type, series.family->metadata.help,
              series.family->metadata.unit);
  put_v1_series(series, series_bytes_);
  open_.samples += series.samples.size();
  open_.histograms += series.histograms.size();
  open_.exemplars += series.exemplars.size();
  for (const auto& sample : series.samples) open_.newest_ms = std::max(open_.newest_ms, sample.timestamp_ms);
  for (const auto& histogram : series.histograms) open_.newest_ms = std::max(open_.newest_ms, histogram.timestamp_ms);
  seal_if_full();
}

// One MetricMetadata per family and batch, as Prometheus sends it.
void DirectWriter::note_family(std::string_view name, exposition::MetricType type, std::string_view help,
                               std::string_view unit) {
  if (!families_in_batch_.insert(std::hash<std::string_view>{}(name)).second) return;
  put_v1_metadata(name, Metadata{type, std::string(help), std::string(unit)}, metadata_bytes_);
}

bool DirectWriter::seal_if_full() {
  if (open_.samples + open_.histograms < max_samples_) return false;
  seal();
  return true;
}

void DirectWriter::seal() {
  if (series_bytes_.empty()) return;
  const std::size_t size = series_bytes_.size();
  open_.body = std::move(series_bytes_);  // the batch's bytes are not copied
  open_.body.append(metadata_bytes_);
  sealed_.push_back(std::move(open_));
  open_ = {};
  series_bytes_ = {};
  series_bytes_.reserve(size);  // the next batch is about as large
  metadata_bytes_.clear();
  families_in_batch_.clear();
}

std::vector<EncodedBatch> DirectWriter::take_batches() {
  seal();
  // One family's series are kept for reuse, up to a bound: a 100k-series
  // family must not hold its scratch memory for good.
  constexpr std::size_t kKeptSeries = 1U << 14;
  if (pending_.size() > kKeptSeries) pending_ = {};
  if (labels_.capacity() > 4 * kKeptSeries) labels_ = {};
  metadata_bytes_.clear();  // a family noted whose series were all dropped
  families_in_batch_.clear();
  return std::exchange(sealed_, {});
}

std::size_t DirectWriter::pending_samples() const {
  std::size_t samples = open_.samples + open_.histograms;
  for (const auto& batch : sealed_) samples += batch.samples + batch.histograms;
  return samples;
}

}  // namespace flowgate::remote_write

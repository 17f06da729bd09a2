#include "pushgw/group.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "exposition/assembler.hpp"
#include "exposition/names.hpp"
#include "exposition/protobuf_parser.hpp"
#include "exposition/text_parser.hpp"
#include "exposition/text_writer.hpp"
#include "exposition/utf8.hpp"
#include "pushgw/label_rules.hpp"
#include "pushgw/series_hash.hpp"
#include "pushgw/text_round_trip.hpp"

namespace flowgate::pushgw {

namespace {

using exposition::Family;
using exposition::Labels;
using exposition::MetricType;

PushError inconsistent(std::string sentence) { return {PushErrorKind::inconsistent, std::move(sentence)}; }

bool is_histogram(MetricType type) { return type == MetricType::histogram || type == MetricType::gauge_histogram; }

// The Pushgateway's (client_golang's) series order within a family: fewer
// labels first, then label values in label-name order.
bool series_before(const exposition::Metric& a, const exposition::Metric& b) {
  if (a.labels.size() != b.labels.size()) return a.labels.size() < b.labels.size();
  for (std::size_t i = 0; i < a.labels.size(); ++i) {
    if (a.labels[i].value != b.labels[i].value) return a.labels[i].value < b.labels[i].value;
  }
  return false;
}

// Series normally have a handful of labels: below this, pairwise and
// insertion-sort loops beat anything that allocates.
constexpr std::size_t kFewLabels = 16;

bool name_before(const exposition::Label& a, const exposition::Label& b) { return a.name < b.name; }

// Stable by name, as std::stable_sort, without its buffer for few labels.
void sort_by_name(Labels::iterator first, Labels::iterator last) {
  if (last - first > static_cast<std::ptrdiff_t>(kFewLabels)) {
    std::stable_sort(first, last, name_before);
    return;
  }
  for (auto i = first; i != last; ++i) {
    for (auto j = i; j != first && j->name < (j - 1)->name; --j) std::iter_swap(j, j - 1);
  }
}

// A name that appears twice in `labels`, if any; O(n log n).
const std::string* repeated_name(const Labels& labels) {
  if (labels.size() <= kFewLabels) {
    for (std::size_t i = 1; i < labels.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (labels[j].name == labels[i].name) return &labels[i].name;
      }
    }
    return nullptr;
  }
  std::vector<const std::string*> names;
  names.reserve(labels.size());
  for (const auto& label : labels) names.push_back(&label.name);
  std::sort(names.begin(), names.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
  const auto twice =
      std::adjacent_find(names.begin(), names.end(), [](const std::string* a, const std::string* b) { return *a == *b; });
  return twice == names.end() ? nullptr : *twice;
}

boost::system::result<void, PushError> check_body_labels(const Family& family, const Labels& labels,
                                                         exposition::NameValidation names) {
  for (const auto& label : labels) {
    if (!exposition::is_label_name(label.name, names) || is_reserved_label_name(label.name)) {
      return inconsistent("family " + quoted(family.name) + ": series " + describe_series(family.name, labels) +
                          " has the invalid label name " + quoted(label.name) + " (rule label-name)");
    }
  }
  if (const std::string* twice = repeated_name(labels)) {
    return inconsistent("family " + quoted(family.name) + ": series " + describe_series(family.name, labels) +
                        " has the label name " + quoted(*twice) + " twice (rule duplicate-label-name)");
  }
  return {};
}

boost::system::result<void, PushError> check_sanitized_labels(const Family& family, const Labels& labels) {
  for (const auto& label : labels) {
    if (!exposition::is_valid_utf8(label.value)) {
      return inconsistent("family " + quoted(family.name) + ": the value of label " + quoted(label.name) +
                          " is not valid UTF-8 (rule label-value-utf8)");
    }
    if (family.type == MetricType::summary && label.name == "quantile") {
      return inconsistent("family " + quoted(family.name) + ": series " + describe_series(family.name, labels) +
                          " is a summary and must not have an explicit quantile label (rule summary-quantile-label)");
    }
    if (is_histogram(family.type) && label.name == "le") {
      return inconsistent("family " + quoted(family.name) + ": series " + describe_series(family.name, labels) +
                          " is a histogram and must not have an explicit le label (rule histogram-le-label)");
    }
  }
  return {};
}

}  // namespace

exposition::FamilyHeader StoredFamily::header() const { return {name, help, type, unit}; }

std::string_view StoredFamily::block(exposition::Format format) const {
  switch (format) {
    case exposition::Format::text:
      return text_block;
    case exposition::Format::protobuf:
      if (!protobuf_block.empty()) return protobuf_block;
      std::call_once(protobuf_once_, [this] {
        exposition::write_samples(exposition::Format::protobuf, model_from_text(), rendered_protobuf_block_);
        rendered_protobuf_block_.shrink_to_fit();
      });
      return rendered_protobuf_block_;
    case exposition::Format::openmetrics:
      break;
  }
  std::call_once(openmetrics_once_, [this] {
    std::string rendered;
    exposition::write_samples(exposition::Format::openmetrics, model(), rendered);
    // Non-integral gauges and counters read the same in both formats: keep one copy.
    openmetrics_is_text_ = rendered == text_block;
    if (!openmetrics_is_text_) openmetrics_block_ = std::move(rendered);
  });
  return openmetrics_is_text_ ? std::string_view(text_block) : std::string_view(openmetrics_block_);
}

const exposition::DeflatedBlock& StoredFamily::deflated(exposition::Format format) const {
  const auto slot = static_cast<std::size_t>(format);
  std::call_once(deflated_once_[slot], [this, format, slot] {
    deflated_[slot] = std::make_unique<const exposition::DeflatedBlock>(exposition::deflate_block(block(format)));
  });
  return *deflated_[slot];
}

exposition::Family StoredFamily::model_from_text() const {
  std::string body;
  body.reserve(text_block.size() + name.size() + 32);
  // Info and stateset families are written as gauges; the stored type says which.
  exposition::write_text_header(exposition::FamilyHeader{name, {}, type, {}}, body);
  body += text_block;
  auto parsed = exposition::parse_text(body);
  Family family;
  if (parsed && !parsed->empty()) family = std::move(parsed->front());
  family.name = name;
  family.help = help;
  family.type = type;
  family.unit = unit;
  for (auto& metric : family.metrics) metric.source_line = 0;  // as a protobuf parse leaves it
  return family;
}

exposition::Family StoredFamily::model() const {
  if (protobuf_block.empty()) return model_from_text();
  // The protobuf block is the lossless form (native histograms included);
  // the assembler turns header + block into a delimited message to re-parse.
  const std::array<exposition::FamilyBlocks, 1> blocks{exposition::FamilyBlocks{header(), {protobuf_block}}};
  const auto body = exposition::assemble(exposition::Format::protobuf, blocks);
  std::string message;
  message.reserve(body.size());
  for (auto piece : body.pieces) message += piece;
  // Stored names were checked when pushed; any UTF-8 ones come back too.
  exposition::ParseBounds any_names;
  any_names.names = exposition::NameValidation::utf8;
  auto parsed = exposition::parse_protobuf(message, any_names);
  if (parsed && !parsed->empty()) {
    // Info and stateset families travel as protobuf gauges; the stored type says which.
    parsed->front().type = type;
    return std::move(parsed->front());
  }
  Family empty;
  empty.name = name;
  empty.help = help;
  empty.type = type;
  empty.unit = unit;
  return empty;
}

const StoredFamily::EscapedForm& StoredFamily::escaped_form(exposition::NameEscaping escaping) const {
  std::call_once(escaped_once_, [this] { escaped_ = std::make_unique<EscapedForms>(); });
  const auto slot = static_cast<std::size_t>(escaping) - 1;  // allow_utf8 has no form of its own
  std::call_once(escaped_->once[slot], [this, escaping, slot] {
    const Family escaped = exposition::escape_names(model(), escaping);
    EscapedForm& form = escaped_->forms[slot];
    form.name = escaped.name;
    for (const auto format : {exposition::Format::text, exposition::Format::openmetrics, exposition::Format::protobuf}) {
      exposition::write_samples(format, escaped, form.blocks[static_cast<std::size_t>(format)]);
    }
  });
  return escaped_->forms[slot];
}

std::string_view StoredFamily::escaped_name(exposition::NameEscaping escaping) const {
  if (legacy_names || escaping == exposition::NameEscaping::allow_utf8) return name;
  return escaped_form(escaping).name;
}

std::string_view StoredFamily::escaped_block(exposition::Format format, exposition::NameEscaping escaping) const {
  if (legacy_names || escaping == exposition::NameEscaping::allow_utf8) return block(format);
  return escaped_form(escaping).blocks[static_cast<std::size_t>(format)];
}

FamilyPtr store_family(const Family& family, double pushed_at, ProtobufBlock protobuf) {
  auto stored = std::make_shared<StoredFamily>();
  stored->name = family.name;
  stored->help = family.help;
  stored->type = family.type;
  stored->unit = family.unit;
  stored->pushed_at = pushed_at;
  stored->legacy_names = exposition::has_only_legacy_names(family);
  exposition::write_samples(exposition::Format::text, family, stored->text_block);
  stored->text_block.shrink_to_fit();
  stored->series_hashes.reserve(family.metrics.size());
  for (const auto& metric : family.metrics) stored->series_hashes.push_back(series_hash(family.name, metric.labels));
  std::sort(stored->series_hashes.begin(), stored->series_hashes.end());
  stored->distinct_series =
      std::adjacent_find(stored->series_hashes.begin(), stored->series_hashes.end()) == stored->series_hashes.end();
  if (protobuf == ProtobufBlock::always || !text_round_trips(family, stored->distinct_series)) {
    exposition::write_samples(exposition::Format::protobuf, family, stored->protobuf_block);
    stored->protobuf_block.shrink_to_fit();
  }
  return stored;
}

bool has_only_legacy_names(std::string_view name, std::string_view text_block) {
  if (exposition::needs_escaping(name)) return false;
  // Inside a label value every '"' is escaped (an odd run of backslashes before it).
  for (auto at = text_block.find("\"="); at != std::string_view::npos; at = text_block.find("\"=", at + 1)) {
    std::size_t backslashes = 0;
    while (backslashes < at && text_block[at - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return false;
  }
  return true;
}

const StoredFamily* Group::find(std::string_view name) const {
  const auto it = std::lower_bound(families.begin(), families.end(), name,
                                   [](const FamilyPtr& family, std::string_view n) { return family->name < n; });
  return it != families.end() && (*it)->name == name ? it->get() : nullptr;
}

std::size_t Group::series_count() const {
  std::size_t count = 0;
  for (const auto& family : families) count += family->series_hashes.size();
  return count;
}

std::size_t Group::block_bytes() const {
  std::size_t bytes = 0;
  for (const auto& family : families) bytes += family->text_block.size() + family->protobuf_block.size();
  return bytes;
}

namespace {

// Labels sanitize_labels would leave as they are: strictly ascending names,
// every grouping label with its value, and an instance label.
bool already_sanitized(const GroupingKey& key, const Labels& labels) {
  const auto out_of_order = std::adjacent_find(labels.begin(), labels.end(),
                                               [](const auto& a, const auto& b) { return !(a.name < b.name); });
  if (out_of_order != labels.end()) return false;
  const auto find = [&labels](std::string_view name) {
    const auto it = std::lower_bound(labels.begin(), labels.end(), name,
                                     [](const exposition::Label& l, std::string_view n) { return l.name < n; });
    return it != labels.end() && it->name == name ? &*it : nullptr;
  };
  for (const auto& grouping : key.labels) {
    const auto* label = find(grouping.name);
    if (label == nullptr || label->value != grouping.value) return false;
  }
  return find("instance") != nullptr;
}

}  // namespace

void sanitize_labels(const GroupingKey& key, Labels& labels) {
  // Stored series read back (aggregation, OTLP upserts) come sanitized.
  if (already_sanitized(key, labels)) return;
  // O(n log n) in body and grouping labels together: the body's labels sorted
  // (stably: with the check off a name may repeat, and the first one takes the
  // grouping value), each grouping label looked up by binary search.
  const std::size_t body = labels.size();
  sort_by_name(labels.begin(), labels.end());
  labels.reserve(body + key.labels.size() + 1);
  auto in_body = [&labels, body](std::string_view name) {
    const auto end = labels.begin() + static_cast<std::ptrdiff_t>(body);
    const auto it = std::lower_bound(labels.begin(), end, name,
                                     [](const exposition::Label& l, std::string_view n) { return l.name < n; });
    return it != end && it->name == name ? it : labels.end();
  };
  bool has_instance = in_body("instance") != labels.end();
  for (const auto& grouping : key.labels) {
    if (const auto it = in_body(grouping.name); it != labels.end()) {
      it->value = grouping.value;
    } else {
      labels.push_back(grouping);
    }
    has_instance = has_instance || grouping.name == "instance";
  }
  if (!has_instance) labels.push_back({"instance", ""});
  sort_by_name(labels.begin(), labels.end());
}

std::string describe_series(std::string_view family_name, const Labels& labels) {
  // Bounded: a refused series may carry thousands of labels.
  constexpr std::size_t kMaxBytes = 1024;
  constexpr std::size_t kMaxNameBytes = 256;
  // One line: UTF-8 names may hold any character, so those are quoted.
  const bool bare = family_name.empty() || exposition::is_metric_name(family_name);  // empty: a group, no family
  std::string out = bare ? std::string(family_name.substr(0, kMaxNameBytes)) : quoted_start(family_name, kMaxNameBytes);
  if (bare && family_name.size() > kMaxNameBytes) out += "...";
  out += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (out.size() > kMaxBytes) {
      out += "... " + std::to_string(labels.size() - i) + " more";
      break;
    }
    if (i > 0) out += ',';
    out += exposition::is_metric_name(labels[i].name) ? labels[i].name : quoted_start(labels[i].name, 256);
    out += '=';
    out += quoted_start(labels[i].value, 256);
  }
  out += '}';
  return out;
}

FamilyPtr push_time_family(std::string_view name, const GroupingKey& key, double value, double pushed_at) {
  Family family;
  family.name = name;
  family.help = name == kPushTimeName ? kPushTimeHelp : kPushFailureTimeHelp;
  family.type = MetricType::gauge;
  auto& metric = family.metrics.emplace_back();
  metric.value = value;
  sanitize_labels(key, metric.labels);
  return store_family(family, pushed_at);
}

namespace {

// One series of a push as build_candidate takes it: no timestamp; with
// `check_series` the label rules on the body's labels and then on the
// sanitized ones.
boost::system::result<void, PushError> take_series(const GroupingKey& key, const Family& family,
                                                   exposition::Metric& metric, bool check_series,
                                                   exposition::NameValidation names, SeriesLabels labels) {
  if (metric.timestamp_ms) return PushError(PushErrorKind::has_timestamp, "pushed metrics must not have timestamps");
  if (check_series) {
    if (auto checked = check_body_labels(family, metric.labels, names); !checked) return checked;
  }
  if (labels == SeriesLabels::as_pushed) sanitize_labels(key, metric.labels);
  if (!check_series) return {};
  return check_sanitized_labels(family, metric.labels);
}

}  // namespace

boost::system::result<Candidate, PushError> build_candidate(GroupingKey key, exposition::Families families,
                                                            double now_seconds, bool check_series,
                                                            exposition::NameValidation names, SeriesLabels labels) {
  Candidate candidate;
  candidate.now_seconds = now_seconds;
  candidate.id = key.id();
  // Later families of a repeated name replace earlier ones, as in the Pushgateway's map.
  std::stable_sort(families.begin(), families.end(), [](const Family& a, const Family& b) { return a.name < b.name; });
  for (std::size_t i = 0; i < families.size(); ++i) {
    Family& family = families[i];
    if (i + 1 < families.size() && families[i + 1].name == family.name) continue;
    if (family.metrics.empty() || family.name == kPushTimeName || family.name == kPushFailureTimeName) continue;
    for (auto& metric : family.metrics) {
      if (auto taken = take_series(key, family, metric, check_series, names, labels); !taken) return taken.error();
    }
    std::stable_sort(family.metrics.begin(), family.metrics.end(), series_before);
    // Aggregated totals are read back as protobuf by the group's next aggregating push.
    auto stored = store_family(family, now_seconds,
                               labels == SeriesLabels::sanitized ? ProtobufBlock::always
                                                                 : ProtobufBlock::when_text_is_lossy);
    if (check_series) {
      const auto& hashes = stored->series_hashes;
      const auto repeated = std::adjacent_find(hashes.begin(), hashes.end());
      if (repeated != hashes.end()) {
        const auto metric = std::find_if(family.metrics.begin(), family.metrics.end(), [&](const auto& m) {
          return series_hash(family.name, m.labels) == *repeated;
        });
        return inconsistent("family " + quoted(family.name) + ": series " +
                            describe_series(family.name, metric->labels) +
                            " appears twice in this push (rule duplicate-series)");
      }
    }
    candidate.families.push_back(std::move(stored));
  }
  candidate.push_time = push_time_family(kPushTimeName, key, now_seconds, now_seconds);
  candidate.key = std::move(key);
  return candidate;
}

}  // namespace flowgate::pushgw

#pragma once
// One grouping key's families as the store keeps them: each family's samples
// already serialized (text 0.0.4 at push time; protobuf at push time only when
// text cannot carry the family exactly, else on first request; OpenMetrics on
// first request; gzip'd blocks on first gzip scrape), its series hashes and its
// metadata; not the metric model, which model() re-parses on demand (JSON API).
// Immutable once built and shared between snapshots; the lazy blocks are
// thread-safe caches.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "exposition/gzip.hpp"
#include "exposition/model.hpp"
#include "exposition/name_escaping.hpp"
#include "exposition/names.hpp"
#include "exposition/writer.hpp"
#include "pushgw/grouping_key.hpp"
#include "pushgw/group_state.hpp"
#include "pushgw/push_error.hpp"

namespace flowgate::pushgw {

inline constexpr std::string_view kPushTimeName = "push_time_seconds";
inline constexpr std::string_view kPushFailureTimeName = "push_failure_time_seconds";
inline constexpr std::string_view kPushTimeHelp = "Last Unix time when changing this group in the Pushgateway succeeded.";
inline constexpr std::string_view kPushFailureTimeHelp = "Last Unix time when changing this group in the Pushgateway failed.";

struct StoredFamily {
  std::string name;
  std::string help;
  exposition::MetricType type = exposition::MetricType::untyped;
  // Known to have no two series with one series hash (so no two with the
  // same labels): set by store_family; false means unknown (read from disk).
  // Next to `type`, which an aggregating push reads too: one cache line.
  bool distinct_series = false;
  std::string unit;
  double pushed_at = 0;  // Unix seconds of the push that last replaced this family
  std::string text_block;
  // The protobuf samples kept beside the text block, for families the text
  // block cannot carry exactly (text_round_trip.hpp); empty for the others,
  // whose protobuf block(Format::protobuf) renders from the text block on
  // first use. What persistence writes, so the files stay as small.
  std::string protobuf_block;
  std::vector<std::uint64_t> series_hashes;  // ascending; one per series
  // Every name (the family's, its label names) a legacy metric name: the
  // blocks read the same in every exposition::NameEscaping.
  bool legacy_names = true;

  exposition::FamilyHeader header() const;
  // The samples in `format`; the OpenMetrics block, and the protobuf block
  // when protobuf_block is empty, are rendered on first use and then cached
  // (OpenMetrics not kept apart when it equals the text block).
  std::string_view block(exposition::Format format) const;
  // block(format) deflated on its own for gzip scrapes: compressed on first
  // use, then cached, so an unchanged family is compressed once.
  const exposition::DeflatedBlock& deflated(exposition::Format format) const;
  // The family as a model, re-parsed from protobuf_block, or from the text
  // block when that is empty (the same model: the text carries it exactly).
  exposition::Family model() const;
  // The name and the samples in `format` as `escaping` writes them: the
  // stored ones for legacy names or allow_utf8, else rendered from model()
  // on first use per scheme and then cached.
  std::string_view escaped_name(exposition::NameEscaping escaping) const;
  std::string_view escaped_block(exposition::Format format, exposition::NameEscaping escaping) const;

 private:
  struct EscapedForm {
    std::string name;
    std::array<std::string, 3> blocks;  // by Format
  };
  struct EscapedForms {
    std::array<std::once_flag, 3> once;  // underscores, dots, values
    std::array<EscapedForm, 3> forms;
  };
  const EscapedForm& escaped_form(exposition::NameEscaping escaping) const;
  exposition::Family model_from_text() const;
  mutable std::once_flag protobuf_once_;
  mutable std::string rendered_protobuf_block_;
  mutable std::once_flag escaped_once_;
  mutable std::unique_ptr<EscapedForms> escaped_;
  mutable std::once_flag openmetrics_once_;
  mutable std::string openmetrics_block_;
  mutable bool openmetrics_is_text_ = false;
  static constexpr std::size_t kFormats = 3;
  mutable std::array<std::once_flag, kFormats> deflated_once_;
  mutable std::array<std::unique_ptr<const exposition::DeflatedBlock>, kFormats> deflated_;
};
using FamilyPtr = std::shared_ptr<const StoredFamily>;

// Whether store_family keeps a protobuf block beside the text block.
enum class ProtobufBlock : std::uint8_t {
  when_text_is_lossy,  // only when text cannot carry the family exactly: the memory-lean default
  always,              // also when it can: for families read back as protobuf right away (aggregated totals)
};

// Renders and hashes `family`, whose series labels are already sanitized.
FamilyPtr store_family(const exposition::Family& family, double pushed_at,
                       ProtobufBlock protobuf = ProtobufBlock::when_text_is_lossy);

// StoredFamily::legacy_names of a family read back from disk, from its name
// and text block: the text writer quotes exactly the label names that are not
// legacy, so a closing quote before '=' gives one away. O(block).
bool has_only_legacy_names(std::string_view name, std::string_view text_block);

struct Group {
  GroupingKey key;
  std::string id;  // key.id(), the order of groups everywhere
  double push_time_seconds = 0;
  double push_failure_time_seconds = 0;
  std::vector<FamilyPtr> families;  // ascending by name, unique; the two push-time gauges included
  GroupStatePtr state;               // OTLP totals etc. (group_state.hpp); a PUT drops it, a POST keeps it
  // The time to live a push declared for the group (X-Flowgate-Group-TTL or
  // the grouping label __group_ttl), overriding --push.group-ttl; 0: none
  // declared. Kept by pushes that declare none, gone with the group.
  double ttl_seconds = 0;

  bool last_push_successful() const { return !(push_failure_time_seconds > push_time_seconds); }
  const StoredFamily* find(std::string_view name) const;
  std::size_t series_count() const;
  std::size_t block_bytes() const;  // text + protobuf blocks: the bulk of the group's memory
};
using GroupPtr = std::shared_ptr<const Group>;

// push_time_seconds or push_failure_time_seconds of the group `key`: one
// gauge labelled with the grouping key (+ instance="" when it has none).
FamilyPtr push_time_family(std::string_view name, const GroupingKey& key, double value, double pushed_at);

// Grouping labels set (overriding the body's), instance="" when absent,
// sorted by name: the Pushgateway's sanitation of every stored series.
void sanitize_labels(const GroupingKey& key, exposition::Labels& labels);

// `name{a="b",...}` for messages.
std::string describe_series(std::string_view family_name, const exposition::Labels& labels);

// A push, validated as far as it can be without the store, and rendered.
struct Candidate {
  GroupingKey key;
  std::string id;
  std::vector<FamilyPtr> families;  // pushed families: ascending by name, unique, non-empty
  FamilyPtr push_time;              // push_time_seconds = now
  double now_seconds = 0;
  std::optional<double> ttl_seconds;  // declared by the push: the group's Group::ttl_seconds after it
};

// Whether build_candidate sanitizes each series' labels (sanitize_labels), or
// they already are: an aggregating push's totals (the pushed series were
// sanitized before being added up, the stored ones when stored).
enum class SeriesLabels : std::uint8_t { as_pushed, sanitized };

// Rejects timestamps (has_timestamp) always; with `check_series` also the
// per-series rules of the consistency check (inconsistent): label names
// valid (by `names`) and not reserved, no duplicate names, UTF-8 values, no explicit
// `quantile` on a summary or `le` on a histogram, no series twice in the push.
// Families named like the push-time gauges are dropped (the Pushgateway
// overwrites them); families without series are dropped.
boost::system::result<Candidate, PushError> build_candidate(
    GroupingKey key, exposition::Families families, double now_seconds, bool check_series,
    exposition::NameValidation names, SeriesLabels labels = SeriesLabels::as_pushed);

}  // namespace flowgate::pushgw

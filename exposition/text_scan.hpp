#pragma once
// What both text parsers (text 0.0.4 and OpenMetrics 1.0) read sample lines
// with: label values scanned in place (escapes checked, nothing copied), raw
// labels compared with stored ones and unescaped only when a series is new,
// label-set hashing, and the table that finds a series by its labels.
// Internal to exposition's parsers. Pure functions and plain classes.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/unordered/unordered_flat_set.hpp>

#include "exposition/model.hpp"
#include "exposition/names.hpp"

namespace flowgate::exposition::text_scan {

inline std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 31;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 29;
  return h;
}

inline std::uint64_t load64(const char* p) {
  std::uint64_t word = 0;
  std::memcpy(&word, p, 8);
  return word;
}

inline std::uint64_t load32(const char* p) {
  std::uint32_t word = 0;
  std::memcpy(&word, p, 4);
  return word;
}

// Labels are short: the tail is read with overlapping fixed-size loads (as
// wyhash does), not a variable-length copy that stalls store forwarding.
inline std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed) {
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint64_t h = seed ^ (n * 0x9E3779B97F4A7C15ull);
  for (; n > 8; p += 8, n -= 8) {
    h = (h ^ load64(p)) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
  }
  std::uint64_t tail = 0;
  if (n >= 4) {
    tail = (load32(p) << 32) | load32(p + n - 4);
  } else if (n > 0) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])); };
    tail = (byte(0) << 16) | (byte(n >> 1) << 8) | byte(n - 1);
  }
  return mix((h ^ tail) * 0xBF58476D1CE4E5B9ull);
}

struct NameHash {
  std::size_t operator()(std::string_view name) const { return hash_bytes(name, 0); }
};

// A label as it appears in the input: the value is still escaped when
// `escaped` is set (escapes are validated already).
struct RawLabel {
  std::string_view name;
  std::string_view value;
  bool escaped = false;
  std::size_t pos = 0;  // of the name, for errors
};

// Up to this many labels a sample's label checks compare pairwise; beyond,
// they sort, so that a line with 100k labels costs n log n, not n^2.
inline constexpr std::size_t kPairwiseLabels = 16;

// A label value from just after its opening '"': where it ends, and whether
// it needs unescaping or a UTF-8 check. Escapes are \\, \" and \n.
struct LabelValueScan {
  static constexpr std::size_t npos = std::string_view::npos;
  std::size_t end = npos;         // the closing '"'; npos when the line ends (or a bad escape comes) first
  std::size_t bad_escape = npos;  // the '\' of the first escape that is none of the three
  bool escaped = false;
  bool non_ascii = false;
};
LabelValueScan scan_label_value(std::string_view line, std::size_t begin);

void unescape_label_value(std::string_view raw, std::string& out);
// HELP text (escapes \\, \n and \") unescaped into `out`; npos, or the
// position of the first '\' that starts none of them.
std::size_t unescape_help(std::string_view text, std::string& out);
bool raw_equals(const RawLabel& raw, const std::string& value);

// Order-independent; `family` keeps equal label sets of two families apart.
std::uint64_t label_set_hash(std::span<const RawLabel> labels, std::uint64_t family);
// The same names with equal values, in any order (names are unique on both sides).
bool same_labels(std::span<const RawLabel> raw, const Labels& stored);
// The later of two labels of one name, if any; O(n log n).
const RawLabel* repeated_label(std::span<const RawLabel> labels);

// {name="value",...} cut after about 200 bytes, on one line whatever the
// names and values hold: names outside the legacy grammar quoted (a UTF-8
// name may carry a line break), RawLabel values as written (still escaped),
// unescaped values quoted.
template <typename LabelList>
std::string describe_labels(const LabelList& labels) {
  constexpr std::size_t kMaxShown = 200;
  std::string out = "{";
  for (const auto& label : labels) {
    if (out.size() > kMaxShown) {
      out += ",...";
      break;
    }
    if (out.size() > 1) out += ',';
    out += is_metric_name(label.name) ? std::string(label.name) : quoted_for_message(label.name);
    out += '=';
    if constexpr (std::is_same_v<std::decay_t<decltype(label)>, RawLabel>) {
      out += '"';
      out += label.value;
      out += '"';
    } else {
      out += quoted_for_message(label.value, label.value.size());
    }
  }
  out += '}';
  return out;
}

// Entries (anything with a `hash` member) in insertion order, found through
// a boost::unordered_flat_set of their indices whose hash and equality read
// the entries, so the set holds four bytes a series and the label comparison
// happens in place.
template <typename Entry>
class SeriesTable {
 public:
  SeriesTable() : index_(1024, IndexHash{&entries_}, IndexEqual{&entries_}) {}
  SeriesTable(const SeriesTable&) = delete;
  SeriesTable& operator=(const SeriesTable&) = delete;

  // The lines of one series usually come together: the series of the
  // previous line is checked before the table.
  template <typename Matches>
  Entry* find(std::uint64_t hash, Matches&& matches) {
    if (last_ < entries_.size() && entries_[last_].hash == hash && matches(entries_[last_])) return &entries_[last_];
    const auto it = index_.find(Probe<Matches>{hash, matches});
    if (it == index_.end()) return nullptr;
    last_ = *it;
    return &entries_[*it];
  }

  Entry& insert(const Entry& entry) {
    entries_.push_back(entry);
    last_ = static_cast<std::uint32_t>(entries_.size() - 1);
    index_.insert(last_);
    return entries_.back();
  }

 private:
  template <typename Matches>
  struct Probe {
    std::uint64_t hash;
    Matches& matches;
  };

  struct IndexHash {
    using is_transparent = void;
    using is_avalanching = void;  // label_set_hash ends in a mix
    const std::vector<Entry>* entries;
    std::size_t operator()(std::uint32_t index) const { return (*entries)[index].hash; }
    template <typename Matches>
    std::size_t operator()(const Probe<Matches>& probe) const {
      return probe.hash;
    }
  };

  struct IndexEqual {
    using is_transparent = void;
    const std::vector<Entry>* entries;
    bool operator()(std::uint32_t a, std::uint32_t b) const { return a == b; }
    template <typename Matches>
    bool operator()(const Probe<Matches>& probe, std::uint32_t index) const {
      const Entry& entry = (*entries)[index];
      return entry.hash == probe.hash && probe.matches(entry);
    }
    template <typename Matches>
    bool operator()(std::uint32_t index, const Probe<Matches>& probe) const {
      return (*this)(probe, index);
    }
  };

  std::vector<Entry> entries_;
  boost::unordered_flat_set<std::uint32_t, IndexHash, IndexEqual> index_;
  std::uint32_t last_ = 0xFFFFFFFFu;
};

}  // namespace flowgate::exposition::text_scan

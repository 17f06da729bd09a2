#include "pushgw/consistency_check.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "pushgw/label_rules.hpp"
#include "pushgw/series_hash.hpp"

namespace flowgate::pushgw {

namespace {

using exposition::MetricType;

bool is_histogram(MetricType type) { return type == MetricType::histogram || type == MetricType::gauge_histogram; }

// Suffixes a summary or histogram `x` exposes as `x<suffix>` series.
bool exposes_suffix(MetricType type, std::string_view suffix) {
  if (is_histogram(type)) return true;
  return type == MetricType::summary && suffix != "_bucket";
}

constexpr std::array<std::string_view, 3> kSuffixes{"_count", "_sum", "_bucket"};

PushError inconsistent(std::string sentence) { return {PushErrorKind::inconsistent, std::move(sentence)}; }

std::string type_word(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::summary: return "summary";
    case MetricType::untyped: return "untyped";
    case MetricType::histogram: return "histogram";
    case MetricType::gauge_histogram: return "gauge histogram";
    case MetricType::info: return "info";
    case MetricType::stateset: return "stateset";
  }
  return "untyped";
}

class Checker {
 public:
  Checker(const FamilyIndex& index, const Group* old_group, std::span<const FamilyPtr> pushed, PushMode mode,
          const StoreOptions& options)
      : index_(index), old_group_(old_group), pushed_(pushed), mode_(mode), options_(options) {}

  boost::system::result<void, PushError> run() const {
    for (const auto& family : pushed_) {
      if (auto checked = check_type(*family); !checked) return checked;
      if (auto checked = check_suffixes(*family); !checked) return checked;
      if (auto checked = check_series(*family); !checked) return checked;
    }
    return {};
  }

 private:
  const StoredFamily* pushed_family(std::string_view name) const {
    const auto it = std::lower_bound(pushed_.begin(), pushed_.end(), name,
                                     [](const FamilyPtr& f, std::string_view n) { return f->name < n; });
    return it != pushed_.end() && (*it)->name == name ? it->get() : nullptr;
  }

  // The family of this group that the change takes out of the store, if any.
  const StoredFamily* leaving(std::string_view name) const {
    if (old_group_ == nullptr) return nullptr;
    if (mode_ == PushMode::replace_families && pushed_family(name) == nullptr) return nullptr;
    return old_group_->find(name);
  }

  // The type `name` has in the store after the change, not counting this push.
  std::optional<MetricType> stored_type(std::string_view name) const {
    const auto* entry = index_.find(name);
    if (entry == nullptr) return std::nullopt;
    const std::uint32_t remaining = entry->groups - (leaving(name) != nullptr ? 1u : 0u);
    return remaining > 0 ? std::optional(entry->type) : std::nullopt;
  }

  std::optional<MetricType> own_type(std::string_view name) const {
    return options_.own_family_type ? options_.own_family_type(name) : std::nullopt;
  }

  // The type `name` has anywhere after the change: this push, the store, flowgate itself.
  std::optional<MetricType> type_after(std::string_view name) const {
    if (const auto* family = pushed_family(name)) return family->type;
    if (auto type = stored_type(name)) return type;
    return own_type(name);
  }

  boost::system::result<void, PushError> check_type(const StoredFamily& family) const {
    if (auto own = own_type(family.name); own && *own != family.type) {
      return inconsistent("family " + quoted(family.name) + " is pushed as " + type_word(family.type) +
                          " but flowgate exposes it as " + type_word(*own) + " (rule own-metric-type)");
    }
    if (auto stored = stored_type(family.name); stored && *stored != family.type) {
      return inconsistent("family " + quoted(family.name) + " is pushed as " + type_word(family.type) +
                          " but another group has it as " + type_word(*stored) + " (rule type-conflict)");
    }
    return {};
  }

  boost::system::result<void, PushError> check_suffixes(const StoredFamily& family) const {
    for (auto suffix : kSuffixes) {
      if (family.name.size() > suffix.size() && family.name.ends_with(suffix)) {
        const std::string_view base = std::string_view(family.name).substr(0, family.name.size() - suffix.size());
        if (auto base_type = type_after(base); base_type && exposes_suffix(*base_type, suffix)) {
          return inconsistent("family " + quoted(family.name) + " collides with the " + type_word(*base_type) + " " +
                              quoted(base) + " (rule suffix-collision)");
        }
      }
      if (exposes_suffix(family.type, suffix)) {
        const std::string derived = family.name + std::string(suffix);
        if (type_after(derived)) {
          return inconsistent(type_word(family.type) + " " + quoted(family.name) + " collides with the family " +
                              quoted(derived) + " (rule suffix-collision)");
        }
      }
    }
    return {};
  }

  boost::system::result<void, PushError> check_series(const StoredFamily& family) const {
    const StoredFamily* old = leaving(family.name);
    for (auto hash : family.series_hashes) {
      std::uint32_t elsewhere = index_.series_count(hash);
      if (old != nullptr && std::binary_search(old->series_hashes.begin(), old->series_hashes.end(), hash)) {
        --elsewhere;
      }
      if (elsewhere > 0) return duplicate(family, hash);
    }
    return {};
  }

  // Only on rejection: the model is re-parsed to name the series.
  static PushError duplicate(const StoredFamily& family, std::uint64_t hash) {
    std::string series = family.name + "{...}";
    for (const auto& metric : family.model().metrics) {
      if (series_hash(family.name, metric.labels) == hash) {
        series = describe_series(family.name, metric.labels);
        break;
      }
    }
    return inconsistent("family " + quoted(family.name) + ": series " + series +
                        " is already stored by another group (rule duplicate-series)");
  }

  const FamilyIndex& index_;
  const Group* old_group_;
  std::span<const FamilyPtr> pushed_;
  PushMode mode_;
  const StoreOptions& options_;
};

}  // namespace

boost::system::result<void, PushError> check_consistency(const FamilyIndex& index, const Group* old_group,
                                                         std::span<const FamilyPtr> pushed, PushMode mode,
                                                         const StoreOptions& options) {
  return Checker(index, old_group, pushed, mode, options).run();
}

boost::system::result<void, PushError> check_whole_store(const Snapshot& snapshot, const StoreOptions& options) {
  FamilyIndex index;
  for (const auto& group : snapshot.groups()) {
    auto checked = check_consistency(index, nullptr, group->families, PushMode::replace_group, options);
    if (!checked) return checked.error();
    index.add(*group);
  }
  return {};
}

}  // namespace flowgate::pushgw

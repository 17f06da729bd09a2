#include "pushgw/family_index.hpp"

#include <functional>

namespace flowgate::pushgw {

std::size_t FamilyIndex::NameHash::operator()(std::string_view name) const {
  return std::hash<std::string_view>{}(name);
}

void FamilyIndex::add(const StoredFamily& family) {
  auto [entry, inserted] = families_.try_emplace(family.name);
  // With the check off, groups may disagree on a type; the latest add is kept.
  entry->second.type = family.type;
  ++entry->second.groups;
  for (auto hash : family.series_hashes) {
    if (!series_.insert(hash).second) ++extra_copies_[hash];
  }
}

void FamilyIndex::remove(const StoredFamily& family) {
  if (auto entry = families_.find(std::string_view(family.name)); entry != families_.end()) {
    if (--entry->second.groups == 0) families_.erase(entry);
  }
  for (auto hash : family.series_hashes) {
    if (auto extra = extra_copies_.find(hash); extra != extra_copies_.end()) {
      if (--extra->second == 0) extra_copies_.erase(extra);
    } else {
      series_.erase(hash);
    }
  }
}

void FamilyIndex::add(const Group& group) {
  for (const auto& family : group.families) add(*family);
}

void FamilyIndex::remove(const Group& group) {
  for (const auto& family : group.families) remove(*family);
}

void FamilyIndex::clear() {
  families_.clear();
  series_.clear();
  extra_copies_.clear();
}

const FamilyIndex::Entry* FamilyIndex::find(std::string_view name) const {
  const auto entry = families_.find(name);
  return entry == families_.end() ? nullptr : &entry->second;
}

std::uint32_t FamilyIndex::series_count(std::uint64_t series_hash) const {
  if (!series_.contains(series_hash)) return 0;
  const auto extra = extra_copies_.find(series_hash);
  return extra == extra_copies_.end() ? 1 : 1 + extra->second;
}

}  // namespace flowgate::pushgw

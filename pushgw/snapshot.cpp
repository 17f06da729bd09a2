#include "pushgw/snapshot.hpp"

#include <algorithm>
#include <functional>

#include <boost/unordered/unordered_flat_map.hpp>

namespace flowgate::pushgw {

namespace {

template <class ShardTable>
std::shared_ptr<const ShardTable> empty_table() {
  static const auto empty = [] {
    auto table = std::make_shared<ShardTable>();
    table->fill(std::make_shared<const std::vector<GroupPtr>>());
    return std::shared_ptr<const ShardTable>(std::move(table));
  }();
  return empty;
}

auto by_id() {
  return [](const GroupPtr& group, std::string_view id) { return group->id < id; };
}

}  // namespace

Snapshot::Snapshot() { tables_.fill(empty_table<ShardTable>()); }

std::size_t Snapshot::shard_of(std::string_view id) { return std::hash<std::string_view>{}(id) % kShards; }

const Group* Snapshot::find(std::string_view id) const {
  const Shard& found = shard_at(shard_of(id));
  const auto it = std::lower_bound(found.begin(), found.end(), id, by_id());
  return it != found.end() && (*it)->id == id ? it->get() : nullptr;
}

std::vector<GroupPtr> Snapshot::groups() const {
  std::vector<GroupPtr> all;
  all.reserve(group_count_);
  for (std::size_t i = 0; i < kShards; ++i) all.insert(all.end(), shard_at(i).begin(), shard_at(i).end());
  std::sort(all.begin(), all.end(), [](const GroupPtr& a, const GroupPtr& b) { return a->id < b->id; });
  return all;
}

std::vector<exposition::FamilyBlocks> Snapshot::merge(exposition::Format format, bool deflated,
                                                     exposition::NameEscaping escaping, bool* utf8_names) const {
  // One pass over the groups in key order appends each family's block to its
  // name's slot; only the distinct names are sorted, by stored name.
  std::vector<exposition::FamilyBlocks> merged;
  std::vector<std::string_view> stored_names;
  boost::unordered_flat_map<std::string_view, std::size_t> slot_of_name;
  for (const auto& group : groups()) {
    for (const auto& family : group->families) {
      auto [it, inserted] = slot_of_name.try_emplace(family->name, merged.size());
      if (inserted) {
        merged.push_back({family->header(), {}, {}});
        merged.back().header.name = family->escaped_name(escaping);
        stored_names.push_back(family->name);
      }
      if (utf8_names != nullptr && !family->legacy_names) *utf8_names = true;
      auto& blocks = merged[it->second];
      if (blocks.header.help.empty()) blocks.header.help = family->help;
      blocks.sample_blocks.push_back(family->escaped_block(format, escaping));
      if (deflated) {
        const bool joined = blocks.sample_blocks.back().size() >= exposition::kSmallestJoinedBlock &&
                            (family->legacy_names || escaping == exposition::NameEscaping::allow_utf8);
        blocks.deflated_blocks.push_back(joined ? &family->deflated(format) : nullptr);
      }
    }
  }
  std::vector<std::size_t> order(merged.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return stored_names[a] < stored_names[b]; });
  std::vector<exposition::FamilyBlocks> sorted;
  sorted.reserve(merged.size());
  for (const std::size_t i : order) sorted.push_back(std::move(merged[i]));
  return sorted;
}

bool Snapshot::has_utf8_names() const {
  static_cast<void>(merged(exposition::Format::text));
  return utf8_names_[static_cast<std::size_t>(exposition::Format::text)];
}

const std::vector<exposition::FamilyBlocks>& Snapshot::merged(exposition::Format format,
                                                              exposition::NameEscaping escaping, bool deflated) const {
  const auto& stored = deflated ? merged_deflated(format) : merged(format);
  const auto format_slot = static_cast<std::size_t>(format);
  const bool utf8_names = deflated ? utf8_names_deflated_[format_slot] : utf8_names_[format_slot];
  if (escaping == exposition::NameEscaping::allow_utf8 || !utf8_names) return stored;
  const std::size_t slot =
      (static_cast<std::size_t>(format) * 3 + static_cast<std::size_t>(escaping) - 1) * 2 + (deflated ? 1 : 0);
  std::call_once(escaped_once_[slot], [&] { escaped_[slot] = merge(format, deflated, escaping); });
  return escaped_[slot];
}

const std::vector<exposition::FamilyBlocks>& Snapshot::merged(exposition::Format format) const {
  const auto slot = static_cast<std::size_t>(format);
  std::call_once(merged_once_[slot], [&] {
    merged_[slot] = merge(format, false, exposition::NameEscaping::allow_utf8, &utf8_names_[slot]);
  });
  return merged_[slot];
}

const std::vector<exposition::FamilyBlocks>& Snapshot::merged_deflated(exposition::Format format) const {
  const auto slot = static_cast<std::size_t>(format);
  std::call_once(merged_deflated_once_[slot], [&] {
    merged_deflated_[slot] = merge(format, true, exposition::NameEscaping::allow_utf8, &utf8_names_deflated_[slot]);
  });
  return merged_deflated_[slot];
}

Snapshot::Delta Snapshot::delta_of(const Group& group, std::ptrdiff_t sign) {
  return {sign, sign * static_cast<std::ptrdiff_t>(group.series_count()),
          sign * static_cast<std::ptrdiff_t>(group.block_bytes())};
}

std::shared_ptr<Snapshot> Snapshot::next_with_shard(std::size_t index, std::shared_ptr<const Shard> content,
                                                    Delta delta) const {
  // Unfilled: the tables are copied once (each pointer copy is a refcount bump).
  auto next = std::make_shared<Snapshot>(Unfilled{});
  next->tables_ = tables_;
  auto table = std::make_shared<ShardTable>(*tables_[index / kTableWidth]);
  (*table)[index % kTableWidth] = std::move(content);
  next->tables_[index / kTableWidth] = std::move(table);
  next->version_ = version_ + 1;
  auto add = [](std::size_t count, std::ptrdiff_t change) {
    return static_cast<std::size_t>(static_cast<std::ptrdiff_t>(count) + change);
  };
  next->group_count_ = add(group_count_, delta.groups);
  next->series_count_ = add(series_count_, delta.series);
  next->block_bytes_ = add(block_bytes_, delta.bytes);
  return next;
}

std::shared_ptr<const Snapshot> Snapshot::with_group(GroupPtr group) const {
  const std::size_t index = shard_of(group->id);
  auto shard = std::make_shared<Shard>(shard_at(index));
  const auto it = std::lower_bound(shard->begin(), shard->end(), std::string_view(group->id), by_id());
  Delta delta = delta_of(*group, 1);
  if (it != shard->end() && (*it)->id == group->id) {
    const Delta removed = delta_of(**it, -1);
    delta = {0, delta.series + removed.series, delta.bytes + removed.bytes};
    *it = std::move(group);
  } else {
    shard->insert(it, std::move(group));
  }
  return next_with_shard(index, std::move(shard), delta);
}

std::shared_ptr<const Snapshot> Snapshot::without_group(std::string_view id) const {
  const std::size_t index = shard_of(id);
  auto shard = std::make_shared<Shard>(shard_at(index));
  const auto it = std::lower_bound(shard->begin(), shard->end(), id, by_id());
  if (it == shard->end() || (*it)->id != id) return next_with_shard(index, std::move(shard), {});
  const Delta delta = delta_of(**it, -1);
  shard->erase(it);
  return next_with_shard(index, std::move(shard), delta);
}

std::shared_ptr<const Snapshot> Snapshot::of_groups(std::vector<GroupPtr> groups, std::uint64_t version) {
  std::stable_sort(groups.begin(), groups.end(), [](const GroupPtr& a, const GroupPtr& b) { return a->id < b->id; });
  std::array<std::shared_ptr<Shard>, kShards> shards;
  for (auto& shard : shards) shard = std::make_shared<Shard>();
  auto next = std::make_shared<Snapshot>();
  for (std::size_t i = 0; i < groups.size(); ++i) {
    // Repeated ids (only from a hand-made input): the last one wins.
    if (i + 1 < groups.size() && groups[i + 1]->id == groups[i]->id) continue;
    next->series_count_ += groups[i]->series_count();
    next->block_bytes_ += groups[i]->block_bytes();
    ++next->group_count_;
    shards[shard_of(groups[i]->id)]->push_back(std::move(groups[i]));
  }
  for (std::size_t t = 0; t < kTableWidth; ++t) {
    auto table = std::make_shared<ShardTable>();
    for (std::size_t i = 0; i < kTableWidth; ++i) (*table)[i] = std::move(shards[t * kTableWidth + i]);
    next->tables_[t] = std::move(table);
  }
  next->version_ = version;
  return next;
}

}  // namespace flowgate::pushgw

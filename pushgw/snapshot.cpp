#include "pushgw/snapshot.hpp"

#include <algorithm>
#include <functional>

#include <boost/unordered/unordered_flat_map.hpp>

namespace flowgate::pushgw {

namespace {

std::shared_ptr<const std::vector<GroupPtr>> empty_shard() {
  static const auto empty = std::make_shared<const std::vector<GroupPtr>>();
  return empty;
}

auto by_id() {
  return [](const GroupPtr& group, std::string_view id) { return group->id < id; };
}

}  // namespace

Snapshot::Snapshot() { shards_.fill(empty_shard()); }

std::size_t Snapshot::shard_of(std::string_view id) { return std::hash<std::string_view>{}(id) % kShards; }

const Group* Snapshot::find(std::string_view id) const {
  const Shard& shard = *shards_[shard_of(id)];
  const auto it = std::lower_bound(shard.begin(), shard.end(), id, by_id());
  return it != shard.end() && (*it)->id == id ? it->get() : nullptr;
}

std::vector<GroupPtr> Snapshot::groups() const {
  std::vector<GroupPtr> all;
  all.reserve(group_count_);
  for (const auto& shard : shards_) all.insert(all.end(), shard->begin(), shard->end());
  std::sort(all.begin(), all.end(), [](const GroupPtr& a, const GroupPtr& b) { return a->id < b->id; });
  return all;
}

const std::vector<exposition::FamilyBlocks>& Snapshot::merged(exposition::Format format) const {
  const auto slot = static_cast<std::size_t>(format);
  std::call_once(merged_once_[slot], [&] {
    // One pass over the groups in key order appends each family's block to
    // its name's slot; only the distinct names are sorted.
    auto& merged = merged_[slot];
    boost::unordered_flat_map<std::string_view, std::size_t> slot_of_name;
    for (const auto& group : groups()) {
      for (const auto& family : group->families) {
        auto [it, inserted] = slot_of_name.try_emplace(family->name, merged.size());
        if (inserted) merged.push_back({family->header(), {}});
        auto& blocks = merged[it->second];
        if (blocks.header.help.empty()) blocks.header.help = family->help;
        blocks.sample_blocks.push_back(family->block(format));
      }
    }
    std::sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) { return a.header.name < b.header.name; });
  });
  return merged_[slot];
}

Snapshot::Delta Snapshot::delta_of(const Group& group, std::ptrdiff_t sign) {
  return {sign, sign * static_cast<std::ptrdiff_t>(group.series_count()),
          sign * static_cast<std::ptrdiff_t>(group.block_bytes())};
}

std::shared_ptr<Snapshot> Snapshot::next_with_shard(std::size_t shard, std::shared_ptr<const Shard> content,
                                                    Delta delta) const {
  // Unfilled: copying the table once is enough (each copy is kShards refcount bumps).
  auto next = std::make_shared<Snapshot>(Unfilled{});
  next->shards_ = shards_;
  next->shards_[shard] = std::move(content);
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
  auto shard = std::make_shared<Shard>(*shards_[index]);
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
  auto shard = std::make_shared<Shard>(*shards_[index]);
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
  for (std::size_t i = 0; i < kShards; ++i) next->shards_[i] = std::move(shards[i]);
  next->version_ = version;
  return next;
}

}  // namespace flowgate::pushgw

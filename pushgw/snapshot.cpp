#include "pushgw/snapshot.hpp"

#include <algorithm>
#include <functional>

#include <boost/unordered/unordered_flat_map.hpp>

namespace flowgate::pushgw {

namespace {

auto by_id() {
  return [](const GroupPtr& group, std::string_view id) { return group->id < id; };
}

}  // namespace

Snapshot::Snapshot() : root_(empty_leaf()) {}

Snapshot::NodePtr Snapshot::empty_leaf() {
  static const NodePtr empty = std::make_shared<const Node>();
  return empty;
}

std::size_t Snapshot::hash_of(std::string_view id) { return std::hash<std::string_view>{}(id); }

const Group* Snapshot::find(std::string_view id) const {
  const std::size_t hash = hash_of(id);
  const Node* node = root_.get();
  for (std::size_t depth = 0; !node->leaf(); ++depth) node = node->children[slot_of(hash, depth)].get();
  const auto it = std::lower_bound(node->groups.begin(), node->groups.end(), id, by_id());
  return it != node->groups.end() && (*it)->id == id ? it->get() : nullptr;
}

std::vector<GroupPtr> Snapshot::groups() const {
  std::vector<GroupPtr> all;
  all.reserve(group_count_);
  for_each_leaf(*root_, [&](const std::vector<GroupPtr>& leaf) { all.insert(all.end(), leaf.begin(), leaf.end()); });
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

Snapshot::NodePtr Snapshot::build(std::vector<Hashed>& items, std::size_t depth) {
  if (items.empty()) return empty_leaf();
  auto node = std::make_shared<Node>();
  if (items.size() <= kLeafGroups || depth >= kDepths) {
    node->groups.reserve(items.size());
    for (auto& item : items) node->groups.push_back(std::move(item.group));
    return node;
  }
  // A stable split: each child keeps the id order.
  std::vector<std::vector<Hashed>> parts(kFanOut);
  for (auto& item : items) parts[slot_of(item.hash, depth)].push_back(std::move(item));
  std::vector<Hashed>().swap(items);  // a large store's first levels are freed as the next are built
  for (std::size_t slot = 0; slot < kFanOut; ++slot) node->children[slot] = build(parts[slot], depth + 1);
  return node;
}

Snapshot::NodePtr Snapshot::put(const Node& node, std::size_t hash, std::size_t depth, GroupPtr group, Delta& delta) {
  if (!node.leaf()) {
    auto next = std::make_shared<Node>();
    next->children = node.children;
    auto& child = next->children[slot_of(hash, depth)];
    child = put(*child, hash, depth + 1, std::move(group), delta);
    return next;
  }
  auto leaf = std::make_shared<Node>();
  leaf->groups.reserve(node.groups.size() + 1);
  leaf->groups = node.groups;
  auto& groups = leaf->groups;
  const auto it = std::lower_bound(groups.begin(), groups.end(), std::string_view(group->id), by_id());
  delta = delta_of(*group, 1);
  if (it != groups.end() && (*it)->id == group->id) {
    const Delta removed = delta_of(**it, -1);
    delta = {0, delta.series + removed.series, delta.bytes + removed.bytes};
    *it = std::move(group);
    return leaf;
  }
  groups.insert(it, std::move(group));
  if (groups.size() <= kLeafGroups || depth >= kDepths) return leaf;
  std::vector<Hashed> items;
  items.reserve(groups.size());
  for (auto& member : groups) items.push_back({hash_of(member->id), std::move(member)});
  return build(items, depth);
}

Snapshot::NodePtr Snapshot::take(const Node& node, std::size_t hash, std::size_t depth, std::string_view id,
                                 Delta& delta) {
  if (!node.leaf()) {
    const std::size_t slot = slot_of(hash, depth);
    auto child = take(*node.children[slot], hash, depth + 1, id, delta);
    if (!child) return nullptr;
    auto next = std::make_shared<Node>();
    next->children = node.children;
    next->children[slot] = std::move(child);
    return next;
  }
  const auto it = std::lower_bound(node.groups.begin(), node.groups.end(), id, by_id());
  if (it == node.groups.end() || (*it)->id != id) return nullptr;
  delta = delta_of(**it, -1);
  auto leaf = std::make_shared<Node>();
  leaf->groups.reserve(node.groups.size() - 1);
  leaf->groups.insert(leaf->groups.end(), node.groups.begin(), it);
  leaf->groups.insert(leaf->groups.end(), it + 1, node.groups.end());
  return leaf;
}

std::shared_ptr<const Snapshot> Snapshot::next_with(NodePtr root, Delta delta) const {
  auto next = std::make_shared<Snapshot>();
  next->root_ = std::move(root);
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
  Delta delta;
  const std::size_t hash = hash_of(group->id);
  auto root = put(*root_, hash, 0, std::move(group), delta);
  return next_with(std::move(root), delta);
}

std::shared_ptr<const Snapshot> Snapshot::without_group(std::string_view id) const {
  Delta delta;
  auto root = take(*root_, hash_of(id), 0, id, delta);
  return next_with(root ? std::move(root) : root_, delta);
}

std::shared_ptr<const Snapshot> Snapshot::of_groups(std::vector<GroupPtr> groups, std::uint64_t version) {
  std::stable_sort(groups.begin(), groups.end(), [](const GroupPtr& a, const GroupPtr& b) { return a->id < b->id; });
  auto next = std::make_shared<Snapshot>();
  std::vector<Hashed> items;
  items.reserve(groups.size());
  for (std::size_t i = 0; i < groups.size(); ++i) {
    // Repeated ids (only from a hand-made input): the last one wins.
    if (i + 1 < groups.size() && groups[i + 1]->id == groups[i]->id) continue;
    next->series_count_ += groups[i]->series_count();
    next->block_bytes_ += groups[i]->block_bytes();
    ++next->group_count_;
    items.push_back({hash_of(groups[i]->id), std::move(groups[i])});
  }
  std::vector<GroupPtr>().swap(groups);
  next->root_ = build(items, 0);
  next->version_ = version;
  return next;
}

}  // namespace flowgate::pushgw

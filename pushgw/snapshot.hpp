#pragma once
// An immutable state of the group store, in memory (the snapshot file on
// disk is persistence/snapshot_file.hpp), shared by readers through
// shared_ptr<const Snapshot>. Groups live in a hash trie: leaves of at most
// kLeafGroups group pointers (sorted by id), reached through nodes of
// kFanOut children picked by successive kBits of the key id's hash; a leaf
// that outgrows kLeafGroups splits into a node. The writer's next snapshot
// copies one leaf and the nodes above it (kFanOut pointers per level, the
// levels growing with log16 of the groups), never all groups, so a push's
// copy stays small as the store grows.
// Every const member is thread-safe; the merged scrape view is computed once
// per snapshot and format and cached.

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "exposition/assembler.hpp"
#include "pushgw/group.hpp"

namespace flowgate::pushgw {

class Snapshot {
 public:
  static constexpr std::size_t kBits = 4;
  static constexpr std::size_t kFanOut = std::size_t{1} << kBits;
  // Past this a leaf splits (unless the hash's bits are used up: then only
  // ids with the same full hash share it, and it may grow).
  static constexpr std::size_t kLeafGroups = 64;

  Snapshot();  // empty, version 0
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // Increases with every published change; equal versions mean equal content.
  std::uint64_t version() const { return version_; }
  std::size_t group_count() const { return group_count_; }
  std::size_t series_count() const { return series_count_; }  // push-time gauges included
  std::size_t block_bytes() const { return block_bytes_; }     // sum of Group::block_bytes()

  const Group* find(std::string_view id) const;
  // Every group in GroupingKey::id order.
  std::vector<GroupPtr> groups() const;
  // Calls `visit(const Group&)` for every group, in no particular order:
  // groups() without the copy and the sort, for a pass that only looks.
  template <class Visit>
  void for_each_group(Visit&& visit) const {
    for_each_leaf(*root_, [&](const std::vector<GroupPtr>& leaf) {
      for (const auto& group : leaf) visit(*group);
    });
  }

  // Every stored family name ascending, each with its header (HELP = the
  // first non-empty HELP in group order) and every group's block in group
  // order. Computed on first call per format; the views point into this
  // snapshot.
  const std::vector<exposition::FamilyBlocks>& merged(exposition::Format format) const;
  // The same with each block's deflated form (for exposition::assemble_gzip),
  // null for blocks under exposition::kSmallestJoinedBlock; deflating a family
  // happens once, on the first gzip scrape that sees it.
  const std::vector<exposition::FamilyBlocks>& merged_deflated(exposition::Format format) const;
  // merged() or merged_deflated() with names as `escaping` writes them: the
  // same lists when every stored name is legacy or the scheme is allow_utf8;
  // otherwise, in the same order (by stored name, so two names that escape
  // alike stay two families, as in the Pushgateway), the families with other
  // names escaped (their blocks never deflated ahead). Cached per snapshot.
  const std::vector<exposition::FamilyBlocks>& merged(exposition::Format format, exposition::NameEscaping escaping,
                                                      bool deflated) const;
  // Whether some stored family has a name that is not legacy (found by the
  // merge, so it costs no pass of its own).
  bool has_utf8_names() const;

  // For the writer: the next snapshot with `group` added or replaced, or with
  // the group `id` removed, or holding exactly `groups`.
  std::shared_ptr<const Snapshot> with_group(GroupPtr group) const;
  std::shared_ptr<const Snapshot> without_group(std::string_view id) const;
  static std::shared_ptr<const Snapshot> of_groups(std::vector<GroupPtr> groups, std::uint64_t version);

 private:
  // A leaf (`groups` ascending by id, no children) or a node (kFanOut
  // children, none null). The children are inline so a node is one allocation.
  struct Node {
    std::vector<GroupPtr> groups;
    std::array<std::shared_ptr<const Node>, kFanOut> children;
    bool leaf() const { return children[0] == nullptr; }
  };
  using NodePtr = std::shared_ptr<const Node>;
  struct Hashed {
    std::size_t hash;
    GroupPtr group;
  };
  static NodePtr empty_leaf();  // shared by every empty part of every snapshot
  static std::size_t hash_of(std::string_view id);
  static std::size_t slot_of(std::size_t hash, std::size_t depth) { return (hash >> (depth * kBits)) & (kFanOut - 1); }
  static constexpr std::size_t kDepths = std::numeric_limits<std::size_t>::digits / kBits;
  // What a change adds to the counters (negative when it removes).
  struct Delta {
    std::ptrdiff_t groups = 0;
    std::ptrdiff_t series = 0;
    std::ptrdiff_t bytes = 0;
  };
  static Delta delta_of(const Group& group, std::ptrdiff_t sign);
  // `items` ascending by id; a leaf when they fit, else a node (consumes `items`).
  static NodePtr build(std::vector<Hashed>& items, std::size_t depth);
  // Path copies: `node` with `group` added or replaced, or with `id` removed
  // (null when `id` is not there); `delta` gets what changed.
  static NodePtr put(const Node& node, std::size_t hash, std::size_t depth, GroupPtr group, Delta& delta);
  static NodePtr take(const Node& node, std::size_t hash, std::size_t depth, std::string_view id, Delta& delta);
  std::shared_ptr<const Snapshot> next_with(NodePtr root, Delta delta) const;

  template <class Visit>
  static void for_each_leaf(const Node& node, Visit&& visit) {
    if (node.leaf()) {
      visit(node.groups);
      return;
    }
    for (const auto& child : node.children) for_each_leaf(*child, visit);
  }

  NodePtr root_;
  std::uint64_t version_ = 0;
  std::size_t group_count_ = 0;
  std::size_t series_count_ = 0;
  std::size_t block_bytes_ = 0;

  // `utf8_names`, when given, is set when some family's names are not legacy.
  std::vector<exposition::FamilyBlocks> merge(exposition::Format format, bool deflated,
                                              exposition::NameEscaping escaping = exposition::NameEscaping::allow_utf8,
                                              bool* utf8_names = nullptr) const;
  static constexpr std::size_t kFormats = 3;
  static constexpr std::size_t kEscapedSlots = kFormats * 3 * 2;  // format x (underscores, dots, values) x deflated
  mutable std::array<bool, kFormats> utf8_names_{};  // set with merged_[format]
  mutable std::array<bool, kFormats> utf8_names_deflated_{};  // set with merged_deflated_[format]
  mutable std::array<std::once_flag, kEscapedSlots> escaped_once_;
  mutable std::array<std::vector<exposition::FamilyBlocks>, kEscapedSlots> escaped_;
  mutable std::array<std::once_flag, kFormats> merged_once_;
  mutable std::array<std::vector<exposition::FamilyBlocks>, kFormats> merged_;
  mutable std::array<std::once_flag, kFormats> merged_deflated_once_;
  mutable std::array<std::vector<exposition::FamilyBlocks>, kFormats> merged_deflated_;
};

}  // namespace flowgate::pushgw

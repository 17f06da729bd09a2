#pragma once
// An immutable state of the group store, in memory (the snapshot file on
// disk is persistence/snapshot_file.hpp), shared by readers through
// shared_ptr<const Snapshot>. Groups live in kShards shards (by hash of the
// key id), each a sorted vector of shared group pointers, reached through a
// two-level table (kTableWidth x kTableWidth), so the writer's next snapshot
// copies one shard's pointers and two small tables, never all groups.
// Every const member is thread-safe; the merged scrape view is computed once
// per snapshot and format and cached.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "exposition/assembler.hpp"
#include "pushgw/group.hpp"

namespace flowgate::pushgw {

class Snapshot {
 public:
  static constexpr std::size_t kTableWidth = 16;
  static constexpr std::size_t kShards = kTableWidth * kTableWidth;

  Snapshot();  // empty, version 0
  // Only Snapshot itself can name the key: a snapshot whose shards the caller fills.
  class Unfilled {
    friend class Snapshot;
    Unfilled() = default;
  };
  explicit Snapshot(Unfilled) {}
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
    for (std::size_t shard = 0; shard < kShards; ++shard) {
      for (const auto& group : shard_at(shard)) visit(*group);
    }
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
  using Shard = std::vector<GroupPtr>;  // ascending by id
  static std::size_t shard_of(std::string_view id);
  // What a change adds to the counters (negative when it removes).
  struct Delta {
    std::ptrdiff_t groups = 0;
    std::ptrdiff_t series = 0;
    std::ptrdiff_t bytes = 0;
  };
  static Delta delta_of(const Group& group, std::ptrdiff_t sign);
  std::shared_ptr<Snapshot> next_with_shard(std::size_t index, std::shared_ptr<const Shard> content, Delta delta) const;

  using ShardTable = std::array<std::shared_ptr<const Shard>, kTableWidth>;
  const Shard& shard_at(std::size_t index) const { return *(*tables_[index / kTableWidth])[index % kTableWidth]; }
  // A pointer copy costs an atomic increment now and a decrement when the
  // snapshot is retired: per push, 2 x kTableWidth of them, not kShards.
  std::array<std::shared_ptr<const ShardTable>, kTableWidth> tables_;
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

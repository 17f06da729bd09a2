#include "pushgw/persistence/recovery.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "exposition/utf8.hpp"
#include "pushgw/change.hpp"
#include "pushgw/persistence/change_codec.hpp"
#include "pushgw/persistence/posix_file.hpp"
#include "pushgw/persistence/record_codec.hpp"
#include "pushgw/persistence/write_ahead_log.hpp"

namespace flowgate::pushgw::persistence {

std::string_view name(RecoveryReport::Outcome outcome) {
  switch (outcome) {
    case RecoveryReport::Outcome::empty: return "empty";
    case RecoveryReport::Outcome::clean: return "clean";
    case RecoveryReport::Outcome::tail_cut: return "tail_cut";
  }
  return "empty";
}

namespace {

// The segment numbers in `folder`, ascending; other files are left alone.
boost::system::result<std::vector<std::uint64_t>, PersistenceError> list_segments(
    const std::filesystem::path& folder) {
  std::vector<std::uint64_t> numbers;
  std::error_code ec;
  if (!std::filesystem::exists(folder, ec)) return numbers;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto number = segment_number(it->path().filename().string())) numbers.push_back(*number);
  }
  if (ec) return PersistenceError(folder.string() + ": cannot list the log folder: " + ec.message());
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

// A segment shorter than its header was being created when flowgate
// stopped: no record was ever in it. A whole header that is not ours is
// damage recovery must not paper over (the caller refuses to start).
// `legacy` segments were written before group ids were escaped.
enum class SegmentHeader { whole, legacy, cut_short, foreign };

SegmentHeader segment_header(std::string_view content) {
  if (content.size() < kSegmentMagic.size()) return SegmentHeader::cut_short;
  const auto magic = content.substr(0, kSegmentMagic.size());
  if (magic == kSegmentMagic) return SegmentHeader::whole;
  if (magic == kLegacySegmentMagic) return SegmentHeader::legacy;
  return SegmentHeader::foreign;
}

// Where replay of one segment stopped: at its end, or at a bad frame.
struct SegmentReplay {
  std::uint64_t records = 0;
  std::uint64_t good_bytes = 0;  // everything before the stop
  std::string bad;               // empty when every frame was good
};

// `content` has a whole header (current or legacy).
SegmentReplay replay_segment(std::string_view content, GroupMap& groups, GroupIds ids) {
  SegmentReplay replay;
  std::size_t offset = kSegmentMagic.size();
  while (offset < content.size()) {
    const auto frame = read_frame(content.substr(offset));
    if (frame.status == FrameStatus::torn) {
      replay.bad = "a record is cut short";
      break;
    }
    if (frame.status == FrameStatus::damaged) {
      replay.bad = "CRC mismatch";
      break;
    }
    auto change = decode_change(frame.payload);
    if (!change) {
      replay.bad = "a record does not decode";
      break;
    }
    apply_change(groups, *change, ids);
    ++replay.records;
    offset += frame.size;
  }
  replay.good_bytes = offset;
  return replay;
}

bool has_utf8_values(const GroupingKey& key) {
  return std::all_of(key.labels.begin(), key.labels.end(),
                     [](const exposition::Label& label) { return exposition::is_valid_utf8(label.value); });
}

// From replaying what older versions wrote (GroupIds::legacy) to what this
// one writes: groups re-keyed by their escaped id, and those whose grouping
// key is not UTF-8 dropped, as this version drops them at start and refuses
// to create them (they made every scrape fail). Returns how many were dropped.
std::size_t leave_legacy_ids(GroupMap& groups) {
  GroupMap rekeyed;
  std::size_t dropped = 0;
  for (auto& [legacy_id, group] : groups) {
    if (!has_utf8_values(group->key)) {
      ++dropped;
      continue;
    }
    auto id = group->id;
    rekeyed.emplace(std::move(id), std::move(group));
  }
  groups = std::move(rekeyed);
  return dropped;
}

// save_snapshot's temporary files that a crash left behind ("<name>.in_progress.<pid>").
void remove_unfinished_snapshots(const std::filesystem::path& snapshot_file) {
  const auto folder = snapshot_file.has_parent_path() ? snapshot_file.parent_path() : std::filesystem::path(".");
  const std::string prefix = snapshot_file.filename().string() + ".in_progress.";
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().starts_with(prefix)) ::unlink(it->path().c_str());
  }
}

}  // namespace

boost::system::result<RecoveredStore, PersistenceError> recover_store(const std::filesystem::path& snapshot_file,
                                                                      const std::filesystem::path& log_folder) {
  auto snapshot = load_snapshot(snapshot_file);
  if (!snapshot) return snapshot.error();
  remove_unfinished_snapshots(snapshot_file);
  RecoveredStore recovered;
  recovered.report.snapshot_groups = snapshot->groups.size();
  // The snapshot and log segments of older versions are replayed as those
  // versions matched changes to groups, until the first segment this version
  // wrote (its state started from the older data, invalid keys dropped).
  GroupIds ids = GroupIds::legacy;
  GroupMap groups;
  for (auto& group : snapshot->groups) {
    auto id = legacy_group_id(group->key);
    groups.emplace(std::move(id), std::move(group));
  }

  auto segments = list_segments(log_folder);
  if (!segments) return segments.error();
  std::uint64_t last_segment = snapshot->log_segment;
  std::vector<std::filesystem::path> doomed;  // held by the snapshot, header never completed, or after a cut
  std::optional<std::uint64_t> cut_segment;
  for (const auto number : *segments) {
    const auto path = segment_path(log_folder, number);
    last_segment = std::max(last_segment, number);
    if (number <= snapshot->log_segment) {
      doomed.push_back(path);  // a crash came between writing the snapshot and deleting it
      continue;
    }
    if (cut_segment) {
      // rotate() syncs a segment before it starts the next, so a crash can
      // only tear the last one: damage before a segment that holds records
      // is the disk's, and cutting there would drop acknowledged changes.
      std::error_code ec;
      const auto size = std::filesystem::file_size(path, ec);
      if (!ec && size > kSegmentMagic.size()) {
        return PersistenceError(recovered.report.cut_file.string() + ": damaged at byte " +
                                std::to_string(recovered.report.cut_offset) + " (" + recovered.report.cut_reason +
                                ") with later segments after it; move the folder " + log_folder.string() +
                                " away to start from the snapshot alone");
      }
      recovered.report.dropped_bytes += size;
      doomed.push_back(path);
      continue;
    }
    auto file = File::open(path, O_RDONLY);
    if (!file) return PersistenceError(file.error().message);
    auto content = file->read_all();
    if (!content) return PersistenceError(content.error().message);
    const auto header = segment_header(*content);
    if (header == SegmentHeader::foreign) {
      return PersistenceError(path.string() + ": not a flowgate log segment (bad header); move the folder " +
                              log_folder.string() + " away to start from the snapshot alone");
    }
    if (header == SegmentHeader::cut_short) {
      doomed.push_back(path);
      continue;
    }
    if (header == SegmentHeader::whole && ids == GroupIds::legacy) {
      recovered.report.invalid_groups_dropped += leave_legacy_ids(groups);
      ids = GroupIds::escaped;
    }
    const auto replay = replay_segment(*content, groups, ids);
    recovered.report.records_replayed += replay.records;
    if (replay.bad.empty()) {
      recovered.live_segments[number] = content->size();
      continue;
    }
    cut_segment = number;
    recovered.report.outcome = RecoveryReport::Outcome::tail_cut;
    recovered.report.cut_file = path;
    recovered.report.cut_offset = replay.good_bytes;
    recovered.report.cut_reason = replay.bad;
    recovered.report.dropped_bytes += content->size() - replay.good_bytes;
    recovered.live_segments[number] = replay.good_bytes;
  }
  // Later segments go before the cut one is truncated, and for good (folder
  // synced): a crash in between must never leave a gap that a later start
  // would replay across.
  for (const auto& path : doomed) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return PersistenceError(file_error(path, "cannot remove", errno).message);
    }
  }
  if (!doomed.empty()) {
    if (auto synced = sync_folder(log_folder); !synced) return PersistenceError(synced.error().message);
  }
  if (cut_segment) {
    auto file = File::open(recovered.report.cut_file, O_WRONLY);
    if (!file) return PersistenceError(file.error().message);
    if (auto truncated = file->truncate(recovered.report.cut_offset); !truncated) {
      return PersistenceError(truncated.error().message);
    }
    if (auto synced = file->datasync(); !synced) return PersistenceError(synced.error().message);
  }
  if (ids == GroupIds::legacy) recovered.report.invalid_groups_dropped += leave_legacy_ids(groups);
  const bool cut = cut_segment.has_value();
  if (!cut && (!groups.empty() || recovered.report.records_replayed > 0 || recovered.report.snapshot_groups > 0)) {
    recovered.report.outcome = RecoveryReport::Outcome::clean;
  }
  recovered.next_segment = last_segment + 1;
  recovered.groups.reserve(groups.size());
  for (auto& [id, group] : groups) recovered.groups.push_back(std::move(group));
  return recovered;
}

}  // namespace flowgate::pushgw::persistence

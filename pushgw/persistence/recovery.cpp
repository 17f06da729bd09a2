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

// write_snapshot_file's temporary files that a crash left behind ("<name>.in_progress.<pid>").
void remove_unfinished_snapshot_files(const std::filesystem::path& snapshot_file) {
  const auto folder = snapshot_file.has_parent_path() ? snapshot_file.parent_path() : std::filesystem::path(".");
  const std::string prefix = snapshot_file.filename().string() + ".in_progress.";
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().starts_with(prefix)) ::unlink(it->path().c_str());
  }
}

// Recovery in progress: the groups so far, how they are matched, and what
// replay found in the log.
struct Replay {
  GroupMap groups;
  // The snapshot and log segments of older versions are replayed as those
  // versions matched changes to groups, until the first segment this version
  // wrote (its state started from the older data, invalid keys dropped).
  GroupIds ids = GroupIds::legacy;
  RecoveredStore recovered;
  std::uint64_t last_segment = 0;
  std::vector<std::filesystem::path> doomed;  // held by the snapshot, header never completed, or after a cut
  std::optional<std::uint64_t> cut_segment;
};

Replay start_from_snapshot_file(SnapshotFileContent on_disk) {
  Replay replay;
  replay.recovered.report.snapshot_groups = on_disk.groups.size();
  replay.last_segment = on_disk.log_segment;
  for (auto& group : on_disk.groups) {
    auto id = legacy_group_id(group->key);
    replay.groups.emplace(std::move(id), std::move(group));
  }
  return replay;
}

// A segment after the cut one. rotate() syncs a segment before it starts the
// next, so a crash can only tear the last one: damage before a segment that
// holds records is the disk's, and cutting there would drop acknowledged
// changes.
boost::system::result<void, PersistenceError> drop_segment_after_cut(Replay& replay, const std::filesystem::path& path,
                                                                     const std::filesystem::path& log_folder) {
  const auto& report = replay.recovered.report;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kSegmentMagic.size()) {
    return PersistenceError(report.cut_file.string() + ": damaged at byte " + std::to_string(report.cut_offset) +
                            " (" + report.cut_reason + ") with later segments after it; move the folder " +
                            log_folder.string() + " away to start from the snapshot alone");
  }
  replay.recovered.report.dropped_bytes += size;
  replay.doomed.push_back(path);
  return {};
}

// Replays the segment `number` into `replay.groups`; at a bad record, notes
// the cut there.
boost::system::result<void, PersistenceError> replay_segment_file(Replay& replay, std::uint64_t number,
                                                                  const std::filesystem::path& log_folder) {
  const auto path = segment_path(log_folder, number);
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
    replay.doomed.push_back(path);
    return {};
  }
  auto& report = replay.recovered.report;
  if (header == SegmentHeader::whole && replay.ids == GroupIds::legacy) {
    report.invalid_groups_dropped += leave_legacy_ids(replay.groups);
    replay.ids = GroupIds::escaped;
  }
  const auto replayed = replay_segment(*content, replay.groups, replay.ids);
  report.records_replayed += replayed.records;
  if (replayed.bad.empty()) {
    replay.recovered.live_segments[number] = content->size();
    return {};
  }
  replay.cut_segment = number;
  report.outcome = RecoveryReport::Outcome::tail_cut;
  report.cut_file = path;
  report.cut_offset = replayed.good_bytes;
  report.cut_reason = replayed.bad;
  report.dropped_bytes += content->size() - replayed.good_bytes;
  replay.recovered.live_segments[number] = replayed.good_bytes;
  return {};
}

// Every segment in `log_folder` after the snapshot's, in order.
boost::system::result<void, PersistenceError> replay_log(Replay& replay, std::uint64_t snapshot_segment,
                                                         const std::filesystem::path& log_folder) {
  auto segments = list_segments(log_folder);
  if (!segments) return segments.error();
  for (const auto number : *segments) {
    replay.last_segment = std::max(replay.last_segment, number);
    boost::system::result<void, PersistenceError> done;
    if (number <= snapshot_segment) {
      // A crash came between writing the snapshot and deleting the segment.
      replay.doomed.push_back(segment_path(log_folder, number));
    } else if (replay.cut_segment) {
      done = drop_segment_after_cut(replay, segment_path(log_folder, number), log_folder);
    } else {
      done = replay_segment_file(replay, number, log_folder);
    }
    if (!done) return done.error();
  }
  return {};
}

// Later segments go before the cut one is truncated, and for good (folder
// synced): a crash in between must never leave a gap that a later start
// would replay across.
boost::system::result<void, PersistenceError> remove_dropped_log(const Replay& replay,
                                                                 const std::filesystem::path& log_folder) {
  for (const auto& path : replay.doomed) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return PersistenceError(file_error(path, "cannot remove", errno).message);
    }
  }
  if (!replay.doomed.empty()) {
    if (auto synced = sync_folder(log_folder); !synced) return PersistenceError(synced.error().message);
  }
  if (replay.cut_segment) {
    const auto& report = replay.recovered.report;
    auto file = File::open(report.cut_file, O_WRONLY);
    if (!file) return PersistenceError(file.error().message);
    if (auto truncated = file->truncate(report.cut_offset); !truncated) {
      return PersistenceError(truncated.error().message);
    }
    if (auto synced = file->datasync(); !synced) return PersistenceError(synced.error().message);
  }
  return {};
}

// The groups in key order and where the log continues.
RecoveredStore recovered_store(Replay replay) {
  auto& report = replay.recovered.report;
  if (replay.ids == GroupIds::legacy) report.invalid_groups_dropped += leave_legacy_ids(replay.groups);
  if (!replay.cut_segment &&
      (!replay.groups.empty() || report.records_replayed > 0 || report.snapshot_groups > 0)) {
    report.outcome = RecoveryReport::Outcome::clean;
  }
  replay.recovered.next_segment = replay.last_segment + 1;
  replay.recovered.groups.reserve(replay.groups.size());
  for (auto& [id, group] : replay.groups) replay.recovered.groups.push_back(std::move(group));
  return std::move(replay.recovered);
}

}  // namespace

boost::system::result<RecoveredStore, PersistenceError> recover_store(const std::filesystem::path& snapshot_file,
                                                                      const std::filesystem::path& log_folder) {
  auto on_disk = read_snapshot_file(snapshot_file);
  if (!on_disk) return on_disk.error();
  remove_unfinished_snapshot_files(snapshot_file);
  const auto snapshot_segment = on_disk->log_segment;
  Replay replay = start_from_snapshot_file(std::move(*on_disk));
  if (auto replayed = replay_log(replay, snapshot_segment, log_folder); !replayed) return replayed.error();
  if (auto removed = remove_dropped_log(replay, log_folder); !removed) return removed.error();
  return recovered_store(std::move(replay));
}

}  // namespace flowgate::pushgw::persistence

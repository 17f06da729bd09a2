#pragma once
// Start-up: the snapshot file plus the write-ahead log segments after it,
// replayed into the groups the store had when flowgate stopped or crashed.
// The first record that is cut short or fails its CRC ends the log: later
// segments are deleted, then the segment is truncated there (a crash can
// only tear the tail; everything before the damage is kept), and the report
// says where and how much was dropped. A segment whose header never got
// written whole is removed silently; one with a foreign header is an error.
// Snapshots and segments of older versions (format 1 segments) recover into
// the groups those versions held, minus groups whose grouping key is not
// UTF-8. Push limits do not apply: a store over them still recovers whole.
// Not thread-safe; run once, before the log is opened for appending.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "pushgw/group.hpp"
#include "pushgw/persistence/snapshot_file.hpp"

namespace flowgate::pushgw::persistence {

struct RecoveryReport {
  enum class Outcome { empty, clean, tail_cut };
  Outcome outcome = Outcome::empty;
  std::size_t snapshot_groups = 0;
  std::uint64_t records_replayed = 0;
  // When tail_cut: where the log was cut, why, and how many bytes were dropped
  // (the rest of that segment plus every later segment).
  std::filesystem::path cut_file;
  std::uint64_t cut_offset = 0;
  std::string cut_reason;
  std::uint64_t dropped_bytes = 0;
  // Groups stored by an older version under a grouping key with a value that
  // is not UTF-8 (they made every scrape fail): not recovered.
  std::size_t invalid_groups_dropped = 0;
};

std::string_view name(RecoveryReport::Outcome outcome);  // "empty", "clean", "tail_cut"

struct RecoveredStore {
  std::vector<GroupPtr> groups;  // in key order, for GroupStore::restore
  std::uint64_t next_segment = 1;  // where the log continues
  std::map<std::uint64_t, std::uint64_t> live_segments;  // segment number -> bytes, still needed
  RecoveryReport report;
};

// A damaged snapshot file or an unreadable folder is an error (refuse to
// start rather than drop data silently); a damaged log tail is not.
boost::system::result<RecoveredStore, PersistenceError> recover_store(const std::filesystem::path& snapshot_file,
                                                                      const std::filesystem::path& log_folder);

}  // namespace flowgate::pushgw::persistence

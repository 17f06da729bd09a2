#pragma once
// The store on disk: one file holding every group exactly as stored (blocks,
// series hashes, push times bit for bit) and the number of the last
// write-ahead log segment whose changes it holds. Written crash-safely (temp
// file in the same folder, fsync, rename, fsync of the folder) and read back
// with a CRC32 per record, so a torn or damaged file is reported, never
// half-loaded. Free functions without shared state; safe from any thread.
// "Snapshot file" is always this file; pushgw::Snapshot is the in-memory
// view of the store it is written from.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/system/result.hpp>

#include "exposition/message_error.hpp"

namespace flowgate::pushgw {

struct Group;
class Snapshot;

using PersistenceError = exposition::MessageError;  // names the file and what went wrong (errno text, offset, record)

// Bumped whenever the record layout changes; older files are refused with a
// message rather than misread.
inline constexpr std::uint32_t kSnapshotFormatVersion = 2;

struct SnapshotFileContent {
  std::vector<std::shared_ptr<const Group>> groups;  // in key order, ready for GroupStore::restore
  std::uint64_t log_segment = 0;  // changes of log segments <= this are in `groups`
};

// Writes every group of `snapshot` to `path`, replacing it atomically. The
// snapshot is immutable, so the caller needs no lock; call it off the I/O
// threads (it fsyncs).
boost::system::result<void, PersistenceError> write_snapshot_file(const Snapshot& snapshot,
                                                            const std::filesystem::path& path,
                                                            std::uint64_t log_segment = 0);

// A missing file is an empty store, not an error; a damaged one is an error.
boost::system::result<SnapshotFileContent, PersistenceError> read_snapshot_file(const std::filesystem::path& path);

}  // namespace flowgate::pushgw

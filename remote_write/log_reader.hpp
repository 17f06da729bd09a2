#pragma once
// Reads the store's write-ahead log (pushgw/persistence/write_ahead_log.hpp)
// from a position on, for one remote write destination: every change
// recorded after that position, in order, as it gets written. The active
// segment grows while it is read: a record not yet written whole is left for
// the next read. Segments the destination fell behind on that are gone
// (compaction past a dropped backlog) or damaged are skipped, and the skip
// is reported as a gap, so the caller counts what it lost. One reader per
// destination, used from one thread; never logs.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "exposition/message_error.hpp"
#include "pushgw/change.hpp"

namespace flowgate::remote_write {

// A place in the log: segment number and byte offset in it (0: the start).
struct LogPosition {
  std::uint64_t segment = 0;
  std::uint64_t offset = 0;
  friend bool operator==(const LogPosition&, const LogPosition&) = default;
  friend auto operator<=>(const LogPosition&, const LogPosition&) = default;
};

struct LogRecord {
  pushgw::Change change;
  LogPosition after;  // where the next record starts: the position to persist once this one is sent
  std::uint64_t bytes = 0;
};

struct LogGap {
  LogPosition from, to;
  std::string why;  // "segment 12 was removed", "segment 12: CRC mismatch at byte 4096"
};

struct LogRead {
  std::vector<LogRecord> records;
  std::vector<LogGap> gaps;
};

class LogReader {
 public:
  // `start` segment 0: from the oldest segment there is.
  LogReader(std::filesystem::path folder, LogPosition start);

  // Records from the position on, as many as fit in `max_bytes` (one read
  // of that many bytes; a single record larger than it comes whole, alone);
  // none when the reader is at the end of what is written. Errors: the
  // folder cannot be listed or a segment read.
  boost::system::result<LogRead, exposition::MessageError> read(std::uint64_t max_bytes);

  LogPosition position() const { return position_; }
  // Moves on to `position` (a dropped backlog); the next read starts there.
  void skip_to(LogPosition position) { position_ = position; }

 private:
  std::filesystem::path folder_;
  LogPosition position_;
  std::string buffer_;  // the bytes of the last read, reused
};

// The position stored for a destination: "<segment> <offset>\n", written to
// a temporary file then renamed, so a crash leaves the old or the new one.
boost::system::result<void, exposition::MessageError> save_position(const std::filesystem::path& file,
                                                                    LogPosition position);
// nullopt when the file does not exist; an error when it is unreadable.
boost::system::result<std::optional<LogPosition>, exposition::MessageError> load_position(
    const std::filesystem::path& file);

}  // namespace flowgate::remote_write

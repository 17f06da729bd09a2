#include "remote_write/log_reader.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "pushgw/persistence/change_codec.hpp"
#include "pushgw/persistence/record_codec.hpp"
#include "pushgw/persistence/write_ahead_log.hpp"

namespace flowgate::remote_write {
namespace {

namespace persistence = pushgw::persistence;
using ReadResult = boost::system::result<LogRead, exposition::MessageError>;

// What one segment gave from an offset on.
struct SegmentRead {
  bool failed = false;       // cannot be read at all
  std::string damage;        // a frame that will never read (closed segment or CRC): the rest is skipped
  bool at_end = false;       // every whole frame read; nothing torn left over
};

// `bytes` from `offset` of `file` into `out` (fewer at its end); `out`
// keeps its capacity from read to read, so a 4 MiB read is not a fresh
// mapping each time.
void read_at(std::ifstream& file, std::uint64_t offset, std::size_t bytes, std::string& out) {
  out.resize(bytes);
  file.clear();
  file.seekg(static_cast<std::streamoff>(offset));
  file.read(out.data(), static_cast<std::streamsize>(bytes));
  out.resize(static_cast<std::size_t>(std::max<std::streamsize>(file.gcount(), 0)));
}

std::string position_text(std::uint64_t segment, std::uint64_t offset) {
  return "segment " + std::to_string(segment) + " at byte " + std::to_string(offset);
}

// The size of the frame at the front of `bytes` from its header, or just
// the header's when not even its length is there.
std::size_t frame_size(std::string_view bytes) {
  if (bytes.size() < 4) return persistence::kFrameHeaderBytes;
  const std::uint32_t length = static_cast<std::uint8_t>(bytes[0]) | static_cast<std::uint8_t>(bytes[1]) << 8 |
                               static_cast<std::uint8_t>(bytes[2]) << 16 |
                               static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[3])) << 24;
  return persistence::kFrameHeaderBytes + length;
}

// Whole records from position.offset on, until `budget` bytes are taken:
// one read of the budget (of one whole record when that is larger), then
// the records cut out of it. A record the read ends inside is left for the
// next call (budget 0), unless it is the first, which is then read whole.
SegmentRead read_segment(std::ifstream& file, LogPosition& position, std::uint64_t& budget, std::string& buffer,
                         LogRead& out) {
  SegmentRead result;
  if (position.offset == 0) {
    read_at(file, 0, persistence::kSegmentMagic.size(), buffer);
    if (buffer.size() < persistence::kSegmentMagic.size()) return result;  // being created
    if (buffer != persistence::kSegmentMagic && buffer != persistence::kLegacySegmentMagic) {
      result.damage = "not a log segment";
      return result;
    }
    position.offset = buffer.size();
  }
  std::size_t want = budget;
  for (;;) {
    read_at(file, position.offset, want, buffer);
    const bool short_read = buffer.size() < want;
    std::string_view rest = buffer;
    bool took = false;
    while (budget > 0 && !rest.empty()) {
      const auto parsed = persistence::read_frame(rest);
      if (parsed.status == persistence::FrameStatus::torn) break;
      auto change = parsed.status == persistence::FrameStatus::whole ? persistence::decode_change(parsed.payload)
                                                                     : std::nullopt;
      if (!change) {
        result.damage = parsed.status == persistence::FrameStatus::damaged ? "CRC mismatch at byte "
                                                                           : "a record that does not decode at byte ";
        result.damage += std::to_string(position.offset);
        return result;
      }
      position.offset += parsed.size;
      rest.remove_prefix(parsed.size);
      out.records.push_back(LogRecord{std::move(*change), position, parsed.size});
      budget = parsed.size >= budget ? 0 : budget - parsed.size;
      took = true;
    }
    if (budget == 0) return result;
    if (short_read) {  // at the end of what is written: whole, or torn (being written, or cut)
      result.at_end = rest.empty();
      return result;
    }
    if (took || frame_size(rest) <= want) {  // the read ended inside a record: it is read next time
      budget = 0;
      return result;
    }
    want = frame_size(rest);  // the first record is larger than the budget
  }
}

}  // namespace

LogReader::LogReader(std::filesystem::path folder, LogPosition start) : folder_(std::move(folder)), position_(start) {}

ReadResult LogReader::read(std::uint64_t max_bytes) {
  LogRead out;
  auto segments = persistence::list_segments(folder_);
  if (!segments) return exposition::MessageError(segments.error().message);
  if (segments->empty()) return out;
  if (position_.segment == 0) position_ = {segments->front(), 0};
  std::uint64_t budget = std::max<std::uint64_t>(max_bytes, 1);
  while (budget > 0) {
    const auto here = std::lower_bound(segments->begin(), segments->end(), position_.segment);
    if (here == segments->end()) return out;  // the segment to come
    if (*here != position_.segment) {         // ours is gone: go on from the next there is
      out.gaps.push_back({position_, {*here, 0}, "segment " + std::to_string(position_.segment) + " was removed"});
      position_ = {*here, 0};
      continue;
    }
    const bool closed = *here != segments->back();
    std::ifstream file(persistence::segment_path(folder_, position_.segment), std::ios::binary);
    if (!file) {
      if (!closed) return out;
      out.gaps.push_back({position_, {position_.segment + 1, 0},
                          "segment " + std::to_string(position_.segment) + " cannot be opened"});
      position_ = {position_.segment + 1, 0};
      continue;
    }
    const LogPosition before = position_;
    const auto segment = read_segment(file, position_, budget, buffer_, out);
    if (!segment.damage.empty()) {
      out.gaps.push_back({before, {position_.segment + 1, 0},
                          position_text(before.segment, before.offset) + ": " + segment.damage});
      position_ = {position_.segment + 1, 0};
      continue;
    }
    if (budget == 0 || !closed) return out;
    if (!segment.at_end) {  // a closed segment ends in a torn record: the rest of it never comes
      out.gaps.push_back({position_, {position_.segment + 1, 0},
                          position_text(position_.segment, position_.offset) + ": a record is cut short"});
    }
    position_ = {position_.segment + 1, 0};
  }
  return out;
}

boost::system::result<void, exposition::MessageError> save_position(const std::filesystem::path& file,
                                                                    LogPosition position) {
  auto temporary = file;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << position.segment << ' ' << position.offset << '\n';
    out.flush();
    if (!out) return exposition::MessageError("cannot write " + temporary.string());
  }
  std::error_code ec;
  std::filesystem::rename(temporary, file, ec);
  if (ec) return exposition::MessageError("cannot rename " + temporary.string() + ": " + ec.message());
  return {};
}

boost::system::result<std::optional<LogPosition>, exposition::MessageError> load_position(
    const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::optional<LogPosition>();
  std::ifstream in(file, std::ios::binary);
  LogPosition position;
  std::string rest;
  if (!(in >> position.segment >> position.offset) || (in >> rest)) {
    return exposition::MessageError(file.string() + ": not a log position (\"<segment> <offset>\")");
  }
  return std::optional<LogPosition>(position);
}

}  // namespace flowgate::remote_write

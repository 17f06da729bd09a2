#include "pushgw/persistence/snapshot_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "pushgw/group.hpp"
#include "pushgw/persistence/posix_file.hpp"
#include "pushgw/persistence/record_codec.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::pushgw {

namespace {

using persistence::Decoder;
using persistence::Encoder;
using persistence::File;

// Layout (all integers little-endian; see record_codec.hpp):
//   header  = "FGPUSHGW" u32 version
//   record* = u32 payload length, u32 CRC32 of payload, payload
//   payload = 'G' group [ttl] | 'S' group, GroupState [ttl] (e.g. a group OTLP has fed) |
//             'E' u64 group count, u64 log segment (the last record; its
//             absence means the file was cut short)
//   group   = encode_group_body; ttl = encode_group_ttl (only when declared)
constexpr std::string_view kMagic = "FGPUSHGW";
constexpr char kGroupRecord = 'G';
constexpr char kStatefulGroupRecord = 'S';
constexpr char kEndRecord = 'E';
constexpr std::size_t kFlushBytes = 1u << 20;

boost::system::result<void, PersistenceError> write_file(const Snapshot& snapshot, const std::filesystem::path& temp,
                                                         std::uint64_t log_segment) {
  auto file = File::open(temp, O_WRONLY | O_CREAT | O_TRUNC);
  if (!file) return PersistenceError(file.error().message);
  auto failed = [](const persistence::FileError& error) { return PersistenceError(error.message); };

  Encoder out;
  out.bytes() += kMagic;
  out.u32(kSnapshotFormatVersion);
  std::uint64_t group_count = 0;
  Encoder payload;
  for (const auto& group : snapshot.groups()) {
    payload.bytes().clear();
    payload.u8(group->state != nullptr ? kStatefulGroupRecord : kGroupRecord);
    persistence::encode_group_body(group->key, group->push_time_seconds, group->push_failure_time_seconds,
                                   group->families, payload);
    if (group->state != nullptr) persistence::encode_group_state(*group->state, payload);
    persistence::encode_group_ttl(group->ttl_seconds, payload);
    persistence::frame_record(payload.bytes(), out.bytes());
    ++group_count;
    if (out.bytes().size() >= kFlushBytes) {
      if (auto written = file->write_all(out.bytes()); !written) return failed(written.error());
      out.bytes().clear();
    }
  }
  Encoder end;
  end.u8(kEndRecord);
  end.u64(group_count);
  end.u64(log_segment);
  persistence::frame_record(end.bytes(), out.bytes());
  if (auto written = file->write_all(out.bytes()); !written) return failed(written.error());
  if (::fsync(file->fd()) != 0) return failed(persistence::file_error(temp, "cannot sync", errno));
  if (auto closed = file->close(); !closed) return failed(closed.error());
  return {};
}

// A 'G' or 'S' record's group; null when it does not decode whole.
std::shared_ptr<Group> decode_group_record(Decoder& in, bool with_state) {
  auto body = persistence::decode_group_body(in);
  if (!body) return nullptr;
  auto group = std::make_shared<Group>();
  if (with_state) {
    auto state = persistence::decode_group_state(in);
    if (!state) return nullptr;
    group->state = std::make_shared<const GroupState>(std::move(*state));
  }
  const auto ttl = persistence::decode_group_ttl(in);
  if (!ttl || !in.ok() || !in.done()) return nullptr;
  group->ttl_seconds = *ttl;
  group->key = std::move(body->key);
  group->push_time_seconds = body->push_time_seconds;
  group->push_failure_time_seconds = body->push_failure_time_seconds;
  group->families = std::move(body->families);
  group->id = group->key.id();
  return group;
}

}  // namespace

boost::system::result<void, PersistenceError> write_snapshot_file(const Snapshot& snapshot,
                                                            const std::filesystem::path& path,
                                                            std::uint64_t log_segment) {
  const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  auto temp = path;
  temp += ".in_progress." + std::to_string(::getpid());
  if (auto written = write_file(snapshot, temp, log_segment); !written) {
    ::unlink(temp.c_str());
    return written.error();
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return PersistenceError(persistence::file_error(path, "cannot replace", error).message);
  }
  // The rename is durable only once the folder's entry is.
  if (auto synced = persistence::sync_folder(folder); !synced) return PersistenceError(synced.error().message);
  return {};
}

boost::system::result<SnapshotFileContent, PersistenceError> read_snapshot_file(const std::filesystem::path& path) {
  auto file = File::open(path, O_RDONLY);
  if (!file) {
    if (file.error().errno_value == ENOENT) return SnapshotFileContent{};
    return PersistenceError(file.error().message);
  }
  auto read = file->read_all();
  if (!read) return PersistenceError(read.error().message);
  const std::string_view content = *read;
  auto damaged = [&](std::size_t offset, std::string what) {
    return PersistenceError(path.string() + ": damaged at byte " + std::to_string(offset) + ": " + std::move(what));
  };

  if (content.size() < kMagic.size() + 4 || content.substr(0, kMagic.size()) != kMagic) {
    return PersistenceError(path.string() + ": not a flowgate store snapshot (bad magic)");
  }
  std::size_t offset = kMagic.size();
  Decoder version_field(content.substr(offset, 4));
  if (const auto version = version_field.u32(); version != kSnapshotFormatVersion) {
    return PersistenceError(path.string() + ": format version " + std::to_string(version) + " is not " +
                            std::to_string(kSnapshotFormatVersion));
  }
  offset += 4;

  SnapshotFileContent loaded;
  while (true) {
    const auto frame = persistence::read_frame(content.substr(offset));
    if (frame.status == persistence::FrameStatus::torn) {
      return damaged(offset, offset == content.size() ? "the file ends before its end record"
                                                       : "a record runs past the end");
    }
    if (frame.status == persistence::FrameStatus::damaged) return damaged(offset, "CRC mismatch");
    Decoder in(frame.payload.substr(1));
    if (frame.payload[0] == kEndRecord) {
      const std::uint64_t count = in.u64();
      loaded.log_segment = in.u64();
      if (!in.ok() || !in.done() || count != loaded.groups.size()) {
        return damaged(offset, "the end record does not match");
      }
      if (offset + frame.size != content.size()) return damaged(offset + frame.size, "bytes after the end record");
      return loaded;
    }
    if (frame.payload[0] != kGroupRecord && frame.payload[0] != kStatefulGroupRecord) {
      return damaged(offset, "unknown record type");
    }
    auto group = decode_group_record(in, frame.payload[0] == kStatefulGroupRecord);
    if (!group) return damaged(offset, "a group record does not decode");
    loaded.groups.push_back(std::move(group));
    offset += frame.size;
  }
}

}  // namespace flowgate::pushgw

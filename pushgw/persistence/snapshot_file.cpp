#include "pushgw/persistence/snapshot_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <utility>
#include <optional>

#include <zlib.h>

#include "pushgw/group.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::pushgw {

namespace {

// Layout (all integers little-endian):
//   header  = "FGPUSHGW" u32 version
//   record* = u32 payload length, u32 CRC32 of payload, payload
//   payload = 'G' group | 'E' u64 group count (the last record; its absence
//             means the file was cut short)
//   group   = u32 n, n × (str name, str value), f64 push time, f64 failure
//             time, u32 m, m × family
//   family  = str name, str help, u8 type, str unit, f64 pushed_at,
//             str text block, str protobuf block, u32 k, k × u64 series hash
//   str     = u32 length, bytes;  f64 = the IEEE bits as u64
constexpr std::string_view kMagic = "FGPUSHGW";
constexpr char kGroupRecord = 'G';
constexpr char kEndRecord = 'E';
constexpr std::size_t kFlushBytes = 1u << 20;

class Encoder {
 public:
  void u8(std::uint8_t value) { out_ += static_cast<char>(value); }
  void u32(std::uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) out_ += static_cast<char>((value >> shift) & 0xFFu);
  }
  void u64(std::uint64_t value) {
    for (int shift = 0; shift < 64; shift += 8) out_ += static_cast<char>((value >> shift) & 0xFFu);
  }
  void f64(double value) { u64(std::bit_cast<std::uint64_t>(value)); }
  void str(std::string_view text) {
    u32(static_cast<std::uint32_t>(text.size()));
    out_ += text;
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }
  std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(little_endian(take(4))); }
  std::uint64_t u64() { return little_endian(take(8)); }
  double f64() { return std::bit_cast<double>(u64()); }
  std::string_view str() { return take(u32()); }

 private:
  std::string_view take(std::size_t count) {
    static constexpr char kZeros[8] = {};
    if (!ok_ || count > in_.size()) {
      ok_ = false;
      return {kZeros, count <= sizeof kZeros ? count : 0};
    }
    auto piece = in_.substr(0, count);
    in_.remove_prefix(count);
    return piece;
  }
  static std::uint64_t little_endian(std::string_view bytes) {
    std::uint64_t value = 0;
    for (std::size_t i = bytes.size(); i-- > 0;) value = value << 8 | static_cast<std::uint8_t>(bytes[i]);
    return value;
  }
  std::string_view in_;
  bool ok_ = true;
};

std::uint32_t crc_of(std::string_view bytes) {
  return static_cast<std::uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

void encode_group(const Group& group, Encoder& payload) {
  payload.u8(kGroupRecord);
  payload.u32(static_cast<std::uint32_t>(group.key.labels.size()));
  for (const auto& label : group.key.labels) {
    payload.str(label.name);
    payload.str(label.value);
  }
  payload.f64(group.push_time_seconds);
  payload.f64(group.push_failure_time_seconds);
  payload.u32(static_cast<std::uint32_t>(group.families.size()));
  for (const auto& family : group.families) {
    payload.str(family->name);
    payload.str(family->help);
    payload.u8(static_cast<std::uint8_t>(family->type));
    payload.str(family->unit);
    payload.f64(family->pushed_at);
    payload.str(family->text_block);
    payload.str(family->protobuf_block);
    payload.u32(static_cast<std::uint32_t>(family->series_hashes.size()));
    for (auto hash : family->series_hashes) payload.u64(hash);
  }
}

void append_record(std::string_view payload, Encoder& file) {
  file.u32(static_cast<std::uint32_t>(payload.size()));
  file.u32(crc_of(payload));
  file.bytes() += payload;
}

std::optional<GroupPtr> decode_group(Decoder& in) {
  auto group = std::make_shared<Group>();
  const std::uint32_t label_count = in.u32();
  for (std::uint32_t i = 0; i < label_count && in.ok(); ++i) {
    exposition::Label label;
    label.name = in.str();
    label.value = in.str();
    group->key.labels.push_back(std::move(label));
  }
  group->push_time_seconds = in.f64();
  group->push_failure_time_seconds = in.f64();
  const std::uint32_t family_count = in.u32();
  for (std::uint32_t i = 0; i < family_count && in.ok(); ++i) {
    auto family = std::make_shared<StoredFamily>();
    family->name = in.str();
    family->help = in.str();
    const std::uint8_t type = in.u8();
    if (type > static_cast<std::uint8_t>(exposition::MetricType::gauge_histogram)) return std::nullopt;
    family->type = static_cast<exposition::MetricType>(type);
    family->unit = in.str();
    family->pushed_at = in.f64();
    family->text_block = in.str();
    family->protobuf_block = in.str();
    const std::uint32_t hash_count = in.u32();
    for (std::uint32_t k = 0; k < hash_count && in.ok(); ++k) family->series_hashes.push_back(in.u64());
    group->families.push_back(std::move(family));
  }
  if (!in.ok() || !in.done()) return std::nullopt;
  group->id = group->key.id();
  return group;
}

std::string errno_text(int error) { return std::strerror(error); }

class File {
 public:
  explicit File(int fd) : fd_(fd) {}
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

boost::system::result<void, PersistenceError> write_file(const Snapshot& snapshot, const std::filesystem::path& temp) {
  File file(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (file.get() < 0) return PersistenceError(temp.string() + ": cannot create: " + errno_text(errno));
  auto failed = [&] { return PersistenceError(temp.string() + ": cannot write: " + errno_text(errno)); };

  Encoder out;
  out.bytes() += kMagic;
  out.u32(kSnapshotFormatVersion);
  std::uint64_t group_count = 0;
  for (const auto& group : snapshot.groups()) {
    Encoder payload;
    encode_group(*group, payload);
    append_record(payload.bytes(), out);
    ++group_count;
    if (out.bytes().size() >= kFlushBytes) {
      if (!write_all(file.get(), out.bytes())) return failed();
      out.bytes().clear();
    }
  }
  Encoder end;
  end.u8(kEndRecord);
  end.u64(group_count);
  append_record(end.bytes(), out);
  if (!write_all(file.get(), out.bytes())) return failed();
  if (::fsync(file.get()) != 0) return failed();
  if (::close(file.release()) != 0) return failed();
  return {};
}

}  // namespace

boost::system::result<void, PersistenceError> save_snapshot(const Snapshot& snapshot,
                                                            const std::filesystem::path& path) {
  const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  auto temp = path;
  temp += ".in_progress." + std::to_string(::getpid());
  if (auto written = write_file(snapshot, temp); !written) {
    ::unlink(temp.c_str());
    return written.error();
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return PersistenceError(path.string() + ": cannot replace: " + errno_text(error));
  }
  // The rename is durable only once the folder's entry is.
  File dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) {
    return PersistenceError(folder.string() + ": cannot sync the folder: " + errno_text(errno));
  }
  return {};
}

boost::system::result<std::vector<GroupPtr>, PersistenceError> load_snapshot(const std::filesystem::path& path) {
  File file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) {
    if (errno == ENOENT) return std::vector<GroupPtr>{};
    return PersistenceError(path.string() + ": cannot open: " + errno_text(errno));
  }
  std::string content;
  char buffer[1 << 16];
  while (true) {
    const ssize_t count = ::read(file.get(), buffer, sizeof buffer);
    if (count < 0) {
      if (errno == EINTR) continue;
      return PersistenceError(path.string() + ": cannot read: " + errno_text(errno));
    }
    if (count == 0) break;
    content.append(buffer, static_cast<std::size_t>(count));
  }
  auto damaged = [&](std::size_t offset, std::string what) {
    return PersistenceError(path.string() + ": damaged at byte " + std::to_string(offset) + ": " + std::move(what));
  };

  if (content.size() < kMagic.size() + 4 || std::string_view(content).substr(0, kMagic.size()) != kMagic) {
    return PersistenceError(path.string() + ": not a flowgate store snapshot (bad magic)");
  }
  std::size_t offset = kMagic.size();
  Decoder version_field(std::string_view(content).substr(offset, 4));
  if (const auto version = version_field.u32(); version != kSnapshotFormatVersion) {
    return PersistenceError(path.string() + ": format version " + std::to_string(version) + " is not " +
                            std::to_string(kSnapshotFormatVersion));
  }
  offset += 4;

  std::vector<GroupPtr> groups;
  while (true) {
    if (content.size() - offset < 8) return damaged(offset, "the file ends before its end record");
    Decoder record_header(std::string_view(content).substr(offset, 8));
    const std::uint32_t length = record_header.u32();
    const std::uint32_t crc = record_header.u32();
    if (length == 0 || length > content.size() - offset - 8) return damaged(offset, "a record runs past the end");
    const std::string_view payload = std::string_view(content).substr(offset + 8, length);
    if (crc_of(payload) != crc) return damaged(offset, "CRC mismatch");
    Decoder in(payload.substr(1));
    if (payload[0] == kEndRecord) {
      const std::uint64_t count = in.u64();
      if (!in.ok() || !in.done() || count != groups.size()) return damaged(offset, "the end record does not match");
      if (offset + 8 + length != content.size()) return damaged(offset + 8 + length, "bytes after the end record");
      return groups;
    }
    if (payload[0] != kGroupRecord) return damaged(offset, "unknown record type");
    auto group = decode_group(in);
    if (!group) return damaged(offset, "a group record does not decode");
    groups.push_back(std::move(*group));
    offset += 8 + length;
  }
}

}  // namespace flowgate::pushgw

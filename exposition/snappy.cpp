#include "exposition/snappy.hpp"

#include <array>
#include <cstdint>
#include <utility>

#include <snappy.h>

namespace flowgate::exposition {
namespace {

constexpr std::string_view kStreamIdentifier("\xff\x06\x00\x00sNaPpY", 10);
constexpr std::size_t kMaxChunkInput = 65536;  // the framing format's bound on a chunk's uncompressed data
constexpr unsigned char kCompressedChunk = 0x00;
constexpr unsigned char kUncompressedChunk = 0x01;
constexpr unsigned char kStreamIdentifierChunk = 0xff;

constexpr std::array<std::uint32_t, 256> make_crc32c_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    table[i] = crc;
  }
  return table;
}
constexpr auto kCrc32cTable = make_crc32c_table();

std::uint32_t little_endian32(std::string_view bytes) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[0])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[3])) << 24;
}

void append_little_endian(std::uint32_t value, std::size_t bytes, std::string& out) {
  for (std::size_t i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

SnappyError failure(std::string sentence) { return SnappyError("snappy: " + std::move(sentence)); }

SnappyError too_large(std::size_t max_output) {
  return SnappyError("snappy: the body uncompresses to more than " + std::to_string(max_output) + " bytes", true);
}

// One chunk's payload (CRC then data) appended to `out` after its checks.
boost::system::result<void, SnappyError> read_data_chunk(unsigned char type, std::string_view payload,
                                                          std::size_t number, std::size_t max_output,
                                                          std::string& out) {
  const std::string where = "chunk " + std::to_string(number);
  if (payload.size() < 4) return failure(where + " is too short for its checksum");
  const std::uint32_t expected = little_endian32(payload);
  const std::string_view data = payload.substr(4);
  const std::size_t start = out.size();
  if (type == kCompressedChunk) {
    std::size_t length = 0;
    if (!snappy::GetUncompressedLength(data.data(), data.size(), &length)) {
      return failure(where + " is not snappy data");
    }
    if (length > kMaxChunkInput) return failure(where + " holds more than 64 KiB");
    if (start + length > max_output) return too_large(max_output);
    out.resize(start + length);  // uncompressed in place: no copy of the chunk
    if (!snappy::RawUncompress(data.data(), data.size(), out.data() + start)) return failure(where + " is corrupt");
  } else {
    if (data.size() > kMaxChunkInput) return failure(where + " holds more than 64 KiB");
    if (start + data.size() > max_output) return too_large(max_output);
    out += data;
  }
  if (snappy_masked_crc32c(std::string_view(out).substr(start)) != expected) {
    return failure(where + " fails its checksum");
  }
  return {};
}

}  // namespace

std::uint32_t snappy_masked_crc32c(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data) crc = kCrc32cTable[(crc ^ static_cast<unsigned char>(c)) & 0xff] ^ (crc >> 8);
  crc = ~crc;
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::string snappy_compress_block(std::string_view input) {
  std::string out;
  snappy::Compress(input.data(), input.size(), &out);
  return out;
}

boost::system::result<std::string, SnappyError> snappy_uncompress_block(std::string_view compressed,
                                                                         std::size_t max_output) {
  std::size_t length = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &length)) {
    return failure("the body is not snappy block data");
  }
  if (length > max_output) return too_large(max_output);
  std::string out;
  if (!snappy::Uncompress(compressed.data(), compressed.size(), &out)) return failure("the body is corrupt");
  return {boost::system::in_place_value, std::move(out)};
}

std::string snappy_compress_frames(std::string_view input) {
  std::string out(kStreamIdentifier);
  for (std::size_t at = 0; at < input.size(); at += kMaxChunkInput) {
    const std::string_view chunk = input.substr(at, kMaxChunkInput);
    std::string compressed;
    snappy::Compress(chunk.data(), chunk.size(), &compressed);
    const bool smaller = compressed.size() < chunk.size();
    const std::string_view data = smaller ? std::string_view(compressed) : chunk;
    out += static_cast<char>(smaller ? kCompressedChunk : kUncompressedChunk);
    append_little_endian(static_cast<std::uint32_t>(data.size() + 4), 3, out);
    append_little_endian(snappy_masked_crc32c(chunk), 4, out);
    out += data;
  }
  return out;
}

boost::system::result<std::string, SnappyError> snappy_uncompress_frames(std::string_view framed,
                                                                          std::size_t max_output) {
  if (!framed.starts_with(kStreamIdentifier)) return failure("the body does not start with the stream identifier");
  std::string out;
  std::size_t number = 0;
  for (std::size_t at = 0; at < framed.size();) {
    ++number;
    if (framed.size() - at < 4) return failure("chunk " + std::to_string(number) + " is cut off in its header");
    const auto type = static_cast<unsigned char>(framed[at]);
    const std::size_t length = little_endian32(framed.substr(at, 4)) >> 8;
    if (framed.size() - at - 4 < length) return failure("chunk " + std::to_string(number) + " is cut off");
    const std::string_view payload = framed.substr(at + 4, length);
    at += 4 + length;
    if (type == kCompressedChunk || type == kUncompressedChunk) {
      if (auto read = read_data_chunk(type, payload, number, max_output, out); !read) return read.error();
    } else if (type == kStreamIdentifierChunk) {
      if (payload != kStreamIdentifier.substr(4)) return failure("chunk " + std::to_string(number) + " is a bad stream identifier");
    } else if (type < 0x80) {
      return failure("chunk " + std::to_string(number) + " has the reserved unskippable type " + std::to_string(type));
    }
    // Padding (0xfe) and the reserved skippable types (0x80-0xfd) carry nothing.
  }
  return {boost::system::in_place_value, std::move(out)};
}

}  // namespace flowgate::exposition

#include "exposition/gzip.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <zlib.h>

namespace flowgate::exposition {
namespace {

constexpr int kGzipWindow = 16 + MAX_WBITS;  // windowBits + 16: gzip wrapper, no zlib header
constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMaxFeed = std::size_t{1} << 30;  // z_stream counts in 32 bits
constexpr int kJoinedLevel = 6;  // zlib's and Go's default

// zlib's sentence for a broken stream, said the way Go's compress/gzip says
// it, since the Pushgateway answers a bad gzip push with Go's text.
std::string go_message(const char* zlib_message) {
  const std::string_view m = zlib_message != nullptr ? zlib_message : "";
  if (m == "incorrect header check" || m == "unknown compression method" || m == "unknown header flags set" ||
      m == "header crc mismatch") {
    return "gzip: invalid header";
  }
  if (m == "incorrect data check" || m == "incorrect length check") return "gzip: invalid checksum";
  return "flate: corrupt input";
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

class Inflater {
 public:
  Inflater() {
    if (inflateInit2(&z_, kGzipWindow) != Z_OK) throw std::bad_alloc();
  }
  ~Inflater() { inflateEnd(&z_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  boost::system::result<std::string, GzipError> run(std::string_view in, std::size_t max_output) {
    if (in.empty()) return GzipError("EOF");
    std::string out;
    bool member_started = false;
    while (true) {
      if (!member_started) {
        // Go reads the 10 header bytes before looking at them.
        if (in.size() < 10) return GzipError("unexpected EOF");
        const auto* b = bytes(in);
        if (b[0] != 0x1f || b[1] != 0x8b || b[2] != Z_DEFLATED) return GzipError("gzip: invalid header");
        member_started = true;
      }
      const std::size_t feed = std::min(in.size(), kMaxFeed);
      z_.next_in = const_cast<unsigned char*>(bytes(in));  // zlib's API is not const-correct
      z_.avail_in = static_cast<uInt>(feed);
      const std::size_t room = std::min(kChunk, max_output + 1 - out.size());
      const std::size_t before = out.size();
      out.resize(before + room);
      z_.next_out = reinterpret_cast<unsigned char*>(out.data() + before);
      z_.avail_out = static_cast<uInt>(room);
      const int rc = inflate(&z_, Z_NO_FLUSH);
      out.resize(before + room - z_.avail_out);
      in.remove_prefix(feed - z_.avail_in);
      if (out.size() > max_output) {
        return GzipError("the body inflates to more than " + std::to_string(max_output) + " bytes", true);
      }
      if (rc == Z_STREAM_END) {
        // Go reads concatenated members as one stream.
        // GzipError is constructible from a string too, so name the alternative.
        if (in.empty()) return {boost::system::in_place_value, std::move(out)};
        inflateReset(&z_);
        member_started = false;
        continue;
      }
      if (rc == Z_MEM_ERROR) throw std::bad_alloc();
      if (rc == Z_DATA_ERROR) return GzipError(go_message(z_.msg));
      // No progress is possible: the input ran out before the member ended.
      if (rc == Z_BUF_ERROR) return GzipError(in.empty() ? "unexpected EOF" : "flate: corrupt input");
      if (rc != Z_OK) return GzipError("flate: corrupt input");
    }
  }

 private:
  z_stream z_{};
};

// Feeds `in` to the deflate stream `z`, then `flush`, appending what comes out.
void pump(z_stream& z, std::string_view in, int flush, std::string& out) {
  do {
    const std::size_t feed = std::min(in.size(), kMaxFeed);
    z.next_in = const_cast<unsigned char*>(bytes(in));  // zlib's API is not const-correct
    z.avail_in = static_cast<uInt>(feed);
    const int mode = feed == in.size() ? flush : Z_NO_FLUSH;
    do {
      unsigned char buffer[kChunk];
      z.next_out = buffer;
      z.avail_out = sizeof buffer;
      deflate(&z, mode);
      out.append(reinterpret_cast<const char*>(buffer), sizeof buffer - z.avail_out);
    } while (z.avail_out == 0);
    in.remove_prefix(feed);
  } while (!in.empty());
}

uLong crc_of(uLong crc, std::string_view in) {
  while (!in.empty()) {
    const std::size_t feed = std::min(in.size(), kMaxFeed);
    crc = crc32(crc, bytes(in), static_cast<uInt>(feed));
    in.remove_prefix(feed);
  }
  return crc;
}

// Raw deflate (no header, no trailer): the pieces of a joined gzip member.
class RawDeflater {
 public:
  RawDeflater() {
    if (deflateInit2(&z_, kJoinedLevel, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::bad_alloc();
  }
  ~RawDeflater() { deflateEnd(&z_); }
  RawDeflater(const RawDeflater&) = delete;
  RawDeflater& operator=(const RawDeflater&) = delete;
  void reset() { deflateReset(&z_); }
  void pump(std::string_view in, int flush, std::string& out) { exposition::pump(z_, in, flush, out); }

 private:
  z_stream z_{};
};

void append_little_endian(std::uint32_t value, std::string& out) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((value >> shift) & 0xffU));
}

}  // namespace

boost::system::result<std::string, GzipError> gunzip(std::string_view compressed, std::size_t max_output) {
  return Inflater().run(compressed, max_output);
}

struct GzipWriter::State {
  z_stream z{};
};

GzipWriter::GzipWriter(int level) : state_(std::make_unique<State>()) {
  if (deflateInit2(&state_->z, level, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::invalid_argument("GzipWriter: zlib rejected compression level " + std::to_string(level));
  }
}

GzipWriter::~GzipWriter() { deflateEnd(&state_->z); }

void GzipWriter::write(std::string_view piece, std::string& out) {
  if (!piece.empty()) pump(state_->z, piece, Z_NO_FLUSH, out);
}

void GzipWriter::finish(std::string& out) { pump(state_->z, {}, Z_FINISH, out); }

DeflatedBlock deflate_block(std::string_view input) {
  // deflateInit allocates ~256 KiB: once per thread, then reset per block.
  thread_local RawDeflater deflater;
  deflater.reset();
  DeflatedBlock block;
  block.input_size = input.size();
  block.crc32 = static_cast<std::uint32_t>(crc_of(crc32(0, nullptr, 0), input));
  // A sync flush ends the block on a byte boundary without the final bit.
  deflater.pump(input, Z_SYNC_FLUSH, block.bytes);
  block.bytes.shrink_to_fit();
  return block;
}

struct GzipJoiner::State {
  struct Piece {
    const DeflatedBlock* block;  // or, when null, `size` bytes of `out` at `offset`
    std::size_t offset = 0;
    std::size_t size = 0;
  };
  RawDeflater deflater;
  std::string out{"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10};  // gzip header: no name, no time, OS unknown
  std::vector<Piece> pieces;
  std::size_t own_start = 0;  // where the bytes compressed here since the last joined block begin
  bool unflushed = false;     // plain input went in since the last full flush
  uLong crc = crc32(0, nullptr, 0);
  std::uint64_t input_size = 0;

  void close_own_piece() {
    if (out.size() > own_start) pieces.push_back({nullptr, own_start, out.size() - own_start});
    own_start = out.size();
  }
};

GzipJoiner::GzipJoiner() : state_(std::make_unique<State>()) {}

GzipJoiner::~GzipJoiner() = default;

void GzipJoiner::add(std::string_view plain) {
  if (plain.empty()) return;
  State& s = *state_;
  s.crc = crc_of(s.crc, plain);
  s.input_size += plain.size();
  s.deflater.pump(plain, Z_NO_FLUSH, s.out);
  s.unflushed = true;
}

void GzipJoiner::add(const DeflatedBlock& block) {
  if (block.input_size == 0) return;
  State& s = *state_;
  // A full flush byte-aligns the stream and forgets its history, so neither
  // the block nor what follows it refers back across the seam.
  if (s.unflushed) s.deflater.pump({}, Z_FULL_FLUSH, s.out);
  s.unflushed = false;
  s.close_own_piece();
  s.pieces.push_back({&block});
  s.crc = crc32_combine(s.crc, block.crc32, static_cast<z_off_t>(block.input_size));
  s.input_size += block.input_size;
}

void GzipJoiner::finish(std::string& owned, std::vector<std::string_view>& pieces) {
  State& s = *state_;
  s.deflater.pump({}, Z_FINISH, s.out);
  append_little_endian(static_cast<std::uint32_t>(s.crc), s.out);
  append_little_endian(static_cast<std::uint32_t>(s.input_size & 0xffffffffU), s.out);  // ISIZE: length mod 2^32
  s.close_own_piece();
  owned = std::move(s.out);
  pieces.clear();
  pieces.reserve(s.pieces.size());
  for (const auto& piece : s.pieces) {
    pieces.push_back(piece.block != nullptr ? std::string_view(piece.block->bytes)
                                            : std::string_view(owned).substr(piece.offset, piece.size));
  }
}

}  // namespace flowgate::exposition

#include "exposition/gzip.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <zlib.h>

namespace flowgate::exposition {
namespace {

constexpr int kGzipWindow = 16 + MAX_WBITS;  // windowBits + 16: gzip wrapper, no zlib header
constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMaxFeed = std::size_t{1} << 30;  // z_stream counts in 32 bits

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

}  // namespace

boost::system::result<std::string, GzipError> gunzip(std::string_view compressed, std::size_t max_output) {
  return Inflater().run(compressed, max_output);
}

struct GzipWriter::State {
  z_stream z{};
  void pump(std::string_view in, int flush, std::string& out) {
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
};

GzipWriter::GzipWriter(int level) : state_(std::make_unique<State>()) {
  if (deflateInit2(&state_->z, level, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::invalid_argument("GzipWriter: zlib rejected compression level " + std::to_string(level));
  }
}

GzipWriter::~GzipWriter() { deflateEnd(&state_->z); }

void GzipWriter::write(std::string_view piece, std::string& out) {
  if (!piece.empty()) state_->pump(piece, Z_NO_FLUSH, out);
}

void GzipWriter::finish(std::string& out) { state_->pump({}, Z_FINISH, out); }

}  // namespace flowgate::exposition

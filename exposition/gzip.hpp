#pragma once
// gzip for request bodies (inflate, capped) and scrape bodies (deflate).
// Pure functions over memory; safe from any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/system/result.hpp>

namespace flowgate::exposition {

struct GzipError {
  GzipError() = default;
  explicit GzipError(std::string sentence, bool too_large = false) : message(std::move(sentence)), output_too_large(too_large) {}
  std::string message;            // e.g. "gzip: invalid header"
  bool output_too_large = false;  // the inflated body passed max_output (a 413, not a 400)
};

boost::system::result<std::string, GzipError> gunzip(std::string_view compressed, std::size_t max_output);

// Streaming deflate so a large scrape body is compressed piece by piece.
class GzipWriter {
 public:
  explicit GzipWriter(int level = 6);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;
  void write(std::string_view piece, std::string& out);
  void finish(std::string& out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A block deflated on its own: raw deflate at level 6 ending on a byte
// boundary without the final bit, plus the CRC-32 and length of its input.
// Such blocks join into one gzip body without being compressed again, so a
// block that did not change is compressed once, not once per scrape.
struct DeflatedBlock {
  std::string bytes;
  std::uint32_t crc32 = 0;
  std::size_t input_size = 0;
};
DeflatedBlock deflate_block(std::string_view input);

// Below this size a block compresses much better inside the body's stream
// (which has seen the label names already) than on its own: callers compress
// such blocks per body instead of joining a deflated copy.
inline constexpr std::size_t kSmallestJoinedBlock = 4096;

// Builds one gzip member from a sequence of inputs: plain pieces are
// compressed here (level 6), deflated blocks are joined as they are. The
// result's views point into `owned` and into the deflated blocks given, which
// must outlive it. Not thread-safe; one body per joiner.
class GzipJoiner {
 public:
  GzipJoiner();
  ~GzipJoiner();
  GzipJoiner(const GzipJoiner&) = delete;
  GzipJoiner& operator=(const GzipJoiner&) = delete;

  void add(std::string_view plain);
  void add(const DeflatedBlock& block);
  // Ends the member; `owned` receives the bytes compressed here, `pieces` the
  // whole body in order (header, blocks, final block, CRC and length).
  void finish(std::string& owned, std::vector<std::string_view>& pieces);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace flowgate::exposition

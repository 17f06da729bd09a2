#pragma once
// Snappy in its two shapes: the block format (one compressed buffer, what
// remote write sends) and the framing format (checksummed chunks, what the
// Pushgateway reads for `Content-Encoding: snappy`, as Go's snappy.NewReader).
// libsnappy does the block work; the framing and its CRC-32C are here. Pure
// functions over memory; safe from any thread.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <boost/system/result.hpp>

namespace flowgate::exposition {

struct SnappyError {
  SnappyError() = default;
  explicit SnappyError(std::string sentence, bool too_large = false)
      : message(std::move(sentence)), output_too_large(too_large) {}
  std::string message;            // one sentence, e.g. "snappy: chunk 2 fails its checksum"
  bool output_too_large = false;  // the output passed max_output (a 413, not a 400)
};

std::string snappy_compress_block(std::string_view input);
boost::system::result<std::string, SnappyError> snappy_uncompress_block(std::string_view compressed,
                                                                         std::size_t max_output);

// The framing format: a stream identifier, then chunks of at most 64 KiB of
// input, each compressed unless that would not make it smaller.
std::string snappy_compress_frames(std::string_view input);
boost::system::result<std::string, SnappyError> snappy_uncompress_frames(std::string_view framed,
                                                                          std::size_t max_output);

// CRC-32C (Castagnoli) as the framing format masks it.
std::uint32_t snappy_masked_crc32c(std::string_view data);

}  // namespace flowgate::exposition

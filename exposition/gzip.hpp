#pragma once
// gzip for request bodies (inflate, capped) and scrape bodies (deflate).
// Pure functions over memory; safe from any thread.

#include <cstddef>
#include <string>
#include <memory>
#include <string_view>
#include <utility>

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

}  // namespace flowgate::exposition

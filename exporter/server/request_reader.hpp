#pragma once
// One HTTP/1.1 request read from bytes, with every check the server makes
// before a handler sees it: header size (431, also for a single field too
// large for Beast's fields container), framing (only `Transfer-Encoding:
// chunked`, never together with Content-Length; RFC 9112 section 6.3), body
// size (413) and the global body budget (503). Absolute-form targets are
// turned into origin form. No I/O and nothing throws out of it, so the
// coroutine server and fuzz_http_request run exactly the same code.
//
// Use: parse() the bytes at the front of the input until the state leaves
// `header`; in `header_done` authenticate, then start_body(); parse() again
// until `complete` (request() is ready) or `refused` (send refusal(), close).
// One reader per request; not thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "exporter/exchange.hpp"
#include "exporter/server/body_budget.hpp"

namespace flowgate::exporter {

struct RequestLimits {
  std::size_t max_header_bytes = std::size_t{1} << 20;  // also bounds unparsed input (a chunk-size line)
  std::size_t max_body_bytes = std::size_t{64} << 20;   // --push.max-body-bytes
};

// Why a request is refused: the reply, after which the connection closes.
struct Refusal {
  int status = 0;
  std::string message;
};

class RequestReader {
 public:
  enum class State {
    header,       // wants more bytes of the header
    header_done,  // header read and checked; call start_body()
    body,         // wants more bytes of the body
    complete,     // request() is ready
    refused,      // answer refusal() and close
  };
  using Message = boost::beast::http::request<boost::beast::http::string_body>;

  // `client`: the address whose share of the budget the body counts against.
  RequestReader(const RequestLimits& limits, BodyBudget& budget, std::string client = {});
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // In `header` or `body`: parses from the front of `input`, returns how many
  // bytes it used. The caller drops those and calls again with what is left
  // plus what arrived since.
  std::size_t parse(std::string_view input);
  // In `header_done`: reserves the body in the budget (Content-Length now,
  // a chunked body chunk by chunk while it is parsed).
  void start_body();

  State state() const { return state_; }
  const Refusal& refusal() const { return refusal_; }
  // From `header_done` on.
  const Message& message() const { return parser_.get(); }
  bool expects_continue() const;
  // In `complete`: the request for the dispatcher; its views point into this reader.
  Request request() const;
  // Frees the body and gives its bytes back to the budget, before the reply
  // is written (a reply never points into the request). The body views of
  // request() dangle afterwards.
  void release_body();

 private:
  struct ChunkHeader {
    RequestReader* reader;
    void operator()(std::uint64_t size, boost::beast::string_view extensions, boost::system::error_code& ec);
  };
  void refuse(int status, std::string message);
  void refuse_over_budget();
  void check_framing();
  void on_parse_error(const boost::system::error_code& ec);

  RequestLimits limits_;
  const BodyBudget& budget_;
  BodyReservation reservation_;
  boost::beast::http::request_parser<boost::beast::http::string_body> parser_;
  ChunkHeader chunk_header_{this};
  State state_ = State::header;
  Refusal refusal_;
  std::string origin_target_;  // the target in origin form ("/path?query")
};

// RFC 9112 section 3.2.2: "http://host:9091/metrics?x" -> "/metrics?x",
// "http://host" -> "/"; any other target is returned as it is.
std::string origin_form(std::string_view target);

}  // namespace flowgate::exporter

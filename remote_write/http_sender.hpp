#pragma once
// Sends one remote write request to one destination and reports what came
// back, without judging it (send_policy.hpp does): a blocking Beast client
// on the destination's own thread, one kept-alive connection, the
// destination's headers, basic auth or authorization (secrets read from
// their files at each request, so a rotated one is picked up), TLS with its
// CA, client certificate and server name, remote_timeout for the whole
// exchange, 307/308 redirects followed with the same body (up to 10 hops,
// when follow_redirects). Not thread-safe except cancel(); never logs.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "exposition/message_error.hpp"
#include "remote_write/destination.hpp"

namespace flowgate::remote_write {

struct SendReply {
  int status = 0;     // 0: no HTTP answer (resolve, connect, TLS, timeout, read)
  std::string error;  // why there was no answer, or the start of a non-2xx body
  std::optional<std::chrono::seconds> retry_after;
  // X-Prometheus-Remote-Write-{Samples,Histograms,Exemplars}-Written (2.0)
  std::optional<std::uint64_t> samples_written, histograms_written, exemplars_written;
  std::string location;  // a redirect that was not followed: where it pointed
  std::uint64_t bytes_sent = 0;
};

class HttpSender {
 public:
  // Fails when the URL cannot be sent to or the TLS files do not load.
  // `user_agent`: "flowgate/<version>".
  static boost::system::result<HttpSender, exposition::MessageError> create(const Destination& destination,
                                                                            std::string user_agent);
  HttpSender(HttpSender&&) noexcept;
  HttpSender& operator=(HttpSender&&) noexcept;
  ~HttpSender();

  // One attempt: `body` is the snappy-compressed message of `protocol`.
  SendReply post(std::string_view body, Protocol protocol);

  // From any thread: the exchange in progress ends at once, and so does
  // every later one.
  void cancel();

 private:
  struct Connection;
  explicit HttpSender(std::unique_ptr<Connection> connection);
  std::unique_ptr<Connection> connection_;
};

}  // namespace flowgate::remote_write

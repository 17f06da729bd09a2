#pragma once
// The CONNECT step of reaching Prefect over https through an HTTP proxy
// (prefect_proxy.hpp decides when): shared by the REST client and the event
// stream, which then start TLS to Prefect's host on the same stream. Runs on
// the stream's executor; never logs.

#include <functional>
#include <optional>
#include <string>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include "collectors/prefect/prefect_proxy.hpp"

namespace flowgate::collectors::prefect {

// Why the proxy did not open a tunnel. `status` is the proxy's HTTP answer
// (407, 403, 502, ...), 0 when the exchange itself failed (`error` then).
struct TunnelRefusal {
  int status = 0;
  boost::system::error_code error;
  std::string message;  // one sentence naming the proxy, the target and the answer
};

using TunnelHandler = std::function<void(std::optional<TunnelRefusal>)>;

// Sends `CONNECT host:port` on `stream` (connected to the proxy) and reads
// the answer's header; `done` gets nullopt once a 2xx opened the tunnel
// (then start TLS to the endpoint's host on the same stream). The caller
// sets the stream's expiry first and keeps `stream` alive until `done` runs;
// a refused stream is the caller's to close.
void async_open_tunnel(boost::beast::tcp_stream& stream, const ProxyRoute& proxy, const PrefectEndpoint& endpoint,
                       TunnelHandler done);

}  // namespace flowgate::collectors::prefect

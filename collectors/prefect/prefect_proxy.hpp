#pragma once
// Whether and how the Prefect clients (the REST client, the event stream)
// reach Prefect through an HTTP proxy, the way curl and Prefect's own httpx
// client read it: HTTPS_PROXY for https, HTTP_PROXY for http, ALL_PROXY for
// both, lower-case names first; NO_PROXY lists the hosts reached directly.
// A proxy is an `http://[user:password@]host[:port]` URL (basic
// Proxy-Authorization from the user part). https goes through a CONNECT
// tunnel, then TLS to the real host; http sends absolute-form targets to
// the proxy (prefect_proxy_tunnel.hpp opens the tunnel). Pure, thread-safe.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "collectors/prefect/prefect_endpoint.hpp"

namespace flowgate::collectors::prefect {

// The proxy settings as given; empty is unset.
struct ProxySettings {
  std::string proxy_url;  // --prefect.proxy-url: wins over the environment's proxy for both schemes
  std::string https_proxy, http_proxy, all_proxy, no_proxy;  // the environment, precedence applied
};

// The settings from an environment lookup (name -> value, "" when unset):
// https_proxy before HTTPS_PROXY, http_proxy before HTTP_PROXY, all_proxy
// before ALL_PROXY, no_proxy before NO_PROXY.
ProxySettings proxy_settings_from(const std::function<std::string(const char* name)>& environment,
                                  std::string proxy_url = {});

// Where to connect to reach the endpoint through a proxy.
struct ProxyRoute {
  std::string host;           // the proxy's; an IPv6 literal without brackets
  std::string port;           // "80" when the URL has none
  std::string authorization;  // Proxy-Authorization value ("Basic ..."), empty for none
  std::string name;           // "http://host:port", for messages: never the credentials
};

// True when `no_proxy` (comma- or space-separated entries) says to reach
// host:port directly: `*` matches every host; `example.com` and
// `.example.com` match that host and its subdomains; an entry with `:port`
// only that port; IP literals match literally (`[::1]` or `::1`). Case is
// ignored.
bool bypasses_proxy(std::string_view no_proxy, std::string_view host, std::string_view port);

// The proxy for `endpoint`, nullopt to connect directly. Refuses a proxy URL
// that is not http:// (TLS to the proxy is not supported) or has no host,
// naming where it came from.
boost::system::result<std::optional<ProxyRoute>, EndpointError> choose_proxy(const PrefectEndpoint& endpoint,
                                                                             const ProxySettings& settings);

// The absolute-form request target of a plain-http request through a proxy:
// "http://host:port/api/flows/filter".
std::string absolute_target(const PrefectEndpoint& endpoint, std::string_view path);

}  // namespace flowgate::collectors::prefect

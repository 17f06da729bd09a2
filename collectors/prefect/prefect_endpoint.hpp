#pragma once
// Where and as whom the collector talks to Prefect, derived the way Prefect's
// own clients do it: an API URL (self-hosted `http(s)://host:4200/api` or a
// Cloud `.../api/accounts/<uuid>/workspaces/<uuid>`) and either an API key
// (bearer) or an auth string `user:pass` (basic; wins when both are set, as
// in Prefect's Python client). Values, pure, thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/system/result.hpp>

#include "exposition/message_error.hpp"

namespace flowgate::collectors::prefect {

struct PrefectEndpoint {
  bool tls = false;
  std::string host;
  std::string port;       // "80"/"443" when the URL has none
  std::string base_path;  // "/api" or "/api/accounts/<uuid>/workspaces/<uuid>", no trailing '/'
  // The Authorization header value, empty for none.
  std::string authorization;

  // base_path + path, e.g. target("/flow_runs/filter").
  std::string target(std::string_view path) const { return base_path + std::string(path); }
};

using EndpointError = exposition::MessageError;

// `api_key` and `auth_string` may be empty. Refuses URLs that are not
// http(s), have no host, carry a query or fragment, or point at
// api.prefect.cloud without the account/workspace path.
boost::system::result<PrefectEndpoint, EndpointError> make_endpoint(std::string_view api_url, std::string_view api_key,
                                                                    std::string_view auth_string);

}  // namespace flowgate::collectors::prefect

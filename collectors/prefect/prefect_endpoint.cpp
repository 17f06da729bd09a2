#include "collectors/prefect/prefect_endpoint.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "exposition/base64.hpp"

namespace flowgate::collectors::prefect {

namespace {

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

// Prefect parses Cloud URLs with `accounts/<36 chars>/workspaces/<36 chars>`.
bool has_account_and_workspace(std::string_view path) {
  const auto accounts = path.find("/accounts/");
  if (accounts == std::string_view::npos) return false;
  const auto account = path.substr(accounts + 10, 36);
  const auto rest = path.substr(std::min(path.size(), accounts + 10 + 36));
  return is_uuid(account) && rest.starts_with("/workspaces/") && is_uuid(rest.substr(12, 36));
}

}  // namespace

boost::system::result<PrefectEndpoint, EndpointError> make_endpoint(std::string_view api_url, std::string_view api_key,
                                                                    std::string_view auth_string) {
  const auto parsed = boost::urls::parse_absolute_uri(api_url);
  if (!parsed) return EndpointError("the Prefect API URL \"" + std::string(api_url) + "\" is not an absolute URL");
  const boost::urls::url_view& url = *parsed;
  PrefectEndpoint endpoint;
  const std::string scheme = url.scheme();
  if (scheme != "http" && scheme != "https") {
    return EndpointError("the Prefect API URL must start with http:// or https://, not " + scheme + "://");
  }
  endpoint.tls = scheme == "https";
  endpoint.host = url.encoded_host();
  if (endpoint.host.empty()) return EndpointError("the Prefect API URL has no host");
  if (url.has_query() || url.has_fragment()) return EndpointError("the Prefect API URL must not have a query or fragment");
  endpoint.port = url.has_port() ? std::string(url.port()) : (endpoint.tls ? "443" : "80");
  endpoint.base_path = url.encoded_path();
  while (endpoint.base_path.ends_with('/')) endpoint.base_path.pop_back();
  if (endpoint.host == "api.prefect.cloud" && !has_account_and_workspace(endpoint.base_path)) {
    return EndpointError(
        "a Prefect Cloud API URL needs the account and workspace: "
        "https://api.prefect.cloud/api/accounts/<account id>/workspaces/<workspace id>");
  }
  if (!auth_string.empty()) {
    endpoint.authorization = "Basic " + exposition::encode_base64(auth_string, exposition::kStandardBase64);
  } else if (!api_key.empty()) {
    endpoint.authorization = "Bearer " + std::string(api_key);
  }
  return endpoint;
}

}  // namespace flowgate::collectors::prefect

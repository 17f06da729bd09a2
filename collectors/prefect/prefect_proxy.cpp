#include "collectors/prefect/prefect_proxy.hpp"

#include <algorithm>
#include <cctype>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "exposition/base64.hpp"

namespace flowgate::collectors::prefect {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view without_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

// One NO_PROXY entry split into host and port ("" for any port).
std::pair<std::string_view, std::string_view> entry_host_port(std::string_view entry) {
  if (entry.starts_with('[')) {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) return {entry, {}};
    const auto rest = entry.substr(close + 1);
    return {entry.substr(1, close - 1), rest.starts_with(':') ? rest.substr(1) : std::string_view{}};
  }
  const auto colon = entry.find(':');
  if (colon == std::string_view::npos || entry.find(':', colon + 1) != std::string_view::npos) return {entry, {}};
  return {entry.substr(0, colon), entry.substr(colon + 1)};
}

bool entry_matches(std::string_view entry, std::string_view host, std::string_view port) {
  if (entry == "*") return true;
  auto [entry_host, entry_port] = entry_host_port(entry);
  if (!entry_port.empty() && entry_port != port) return false;
  if (entry_host.starts_with("*.")) entry_host.remove_prefix(1);
  if (entry_host.starts_with('.')) entry_host.remove_prefix(1);
  if (entry_host.empty()) return false;
  if (host == entry_host) return true;
  return host.size() > entry_host.size() && host.ends_with(entry_host) &&
         host[host.size() - entry_host.size() - 1] == '.';
}

boost::system::result<ProxyRoute, EndpointError> parse_proxy_url(std::string_view text, std::string_view source) {
  const std::string url_text = text.find("://") == std::string_view::npos ? "http://" + std::string(text)
                                                                          : std::string(text);
  const auto refuse = [&](const std::string& why) {
    return EndpointError("the proxy URL in " + std::string(source) + " " + why +
                         "; expected http://[user:password@]host[:port]");
  };
  const auto parsed = boost::urls::parse_uri(url_text);
  if (!parsed) return refuse("is not a URL");
  const boost::urls::url_view& url = *parsed;
  if (lower(url.scheme()) != "http") {
    return refuse("starts with " + std::string(url.scheme()) + "://, and only http:// proxies are supported");
  }
  ProxyRoute route;
  route.host = url.host_type() == boost::urls::host_type::ipv6 ? url.host_ipv6_address().to_string()
                                                                : std::string(url.encoded_host());
  if (route.host.empty()) return refuse("has no host");
  route.port = url.has_port() ? std::string(url.port()) : "80";
  route.name = "http://" + std::string(url.encoded_host()) + ":" + route.port;
  if (url.has_userinfo()) {
    const std::string credentials = url.user() + ":" + url.password();
    route.authorization = "Basic " + exposition::encode_base64(credentials, exposition::kStandardBase64);
  }
  return route;
}

}  // namespace

ProxySettings proxy_settings_from(const std::function<std::string(const char* name)>& environment,
                                  std::string proxy_url) {
  const auto first_set = [&](const char* lower_name, const char* upper_name) {
    auto value = environment(lower_name);
    return value.empty() ? environment(upper_name) : value;
  };
  ProxySettings settings;
  settings.proxy_url = std::move(proxy_url);
  settings.https_proxy = first_set("https_proxy", "HTTPS_PROXY");
  settings.http_proxy = first_set("http_proxy", "HTTP_PROXY");
  settings.all_proxy = first_set("all_proxy", "ALL_PROXY");
  settings.no_proxy = first_set("no_proxy", "NO_PROXY");
  return settings;
}

bool bypasses_proxy(std::string_view no_proxy, std::string_view host, std::string_view port) {
  const std::string wanted = lower(without_brackets(host));
  const std::string entries = lower(no_proxy);
  std::size_t start = 0;
  while (start < entries.size()) {
    const auto end = std::min(entries.find_first_of(", \t", start), entries.size());
    const std::string_view entry = std::string_view(entries).substr(start, end - start);
    if (!entry.empty() && entry_matches(entry, wanted, port)) return true;
    start = end + 1;
  }
  return false;
}

boost::system::result<std::optional<ProxyRoute>, EndpointError> choose_proxy(const PrefectEndpoint& endpoint,
                                                                             const ProxySettings& settings) {
  using Chosen = boost::system::result<std::optional<ProxyRoute>, EndpointError>;
  std::string_view url = settings.proxy_url;
  std::string_view source = "--prefect.proxy-url";
  if (url.empty()) {
    url = endpoint.tls ? settings.https_proxy : settings.http_proxy;
    source = endpoint.tls ? "$HTTPS_PROXY" : "$HTTP_PROXY";
  }
  if (url.empty()) {
    url = settings.all_proxy;
    source = "$ALL_PROXY";
  }
  if (url.empty() || bypasses_proxy(settings.no_proxy, endpoint.host, endpoint.port)) {
    return Chosen(boost::system::in_place_value, std::nullopt);
  }
  auto route = parse_proxy_url(url, source);
  if (!route) return route.error();
  return Chosen(boost::system::in_place_value, std::move(*route));
}

std::string absolute_target(const PrefectEndpoint& endpoint, std::string_view path) {
  return (endpoint.tls ? "https://" : "http://") + endpoint.host + ":" + endpoint.port + endpoint.target(path);
}

}  // namespace flowgate::collectors::prefect

#include "exporter/router.hpp"

#include <algorithm>
#include <cctype>
#include <locale>
#include <optional>
#include <set>

#include <boost/algorithm/string/predicate.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace flowgate::exporter {
namespace {

bool matches(const Route& route, std::string_view path) {
  switch (route.shape) {
    case Route::Shape::exact: return path == route.pattern;
    case Route::Shape::any_rest: return path.starts_with(route.pattern);
    case Route::Shape::param_rest:
      return path.starts_with(route.pattern) && path.size() > route.pattern.size() &&
             path[route.pattern.size()] != '/';
  }
  return false;
}

// The path with its static part spelled as the route spells it, when the
// request differs only in letter case.
std::optional<std::string> case_fixed(const Route& route, std::string_view path) {
  std::string_view head = path.substr(0, std::min(path.size(), route.pattern.size()));
  if (!boost::algorithm::iequals(head, route.pattern, std::locale::classic())) return std::nullopt;
  std::string fixed = route.pattern;
  fixed += path.substr(head.size());
  if (!matches(route, fixed)) return std::nullopt;
  return fixed;
}

// A redirect location: the decoded path encoded again, the query as received.
std::string with_query(std::string_view path, std::string_view query) {
  std::string location = encode_path(path);
  if (!query.empty()) {
    location += '?';
    location += query;
  }
  return location;
}

}  // namespace

void Router::add(Route route) { routes_.push_back(std::move(route)); }

const Route* Router::find(std::string_view method, std::string_view path) const {
  for (const auto& route : routes_) {
    if (route.method == method && matches(route, path)) return &route;
  }
  return nullptr;
}

std::string Router::allowed(std::string_view path, std::string_view except_method) const {
  std::set<std::string> methods;
  for (const auto& route : routes_) {
    if (route.method == except_method || route.method == "OPTIONS") continue;
    if (matches(route, path)) methods.insert(route.method);
  }
  if (methods.empty()) return {};
  methods.insert("OPTIONS");
  std::string allow;
  for (const auto& method : methods) {
    if (!allow.empty()) allow += ", ";
    allow += method;
  }
  return allow;
}

Resolution Router::resolve(std::string_view method, std::string_view path, std::string_view query) const {
  if (method != "CONNECT") {
    std::string cleaned = clean_path(path);
    if (cleaned != path) return Redirect{301, with_query(cleaned, query)};
  }
  if (const Route* route = find(method, path)) return Matched{route};

  const int redirect_status = method == "GET" ? 301 : 307;
  if (method != "CONNECT" && path != "/") {
    // Trailing-slash fix: the other spelling has a route for this method, or
    // (as httprouter) the path stops right where a route's parameter starts.
    std::string other(path);
    if (other.ends_with('/')) {
      other.pop_back();
    } else {
      other += '/';
    }
    if (find(method, other) != nullptr) return Redirect{redirect_status, with_query(other, query)};
    for (const auto& route : routes_) {
      if (route.method == method && route.shape == Route::Shape::param_rest && path == route.pattern) {
        return Redirect{redirect_status, with_query(other, query)};
      }
    }
    for (const auto& route : routes_) {
      if (route.method != method || !route.fix_case) continue;
      if (auto fixed = case_fixed(route, path)) return Redirect{redirect_status, with_query(*fixed, query)};
    }
  }

  std::string allow = allowed(path, method);
  if (method == "OPTIONS" && !allow.empty()) return AutomaticOptions{std::move(allow)};
  if (!allow.empty()) return MethodNotAllowed{std::move(allow)};
  return NotFound{};
}

std::string clean_path(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string out;
  for (auto part : parts) {
    out += '/';
    out += part;
  }
  if (out.empty()) return "/";
  if (path.ends_with('/')) out += '/';
  return out;
}

bool decode_path(std::string_view raw, std::string& out) {
  const auto encoded = boost::urls::make_pct_string_view(raw);
  if (!encoded) return false;
  out = encoded->decode();
  return true;
}

std::string encode_path(std::string_view path) {
  static constexpr auto kKept = boost::urls::unreserved_chars + boost::urls::grammar::lut_chars("$&+,/:;=@");
  return boost::urls::encode(path, kKept);
}

}  // namespace flowgate::exporter

#pragma once
// Route resolution with the Pushgateway's observable behaviour (Go's ServeMux
// in front of httprouter): path cleaning 301, trailing-slash and
// case-insensitive redirects (301 for GET, 307 otherwise), 405 with a sorted
// Allow header including OPTIONS, automatic OPTIONS, 404. The table is built
// once (routes.cpp) and read concurrently afterwards.

#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "exporter/exchange.hpp"

namespace flowgate::exporter {

using Handler = std::function<Reply(const Request&)>;

struct Route {
  enum class Shape {
    exact,        // the path equals `pattern`
    param_rest,   // `pattern` then a non-empty segment, then anything ("/metrics/job/:job/*labels")
    any_rest,     // `pattern` then anything, even nothing ("/api/v1/*path")
  };
  std::string method;
  std::string pattern;
  Shape shape = Shape::exact;
  std::string name;  // the `handler` label of flowgate_http_requests_total
  Handler handler;
  bool fix_case = true;  // a request differing only in letter case is redirected here
};

struct Matched {
  const Route* route;
};
struct Redirect {
  int status;
  std::string location;
};
struct MethodNotAllowed {
  std::string allow;
};
struct AutomaticOptions {
  std::string allow;
};
struct NotFound {};

using Resolution = std::variant<Matched, Redirect, MethodNotAllowed, AutomaticOptions, NotFound>;

class Router {
 public:
  void add(Route route);
  // `path` is the percent-decoded request path, `query` the raw query (for
  // redirect locations, without '?').
  Resolution resolve(std::string_view method, std::string_view path, std::string_view query) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  const Route* find(std::string_view method, std::string_view path) const;
  std::string allowed(std::string_view path, std::string_view except_method) const;
  std::vector<Route> routes_;
};

// Go's path.Clean for a request path: no "//", "/./" or "/../"; keeps a
// trailing slash, as ServeMux does.
std::string clean_path(std::string_view path);

// Percent-decoding of a URL path ('+' stays '+'); false on a bad escape.
bool decode_path(std::string_view raw, std::string& out);

// A decoded path as a URL path again, as Go's url.URL.EscapedPath spells it:
// letters, digits, "-._~" and "$&+,/:;=@" stay, every other byte is %XX
// (upper-case hex). What redirect locations are made of, so no byte of the
// request (CR, LF, a quote) reaches a header or an HTML body raw.
std::string encode_path(std::string_view path);

}  // namespace flowgate::exporter

#include "exporter/dispatcher.hpp"

#include "exporter/html_escape.hpp"

namespace flowgate::exporter {
namespace {

// As Go's http.Redirect: a small HTML body for GET and HEAD only. `location`
// is already percent-encoded (encode_path); the body escapes it once more.
Reply redirect_reply(std::string_view method, int status, std::string location) {
  if (location.size() > kMaxHeaderValueBytes) {
    return error_reply(414, "414 URI Too Long: the redirect location would be longer than " +
                                std::to_string(kMaxHeaderValueBytes) + " bytes");
  }
  Reply reply;
  reply.status = status;
  if (method == "GET" || method == "HEAD") {
    reply.content_type = "text/html; charset=utf-8";
    reply.body = "<a href=\"" + html_escape(location) + "\">" +
                 (status == 301 ? "Moved Permanently" : "Temporary Redirect") + "</a>.\n\n";
  }
  reply.headers.emplace_back("Location", std::move(location));
  return reply;
}

}  // namespace

Dispatcher::Dispatcher(Router router, std::string route_prefix)
    : router_(std::move(router)), api_root_(std::move(route_prefix) + "/api/v1") {}

Dispatched Dispatcher::dispatch(const Request& request) const {
  std::string_view target = request.target;
  auto question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  std::string_view query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  std::string path;
  if (raw_path.empty() || raw_path.front() != '/' || !decode_path(raw_path, path)) {
    return {error_reply(400, "400 Bad Request"), {}};
  }
  if (path == api_root_) {
    std::string location = encode_path(api_root_ + "/");
    if (!query.empty()) location += "?" + std::string(query);
    return {redirect_reply(request.method, 301, std::move(location)), {}};
  }

  Resolution resolution = router_.resolve(request.method, path, query);
  if (auto* matched = std::get_if<Matched>(&resolution)) {
    return {matched->route->handler(request), matched->route->name};
  }
  if (auto* redirect = std::get_if<Redirect>(&resolution)) {
    return {redirect_reply(request.method, redirect->status, std::move(redirect->location)), {}};
  }
  if (auto* options = std::get_if<AutomaticOptions>(&resolution)) {
    Reply reply;
    reply.headers.emplace_back("Allow", std::move(options->allow));
    return {std::move(reply), {}};
  }
  if (auto* not_allowed = std::get_if<MethodNotAllowed>(&resolution)) {
    Reply reply = error_reply(405, "Method Not Allowed");
    reply.headers.emplace_back("Allow", std::move(not_allowed->allow));
    return {std::move(reply), {}};
  }
  return {error_reply(404, "404 page not found"), {}};
}

}  // namespace flowgate::exporter

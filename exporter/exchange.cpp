#include "exporter/exchange.hpp"

namespace flowgate::exporter {

Reply error_reply(int status, std::string_view message) {
  Reply reply;
  reply.status = status;
  reply.content_type = "text/plain; charset=utf-8";
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply.body = message;
  reply.body += '\n';
  return reply;
}

namespace {

bool field_sendable(std::string_view text) {
  return text.size() <= kMaxHeaderValueBytes &&
         text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

bool headers_sendable(const Reply& reply) {
  if (!field_sendable(reply.content_type)) return false;
  for (const auto& [name, value] : reply.headers) {
    if (name.empty() || !field_sendable(name) || !field_sendable(value)) return false;
  }
  return true;
}

}  // namespace flowgate::exporter

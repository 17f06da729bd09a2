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

}  // namespace flowgate::exporter

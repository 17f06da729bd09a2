#pragma once
// A tiny blocking HTTP/1.1 client for tests, on Beast: one request per call
// on a fresh connection, or several on one kept-alive connection.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace flowgate::exporter::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto found = headers.find(lower_name);
    return found == headers.end() ? std::string("<absent>") : found->second;
  }
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port);
  ~HttpConnection();
  HttpResponse request(const std::string& method, const std::string& target, const std::string& body = {},
                       const HeaderList& headers = {});
  // The raw socket, for tests that write bytes by hand.
  void write_raw(const std::string& bytes);
  std::string read_raw_until(const std::string& marker);
  HttpResponse read_response(bool head = false);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body = {}, const HeaderList& headers = {});

}  // namespace flowgate::exporter::testing

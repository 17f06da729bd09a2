#pragma once
// The web config in force: read from --web.config.file at start-up (a bad
// file refuses the start) and again on reload() (SIGHUP), where a bad file is
// reported and the previous config stays. No file means no TLS and no
// authentication. current() and authorize() are thread-safe and cheap.

#include <atomic>
#include <memory>
#include <string>

#include <boost/system/result.hpp>

#include "exporter/basic_auth.hpp"
#include "exporter/web_config.hpp"

namespace flowgate::exporter {

class WebConfigFile {
 public:
  // Reads `path` now (empty: no config); an unreadable or invalid file is an error.
  static boost::system::result<std::unique_ptr<WebConfigFile>, WebConfigError> open(std::string path);

  std::shared_ptr<const WebConfig> current() const { return current_.load(); }
  const std::string& path() const { return path_; }

  // Re-reads the file; on error keeps the config in force and returns why.
  boost::system::result<void, WebConfigError> reload();

  // True when the request's Authorization header passes basic_auth_users.
  bool authorize(const WebConfig& config, std::string_view authorization) {
    return auth_.allows(config.basic_auth_users, authorization);
  }

 private:
  explicit WebConfigFile(std::string path, WebConfig config);
  std::string path_;
  std::atomic<std::shared_ptr<const WebConfig>> current_;
  BasicAuth auth_;
};

}  // namespace flowgate::exporter

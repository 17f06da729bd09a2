#pragma once
// The web config in force: read from --web.config.file at start-up (a bad
// file refuses the start) and again on reload() (SIGHUP), where a bad file is
// reported and the previous config stays. No file means no TLS and no
// authentication. current() and authenticate() are thread-safe and cheap; the
// password checks behind authenticate() run on the caller's PasswordVerifier.

#include <memory>
#include <string>

#include <boost/system/result.hpp>

#include "collectors/published.hpp"
#include "exporter/basic_auth.hpp"
#include "exporter/web_config.hpp"

namespace flowgate::exporter {

struct WebConfigReload {
  // The config in force had basic_auth_users and the new one has none: from
  // now on every request is let in (the caller warns).
  bool authentication_removed = false;
};

class WebConfigFile {
 public:
  // Reads `path` now (empty: no config); an unreadable or invalid file is an
  // error. With `refuse_auth_removal`, reload() refuses a file that would turn
  // authentication off (--web.config.refuse-auth-removal).
  static boost::system::result<std::unique_ptr<WebConfigFile>, WebConfigError> open(std::string path,
                                                                                     bool refuse_auth_removal = false);

  std::shared_ptr<const WebConfig> current() const { return current_.load(); }
  const std::string& path() const { return path_; }

  // Re-reads the file; on error keeps the config in force and returns why.
  // Cached password checks are forgotten when the new config is taken.
  boost::system::result<WebConfigReload, WebConfigError> reload();

  // Judges an Authorization header value against config.basic_auth_users (not
  // empty); see BasicAuth::check.
  void authenticate(const WebConfig& config, std::string_view authorization, PasswordVerifier& verifier,
                    BasicAuth::Done done) {
    auth_.check(config.basic_auth_users, authorization, verifier, std::move(done));
  }

 private:
  WebConfigFile(std::string path, WebConfig config, bool refuse_auth_removal);
  std::string path_;
  bool refuse_auth_removal_;
  collectors::Published<WebConfig> current_;
  BasicAuth auth_;
};

}  // namespace flowgate::exporter

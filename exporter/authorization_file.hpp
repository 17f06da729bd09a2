#pragma once
// The --web.authorization.file in force: read at start-up (a bad file refuses
// the start) and again on reload() (SIGHUP, with the web config), where a bad
// file is reported and the previous rules stay. current() is thread-safe and
// cheap (one pointer copy).

#include <memory>
#include <string>

#include <boost/system/result.hpp>

#include "collectors/published.hpp"
#include "exporter/authorization.hpp"

namespace flowgate::exporter {

class AuthorizationFile {
 public:
  static boost::system::result<std::unique_ptr<AuthorizationFile>, AuthorizationError> open(std::string path);

  std::shared_ptr<const Authorization> current() const { return current_.load(); }
  const std::string& path() const { return path_; }

  // Re-reads the file; on error keeps the rules in force and returns why.
  boost::system::result<void, AuthorizationError> reload();

 private:
  AuthorizationFile(std::string path, Authorization rules);
  std::string path_;
  collectors::Published<Authorization> current_;
};

}  // namespace flowgate::exporter

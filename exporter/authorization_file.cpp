#include "exporter/authorization_file.hpp"

namespace flowgate::exporter {

AuthorizationFile::AuthorizationFile(std::string path, Authorization rules)
    : path_(std::move(path)), current_(std::make_shared<const Authorization>(std::move(rules))) {}

boost::system::result<std::unique_ptr<AuthorizationFile>, AuthorizationError> AuthorizationFile::open(
    std::string path) {
  auto loaded = load_authorization(path);
  if (!loaded) return loaded.error();
  return std::unique_ptr<AuthorizationFile>(new AuthorizationFile(std::move(path), std::move(*loaded)));
}

boost::system::result<void, AuthorizationError> AuthorizationFile::reload() {
  auto loaded = load_authorization(path_);
  if (!loaded) return loaded.error();
  current_.store(std::make_shared<const Authorization>(std::move(*loaded)));
  return {};
}

}  // namespace flowgate::exporter

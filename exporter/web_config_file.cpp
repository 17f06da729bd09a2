#include "exporter/web_config_file.hpp"

namespace flowgate::exporter {

WebConfigFile::WebConfigFile(std::string path, WebConfig config, bool refuse_auth_removal)
    : path_(std::move(path)),
      refuse_auth_removal_(refuse_auth_removal),
      current_(std::make_shared<const WebConfig>(std::move(config))) {}

boost::system::result<std::unique_ptr<WebConfigFile>, WebConfigError> WebConfigFile::open(std::string path,
                                                                                           bool refuse_auth_removal) {
  WebConfig config;
  if (!path.empty()) {
    auto loaded = load_web_config(path);
    if (!loaded) return loaded.error();
    config = std::move(*loaded);
  }
  return std::unique_ptr<WebConfigFile>(new WebConfigFile(std::move(path), std::move(config), refuse_auth_removal));
}

boost::system::result<WebConfigReload, WebConfigError> WebConfigFile::reload() {
  if (path_.empty()) return WebConfigReload{};
  auto loaded = load_web_config(path_);
  if (!loaded) return loaded.error();
  WebConfigReload outcome;
  outcome.authentication_removed = loaded->basic_auth_users.empty() && !current()->basic_auth_users.empty();
  if (outcome.authentication_removed && refuse_auth_removal_) {
    return WebConfigError(path_ + ": has no basic_auth_users while the config in force has; refusing to turn "
                          "authentication off (--web.config.refuse-auth-removal)");
  }
  current_.store(std::make_shared<const WebConfig>(std::move(*loaded)));
  auth_.forget();
  return outcome;
}

}  // namespace flowgate::exporter

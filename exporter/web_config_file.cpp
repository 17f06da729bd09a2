#include "exporter/web_config_file.hpp"

namespace flowgate::exporter {

WebConfigFile::WebConfigFile(std::string path, WebConfig config)
    : path_(std::move(path)), current_(std::make_shared<const WebConfig>(std::move(config))) {}

boost::system::result<std::unique_ptr<WebConfigFile>, WebConfigError> WebConfigFile::open(std::string path) {
  WebConfig config;
  if (!path.empty()) {
    auto loaded = load_web_config(path);
    if (!loaded) return loaded.error();
    config = std::move(*loaded);
  }
  return std::unique_ptr<WebConfigFile>(new WebConfigFile(std::move(path), std::move(config)));
}

boost::system::result<void, WebConfigError> WebConfigFile::reload() {
  if (path_.empty()) return {};
  auto loaded = load_web_config(path_);
  if (!loaded) return loaded.error();
  current_.store(std::make_shared<const WebConfig>(std::move(*loaded)));
  return {};
}

}  // namespace flowgate::exporter

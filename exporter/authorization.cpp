#include "exporter/authorization.hpp"

#include "exporter/yaml_reader.hpp"

namespace flowgate::exporter {
namespace {

using Result = boost::system::result<void, AuthorizationError>;

AuthorizationError unknown_key(const YamlField& field, std::string_view known) {
  return AuthorizationError("line " + std::to_string(field.line) + ": " + field.path + ": unknown key (known: " +
                            std::string(known) + ")");
}

Result read_bool(const YamlField& field, bool& out) {
  auto value = yaml_bool(field.value, field.path);
  if (!value) return value.error();
  out = *value;
  return {};
}

Result read_push(const YamlField& field, std::vector<GroupSelector>& out) {
  auto items = yaml_sequence(field.value, field.path);
  if (!items) {
    return yaml_error(field.value, field.path, "must be a list of quoted selectors, e.g. ['{job=\"billing\"}']");
  }
  out.clear();
  for (std::size_t i = 0; i < items->size(); ++i) {
    const YAML::Node& item = (*items)[i];
    const std::string item_key = field.path + "[" + std::to_string(i) + "]";
    if (!item.IsScalar()) return yaml_error(item, item_key, "must be a quoted selector");
    auto selector = GroupSelector::parse(item.Scalar());
    if (!selector) return yaml_error(item, item_key, "selector " + item.Scalar() + ": " + selector.error());
    out.push_back(std::move(*selector));
  }
  return {};
}

Result read_user(const YamlField& user, UserRights& rights) {
  auto fields = yaml_mapping(user.value, user.path, "a mapping of push, scrape, admin, lifecycle", YamlKeys::map_keys);
  if (!fields) return fields.error();
  for (const auto& field : *fields) {
    Result read;
    if (field.key == "push") {
      read = read_push(field, rights.push);
    } else if (field.key == "scrape") {
      read = read_bool(field, rights.scrape);
    } else if (field.key == "admin") {
      read = read_bool(field, rights.admin);
    } else if (field.key == "lifecycle") {
      read = read_bool(field, rights.lifecycle);
    } else {
      read = unknown_key(field, "push, scrape, admin, lifecycle");
    }
    if (!read) return read;
  }
  return {};
}

}  // namespace

const UserRights& Authorization::rights_of(std::string_view user) const {
  static const UserRights kUnlisted;  // scrape only
  auto found = users.find(user);
  return found == users.end() ? kUnlisted : found->second;
}

bool Authorization::may_change(std::string_view user, const exposition::Labels& key) const {
  for (const auto& selector : rights_of(user).push) {
    if (selector.matches(key)) return true;
  }
  return false;
}

bool Authorization::may(std::string_view user, Permission permission) const {
  const UserRights& rights = rights_of(user);
  switch (permission) {
    case Permission::scrape: return rights.scrape;
    case Permission::admin: return rights.admin;
    case Permission::lifecycle: return rights.lifecycle;
  }
  return false;
}

boost::system::result<Authorization, AuthorizationError> parse_authorization(std::string_view yaml) {
  auto document = parse_yaml_document(yaml);
  if (!document) return document.error();
  auto sections = yaml_mapping(*document, "", "a mapping with the key users", YamlKeys::map_keys);
  if (!sections) return sections.error();
  Authorization authorization;
  for (const auto& section : *sections) {
    if (section.key != "users") return unknown_key(section, "users");
    auto users = yaml_mapping(section.value, section.path, "a mapping of user names", YamlKeys::map_keys);
    if (!users) return users.error();
    for (const auto& user : *users) {
      UserRights rights;
      if (auto read = read_user(user, rights); !read) return read.error();
      authorization.users.emplace(user.key, std::move(rights));
    }
  }
  return authorization;
}

boost::system::result<Authorization, AuthorizationError> load_authorization(const std::string& path) {
  auto text = read_config_file(path);
  if (!text) return AuthorizationError("cannot read " + path);
  auto authorization = parse_authorization(*text);
  if (!authorization) return AuthorizationError(path + ": " + authorization.error().message);
  return authorization;
}

}  // namespace flowgate::exporter

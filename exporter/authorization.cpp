#include "exporter/authorization.hpp"

#include "exporter/yaml_subset.hpp"

namespace flowgate::exporter {
namespace {

using Result = boost::system::result<void, AuthorizationError>;

AuthorizationError at(const YamlNode& node, const std::string& key, std::string_view sentence) {
  return AuthorizationError("line " + std::to_string(node.line) + ": " + key + ": " + std::string(sentence));
}

AuthorizationError unknown_key(const YamlNode& value, const std::string& key, std::string_view known) {
  return AuthorizationError("line " + std::to_string(value.key_line) + ": " + key + ": unknown key (known: " +
                            std::string(known) + ")");
}

Result read_bool(const YamlNode& node, const std::string& key, bool& out) {
  if (node.kind == YamlNode::Kind::scalar && (node.scalar == "true" || node.scalar == "false")) {
    out = node.scalar == "true";
    return {};
  }
  return at(node, key, "must be true or false");
}

Result read_push(const YamlNode& node, const std::string& key, std::vector<GroupSelector>& out) {
  if (node.kind == YamlNode::Kind::null) return {};
  if (node.kind != YamlNode::Kind::sequence) {
    return at(node, key, "must be a list of quoted selectors, e.g. ['{job=\"billing\"}']");
  }
  for (std::size_t i = 0; i < node.sequence.size(); ++i) {
    const YamlNode& item = node.sequence[i];
    const std::string item_key = key + "[" + std::to_string(i) + "]";
    if (item.kind != YamlNode::Kind::scalar) return at(item, item_key, "must be a quoted selector");
    auto selector = GroupSelector::parse(item.scalar);
    if (!selector) return at(item, item_key, "selector " + item.scalar + ": " + selector.error());
    out.push_back(std::move(*selector));
  }
  return {};
}

Result read_user(const YamlNode& node, const std::string& key, UserRights& rights) {
  if (node.kind == YamlNode::Kind::null) return {};
  if (node.kind != YamlNode::Kind::mapping) return at(node, key, "must be a mapping of push, scrape, admin, lifecycle");
  for (const auto& [name, child] : node.mapping) {
    const std::string child_key = key + "." + name;
    Result read;
    if (name == "push") {
      read = read_push(child, child_key, rights.push);
    } else if (name == "scrape") {
      read = read_bool(child, child_key, rights.scrape);
    } else if (name == "admin") {
      read = read_bool(child, child_key, rights.admin);
    } else if (name == "lifecycle") {
      read = read_bool(child, child_key, rights.lifecycle);
    } else {
      read = unknown_key(child, child_key, "push, scrape, admin, lifecycle");
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
  auto document = parse_yaml_subset(yaml);
  if (!document) {
    return AuthorizationError("line " + std::to_string(document.error().line) + ": " + document.error().message);
  }
  Authorization authorization;
  const YamlNode& root = *document;
  if (root.kind == YamlNode::Kind::null) return authorization;
  if (root.kind != YamlNode::Kind::mapping) return at(root, "(top level)", "must be a mapping with the key users");
  for (const auto& [key, child] : root.mapping) {
    if (key != "users") return unknown_key(child, key, "users");
    if (child.kind == YamlNode::Kind::null) continue;
    if (child.kind != YamlNode::Kind::mapping) return at(child, key, "must be a mapping of user names");
    for (const auto& [user, rights_node] : child.mapping) {
      UserRights rights;
      if (auto read = read_user(rights_node, "users." + user, rights); !read) return read.error();
      authorization.users.emplace(user, std::move(rights));
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

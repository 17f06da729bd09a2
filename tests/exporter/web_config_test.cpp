#include <gtest/gtest.h>

#include "exporter/basic_auth.hpp"
#include "exporter/web_config.hpp"
#include "exporter/yaml_subset.hpp"

namespace flowgate::exporter {
namespace {

// "s3cret" at bcrypt cost 4, made with Python's crypt module.
constexpr const char* kHash = "$2b$04$ABCDEFGHIJKLMNOPQRSTUu0Rb5XL0ViUtngF7o5PK8EVz9D3oW8pm";

TEST(YamlSubset, ParsesNestedMapsListsAndQuotes) {
  auto node = parse_yaml_subset(
      "---\n# comment\na:\n  b: 'it''s'\n  c: \"x\\ty\" # trailing\nlist:\n  - one\n  - \"two\"\nflow: [x, 'y']\n"
      "same_indent:\n- p\n- q\n");
  ASSERT_TRUE(node) << node.error().message;
  ASSERT_EQ(node->mapping.size(), 4u);
  EXPECT_EQ(node->mapping[0].value.mapping[0].value.scalar, "it's");
  EXPECT_EQ(node->mapping[0].value.mapping[1].value.scalar, "x\ty");
  EXPECT_EQ(node->mapping[1].value.sequence[1].scalar, "two");
  EXPECT_EQ(node->mapping[2].value.sequence[1].scalar, "y");
  EXPECT_EQ(node->mapping[3].value.sequence[0].scalar, "p");
}

TEST(YamlSubset, RefusesTabsAnchorsAndDuplicateKeysWithALine) {
  auto tabs = parse_yaml_subset("a:\n\tb: c\n");
  ASSERT_FALSE(tabs);
  EXPECT_EQ(tabs.error().line, 2);
  EXPECT_FALSE(parse_yaml_subset("a: &anchor x\n"));
  auto dup = parse_yaml_subset("a: 1\na: 2\n");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().message, "duplicate key \"a\"");
}

TEST(YamlSubset, RefusesBadIndentation) { EXPECT_FALSE(parse_yaml_subset("a:\n    b: 1\n  c: 2\n")); }

TEST(WebConfig, ReadsTheToolkitSections) {
  auto config = parse_web_config(
      "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: RequireAndVerifyClientCert\n"
      "  client_ca_file: ca.crt\n  min_version: TLS13\nhttp_server_config:\n  http2: false\n  headers:\n"
      "    X-Frame-Options: deny\nbasic_auth_users:\n  alice: \"$2y$10$abc\"\n");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_TRUE(config->tls);
  EXPECT_EQ(config->tls->client_auth_type, "RequireAndVerifyClientCert");
  EXPECT_EQ(config->tls->min_version, "TLS13");
  EXPECT_EQ(config->headers.at(0), (std::pair<std::string, std::string>{"X-Frame-Options", "deny"}));
  EXPECT_EQ(config->basic_auth_users.at("alice"), "$2y$10$abc");
  EXPECT_FALSE(config->http2);
}

TEST(WebConfig, EmptyTlsSectionLeavesTlsDisabled) {
  auto config = parse_web_config("tls_server_config:\n  min_version: TLS12\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_FALSE(config->tls);
}

TEST(WebConfig, RejectsUnknownKeysLikeUnmarshalStrict) {
  auto config = parse_web_config("basic_auth_user:\n  a: b\n");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "line 2: field basic_auth_user not found in web.Config");
}

TEST(WebConfig, RejectsCertWithoutKey) {
  auto config = parse_web_config("tls_server_config:\n  cert_file: a.crt\n");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "missing key_file");
}

TEST(WebConfig, RejectsUnknownClientAuthAndVersion) {
  EXPECT_FALSE(parse_web_config("tls_server_config:\n  client_auth_type: Sometimes\n"));
  EXPECT_FALSE(parse_web_config("tls_server_config:\n  min_version: SSL3\n"));
}

TEST(WebConfig, RejectsHeadersTheToolkitDoesNotAllow) {
  EXPECT_FALSE(parse_web_config("http_server_config:\n  headers:\n    Server: flowgate\n"));
  EXPECT_FALSE(parse_web_config("http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n"));
}

TEST(WebConfig, ShippedExampleParses) {
  auto config = load_web_config(FLOWGATE_WEB_CONFIG_EXAMPLE);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->basic_auth_users.count("prefect"), 1u);
  EXPECT_TRUE(password_matches("change-me", config->basic_auth_users.at("prefect")));
}

TEST(WebConfig, MissingFileIsAnError) { EXPECT_FALSE(load_web_config("/nonexistent/web.yml")); }

TEST(BasicAuth, AcceptsTheRightPassword) {
  BasicAuth auth;
  std::map<std::string, std::string> users{{"alice", kHash}};
  EXPECT_TRUE(auth.allows(users, "Basic YWxpY2U6czNjcmV0"));  // alice:s3cret
  EXPECT_TRUE(auth.allows(users, "Basic YWxpY2U6czNjcmV0"));  // again, from the cache
}

TEST(BasicAuth, RefusesWrongPasswordUnknownUserAndGarbage) {
  BasicAuth auth;
  std::map<std::string, std::string> users{{"alice", kHash}};
  EXPECT_FALSE(auth.allows(users, "Basic YWxpY2U6d3Jvbmc="));  // alice:wrong
  EXPECT_FALSE(auth.allows(users, "Basic Ym9iOnMzY3JldA=="));  // bob:s3cret
  EXPECT_FALSE(auth.allows(users, "Bearer abc"));
  EXPECT_FALSE(auth.allows(users, "Basic !!!"));
  EXPECT_FALSE(auth.allows(users, ""));
}

TEST(BasicAuth, NoUsersMeansNoAuthentication) {
  BasicAuth auth;
  EXPECT_TRUE(auth.allows({}, ""));
}

TEST(BasicAuth, Base64DecodesStandardAlphabet) {
  std::string out;
  ASSERT_TRUE(decode_base64("YWxpY2U6czNjcmV0", out));
  EXPECT_EQ(out, "alice:s3cret");
  EXPECT_FALSE(decode_base64("YQ=a", out));
}

}  // namespace
}  // namespace flowgate::exporter

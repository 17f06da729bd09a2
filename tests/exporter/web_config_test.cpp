#include <crypt.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <unistd.h>

#include "exporter/basic_auth.hpp"
#include "exporter/web_config_file.hpp"
#include "exporter/web_config.hpp"
#include "exporter/yaml_reader.hpp"

namespace flowgate::exporter {
namespace {

// "s3cret" at bcrypt cost 4, made with Python's crypt module.
constexpr const char* kHash = "$2b$04$ABCDEFGHIJKLMNOPQRSTUu0Rb5XL0ViUtngF7o5PK8EVz9D3oW8pm";

YAML::Node document(std::string_view text) {
  auto parsed = parse_yaml_document(text);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? *parsed : YAML::Node();
}

TEST(YamlReader, ReadsBooleansAsYamlV2Does) {
  for (const char* word : {"true", "True", "TRUE", "yes", "Yes", "y", "on", "ON"}) {
    auto value = yaml_bool(document(word), "k");
    EXPECT_TRUE(value && *value) << word;
  }
  for (const char* word : {"false", "no", "NO", "n", "off", "Off", "~"}) {
    auto value = yaml_bool(document(word), "k");
    EXPECT_TRUE(value && !*value) << word;
  }
  auto quoted = yaml_bool(document("'true'"), "a.b");
  ASSERT_FALSE(quoted);
  EXPECT_EQ(quoted.error().message, "line 1: a.b: expected true or false (unquoted), got the string \"true\"");
  EXPECT_FALSE(yaml_bool(document("tRue"), "k"));
  EXPECT_FALSE(yaml_bool(document("1"), "k"));
}

TEST(YamlReader, MergeKeysAndDuplicateKeysFollowYamlV2) {
  auto merged = yaml_mapping(document("a:\n  <<: {x: 1, y: 2}\n  x: 3\n")["a"], "a", "T", YamlKeys::struct_fields);
  ASSERT_TRUE(merged) << merged.error().message;
  ASSERT_EQ(merged->size(), 3u);
  EXPECT_EQ(merged->back().key, "x");  // applied last: the mapping's own x overrides the merged one
  EXPECT_EQ(merged->back().value.Scalar(), "3");
  auto twice = yaml_mapping(document("a: 1\nb: 2\na: 3\n"), "", "T", YamlKeys::struct_fields);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message, "line 3: a: field set twice in T");
  auto map_override = yaml_mapping(document("<<: {x: 1}\nx: 2\n"), "m", "T", YamlKeys::map_keys);
  ASSERT_FALSE(map_override);
  EXPECT_EQ(map_override.error().message, "line 2: m.x: key \"x\" already set in the map");
}

TEST(YamlReader, SyntaxErrorsAndWrongShapesNameTheLine) {
  auto tabs = parse_yaml_document("a:\n\tb: c\n");
  ASSERT_FALSE(tabs);
  EXPECT_EQ(tabs.error().message.rfind("line 2: YAML syntax: ", 0), 0u) << tabs.error().message;
  auto scalar = yaml_mapping(document("\n\nx\n"), "", "web.Config", YamlKeys::struct_fields);
  ASSERT_FALSE(scalar);
  EXPECT_EQ(scalar.error().message, "line 3: (top level): expected a mapping (web.Config), got the value \"x\"");
  auto list = yaml_string(document("[a]"), "k");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().message, "line 1: k: expected a string, got a list");
}

TEST(WebConfig, ReadsTheToolkitSections) {
  auto config = parse_web_config(
      "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: RequireAndVerifyClientCert\n"
      "  client_ca_file: ca.crt\n  min_version: TLS13\nhttp_server_config:\n  http2: false\n  headers:\n"
      "    X-Frame-Options: deny\nbasic_auth_users:\n  alice: \"" + std::string(kHash) + "\"\n");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_TRUE(config->tls);
  EXPECT_EQ(config->tls->client_auth_type, "RequireAndVerifyClientCert");
  EXPECT_EQ(config->tls->min_version, "TLS13");
  EXPECT_EQ(config->headers.at(0), (std::pair<std::string, std::string>{"X-Frame-Options", "deny"}));
  EXPECT_EQ(config->basic_auth_users.at("alice"), kHash);
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
  EXPECT_EQ(config.error().message, "line 1: basic_auth_user: field basic_auth_user not found in web.Config");
}

TEST(WebConfig, RejectsCertWithoutKey) {
  auto config = parse_web_config("tls_server_config:\n  cert_file: a.crt\n");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "line 1: tls_server_config: missing key_file");
}

TEST(WebConfig, AnyTlsFieldTurnsTlsOnAndThenNeedsBothFiles) {
  auto policy_only = parse_web_config("tls_server_config:\n  client_auth_type: NoClientCert\n");
  ASSERT_FALSE(policy_only);
  EXPECT_EQ(policy_only.error().message, "line 1: tls_server_config: missing cert_file");
  auto old_name = parse_web_config(
      "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: RequireClientCert\n");
  ASSERT_TRUE(old_name) << old_name.error().message;
  EXPECT_EQ(old_name->tls->client_auth_type, "RequireAnyClientCert");
}

TEST(WebConfig, AcceptsWhatPromtoolAcceptsAndTheSubsetParserRefused) {
  auto config =
      parse_web_config("basic_auth_users: {}\nhttp_server_config: {http2: yes, headers: {X-Frame-Options: deny}}\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->basic_auth_users.empty());
  EXPECT_TRUE(config->http2);
  EXPECT_EQ(config->headers.at(0), (std::pair<std::string, std::string>{"X-Frame-Options", "deny"}));
}

TEST(WebConfig, RefusesHashesGoBcryptRefusesNamingUserAndLine) {
  auto short_hash = parse_web_config("basic_auth_users:\n  alice: $2y$10$abc\n");
  ASSERT_FALSE(short_hash);
  EXPECT_EQ(short_hash.error().message,
            "line 2: basic_auth_users.alice: too short to be a bcrypt hash (59 characters or more)");
  auto cost =
      parse_web_config("basic_auth_users:\n  alice: $2y$03$ABCDEFGHIJKLMNOPQRSTUu0Rb5XL0ViUtngF7o5PK8EVz9D3oW8pm\n");
  ASSERT_FALSE(cost);
  EXPECT_EQ(cost.error().message, "line 2: basic_auth_users.alice: bcrypt cost 3 is outside the allowed range (4,31)");
}

TEST(WebConfig, CipherSuitesAndCurvesAreGoNames) {
  auto config = parse_web_config(
      "tls_server_config:\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n"
      "  curve_preferences: [X25519, CurveP256]\n");
  ASSERT_TRUE(config) << config.error().message;
  auto insecure = parse_web_config("tls_server_config:\n  cipher_suites:\n    - TLS_RSA_WITH_RC4_128_SHA\n");
  ASSERT_FALSE(insecure);
  EXPECT_EQ(insecure.error().message,
            "line 3: tls_server_config.cipher_suites[0]: unknown cipher suite \"TLS_RSA_WITH_RC4_128_SHA\"");
  EXPECT_FALSE(parse_web_config("tls_server_config:\n  curve_preferences: [P-256]\n"));
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

std::string basic(std::string_view user_and_password) {
  // Standard base64 with padding, as every client sends it.
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "Basic ";
  std::size_t i = 0;
  for (; i + 3 <= user_and_password.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(user_and_password[i]) << 16 |
                 static_cast<unsigned char>(user_and_password[i + 1]) << 8 |
                 static_cast<unsigned char>(user_and_password[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  std::size_t rest = user_and_password.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(user_and_password[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(user_and_password[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

struct Judged {
  AuthVerdict verdict;
  bool at_once = false;  // decided on the caller's thread, without the verifier
};

Judged judge(BasicAuth& auth, PasswordVerifier& verifier, const std::map<std::string, std::string>& users,
             std::string_view header) {
  std::promise<std::pair<AuthVerdict, std::thread::id>> decided;
  auth.check(users, header, verifier, [&decided](AuthVerdict verdict) {
    decided.set_value({std::move(verdict), std::this_thread::get_id()});
  });
  auto [verdict, thread] = decided.get_future().get();
  return {std::move(verdict), thread == std::this_thread::get_id()};
}

// Holds the verifier's only thread until release(), so a test can see whether
// check() answered without it.
class BlockedVerifier {
 public:
  BlockedVerifier() {
    std::promise<void> started;
    verifier.submit([&started, released = release_.get_future().share()] {
      started.set_value();
      released.wait();
    });
    started.get_future().wait();
  }
  ~BlockedVerifier() { release(); }
  void release() {
    if (!released_) release_.set_value();
    released_ = true;
  }
  PasswordVerifier verifier{1, 1};

 private:
  std::promise<void> release_;
  bool released_ = false;
};

const std::map<std::string, std::string> kAlice{{"alice", kHash}};

TEST(BasicAuth, AcceptsTheRightPasswordOffTheCallersThreadThenFromTheCache) {
  BasicAuth auth;
  PasswordVerifier verifier(1, 8);
  auto first = judge(auth, verifier, kAlice, basic("alice:s3cret"));
  EXPECT_EQ(first.verdict.outcome, AuthOutcome::allowed);
  EXPECT_EQ(first.verdict.user, "alice");
  EXPECT_FALSE(first.at_once);
  auto again = judge(auth, verifier, kAlice, basic("alice:s3cret"));
  EXPECT_EQ(again.verdict.outcome, AuthOutcome::allowed);
  EXPECT_TRUE(again.at_once);
  auth.forget();  // a reload drops the cache
  EXPECT_FALSE(judge(auth, verifier, kAlice, basic("alice:s3cret")).at_once);
}

TEST(BasicAuth, RefusesWrongPasswordUnknownUserAndGarbage) {
  BasicAuth auth;
  PasswordVerifier verifier(1, 8);
  for (std::string header : {basic("alice:wrong"), basic("bob:s3cret"), std::string("Bearer abc"),
                             std::string("Basic !!!"), std::string("")}) {
    EXPECT_EQ(judge(auth, verifier, kAlice, header).verdict.outcome, AuthOutcome::denied) << header;
  }
  // Failures are not cached: the same wrong password is checked again.
  EXPECT_FALSE(judge(auth, verifier, kAlice, basic("alice:wrong")).at_once);
}

TEST(BasicAuth, PasswordFollowedByNulDoesNotAuthenticate) {
  BasicAuth auth;
  PasswordVerifier verifier(1, 8);
  using namespace std::string_view_literals;
  EXPECT_EQ(judge(auth, verifier, kAlice, basic("alice:s3cret\0"sv)).verdict.outcome, AuthOutcome::denied);
  EXPECT_EQ(judge(auth, verifier, kAlice, basic("alice:s3cret\0junk"sv)).verdict.outcome, AuthOutcome::denied);
}

TEST(BasicAuth, UnpaddedBase64DoesNotAuthenticate) {
  BasicAuth auth;
  PasswordVerifier verifier(1, 8);
  std::string padded = basic("alice:s3cret1");  // 13 bytes: ends in "=="
  ASSERT_TRUE(padded.ends_with("=="));
  std::map<std::string, std::string> users{{"alice", "$2b$04$ABCDEFGHIJKLMNOPQRSTUu0Rb5XL0ViUtngF7o5PK8EVz9D3oW8pm"}};
  EXPECT_EQ(judge(auth, verifier, kAlice, padded.substr(0, padded.size() - 2)).verdict.outcome, AuthOutcome::denied);
  EXPECT_EQ(judge(auth, verifier, kAlice, padded.substr(0, padded.size() - 1)).verdict.outcome, AuthOutcome::denied);
}

TEST(BasicAuth, FullQueueAnswersBusyAtOnce) {
  BasicAuth auth;
  BlockedVerifier blocked;
  ASSERT_TRUE(blocked.verifier.submit([] {}));  // the one waiting slot is taken
  auto judged = judge(auth, blocked.verifier, kAlice, basic("alice:wrong"));
  EXPECT_EQ(judged.verdict.outcome, AuthOutcome::busy);
  EXPECT_TRUE(judged.at_once);
}

TEST(BasicAuth, NoBcryptRunsOnTheCallersThread) {
  BasicAuth auth;
  BlockedVerifier blocked;
  std::promise<AuthVerdict> decided;
  auth.check(kAlice, basic("alice:s3cret"), blocked.verifier,
             [&decided](AuthVerdict verdict) { decided.set_value(std::move(verdict)); });
  auto future = decided.get_future();
  EXPECT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::timeout);  // waits for the pool
  blocked.release();
  EXPECT_EQ(future.get().outcome, AuthOutcome::allowed);
}

TEST(BasicAuthHeader, SchemeIsCaseInsensitiveFollowedByExactlyOneSpace) {
  auto credentials = parse_basic_authorization("bAsIc YWxpY2U6czNjcmV0");
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->user, "alice");
  EXPECT_EQ(credentials->password, "s3cret");
  EXPECT_FALSE(parse_basic_authorization("Basic  YWxpY2U6czNjcmV0"));
  EXPECT_FALSE(parse_basic_authorization("Basic\tYWxpY2U6czNjcmV0"));
  EXPECT_FALSE(parse_basic_authorization("BasicYWxpY2U6czNjcmV0"));
  EXPECT_FALSE(parse_basic_authorization("Basics YWxpY2U6czNjcmV0"));
  EXPECT_FALSE(parse_basic_authorization("Basic"));
  EXPECT_FALSE(parse_basic_authorization("Basic "));
}

TEST(BasicAuthHeader, NothingMayFollowTheCredentials) {
  EXPECT_FALSE(parse_basic_authorization("Basic YWxpY2U6czNjcmV0 "));
  EXPECT_FALSE(parse_basic_authorization("Basic YWxpY2U6czNjcmV0,x"));
  EXPECT_FALSE(parse_basic_authorization("Basic YWxpY2U6czNjcmV0YWxp Y2U6"));
}

TEST(BasicAuthHeader, PasswordMayBeEmptyOrHoldColonsButUserNeedsAColon) {
  auto empty = parse_basic_authorization(basic("alice:"));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->password, "");
  auto colons = parse_basic_authorization(basic("alice:a:b"));
  ASSERT_TRUE(colons);
  EXPECT_EQ(colons->user, "alice");
  EXPECT_EQ(colons->password, "a:b");
  EXPECT_FALSE(parse_basic_authorization(basic("alice")));
}

TEST(BcryptCost, ReadsTheCostOfBcryptHashesOnly) {
  EXPECT_EQ(bcrypt_cost(kHash), 4);
  EXPECT_EQ(bcrypt_cost("$2y$12$ABCDEFGHIJKLMNOPQRSTUu0Rb5XL0ViUtngF7o5PK8EVz9D3oW8pm"), 12);
  EXPECT_EQ(bcrypt_cost("$6$salt$abcdef"), std::nullopt);
  EXPECT_EQ(bcrypt_cost("$2b$04$short"), std::nullopt);
  EXPECT_EQ(bcrypt_cost("$2b$99$ABCDEFGHIJKLMNOPQRSTUu0Rb5XL0ViUtngF7o5PK8EVz9D3oW8pm"), std::nullopt);
}

// 2^cost summed over the hashes a check computes.
double bcrypt_rounds(const PasswordWork& work) {
  double rounds = 0;
  for (const auto& hash : work.hashes) rounds += std::ldexp(1.0, bcrypt_cost(hash).value_or(0));
  return rounds;
}

TEST(PasswordWork, UnknownUsersAndEveryKnownUserCostTheRoundsOfTheCostliestHash) {
  std::map<std::string, std::string> users{
      {"cheap", "$2b$04$ABCDEFGHIJKLMNOPQRSTUu0Rb5XL0ViUtngF7o5PK8EVz9D3oW8pm"},
      {"middle", "$2b$07$ABCDEFGHIJKLMNOPQRSTUu0Rb5XL0ViUtngF7o5PK8EVz9D3oW8pm"},
      {"dear", "$2y$12$ABCDEFGHIJKLMNOPQRSTUu0Rb5XL0ViUtngF7o5PK8EVz9D3oW8pm"}};
  for (const std::string user : {"cheap", "middle", "dear", "nobody"}) {
    auto work = password_work(users, user);
    EXPECT_EQ(bcrypt_rounds(work), std::ldexp(1.0, 12)) << user;
    EXPECT_EQ(work.known_user, user != "nobody");
    for (const auto& hash : work.hashes) EXPECT_TRUE(bcrypt_cost(hash)) << user << " " << hash;
  }
  EXPECT_EQ(password_work(users, "cheap").hashes.front(), users.at("cheap"));  // its own verdict comes first
}

TEST(PasswordWork, DummyHashesAreHashesLibxcryptComputes) {
  // A dummy libxcrypt refused would fail at once and give the timing away.
  std::map<std::string, std::string> users{{"alice", kHash}};
  for (const auto& hash : password_work(users, "nobody").hashes) {
    EXPECT_FALSE(password_matches("s3cret", hash));
    EXPECT_TRUE(password_matches("s3cret", kHash));
    std::string computed = crypt("anything", hash.c_str());
    EXPECT_EQ(computed.substr(0, 29), hash.substr(0, 29)) << computed;
  }
}

TEST(WebConfigFile, ReloadThatRemovesAuthenticationIsReportedOrRefused) {
  auto path = std::filesystem::temp_directory_path() / ("flowgate-reload-" + std::to_string(::getpid()) + ".yml");
  for (bool refuse : {false, true}) {
    {
      std::ofstream out(path);
      out << "basic_auth_users:\n  alice: " << kHash << "\n";
    }
    auto file = WebConfigFile::open(path.string(), refuse);
    ASSERT_TRUE(file) << file.error().message;
    {
      std::ofstream out(path);
      out << "http_server_config:\n  http2: false\n";
    }
    auto reloaded = (*file)->reload();
    if (refuse) {
      ASSERT_FALSE(reloaded);
      EXPECT_NE(reloaded.error().message.find("refusing to turn authentication off"), std::string::npos);
      EXPECT_EQ((*file)->current()->basic_auth_users.size(), 1u);
    } else {
      ASSERT_TRUE(reloaded) << reloaded.error().message;
      EXPECT_TRUE(reloaded->authentication_removed);
      EXPECT_TRUE((*file)->current()->basic_auth_users.empty());
    }
  }
  std::filesystem::remove(path);
}

TEST(WebConfigFile, ReloadKeepingUsersIsNoRemoval) {
  auto path = std::filesystem::temp_directory_path() / ("flowgate-keep-" + std::to_string(::getpid()) + ".yml");
  {
    std::ofstream out(path);
    out << "basic_auth_users:\n  alice: " << kHash << "\n";
  }
  auto file = WebConfigFile::open(path.string(), true);
  ASSERT_TRUE(file);
  auto reloaded = (*file)->reload();
  ASSERT_TRUE(reloaded);
  EXPECT_FALSE(reloaded->authentication_removed);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace flowgate::exporter

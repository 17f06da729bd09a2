#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "exporter/config/remote_write_config.hpp"

namespace flowgate::exporter {
namespace {

using remote_write::Protocol;
using remote_write::RelabelAction;

std::string refusal(std::string_view yaml) {
  auto config = parse_remote_write_config(yaml);
  EXPECT_FALSE(config) << yaml;
  return config ? std::string() : config.error().message;
}

TEST(RemoteWriteConfig, ReadsEveryKeyFlowgateActsOn) {
  auto config = parse_remote_write_config(R"(global:
  external_labels:
    cluster: eu-1
    replica: a
remote_write:
  - url: https://thanos.example:19291/api/v1/receive
    name: thanos
    remote_timeout: 10s
    headers:
      THANOS-TENANT: marketing
    authorization:
      credentials: t0ken
    tls_config:
      ca_file: ca.crt
      server_name: receive.example
      insecure_skip_verify: false
    queue_config:
      capacity: 500
      max_samples_per_send: 100
      min_backoff: 50ms
      max_backoff: 10s
      sample_age_limit: 1h
    write_relabel_configs:
      - source_labels: [__name__]
        regex: go_.*
        action: drop
    protobuf_message: io.prometheus.write.v2.Request
  - url: http://127.0.0.1:9090/api/v1/write
    basic_auth: {username: u, password_file: pw}
)");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->external_labels.size(), 2U);
  EXPECT_EQ(config->external_labels[0].name, "cluster");
  EXPECT_EQ(config->external_labels[1].value, "a");
  ASSERT_EQ(config->destinations.size(), 2U);
  const auto& thanos = config->destinations[0];
  EXPECT_EQ(thanos.name, "thanos");
  EXPECT_EQ(thanos.remote_timeout, std::chrono::seconds(10));
  ASSERT_EQ(thanos.headers.size(), 1U);
  EXPECT_EQ(thanos.headers[0].first, "THANOS-TENANT");
  ASSERT_TRUE(thanos.authorization);
  EXPECT_EQ(thanos.authorization->type, "Bearer");
  EXPECT_EQ(thanos.authorization->credentials, "t0ken");
  EXPECT_EQ(thanos.tls.server_name, "receive.example");
  EXPECT_EQ(thanos.queue.capacity, 500U);
  EXPECT_EQ(thanos.queue.min_backoff, std::chrono::milliseconds(50));
  EXPECT_EQ(thanos.queue.sample_age_limit, std::chrono::hours(1));
  ASSERT_EQ(thanos.write_relabel.size(), 1U);
  EXPECT_EQ(thanos.write_relabel[0].action, RelabelAction::drop);
  EXPECT_EQ(thanos.write_relabel[0].line, 24);
  EXPECT_EQ(thanos.protocol, Protocol::v2);
  const auto& local = config->destinations[1];
  EXPECT_EQ(local.protocol, Protocol::v1);
  EXPECT_EQ(local.remote_timeout, std::chrono::seconds(30));
  ASSERT_TRUE(local.basic_auth);
  EXPECT_EQ(local.basic_auth->password_file, "pw");
}

TEST(RemoteWriteConfig, AnEmptyFileHasNoDestinations) {
  auto config = parse_remote_write_config("");
  ASSERT_TRUE(config);
  EXPECT_TRUE(config->destinations.empty());
}

TEST(RemoteWriteConfig, RefusalsNameTheLineAndTheKey) {
  EXPECT_EQ(refusal("remote_write:\n  - url: http://a/\n    queue_config:\n      capcity: 5\n"),
            "line 4: remote_write[0].queue_config.capcity: field capcity not found in config.QueueConfig");
  EXPECT_EQ(refusal("remote_write:\n  - name: x\n"), "line 2: remote_write[0]: url for remote_write is empty");
  EXPECT_EQ(refusal("remote_write:\n  - url: ftp://a/\n"),
            "line 2: remote_write[0]: url \"ftp://a/\" is not an http:// or https:// URL with a host");
  EXPECT_EQ(refusal("remote_write:\n  - url: http://a/\n    remote_timeout: soon\n"),
            "line 3: remote_write[0].remote_timeout: not a valid duration string: \"soon\"");
  EXPECT_EQ(refusal("remote_write:\n  - url: http://a/\n    headers:\n      content-type: x\n"),
            "line 4: remote_write[0].headers.content-type: content-type is a reserved header. It must not be changed");
  EXPECT_EQ(refusal("scrape_configs: []\n"),
            "line 1: scrape_configs: flowgate reads only global.external_labels and remote_write from this file");
  EXPECT_EQ(refusal("remote_write:\n  - url: http://a/\n    oauth2: {}\n"),
            "line 3: remote_write[0].oauth2: not supported by flowgate's remote write (see docs/scale-out.md for what "
            "is)");
  EXPECT_EQ(refusal("remote_write:\n  - url: http://a/\n    protobuf_message: v3\n"),
            "line 3: remote_write[0].protobuf_message: unknown remote write protobuf message v3, supported: "
            "prometheus.WriteRequest, io.prometheus.write.v2.Request");
}

TEST(RemoteWriteConfig, RefusesWhatPrometheusRefuses) {
  EXPECT_EQ(refusal("remote_write:\n  - url: http://a/\n    basic_auth: {username: u}\n    authorization: {}\n"),
            "line 2: remote_write[0]: at most one of basic_auth, oauth2 & authorization must be configured");
  EXPECT_EQ(refusal("remote_write:\n  - url: http://a/\n    basic_auth: {password: p, password_file: f}\n"),
            "line 3: remote_write[0].basic_auth: at most one of basic_auth password & password_file must be "
            "configured");
  EXPECT_EQ(refusal("remote_write:\n  - url: http://a/\n    authorization: {type: Basic}\n"),
            "line 3: remote_write[0].authorization: authorization type cannot be set to \"basic\", use "
            "\"basic_auth\" instead");
  EXPECT_EQ(refusal("remote_write:\n  - {url: 'http://a/', name: x}\n  - {url: 'http://b/', name: x}\n"),
            "line 1: remote_write: found multiple remote write configs with job name \"x\"");
  EXPECT_EQ(refusal("global:\n  external_labels:\n    0bad: x\n"),
            "line 3: global.external_labels.0bad: \"0bad\" is not a valid label name");
  EXPECT_EQ(refusal("remote_write:\n  - url: http://a/\n    tls_config: {cert_file: c}\n"),
            "line 3: remote_write[0].tls_config: exactly one of key or key_file must be configured when a client "
            "certificate is configured");
}

TEST(RemoteWriteConfig, ChecksRelabelRulesAsPrometheusDoes) {
  const std::string head = "remote_write:\n  - url: http://a/\n    write_relabel_configs:\n";
  EXPECT_EQ(refusal(head + "      - action: replace\n        source_labels: [job]\n"),
            "line 4: remote_write[0].write_relabel_configs[0]: relabel configuration for replace action requires "
            "'target_label' value");
  EXPECT_EQ(refusal(head + "      - action: labeldrop\n        regex: x\n        target_label: y\n"),
            "line 4: remote_write[0].write_relabel_configs[0]: labeldrop action requires only 'regex', and no other "
            "fields");
  EXPECT_EQ(refusal(head + "      - action: keep\n        regex: '('\n").substr(0, 63),
            "line 5: remote_write[0].write_relabel_configs[0].regex: invalid");
  EXPECT_EQ(refusal(head + "      - action: Explode\n"),
            "line 4: remote_write[0].write_relabel_configs[0].action: unknown relabel action \"Explode\"");
  EXPECT_EQ(refusal(head + "      - source_labels: ['a-b']\n        action: keep\n"),
            "line 4: remote_write[0].write_relabel_configs[0].source_labels: \"a-b\" is not a valid label name");
  auto upper = parse_remote_write_config(head + "      - action: KEEP\n        source_labels: [job]\n");
  ASSERT_TRUE(upper) << upper.error().message;
  EXPECT_EQ(upper->destinations[0].write_relabel[0].action, RelabelAction::keep);
}

TEST(RemoteWriteConfig, LoadingResolvesFilesNextToTheConfigAndNeedsThem) {
  const auto folder = std::filesystem::temp_directory_path() / ("rwcfg-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "rw.yml") << "remote_write:\n  - url: https://a/\n    name: a\n    tls_config:\n"
                                      "      ca_file: ca.crt\n";
  auto missing = load_remote_write_config((folder / "rw.yml").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, (folder / "rw.yml").string() + ": line 2: remote_write a: tls_config.ca_file: "
                                         "cannot read " + (folder / "ca.crt").string());
  std::ofstream(folder / "ca.crt") << "x";
  auto loaded = load_remote_write_config((folder / "rw.yml").string());
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->destinations[0].tls.ca_file, (folder / "ca.crt").string());
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace flowgate::exporter

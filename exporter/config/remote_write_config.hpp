#pragma once
// --remote-write.config-file: the `global.external_labels` and
// `remote_write:` sections of a Prometheus configuration file, read as
// Prometheus reads them (yaml.v2 strict through exporter/yaml_reader.hpp,
// then its checks: url given, reserved headers, one of basic_auth and
// authorization, one of a secret and its file, relabel rules' fields per
// action, unique names), so a file `promtool check config` accepts is
// accepted here unless it asks for something flowgate does not do (OAuth2,
// SigV4, proxies, inline certificates, other top-level sections), which is
// refused naming the key. tests/exporter/config_differential.py (remote_write_configs/)
// holds both to that. Every refusal names the line and the dotted key.
// Values only; loading reads the file and checks that the files it names
// exist, nothing here keeps state.

#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "exposition/message_error.hpp"
#include "remote_write/destination.hpp"

namespace flowgate::exporter {

using RemoteWriteConfigError = exposition::MessageError;

boost::system::result<remote_write::RemoteWriteConfig, RemoteWriteConfigError> parse_remote_write_config(
    std::string_view yaml);

// Reads and parses `path`; relative file names (password_file, ca_file, ...)
// are taken relative to the file's folder, as Prometheus does, and each must
// be readable.
boost::system::result<remote_write::RemoteWriteConfig, RemoteWriteConfigError> load_remote_write_config(
    const std::string& path);

}  // namespace flowgate::exporter

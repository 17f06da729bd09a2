#pragma once
// `write_relabel_configs` entries read and checked as Prometheus' relabel
// package reads them (action names in any case, the fields each action
// takes, target labels, source label names, regexes that compile anchored).
// Part of remote_write_config.cpp's reading; the rules are applied by
// remote_write/relabel.hpp.

#include <vector>

#include <boost/system/result.hpp>

#include "exporter/yaml_reader.hpp"
#include "remote_write/destination.hpp"

namespace flowgate::exporter {

boost::system::result<void, exposition::MessageError> read_relabel_rules(const YamlField& section,
                                                                         std::vector<remote_write::RelabelRule>& out);

}  // namespace flowgate::exporter

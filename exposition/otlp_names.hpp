#pragma once
// OpenTelemetry names as Prometheus names, by the OpenTelemetry → Prometheus
// compatibility specification and as Prometheus 3's OTLP receiver does it by
// default ("UnderscoreEscapingWithSuffixes"): characters outside the legacy
// grammar become '_', runs of '_' collapse, the unit becomes a suffix
// ("ms" → "_milliseconds", "By/s" → "_bytes_per_second"; annotations in
// braces are dropped), counters end in "_total" and gauges of unit "1" in
// "_ratio". With `utf8` the names pass through as sent (suffixes still apply).

#include <optional>
#include <string>
#include <string_view>

namespace flowgate::exposition::otlp {

enum class NameKind : std::uint8_t { gauge, counter, other };

struct NamingOptions {
  bool utf8 = false;          // keep names as sent (needs UTF-8 names downstream)
  bool add_suffixes = true;   // unit, "_total" and "_ratio" suffixes
};

// nullopt when nothing of the name is left (e.g. "...").
std::optional<std::string> metric_name(std::string_view name, std::string_view unit, NameKind kind,
                                       const NamingOptions& options);

// Attribute key → label name: invalid characters become '_', runs collapse,
// a leading digit gets "key_" in front; nullopt for an empty key or one of
// only underscores.
std::optional<std::string> label_name(std::string_view key, const NamingOptions& options);

}  // namespace flowgate::exposition::otlp

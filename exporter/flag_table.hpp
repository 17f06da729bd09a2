#pragma once
// The command line as data: every flag declared once, with its heading, its
// default as --help spells it, its help sentence, how its value is parsed and
// what a valid value looks like. parse_flags (flags.cpp) applies it;
// flag_help.cpp renders --help, --help-man and the shell completions from it.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/flags.hpp"

namespace flowgate::exporter {

// What a flag's value looks like; --help shows it as VALUE, DURATION, BYTES or N.
enum class Kind { text, boolean, duration, bytes, count };

// Where one flag's value goes in Flags and how it comes back out as text for
// Flags::values (/api/v1/status).
struct Binding {
  Kind kind;
  // Parses and stores a value; false means "invalid value".
  std::function<bool(Flags&, std::string_view)> apply;
  // The final value as the Pushgateway's status page shows it; null: the flag
  // is not listed in Flags::values (--help, --version).
  std::function<std::string(const Flags&)> show;
  // What a valid value is, for the error that refuses another: "expected ...".
  std::string_view expected = {};
};

// One flag, declared once: --help is generated from these and parse_flags
// applies them. The value's default is Flags' member initializer; default_text
// is how --help spells it (tests/exporter/flags_test.cpp checks they agree).
struct FlagSpec {
  std::string_view name;
  std::string_view default_text;
  std::string_view help;
  Binding binding;
  bool repeatable = false;
};

// The flags under one --help heading.
struct FlagGroup {
  std::string_view title;
  std::vector<FlagSpec> flags;
};

// Every heading in --help order.
const std::vector<FlagGroup>& flag_groups();

}  // namespace flowgate::exporter

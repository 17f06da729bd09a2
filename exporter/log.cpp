#include "exporter/log.hpp"

#include <chrono>
#include <cstdio>

#include "exporter/quoted_string.hpp"
#include "exposition/rfc3339.hpp"

namespace flowgate::exporter {
namespace {

bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || c == '=' || c == '"' || u == 0x7f) return true;
  }
  return false;
}

void append_logfmt_pair(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += key;
  out += '=';
  if (needs_quotes(value)) {
    append_quoted(out, value, QuoteStyle::logfmt);
  } else {
    out += value;
  }
}

void append_json_pair(std::string& out, std::string_view key, std::string_view value) {
  out += out.size() == 1 ? "" : ",";
  append_quoted(out, key, QuoteStyle::json);
  out += ':';
  append_quoted(out, value, QuoteStyle::json);
}

std::string now_rfc3339_millis() {
  return exposition::format_rfc3339(std::chrono::system_clock::now(), exposition::SecondFraction::millis);
}

}  // namespace

Logger::Logger(LogLevel level, LogFormat format, std::FILE* out) : level_(level), format_(format), out_(out) {}

std::string Logger::format_line(std::string_view ts, LogLevel level, std::string_view caller, std::string_view msg,
                                std::initializer_list<LogField> fields) const {
  std::string line;
  if (format_ == LogFormat::json) {
    line += '{';  // not `line = "{"`: g++ 12 -O2 reports a bogus overflow in assign (-Wstringop-overflow)
    append_json_pair(line, "ts", ts);
    append_json_pair(line, "caller", caller);
    append_json_pair(line, "level", level_name(level));
    append_json_pair(line, "msg", msg);
    for (const auto& field : fields) append_json_pair(line, field.key, field.value);
    line += '}';
  } else {
    if (!ts.empty()) append_logfmt_pair(line, "ts", ts);
    append_logfmt_pair(line, "caller", caller);
    append_logfmt_pair(line, "level", level_name(level));
    append_logfmt_pair(line, "msg", msg);
    for (const auto& field : fields) append_logfmt_pair(line, field.key, field.value);
  }
  return line;
}

void Logger::log(LogLevel level, std::string_view caller, std::string_view msg,
                 std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  std::string line = format_line(now_rfc3339_millis(), level, caller, msg, fields);
  line += '\n';
  std::lock_guard lock(write_mutex_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

bool parse_log_level(std::string_view text, LogLevel& out) {
  for (auto level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    if (text == level_name(level)) {
      out = level;
      return true;
    }
  }
  return false;
}

bool parse_log_format(std::string_view text, LogFormat& out) {
  if (text == "logfmt") {
    out = LogFormat::logfmt;
  } else if (text == "json") {
    out = LogFormat::json;
  } else {
    return false;
  }
  return true;
}

std::string caller_of(std::string_view file, int line) {
  auto slash = file.find_last_of('/');
  if (slash != std::string_view::npos) file.remove_prefix(slash + 1);
  std::string out(file);
  out += ':';
  out += std::to_string(line);
  return out;
}

}  // namespace flowgate::exporter

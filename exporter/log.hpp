#pragma once
// The one logger of the binary: logfmt lines like the Prometheus tools
// (`ts=... caller=file.cpp:42 level=info msg="Listening on" address=[::]:9091`)
// or one JSON object per line, filtered by level, written to one stream with a
// single write per line. Thread-safe. Libraries below exporter never log.

#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>

namespace flowgate::exporter {

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { logfmt, json };

struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  template <typename Number>
    requires std::is_arithmetic_v<Number>
  LogField(std::string_view k, Number v) : key(k), value(std::to_string(v)) {}
  std::string_view key;
  std::string value;
};

class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::info, LogFormat format = LogFormat::logfmt, std::FILE* out = stderr);

  bool enabled(LogLevel level) const { return level >= level_; }
  // `caller` is "file.cpp:42" (see FLOWGATE_CALLER).
  void log(LogLevel level, std::string_view caller, std::string_view msg,
           std::initializer_list<LogField> fields = {});

  // One line without the timestamp, for tests.
  std::string format_line(std::string_view ts, LogLevel level, std::string_view caller, std::string_view msg,
                          std::initializer_list<LogField> fields) const;

 private:
  LogLevel level_;
  LogFormat format_;
  std::FILE* out_;
  std::mutex write_mutex_;  // guards writes to out_
};

std::string_view level_name(LogLevel level);
bool parse_log_level(std::string_view text, LogLevel& out);
bool parse_log_format(std::string_view text, LogFormat& out);

// "file.cpp:42" from __FILE__ and __LINE__.
std::string caller_of(std::string_view file, int line);

}  // namespace flowgate::exporter

// The call site, as the Prometheus tools' `caller=` key shows it.
#define FLOWGATE_CALLER ::flowgate::exporter::caller_of(__FILE__, __LINE__)

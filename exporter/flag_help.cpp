#include "exporter/flag_help.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <span>
#include <vector>

#include "exporter/flag_table.hpp"

namespace flowgate::exporter {
namespace {

constexpr std::string_view kSummary = "A Pushgateway-compatible metrics cache and exporter for Prefect workflows.";
constexpr std::size_t kHelpIndent = 6;

std::string_view value_kind(Kind kind) {
  switch (kind) {
    case Kind::boolean: return "";
    case Kind::duration: return "DURATION";
    case Kind::bytes: return "BYTES";
    case Kind::count: return "N";
    case Kind::text: return "VALUE";
  }
  return "VALUE";
}

bool is_boolean(const FlagSpec& spec) { return spec.binding.kind == Kind::boolean; }
// --help, --version and the like: booleans without a default, never negated.
bool is_informational(const FlagSpec& spec) { return is_boolean(spec) && spec.default_text.empty(); }

// `text` word-wrapped: every line starts with `indent` spaces and, where
// words allow, ends by `width`; a word longer than a line gets one alone.
std::string wrapped(std::string_view text, std::size_t indent, std::size_t width) {
  const std::size_t room = width > indent + 20 ? width - indent : 20;
  std::string out;
  std::size_t line_length = 0;
  while (!text.empty()) {
    const auto start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const auto word = text.substr(0, text.find(' '));
    text.remove_prefix(word.size());
    if (line_length > 0 && line_length + 1 + word.size() > room) {
      out += '\n';
      line_length = 0;
    }
    if (line_length == 0) {
      out.append(indent, ' ');
    } else {
      out += ' ';
      ++line_length;
    }
    out += word;
    line_length += word.size();
  }
  return out + '\n';
}

// The default as the value it is: placeholders (a variable, a path made of
// another flag's) are replaced by what this start would use.
std::string shown_default(const FlagSpec& spec, const HelpOptions& options) {
  if (spec.name == "prefect.api-url") {
    if (options.prefect_api_url_env.empty()) return "\"\" ($PREFECT_API_URL when set)";
    return std::string(options.prefect_api_url_env) + " (from $PREFECT_API_URL)";
  }
  if (spec.name == "prefect.state-file") return "data/prefect-state.json (beside --persistence.file)";
  if (spec.default_text.empty()) return "\"\"";
  return std::string(spec.default_text);
}

// "--[no-]name", "--name=KIND" or "--name".
std::string spelled(const FlagSpec& spec) {
  std::string out = "--";
  if (is_boolean(spec) && !is_informational(spec)) out += "[no-]";
  out += spec.name;
  if (!is_boolean(spec)) {
    out += '=';
    out += value_kind(spec.binding.kind);
  }
  return out;
}

std::string help_sentence(const FlagSpec& spec) {
  std::string help(spec.help);
  if (spec.repeatable) help += " Repeatable.";
  return help;
}

// One word in roff: backslashes and dashes escaped; a long one (a default
// regular expression) may break after '|' or '/' instead of overrunning.
std::string roff_word(std::string_view word) {
  const bool long_word = word.size() > 40;
  std::string out;
  for (char c : word) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    if (long_word && (c == '|' || c == '/')) out += "\\:";
  }
  return out;
}

// roff text; a leading dot or quote would be a request.
std::string roff(std::string_view text) {
  std::string out;
  while (true) {
    const auto space = text.find(' ');
    out += roff_word(text.substr(0, space));
    if (space == std::string_view::npos) break;
    out += ' ';
    text.remove_prefix(space + 1);
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

// Every flag name as typed on the command line, --no- forms included.
std::vector<std::string> every_spelling() {
  std::vector<std::string> names;
  for (const auto& group : flag_groups()) {
    for (const auto& spec : group.flags) {
      names.push_back("--" + std::string(spec.name));
      if (is_boolean(spec) && !is_informational(spec)) names.push_back("--no-" + std::string(spec.name));
    }
  }
  return names;
}

}  // namespace

std::size_t terminal_width() {
  winsize size{};
  if (::isatty(STDOUT_FILENO) == 1 && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 40) {
    return size.ws_col;
  }
  return 80;
}

std::string help_text(const HelpOptions& options) {
  std::string out = "usage: flowgate [<flags>]\n\n" + wrapped(kSummary, 0, options.width);
  for (const auto& group : flag_groups()) {
    out += "\n";
    out += group.title;
    out += ":\n";
    for (const auto& spec : group.flags) {
      std::string row = "  " + spelled(spec);
      if (!is_informational(spec)) {
        // On the flag's row when it fits, else alone on the next.
        const std::string shown = "(default: " + shown_default(spec, options) + ")";
        const bool fits = row.size() + 2 + shown.size() <= options.width;
        row += fits ? "  " + shown : "\n" + std::string(kHelpIndent, ' ') + shown;
      }
      out += row + "\n";
      out += wrapped(help_sentence(spec), kHelpIndent, options.width);
    }
  }
  return out;
}

std::string man_page(std::string_view version) {
  // Left-adjusted: a justified line with a long default could not be adjusted.
  std::string out = ".TH FLOWGATE 1 \"\" \"flowgate " + roff(version) + "\" \"User Commands\"\n.ad l\n";
  out += ".SH NAME\nflowgate \\- " + roff(kSummary) + "\n";
  out += ".SH SYNOPSIS\n.B flowgate\n[\\fIflags\\fR]\n";
  out += ".SH DESCRIPTION\n"
         "flowgate takes pushes with the Prometheus Pushgateway's HTTP API (and OTLP/HTTP exports), keeps them in "
         "a write\\-ahead log and a persistence file, and serves them on\n.I /metrics\n"
         "with its own host, process and Prefect collectors. Every flag below is written\n"
         ".BI \\-\\-name= value\\fR;\na boolean flag is switched off with\n.BR \\-\\-no\\-name .\n";
  for (const auto& group : flag_groups()) {
    out += ".SH " + roff(group.title) + " FLAGS\n";
    for (const auto& spec : group.flags) {
      out += ".TP\n.B " + roff(spelled(spec)) + "\n" + roff(help_sentence(spec));
      if (!is_informational(spec)) out += " Default: " + roff(shown_default(spec, {})) + ".";
      out += "\n";
    }
  }
  out += ".SH SIGNALS\n.TP\n.B SIGHUP\nRead the web configuration (and the authorization file) again.\n"
         ".TP\n.B SIGTERM, SIGINT\nStop gracefully: answer what is in flight, sync and compact the log.\n";
  out += ".SH FILES\n.TP\n.I /etc/default/flowgate\nMore flags for the systemd unit, as\n.BR ARGS=\"...\" .\n"
         ".TP\n.I /var/lib/flowgate/flowgate.db\n"
         "The persistence file of the systemd unit (its write\\-ahead log lies beside it).\n"
         ".TP\n.I /usr/share/flowgate/\nGrafana dashboards and provisioning, Prometheus alerting rules, an "
         "Alertmanager configuration and an example Prometheus configuration.\n"
         ".TP\n.I /usr/share/doc/flowgate/\nThe documentation (deployment, flags, persistence, metrics, runbooks).\n";
  out += ".SH SEE ALSO\n.BR prometheus (1),\n.BR prometheus\\-pushgateway (1),\n.BR systemd.service (5)\n";
  return out;
}

std::string completion_script(Shell shell) {
  std::string names;
  for (const auto& name : every_spelling()) names += (names.empty() ? "" : " ") + name;
  if (shell == Shell::bash) {
    return "# bash completion for flowgate (flowgate --completion-script-bash)\n"
           "_flowgate() {\n"
           "  local cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
           "  COMPREPLY=($(compgen -W \"" + names + "\" -- \"$cur\"))\n"
           "}\n"
           "complete -o default -F _flowgate flowgate\n";
  }
  return "#compdef flowgate\n# zsh completion for flowgate (flowgate --completion-script-zsh)\n"
         "_flowgate() {\n"
         "  local -a flags\n"
         "  flags=(" + names + ")\n"
         "  _describe 'flag' flags\n"
         "}\n"
         "compdef _flowgate flowgate\n";
}

}  // namespace flowgate::exporter

#pragma once
// What flowgate says about its command line, rendered from the flag table
// (flag_table.hpp): --help (wrapped to the terminal), --help-man (a roff man
// page for flowgate(1)) and the bash and zsh completion scripts.

#include <cstddef>
#include <string>
#include <string_view>

namespace flowgate::exporter {

struct HelpOptions {
  std::size_t width = 80;                 // columns to wrap to
  std::string_view prefect_api_url_env;  // $PREFECT_API_URL, the default of --prefect.api-url
};

// Usage line, then the flags under their headings: each flag's row holds its
// value kind and its default (as the value it is, not a placeholder), its
// help below, word-wrapped to options.width.
std::string help_text(const HelpOptions& options = {});

// The columns of standard output when it is a terminal, else 80.
std::size_t terminal_width();

// A man page (roff, section 1) with every flag, for `man flowgate`.
std::string man_page(std::string_view version);

enum class Shell { bash, zsh };
// A completion script completing every flag (and --no- for booleans).
std::string completion_script(Shell shell);

}  // namespace flowgate::exporter

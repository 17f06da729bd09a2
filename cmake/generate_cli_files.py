#!/usr/bin/env python3
"""Writes flowgate's man page (what `flowgate --help-man` prints) and its bash
and zsh completions from the flags the built binary lists in `flowgate --help`,
so they never drift from it.

    generate_cli_files.py BINARY OUT_DIR

writes OUT_DIR/flowgate.1 (roff), OUT_DIR/flowgate.1.gz (for installing),
OUT_DIR/flowgate.bash (bash-completion) and OUT_DIR/_flowgate (zsh).

The parser reads both help layouts flowgate has used: a flag line alone
(`  --name=VALUE`) with its description on the more indented lines below, and
kingpin's (`  -h, --name=VALUE  description` on one line, continued below).
A heading is an unindented line ending in ':'. Runs at build time with the
standard library only (no pandoc, help2man or ronn on the build machines).
"""

import dataclasses
import gzip
import os
import pathlib
import re
import subprocess
import sys

FLAG_LINE = re.compile(r"^\s+(?:-\w,\s+)?--(\[no-\])?([\w.-]+)(?:=(\S+))?(?:\s{2,}(\S.*))?$")
CHOICES = re.compile(r"One of: \[([^\]]*)\]")
DEFAULT = re.compile(r"\(default: (.*)\)\s*$")


@dataclasses.dataclass
class Flag:
    name: str
    negatable: bool
    placeholder: str  # "" for a boolean
    section: str
    description: str = ""

    @property
    def choices(self):
        match = CHOICES.search(self.description)
        return [choice.strip() for choice in match.group(1).split(",")] if match else []

    @property
    def wants_file(self):
        return re.search(r"[.-]file$", self.name) is not None

    @property
    def wants_directory(self):
        return self.name.startswith("path.")

    @property
    def summary(self):
        """The description's first sentence, without the default."""
        text = DEFAULT.sub("", self.description).strip()
        # A sentence ends at '.' or ';' before a capital ("e.g. behind" goes on).
        sentence = re.split(r"(?<=[.;])\s+(?=[A-Z])", text, maxsplit=1)[0]
        return sentence.rstrip(".;")


@dataclasses.dataclass
class Help:
    usage: str
    description: str
    flags: list


def parse_help(text):
    lines = text.splitlines()
    usage = next((line.removeprefix("usage:").strip() for line in lines if line.startswith("usage:")), "flowgate")
    description, flags, section, flag_indent = [], [], "", None
    for line in lines[1:]:
        match = FLAG_LINE.match(line)
        if match:
            negatable, name, placeholder, rest = match.groups()
            flags.append(Flag(name, bool(negatable), placeholder or "", section, rest or ""))
            flag_indent = len(line) - len(line.lstrip())
        elif re.match(r"^\S.*:$", line):
            section, flag_indent = line[:-1].strip(), None
        elif flags and flag_indent is not None and line.strip() and \
                len(line) - len(line.lstrip()) > flag_indent:
            flags[-1].description = f"{flags[-1].description} {line.strip()}".strip()
        elif not flags and not section and line.strip():
            description.append(line.strip())
    return Help(usage, " ".join(description), flags)


# --- completions ---------------------------------------------------------------

def shell_words(flag):
    if flag.placeholder:
        return [f"--{flag.name}="]
    return [f"--{flag.name}", f"--no-{flag.name}"] if flag.negatable else [f"--{flag.name}"]


def bash_completion(help):
    words = " ".join(word for flag in help.flags for word in shell_words(flag))
    cases = []
    for flag in help.flags:
        if flag.choices:
            # One choice a line, as IFS is a newline in that branch.
            choices = "\\n".join(flag.choices)
            cases.append(f"        --{flag.name}) COMPREPLY=($(compgen -W $'{choices}' -- \"$value\")) ;;")
        elif flag.wants_directory:
            cases.append(f"        --{flag.name}) COMPREPLY=($(compgen -d -- \"$value\")) ;;")
        elif flag.wants_file:
            cases.append(f"        --{flag.name}) COMPREPLY=($(compgen -f -- \"$value\")) ;;")
    return f"""# bash completion for flowgate, generated from `flowgate --help` by
# cmake/generate_cli_files.py; do not edit.
_flowgate() {{
    # The word being completed, '=' included (bash splits words at '=').
    local line=${{COMP_LINE:0:COMP_POINT}}
    local current=${{line##*[[:space:]]}}
    COMPREPLY=()
    if [[ $current == --*=* ]]; then
        # One file name a line: names may hold spaces.
        local flag=${{current%%=*}} value=${{current#*=}} IFS=$'\\n'
        case $flag in
{chr(10).join(cases)}
        esac
        return 0
    fi
    COMPREPLY=($(compgen -W '{words}' -- "$current"))
    # A flag that takes a value goes on with its value, no space after '='.
    if [[ ${{#COMPREPLY[@]}} -eq 1 && ${{COMPREPLY[0]}} == *= ]]; then
        compopt -o nospace 2>/dev/null
    fi
}}
complete -F _flowgate flowgate
"""


def zsh_quote(text):
    return text.replace("\\", "\\\\").replace("'", "'\\''").replace("[", "\\[").replace("]", "\\]") \
        .replace(":", "\\:")


def zsh_completion(help):
    specs = []
    for flag in help.flags:
        summary = zsh_quote(flag.summary)
        if flag.placeholder:
            if flag.choices:
                action = "(" + " ".join(zsh_quote(choice) for choice in flag.choices) + ")"
            elif flag.wants_directory:
                action = "_directories"
            elif flag.wants_file:
                action = "_files"
            else:
                action = " "
            specs.append(f"'--{flag.name}=[{summary}]:{zsh_quote(flag.placeholder.lower())}:{action}'")
        elif flag.negatable:
            specs.append(f"'(--no-{flag.name})--{flag.name}[{summary}]'")
            specs.append(f"'(--{flag.name})--no-{flag.name}[Switch off --{flag.name}]'")
        else:
            specs.append(f"'--{flag.name}[{summary}]'")
    body = " \\\n  ".join(specs)
    return f"""#compdef flowgate
# zsh completion for flowgate, generated from `flowgate --help` by
# cmake/generate_cli_files.py; do not edit.
_arguments -s \\
  {body}
"""


def main(binary, out_dir):
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    help = parse_help(help_text)
    if len(help.flags) < 10:
        sys.exit(f"generate_cli_files.py: read only {len(help.flags)} flags from `{binary} --help`; "
                 "has the help layout changed?")
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    page = subprocess.run([binary, "--help-man"], capture_output=True, text=True, check=True).stdout
    (out / "flowgate.1").write_text(page)
    # mtime 0 and no file name: the same page gives the same bytes (reproducible packages).
    with open(out / "flowgate.1.gz", "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as packed:
        packed.write(page.encode())
    (out / "flowgate.bash").write_text(bash_completion(help))
    (out / "_flowgate").write_text(zsh_completion(help))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(os.path.abspath(sys.argv[1]), sys.argv[2])

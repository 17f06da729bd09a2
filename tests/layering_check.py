#!/usr/bin/env python3
"""Fails when a library includes a header from a library above or beside it.

The graph (README.md, Development): exporter -> remote_write -> pushgw -> exposition, and
exporter -> collectors -> exposition.
"""
import pathlib
import re
import sys

ALLOWED = {
    "exposition": {"exposition"},
    "pushgw": {"pushgw", "exposition"},
    "collectors": {"collectors", "exposition"},
    "remote_write": {"remote_write", "pushgw", "exposition"},
    "exporter": {"exporter", "remote_write", "pushgw", "collectors", "exposition"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main(root: pathlib.Path) -> int:
    problems = []
    checked = 0
    for lib, allowed in ALLOWED.items():
        for path in sorted((root / lib).rglob("*")):
            if path.suffix not in {".hpp", ".cpp", ".h"}:
                continue
            checked += 1
            for number, line in enumerate(path.read_text().splitlines(), 1):
                match = INCLUDE.match(line)
                if match and match.group(1) in ALLOWED and match.group(1) not in allowed:
                    problems.append(f"{path.relative_to(root)}:{number}: {lib} must not include {match.group(1)}/")
    for problem in problems:
        print(problem)
    print(f"{checked} files checked, {len(problems)} upward or sideways includes")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))

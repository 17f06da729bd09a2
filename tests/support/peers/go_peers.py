#!/usr/bin/env python3
"""Builds the real peers that come from the Go module proxy, once per machine.

Tests need servers that Debian does not package at the version they need (the
current Pushgateway, Prometheus 3, Thanos, VictoriaMetrics). Each is built from
the Go module proxy at an exact version into a cache folder outside any build
tree, so a machine builds each version once, whatever clone or build folder
asks for it, and a CI run after the first reuses it.

    go_peers.py path NAME        prints the binary's path, building it first if needed
    go_peers.py build NAME...    builds (or finds) each; `all` means every peer
    go_peers.py list             every peer, its version and whether it is built

The cache is $FLOWGATE_PEERS_DIR, else $XDG_CACHE_HOME/flowgate/peers, else
~/.cache/flowgate/peers. A binary is <cache>/<name>-<version>/<binary>; its
module and build caches are shared by every peer under <cache>/go. A lock per
peer lets parallel tests ask for the same one: the second waits, then finds it
built. Standard library only (runs under Debian's /usr/bin/python3).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Go newer than the machine's: the go command fetches this toolchain from the
# module proxy like any module (see the README's "Peers" section).
NEWER_GO = "go1.27.3"


@dataclasses.dataclass(frozen=True)
class Peer:
    name: str
    module: str  # the module whose version is pinned
    package: str  # the main package to build, inside that module
    version: str
    binary: str
    toolchain: str = "local"
    tags: str = ""
    # True when the module's go.mod has replace directives: `go install` refuses
    # such a module, so it is built from a small wrapper module that requires
    # it and repeats those directives.
    wrapper: bool = False


PEERS = {
    peer.name: peer
    for peer in [
        Peer("pushgateway", "github.com/prometheus/pushgateway", "github.com/prometheus/pushgateway", "v1.11.5",
             "pushgateway"),
        Peer("prometheus", "github.com/prometheus/prometheus", "github.com/prometheus/prometheus/cmd/prometheus",
             "v0.316.0", "prometheus", toolchain=NEWER_GO),
        # Without the slicelabels tag a receiver panics on the first remote
        # write: it decodes labels assuming that layout.
        Peer("thanos", "github.com/thanos-io/thanos", "github.com/thanos-io/thanos/cmd/thanos", "v0.42.5", "thanos",
             toolchain=NEWER_GO, tags="netgo,slicelabels", wrapper=True),
        Peer("victoria-metrics", "github.com/VictoriaMetrics/VictoriaMetrics",
             "github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics", "v1.151.0", "victoria-metrics"),
    ]
}


def cache_dir() -> Path:
    if os.environ.get("FLOWGATE_PEERS_DIR"):
        return Path(os.environ["FLOWGATE_PEERS_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "flowgate" / "peers"


def binary_path(peer: Peer) -> Path:
    return cache_dir() / f"{peer.name}-{peer.version}" / peer.binary


def go_environment(peer: Peer, gopath: Path) -> dict[str, str]:
    env = dict(os.environ)
    go = cache_dir() / "go"
    env.update({
        "GOPATH": str(gopath),
        "GOMODCACHE": str(go / "mod"),
        "GOCACHE": str(go / "build"),
        "GOFLAGS": "-modcacherw",  # a writable module cache, so `rm -r` of the cache works
        "GOTOOLCHAIN": peer.toolchain,
        "CGO_ENABLED": "0",
    })
    return env


def run(command: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"go_peers: `{' '.join(command)}` failed ({done.returncode}) in {cwd}:\n"
                         f"{done.stderr[-4000:]}")
    return done.stdout


def replace_directives(go_mod: str) -> list[str]:
    """The replace directives of a go.mod, single-line or in a block, as single lines."""
    lines: list[str] = []
    in_block = False
    for raw in go_mod.splitlines():
        line = raw.split("//", 1)[0].strip()
        if in_block:
            if line == ")":
                in_block = False
            elif line:
                lines.append(f"replace {line}")
        elif re.match(r"^replace\s*\($", line):
            in_block = True
        elif line.startswith("replace "):
            lines.append(line)
    return lines


def build_with_wrapper(peer: Peer, env: dict[str, str], work: Path, output: Path) -> None:
    info = json.loads(run(["go", "mod", "download", "-json", f"{peer.module}@{peer.version}"], env, work))
    directives = replace_directives(Path(info["GoMod"]).read_text())
    (work / "go.mod").write_text("module flowgate.test/peer\n\ngo 1.26\n\n"
                                 f"require {peer.module} {peer.version}\n\n" + "\n".join(directives) + "\n")
    (work / "peer.go").write_text(f'//go:build tools\n\npackage peer\n\nimport _ "{peer.package}"\n')
    run(["go", "mod", "tidy"], env, work)
    command = ["go", "build", "-o", str(output)]
    if peer.tags:
        command += ["-tags", peer.tags]
    run(command + [peer.package], env, work)


def build_with_install(peer: Peer, env: dict[str, str], work: Path, output: Path) -> None:
    env = dict(env, GOBIN=str(work / "bin"))
    command = ["go", "install"]
    if peer.tags:
        command += ["-tags", peer.tags]
    run(command + [f"{peer.package}@{peer.version}"], env, work)
    shutil.move(str(work / "bin" / Path(peer.package).name), output)


def ensure(peer: Peer) -> Path:
    target = binary_path(peer)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test may be building it: wait, then find it
        if target.exists():
            return target
        print(f"go_peers: building {peer.name} {peer.version} into {target.parent} (once per machine)",
              file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            work = Path(scratch)
            env = go_environment(peer, work / "gopath")
            partial = work / "binary"
            (build_with_wrapper if peer.wrapper else build_with_install)(peer, env, work, partial)
            version = run(["go", "version"], env, work).strip()
            (target.parent / "built-with").write_text(f"{peer.package}@{peer.version} tags={peer.tags}\n{version}\n")
            os.replace(partial, target)  # last, so a half-built binary is never found
    return target


def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "list":
        for peer in PEERS.values():
            state = "built" if binary_path(peer).exists() else "not built"
            print(f"{peer.name}\t{peer.version}\t{state}\t{binary_path(peer)}")
        return 0
    if len(argv) == 2 and argv[0] == "path" and argv[1] in PEERS:
        print(ensure(PEERS[argv[1]]))
        return 0
    if len(argv) >= 2 and argv[0] == "build":
        names = list(PEERS) if argv[1:] == ["all"] else argv[1:]
        unknown = [name for name in names if name not in PEERS]
        if unknown:
            print(f"go_peers: unknown peer {unknown[0]!r}; known: {', '.join(PEERS)}", file=sys.stderr)
            return 2
        for name in names:
            print(ensure(PEERS[name]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

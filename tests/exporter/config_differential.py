#!/usr/bin/env python3
"""Runs every config file of a corpus through promtool (`check web-config` or
`check config`) and through flowgate's own check (web_config_check or
remote_write_config_check: what the start does with the file) and requires
that both accept or both refuse, and that each agrees with the folder the
file is in (valid/ or invalid/). A third folder, flowgate_refuses/, holds
files promtool accepts that flowgate refuses on purpose (what it does not
do): promtool must accept each and flowgate refuse it. A refused file may
start with `# flowgate: TEXT`: flowgate's refusal must contain TEXT (the key
and line it names). Prints the counts for the record.

The files refer to tls.crt, tls.key, ca.crt, other.key, garbage.pem and
password.txt, made here in a scratch folder next to copies of the corpus
files (relative paths in a config are relative to its folder).
"""
import argparse
import pathlib
import shutil
import subprocess
import sys
import tempfile


def make_certificates(folder: pathlib.Path) -> None:
    def self_signed(name: str) -> None:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", str(folder / f"{name}.key"),
                        "-out", str(folder / f"{name}.crt")], check=True, capture_output=True)
    self_signed("tls")
    self_signed("other")
    shutil.copy(folder / "tls.crt", folder / "ca.crt")
    (folder / "garbage.pem").write_text("this is not a certificate\n")
    (folder / "password.txt").write_text("s3cret\n")


def judge(command: list, path: pathlib.Path) -> tuple:
    done = subprocess.run(command + [str(path)], capture_output=True, text=True, errors="replace", timeout=60)
    said = (done.stdout + done.stderr).strip().replace(str(path) + " ", "")
    return done.returncode == 0, said


def expected_words(path: pathlib.Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    return first[len("# flowgate: "):].strip() if first.startswith("# flowgate: ") else ""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--promtool", required=True)
    parser.add_argument("--check", default="web-config", choices=["web-config", "config"],
                        help="promtool's subcommand: `check web-config` or `check config`")
    parser.add_argument("--flowgate-check", required=True)
    parser.add_argument("--corpus", required=True, type=pathlib.Path)
    args = parser.parse_args()
    version = subprocess.run([args.promtool, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    problems = []
    counts = {"valid": [0, 0], "invalid": [0, 0], "flowgate_refuses": [0, 0]}  # [files, as expected]
    with tempfile.TemporaryDirectory() as scratch:
        folder = pathlib.Path(scratch)
        make_certificates(folder)
        for kind in counts:
            for source in sorted((args.corpus / kind).glob("*.yml")):
                copy = folder / f"{kind}-{source.name}"
                shutil.copyfile(source, copy)
                promtool_ok, promtool_said = judge([args.promtool, "check", args.check], copy)
                flowgate_ok, flowgate_said = judge([args.flowgate_check], copy)
                counts[kind][0] += 1
                promtool_want = kind != "invalid"
                flowgate_want = kind == "valid"
                words = expected_words(source)
                wrong = []
                if promtool_ok != promtool_want:
                    wrong.append(f"promtool {'accepts' if promtool_ok else 'refuses'} it")
                if flowgate_ok != flowgate_want:
                    wrong.append(f"flowgate {'accepts' if flowgate_ok else 'refuses'} it")
                if not flowgate_ok and words and words not in flowgate_said:
                    wrong.append(f"flowgate's refusal does not say {words!r}")
                if wrong:
                    problems.append(f"{kind}/{source.name}: {'; '.join(wrong)}\n"
                                    f"    promtool: {promtool_said}\n    flowgate: {flowgate_said}")
                else:
                    counts[kind][1] += 1
    for problem in problems:
        print(problem)
    total = sum(c[0] for c in counts.values())
    agreeing = sum(c[1] for c in counts.values())
    print(f"{args.check} differential against {version}: {counts['valid'][0]} valid, {counts['invalid'][0]} invalid, "
          f"{counts['flowgate_refuses'][0]} refused by flowgate only; {agreeing}/{total} as expected "
          f"(valid {counts['valid'][1]}/{counts['valid'][0]}, invalid {counts['invalid'][1]}/{counts['invalid'][0]}, "
          f"flowgate only {counts['flowgate_refuses'][1]}/{counts['flowgate_refuses'][0]})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Runs every web config of the corpus through `promtool check web-config` and
through flowgate's own check (web_config_check: what the start does with
--web.config.file) and requires that both accept or both refuse, and that
each agrees with the folder the file is in (valid/ or invalid/). A file of
invalid/ may start with `# flowgate: TEXT`: flowgate's refusal must contain
TEXT (the key and line it names). Prints the counts for the record.

The files refer to tls.crt, tls.key, ca.crt, other.key and garbage.pem, made
here in a scratch folder next to copies of the corpus files (relative paths in
a web config are relative to its folder).
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
    parser.add_argument("--flowgate-check", required=True)
    parser.add_argument("--corpus", required=True, type=pathlib.Path)
    args = parser.parse_args()
    version = subprocess.run([args.promtool, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    problems, counts = [], {"valid": [0, 0], "invalid": [0, 0]}  # [files, both agree]
    with tempfile.TemporaryDirectory() as scratch:
        folder = pathlib.Path(scratch)
        make_certificates(folder)
        for kind in ("valid", "invalid"):
            for source in sorted((args.corpus / kind).glob("*.yml")):
                copy = folder / f"{kind}-{source.name}"
                shutil.copyfile(source, copy)
                promtool_ok, promtool_said = judge([args.promtool, "check", "web-config"], copy)
                flowgate_ok, flowgate_said = judge([args.flowgate_check], copy)
                counts[kind][0] += 1
                want = kind == "valid"
                words = expected_words(source)
                wrong = []
                if promtool_ok != want:
                    wrong.append(f"promtool {'accepts' if promtool_ok else 'refuses'} it")
                if flowgate_ok != promtool_ok:
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
    print(f"web-config differential against {version}: {counts['valid'][0]} valid, {counts['invalid'][0]} invalid; "
          f"{agreeing}/{total} agree (valid {counts['valid'][1]}/{counts['valid'][0]}, "
          f"invalid {counts['invalid'][1]}/{counts['invalid'][0]})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

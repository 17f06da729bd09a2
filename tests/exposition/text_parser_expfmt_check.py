"""parse_text accepts and rejects what prometheus/common's expfmt (the
Pushgateway's parser) accepts and rejects, on the same line, over a fixed
corpus of valid bodies and seeded mutations of them. The only differences
allowed are the deliberate ones, each listed in `deliberate()`.

usage: text_parser_expfmt_check.py <text_sample_tool> <text_go_reference>"""

import random
import subprocess
import sys

SEEDS = [
    b'# HELP a Help \\\\ text\n# TYPE a counter\na{x="1",y="z\\"q"} 1.5 123\nb 2\n',
    b'# TYPE s summary\ns{quantile="0.5",k="v"} 1\ns_sum{k="v"} 2\ns_count{k="v"} 3\n',
    b'# TYPE h histogram\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n',
    b'x:y 1e3\n  z{a="\\n"} -Inf\n# comment\n\nw NaN -5\n',
    b'#HELP g gauge\n#TYPE g gauge\ng{ a = "1" , b="2", } +Inf 1700000000000\n',
    b'# TYPE c counter\nc_total{path="/x"} 0x1\nc{le="1"} .5\n',
    b'm{l="\xc3\xbc\xe6\x97\xa5"} 1e-7\nm{l=""} 5.\n',
    b'# HELP q A "quoted" \\n help\n# TYPE q untyped\nq 1\nq{z="1"} 2\n',
]
ALPHABET = b' \t\n{}=",\\#e.+-_01aINfHELPTYPE'


def corpus():
    rng = random.Random(20261123)
    yield from enumerate(SEEDS)
    for i in range(len(SEEDS), 8000):
        body = bytearray(rng.choice(SEEDS))
        for _ in range(rng.randint(1, 3)):
            roll, at = rng.random(), rng.randrange(len(body) + 1)
            if roll < 0.4 and at < len(body):
                del body[at]
            elif roll < 0.8:
                body[at:at] = bytes([rng.choice(ALPHABET)])
            elif at < len(body):
                body[at] = rng.choice(ALPHABET)
        yield i, bytes(body)


def verdicts(program, bodies):
    feed = "".join("%d\t%s\n" % (i, body.hex()) for i, body in bodies.items())
    out = subprocess.run(program, input=feed, capture_output=True, text=True, check=True).stdout
    return dict(line.split("\t", 1) for line in out.splitlines())


def deliberate(body, ours, theirs):
    """Why flowgate may judge `body` differently from expfmt, or None."""
    if theirs == "PANIC":
        return "expfmt crashes on it"
    if not ours.startswith("ERR"):
        return None
    _, line, rule = ours.split(" ")
    if theirs == "OK" and rule in ("duplicate-series", "duplicate-label", "negative-count", "summary-count", "help-utf8"):
        return "flowgate rejects at parse time what the Pushgateway rejects later or keeps as garbage"
    text = body.split(b"\n")[int(line) - 1].lstrip(b" \t")
    if rule == "metric-name" and text.startswith(b"{"):
        return "expfmt gives a sample without a name to the previous line's family"
    name = text.split(b"{")[0].split(b" ")[0].split(b"\t")[0]
    if b'"' in name or (rule == "label-name" and (b'{"' in text or b',"' in text)):
        return "quoted (UTF-8) metric and label names are not supported yet"
    return None


def agree(ours, theirs):
    if ours == "OK" or theirs == "OK":
        return ours == theirs
    return theirs != "PANIC" and ours.split(" ")[1] == theirs.split(" ")[1]


def main(tool, reference):
    bodies = dict(corpus())
    ours = verdicts([tool, "verdicts"], bodies)
    theirs = verdicts([reference, "verdicts"], bodies)
    problems = []
    for i, body in bodies.items():
        a, b = ours[str(i)], theirs[str(i)]
        if not agree(a, b) and deliberate(body, a, b) is None:
            problems.append("%r\n  flowgate: %s\n  expfmt:   %s" % (body, a, b))
    for problem in problems[:20]:
        print(problem)
    print("%d bodies, %d judged differently without a listed reason" % (len(bodies), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

"""Seeded random differential cases: mixes of PUT/POST/DELETE over a few groups
(two spellings of the same group included) with families whose types, names
and label sets are drawn so that type conflicts, duplicate series across
groups and _count/_sum/_bucket collisions happen by themselves. The seeds are
fixed, so every run sends the same requests."""
import random

from differential_sequence import Sequence, Step

GROUPS = [
    "/metrics/job/a",
    "/metrics/job@base64/YQ",  # the same group as /metrics/job/a
    "/metrics/job/a/instance/x",
    "/metrics/job/b",
    "/metrics/job/b/zone@base64/=",
]
# name -> the types it may be pushed with (two choices make conflicts possible).
FAMILIES = {
    "alpha": ("gauge", "counter"),
    "beta_total": ("counter",),
    "gamma": ("untyped", "gauge"),
    "hh": ("histogram", "untyped"),
    "hh_count": ("untyped", "gauge"),
    "ss": ("summary",),
    "ss_sum": ("gauge",),
}
# Fixed HELP per name: the Pushgateway picks a random one when groups disagree.
HELP = {"alpha": "Alpha.", "beta_total": "Beta things.", "ss": "A summary."}
LABEL_SETS = ["", 'l="1"', 'l="2"', 'instance="x"', 'instance="x",l="1"']
LE_ONE = 'le="1"'
QUANTILE_HALF = 'quantile="0.5"'
SEEDS = range(1, 41)
STEPS_PER_CASE = 8


def braces(labels, extra=""):
    inner = ",".join(part for part in (labels, extra) if part)
    return f"{{{inner}}}" if inner else ""


def family_text(rng, name, kind):
    lines = [f"# HELP {name} {HELP[name]}"] if name in HELP else []
    lines.append(f"# TYPE {name} {kind}")
    for labels in rng.sample(LABEL_SETS, rng.randint(1, 2)):
        value = rng.choice(["0", "1", "2.5", "-3", "1e+06", "NaN"])
        if kind == "histogram":
            lines += [f"{name}_bucket{braces(labels, LE_ONE)} 1",
                      f"{name}_sum{braces(labels)} 2", f"{name}_count{braces(labels)} 3"]
        elif kind == "summary":
            lines += [f"{name}{braces(labels, QUANTILE_HALF)} {value}",
                      f"{name}_sum{braces(labels)} 4", f"{name}_count{braces(labels)} 2"]
        else:
            lines.append(f"{name}{braces(labels)} {value}")
    return "\n".join(lines) + "\n"


def generated_step(rng):
    group = rng.choice(GROUPS)
    method = rng.choices(["PUT", "POST", "DELETE"], weights=[50, 35, 15])[0]
    if method == "DELETE":
        return Step("DELETE", group)
    names = rng.sample(sorted(FAMILIES), rng.randint(1, 3))
    body = "".join(family_text(rng, name, rng.choice(FAMILIES[name])) for name in names)
    return Step(method, group, body)


def generated_case(seed):
    rng = random.Random(seed)
    return Sequence(f"generated_seed_{seed}", [generated_step(rng) for _ in range(STEPS_PER_CASE)])


GENERATED_CASES = [generated_case(seed) for seed in SEEDS]

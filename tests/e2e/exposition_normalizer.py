"""Turns a server's /metrics (text 0.0.4) and /api/v1/metrics (JSON) into text
that is equal for the Pushgateway and flowgate iff they hold the same pushed
data: each server's own families are dropped, push timestamps are masked
(zero stays visible), series are sorted within a family, and HELP is kept only
where the caller does not declare it nondeterministic."""
import json

# Families each server adds about itself; they can never be compared.
OWN_FAMILY_PREFIXES = ("pushgateway_", "go_", "process_", "flowgate_", "node_", "prefect_")
PUSH_TIME_FAMILIES = ("push_time_seconds", "push_failure_time_seconds")
ANY_HELP = "<nondeterministic>"
TIME_MARKER = "<time>"


def is_own_family(name):
    return name.startswith(OWN_FAMILY_PREFIXES)


def mask_time(value):
    """Push times differ between runs; whether they are 0 ("never") does not."""
    try:
        return "0" if float(value) == 0 else TIME_MARKER
    except ValueError:
        return value


def quoted_end(text, start):
    """The index just past the quoted string that starts at text[start] == '"'."""
    index = start + 1
    while index < len(text) and text[index] != '"':
        index += 2 if text[index] == "\\" else 1
    return index + 1


def split_name(text):
    """(name, rest) of a HELP/TYPE line's tail: the name bare or quoted (a UTF-8 name)."""
    if text.startswith('"'):
        end = quoted_end(text, 0)
        return text[1:end - 1], text[end:].lstrip(" ")
    name, _, rest = text.partition(" ")
    return name, rest


def split_sample(line):
    """`name{labels} value` -> (name, '{labels}' or '', value). Label values may
    hold '}', ' ' and escaped quotes, so the braces are scanned, not searched.
    A UTF-8 name quoted first inside the braces ({"a.b",l="v"}) comes out as
    the name, the braces keep the labels."""
    if line.startswith('{"'):
        end = quoted_end(line, 1)
        rest = line[end:].lstrip(" ")
        _, labels, value = split_sample("x{" + rest.lstrip(",")) if rest.startswith(",") else ("", "", rest[1:].strip())
        return line[2:end - 1], labels, value
    brace = line.find("{")
    space = line.find(" ")
    if brace == -1 or (space != -1 and space < brace):
        name, _, rest = line.partition(" ")
        return name, "", rest
    index = brace + 1
    in_quotes = False
    while index < len(line):
        char = line[index]
        if in_quotes and char == "\\":
            index += 2
            continue
        if char == '"':
            in_quotes = not in_quotes
        elif char == "}" and not in_quotes:
            break
        index += 1
    return line[:brace], line[brace:index + 1], line[index + 1:].strip()


class Family:
    def __init__(self, name):
        self.name = name
        self.help = None
        self.type = None
        self.samples = []

    def render(self):
        lines = []
        if self.help is not None:
            lines.append(f"# HELP {self.name} {self.help}")
        lines.append(f"# TYPE {self.name} {self.type}")
        lines.extend(sorted(self.samples))
        return lines


def parse_families(body, mask_times=True):
    """Families in the order the server wrote them (both write them contiguously)."""
    families = []
    current = None
    pending_help = {}
    for line in body.splitlines():
        if not line.strip():
            continue
        if line.startswith("# HELP "):
            name, help_text = split_name(line[len("# HELP "):])
            pending_help[name] = help_text
        elif line.startswith("# TYPE "):
            name, kind = split_name(line[len("# TYPE "):])
            current = Family(name)
            current.type = kind
            current.help = pending_help.pop(name, None)
            families.append(current)
        elif line.startswith("#"):
            continue
        else:
            name, labels, value = split_sample(line)
            if current is None or not name.startswith(current.name):
                current = Family(name)
                current.type = "<no TYPE line>"
                families.append(current)
            if mask_times and current.name in PUSH_TIME_FAMILIES:
                value = mask_time(value)
            current.samples.append(f"{name}{labels} {value}")
    return families


def normalize_metrics(body, nondeterministic_help=()):
    """The comparable text of a /metrics body."""
    lines = []
    for family in parse_families(body):
        if is_own_family(family.name):
            continue
        if family.name in nondeterministic_help and family.help is not None:
            family.help = ANY_HELP
        lines.extend(family.render())
    return "\n".join(lines) + "\n"


def pushed_samples(body, mask_times=True):
    """{'name{labels}': 'value'} of every pushed sample: those with a job label,
    which the server forces onto everything pushed and its own series lack
    (but flowgate's per-group freshness gauges, labelled with the grouping
    key, which are left out)."""
    samples = {}
    for family in parse_families(body, mask_times):
        for sample in family.samples:
            series, _, value = sample.rpartition(" ")
            if series.startswith("flowgate_group_"):
                continue
            if '{job="' in series or ',job="' in series:
                samples[series] = value
    return samples


def normalize_api_metrics(body, version_dependent_families=()):
    """The comparable text of a /api/v1/metrics body: groups sorted by their
    labels, every time_stamp masked, push time values masked, and the families
    whose JSON changed between Pushgateway versions replaced by a marker."""
    document = json.loads(body)
    groups = document.get("data") or []
    for group in groups:
        for name in version_dependent_families:
            if name in group:
                group[name] = "<differs by Pushgateway version>"
        for key, family in group.items():
            if not isinstance(family, dict) or "metrics" not in family:
                continue
            if "time_stamp" in family:
                family["time_stamp"] = TIME_MARKER
            if key in PUSH_TIME_FAMILIES:
                for metric in family["metrics"]:
                    if "value" in metric:
                        metric["value"] = mask_time(metric["value"])
            # The Pushgateway lists a family's metrics in push order, flowgate
            # sorted; no API consumer depends on the order, so compare as sets.
            family["metrics"].sort(key=lambda metric: json.dumps(metric, sort_keys=True))
    groups.sort(key=lambda group: json.dumps(group.get("labels"), sort_keys=True))
    document["data"] = groups
    return json.dumps(document, indent=1, sort_keys=True) + "\n"

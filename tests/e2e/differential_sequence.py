"""What one differential case is: a list of HTTP steps run against a fresh
Pushgateway and a fresh flowgate with the same flags, compared step by step
(status; Allow for 405, Location for 301/307) and by the normalized
/metrics and /api/v1/metrics afterwards."""
import dataclasses
import gzip
import time

import exposition_normalizer
import protobuf_body
import raw_http

# A pushed family that clashes with each server's own gauge; the names differ,
# the class of the answer (400) must not.
OWN_GAUGE = {"pushgateway": "go_goroutines", "flowgate": "flowgate_store_groups"}

# How a step's status is compared.
EXACT = "exact"
CLASS = "class"  # same hundreds digit (flowgate differs on purpose; the step says why)
ANY_OF = "any_of"  # flowgate may answer any status in Step.flowgate_may
CONNECTION_CLOSED = 0  # the status recorded when the server closed without answering


@dataclasses.dataclass
class Step:
    method: str
    path: str
    body: object = b""  # bytes or str; "@OWN_GAUGE@" is replaced per server
    headers: dict = dataclasses.field(default_factory=dict)
    compare: str = EXACT
    flowgate_may: tuple = ()
    why: str = ""  # reason for a compare looser than EXACT
    error_line: int = 0  # a parse error: flowgate's body must name this line
    compare_headers: tuple = ()  # extra response headers that must match

    def body_for(self, kind):
        body = self.body
        if isinstance(body, str):
            body = body.replace("@OWN_GAUGE@", OWN_GAUGE[kind]).encode("utf-8")
        return body


@dataclasses.dataclass
class Sequence:
    name: str
    steps: list
    flags: tuple = ()
    nondeterministic_help: tuple = ()  # families whose HELP the Pushgateway picks at random
    scrape_after: bool = True  # False when the sequence stops the server
    compare_api: bool = True
    compare_state: bool = True  # False where flowgate may differ on purpose (the case says why)
    version_dependent_api_families: tuple = ()  # JSON that changed after 1.5.1 (the case says why)
    # The Pushgateway the case is compared with: Debian's 1.5.1, or "1.11.5" for
    # what only the current release does (snappy bodies, UTF-8 names).
    reference: str = "1.5.1"
    # Accept headers of extra scrapes after the steps (e.g. each escaping=
    # scheme): their status, Content-Type and normalized body are compared too.
    scrape_accepts: tuple = ()


@dataclasses.dataclass
class Outcome:
    responses: list
    metrics: str = ""
    api_metrics: str = ""
    scrape_status: int = 0
    protobuf_metrics: str = ""  # the protobuf scrape, decoded and normalized like text
    gzip_metrics: str = ""  # the gzip'd text scrape, inflated and normalized
    accept_scrapes: list = dataclasses.field(default_factory=list)  # one per Sequence.scrape_accepts


def scrape_protobuf(server, sequence):
    response = raw_http.get(server, server.route_prefix + telemetry_path(sequence.flags),
                            headers={"Accept": protobuf_body.CONTENT_TYPE})
    content_type = response.header("content-type") or ""
    if response.status != 200 or not content_type.startswith("application/vnd.google.protobuf"):
        return f"status {response.status}, Content-Type {content_type}"
    return exposition_normalizer.normalize_metrics(protobuf_body.decode_to_text(response.body),
                                                   sequence.nondeterministic_help)


def scrape_gzip(server, sequence):
    response = raw_http.get(server, server.route_prefix + telemetry_path(sequence.flags),
                            headers={"Accept-Encoding": "gzip"})
    if response.status != 200 or response.header("content-encoding") != "gzip":
        return f"status {response.status}, Content-Encoding {response.header('content-encoding')}"
    return exposition_normalizer.normalize_metrics(gzip.decompress(response.body).decode(),
                                                   sequence.nondeterministic_help)


def scrape_accepting(server, sequence, accept):
    """(Accept, status, Content-Type, normalized body) of a scrape with `accept`;
    protobuf bodies are decoded to text first."""
    response = raw_http.get(server, server.route_prefix + telemetry_path(sequence.flags),
                            headers={"Accept": accept})
    content_type = response.header("content-type") or ""
    if response.status != 200:
        return accept, response.status, content_type, ""
    if content_type.startswith("application/vnd.google.protobuf"):
        text = protobuf_body.decode_to_text(response.body)
    else:
        text = response.text()
    return accept, response.status, content_type, exposition_normalizer.normalize_metrics(
        text, sequence.nondeterministic_help)


def telemetry_path(flags):
    for flag in flags:
        name, _, value = flag.partition("=")
        if name == "--web.telemetry-path":
            return value
    return "/metrics"


def run(sequence, server, kind):
    """Runs every step against `server`, then captures the normalized state."""
    responses = []
    for step in sequence.steps:
        try:
            responses.append(raw_http.request(server, step.method, step.path, step.body_for(kind),
                                              step.headers))
        except ConnectionError:
            responses.append(raw_http.Response(CONNECTION_CLOSED, {}, b""))
    outcome = Outcome(responses)
    if not sequence.scrape_after:
        return outcome
    if any(response.status == 202 for response in responses) or \
            any(step.method == "DELETE" or "wipe" in step.path for step in sequence.steps):
        # The Pushgateway answers DELETE, wipe and pushes without the consistency
        # check before applying them (202 = queued): let its queue drain first.
        time.sleep(0.2)
    scrape = raw_http.get(server, server.route_prefix + telemetry_path(sequence.flags))
    outcome.scrape_status = scrape.status
    if scrape.status == 200:
        outcome.metrics = exposition_normalizer.normalize_metrics(
            scrape.text(), sequence.nondeterministic_help)
    outcome.protobuf_metrics = scrape_protobuf(server, sequence)
    outcome.gzip_metrics = scrape_gzip(server, sequence)
    outcome.accept_scrapes = [scrape_accepting(server, sequence, accept) for accept in sequence.scrape_accepts]
    if sequence.compare_api:
        api = raw_http.get(server, server.route_prefix + "/api/v1/metrics")
        outcome.api_metrics = (exposition_normalizer.normalize_api_metrics(
            api.body, sequence.version_dependent_api_families)
                               if api.status == 200 else f"status {api.status}")
    return outcome


def allowed_methods(allow):
    """An Allow header as a set, without HEAD: flowgate answers HEAD wherever GET
    works (spec §9 improvement), so it lists HEAD where the Pushgateway cannot."""
    methods = {method.strip() for method in (allow or "").split(",") if method.strip()}
    if "GET" in methods:
        methods.discard("HEAD")
    return methods


def step_differences(sequence, reference, candidate):
    """Human-readable differences between the Pushgateway's and flowgate's steps."""
    problems = []
    for index, (step, want, got) in enumerate(zip(sequence.steps, reference.responses,
                                                  candidate.responses)):
        where = f"step {index + 1} {step.method} {step.path}"
        if step.compare == EXACT and want.status != got.status:
            problems.append(f"{where}: status {got.status}, Pushgateway {want.status} "
                            f"(flowgate body {got.body[:200]!r}, Pushgateway body {want.body[:200]!r})")
        elif step.compare == CLASS and want.status // 100 != got.status // 100:
            problems.append(f"{where}: status class {got.status}, Pushgateway {want.status} "
                            f"(flowgate body {got.body[:200]!r})")
        elif step.compare == ANY_OF and got.status not in (want.status, *step.flowgate_may):
            problems.append(f"{where}: status {got.status}, allowed {want.status} or {step.flowgate_may}")
        if step.compare == EXACT and want.status == got.status:
            headers = list(step.compare_headers)
            if want.status == 405:
                headers.append("allow")
            if want.status in (301, 307):
                headers.append("location")
            for name in headers:
                if name == "allow":
                    if allowed_methods(want.header(name)) != allowed_methods(got.header(name)):
                        problems.append(f"{where}: header allow: {got.header(name)!r}, "
                                        f"Pushgateway {want.header(name)!r}")
                elif want.header(name) != got.header(name):
                    problems.append(f"{where}: header {name}: {got.header(name)!r}, "
                                    f"Pushgateway {want.header(name)!r}")
        if step.error_line:
            if f"line {step.error_line}" not in want.text():
                problems.append(f"{where}: (harness) Pushgateway body does not name line "
                                f"{step.error_line}: {want.text()!r}")
            if got.status == 400 and f"line {step.error_line}" not in got.text():
                problems.append(f"{where}: flowgate's 400 does not name line {step.error_line}: "
                                f"{got.text()!r}")
    return problems

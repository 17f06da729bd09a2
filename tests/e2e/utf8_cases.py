"""Differential cases for UTF-8 metric and label names (--push.enable-utf8-names,
Pushgateway 1.9+) and the escaping= schemes of scrapes. Only the current
Pushgateway answers them, so each is compared with 1.11.5 in both runs of the
suite (reference="1.11.5"); 1.5.1 has neither the flag nor the schemes."""
import protobuf_body as pb
from differential_cases import PROTO, delete, get, post, put
from differential_sequence import Sequence

UTF8 = ("--push.enable-utf8-names",)
TEXT = "text/plain;version=0.0.4"

# Every scheme in text, two in protobuf, and OpenMetrics' Accept as Prometheus 3
# sends it (the Pushgateway answers text; flowgate would answer OpenMetrics, so
# that one is left out: its body differs on purpose).
ESCAPING_SCRAPES = (
    *(f"{TEXT};escaping={scheme}" for scheme in ("allow-utf-8", "underscores", "dots", "values")),
    pb.CONTENT_TYPE + ";escaping=allow-utf-8",
    pb.CONTENT_TYPE + ";escaping=values",
)

QUOTED_TEXT = """# HELP "a_b.c" help of a_b.c
# TYPE "a_b.c" counter
{"a_b.c", "a:b"="1", "x_y.z"="2", "ü"="3", "1abc"="4", "é😀"="5", "q\\"t"="6"} 1
"1abc" 2
"😀"{"U__a_2e_b"="v"} 3
{"x\\ny"} 4
plain_name{l="v"} 5
{x="1", "name.after.labels", y="2"} 6
# TYPE "h.x" histogram
{"h.x_bucket",le="1"} 1
{"h.x_bucket",le="+Inf"} 2
{"h.x_sum"} 3
{"h.x_count"} 2
# TYPE "s.x" summary
{"s.x",quantile="0.5","a.b"="c"} 1
{"s.x_sum","a.b"="c"} 3
{"s.x_count","a.b"="c"} 2
"""


def utf8_case(name, steps, **options):
    return Sequence(name, steps, flags=UTF8, reference="1.11.5", scrape_accepts=ESCAPING_SCRAPES, **options)


UTF8_CASES = [
    utf8_case("utf8_text_quoted_names", [
        put("/metrics/job/e", QUOTED_TEXT),
        post("/metrics/job/e", '{"late.metric", "k.v"="w"} 7\n')]),
    # Two stored names that escape alike stay two families (stored-name order).
    utf8_case("utf8_names_escaping_alike", [
        put("/metrics/job/a", "my_metric 1\n"), put("/metrics/job/b", '{"my.metric"} 2\n')]),
    utf8_case("utf8_protobuf_names", [put("/metrics/job/pb", pb.delimited(
        pb.family("my.pb", "gauge", [pb.metric({"a-b": "1", "ü": "2"}, 1)], help_text="dotted"),
        pb.family("r", "counter", [pb.metric({"x.y": "z"}, 3, kind="counter")])), headers=PROTO)]),
    utf8_case("utf8_text_names_refused", [
        put("/metrics/job/e", "ok 1\n{\"\"} 1\n", error_line=2),
        put("/metrics/job/e", b'm{"\xff"="v"} 1\n', error_line=1),
        put("/metrics/job/e", '{"m", x="1", "m2"} 1\n', error_line=1),
        put("/metrics/job/e", '# TYPE "m"gauge\n', error_line=1),
        put("/metrics/job/e", 'm{"__x"="v"} 1\n')]),
    utf8_case("utf8_grouping_label_names", [
        put("/metrics/job/j/a.b/v", "m 1\n"),
        put("/metrics/job/k/U__c_2e_d/w", "m 2\n"),
        put("/metrics/job/l/%C3%BC@base64/dg", "m 3\n"),
        put("/metrics/job/n/U__zz_zz/x", "m 4\n"),
        put("/metrics/job/j/U__/v", "m 5\n"), put("/metrics/job/j/__x/v", "m 6\n"),
        put("/metrics/job/j/%FF/v", "m 7\n"),
        delete("/metrics/job/k/c.d/w")]),
    # Without the flag the current Pushgateway still reads quoted legacy names,
    # and refuses the others naming the line; 1.5.1 refused every quoted name.
    Sequence("quoted_names_without_utf8_names", [
        put("/metrics/job/q", '# TYPE "m" gauge\n{"m", "ab"="x"} 1\n"n" 2\n'),
        put("/metrics/job/r", 'ok 1\n{"my.metric"} 1\n', error_line=2),
        put("/metrics/job/r", 'm{"a.b"="x"} 1\n', error_line=1),
        put("/metrics/job/r/a.b/v", "m 1\n")],
        reference="1.11.5", scrape_accepts=ESCAPING_SCRAPES),
]

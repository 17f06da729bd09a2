#!/usr/bin/env python3
"""Writes the hand-made seed corpora under tests/fuzz/corpus/ (run from
anywhere; rerun after changing a case). Seeds are small on purpose: one
feature each, so the fuzzer mutates features rather than bulk."""
import gzip
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent / "corpus"


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zz(n):
    return (n << 1) ^ (n >> 63)


def key(field, wire):
    return varint(field << 3 | wire)


def u(field, n):
    return key(field, 0) + varint(n)


def s(field, n):
    return u(field, zz(n))


def d(field, x):
    return key(field, 1) + struct.pack("<d", x)


def b(field, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return key(field, 2) + varint(len(payload)) + payload


def label(name, value):
    return b(1, b(1, name) + b(2, value))


def family(name, mtype, metrics, help_text=None, unit=None):
    msg = b(1, name)
    if help_text is not None:
        msg += b(2, help_text)
    msg += u(3, mtype)
    for m in metrics:
        msg += b(4, m)
    if unit:
        msg += b(5, unit)
    return varint(len(msg)) + msg


def ts(sec, nanos=0):
    return u(1, sec) + u(2, nanos)


exemplar = label("trace_id", "abc") + d(2, 0.5) + b(3, ts(1700000000, 1))

PROTOBUF = {
    "counter": family("c_total", 0, [label("job", "j") + b(3, d(1, 42) + b(2, exemplar) + b(3, ts(1600000000)))], "A counter."),
    "gauge_untyped": family("g", 1, [b(2, d(1, -1.5)) + u(6, 1234)]) + family("u", 3, [b(5, d(1, float("nan")))], unit="bytes"),
    "summary": family("s", 2, [b(4, u(1, 4) + d(2, 10) + b(3, d(1, 0.5) + d(2, 2)) + b(3, d(1, 0.9) + d(2, 4)) + b(4, ts(5)))]),
    "classic_histogram": family("h", 4, [b(7, u(1, 3) + d(2, 1.5) + b(3, u(1, 1) + d(2, 0.5) + b(3, exemplar)) + b(3, u(1, 3) + d(2, float("inf"))))]),
    "native_histogram": family("n", 4, [b(7, u(1, 5) + d(2, 2) + s(5, 3) + d(6, 2.0 ** -128) + u(7, 1)
                                         + b(12, s(1, -1) + u(2, 2)) + s(13, 1) + s(13, -1)
                                         + b(9, s(1, 0) + u(2, 1)) + b(10, varint(zz(2)))
                                         + b(16, exemplar) + b(15, ts(7, 8)))]),
    "float_histogram": family("f", 5, [b(7, d(4, 2.5) + d(2, 1) + d(8, 0.5) + b(14, struct.pack("<dd", 1.0, 1.0))
                                         + d(11, 0.5) + b(3, d(4, 2.5) + d(2, 1)))]),
    "unknown_fields": family("x", 1, [u(99, 1) + b(2, d(1, 1)) + key(50, 5) + b"abcd" + key(51, 3) + u(1, 1) + key(51, 4)]),
    "repeated_name": family("r", 1, [b(2, d(1, 1))]) + family("r", 0, [b(3, d(1, 2))]),
    "utf8_labels": family("l", 1, [label("flow", "étl-日本 🚀") + label("q", 'say "hi"\n\\') + b(2, d(1, 1))]),
}

TEXT = {
    "counter": "# HELP c_total A counter.\n# TYPE c_total counter\nc_total{job=\"j\"} 42 1700000000000\n",
    "gauge_escapes": "# TYPE g gauge\ng{a=\"q\\\"b\\\\c\\nd\",b=\"日本\"} -1.5e-7\ng{ a = \"x\" , } NaN\n",
    "summary": "# TYPE s summary\ns{quantile=\"0.5\"} 2\ns{quantile=\"0.9\"} 4\ns_sum 10\ns_count 4\n",
    "histogram": "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 3\nh_sum 1.5\nh_count 3\n",
    "gauge_histogram": "# TYPE gh gaugehistogram\ngh_bucket{le=\"1\"} 1.5\ngh_sum 2\ngh_count 2.5\n",
    "untyped_comments": "# a comment\n#HELP u Help with \\\\ and \\n.\nu +Inf\nu{x=\"1\"} -Inf\n\n  \t\nother 0x\n",
    "utf8_names": "# HELP \"my.metric\" h\n# TYPE \"my.metric\" gauge\n{\"my.metric\",a=\"b\",\"c.d\"=\"e\"} 1\n"
                  "{x=\"1\",\"q\\\"t\\n\"} 2\n\"h.x_bucket\"{le=\"1\"} 1\n",
    "errors": "# TYPE a counter\n# TYPE a gauge\na 1\n",
}


def request(method, target, body=b"", headers=(), length=True):
    head = f"{method} {target} HTTP/1.1\r\nHost: flowgate\r\n"
    for name, value in headers:
        head += f"{name}: {value}\r\n"
    if length and body:
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def chunked(data, size):
    out = b""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


PUSH = b"# TYPE rows counter\nrows{stage=\"load\"} 42\n"
# fuzz_http_request: the first byte says how the bytes arrive (0: at once,
# n: n bytes at a time), then requests back to back as a pipelining client sends them.
HTTP = {
    "healthy": b"\x00" + request("GET", "/-/healthy"),
    "push_then_scrape": b"\x00" + request("PUT", "/metrics/job/etl/instance/h1", PUSH,
                                          [("Content-Type", "text/plain; version=0.0.4")])
    + request("GET", "/metrics", headers=[("Accept", "application/openmetrics-text;version=1.0.0")])
    + request("GET", "/api/v1/metrics") + request("DELETE", "/metrics/job/etl/instance/h1"),
    "chunked_by_bytes": b"\x03" + request("POST", "/metrics/job@base64/ZXRs/a/b", chunked(PUSH, 7),
                                           [("Transfer-Encoding", "chunked"), ("Expect", "100-continue")], length=False),
    "gzip_push": b"\x00" + request("PUT", "/metrics/job/z", gzip.compress(PUSH, mtime=0), [("Content-Encoding", "gzip")]),
    "absolute_form": b"\x00" + request("PUT", "http://flowgate:9091/metrics/job/abs?x=1", PUSH),
    "redirects": b"\x00" + request("GET", "//a/../metrics/?q=%22<b>") + request("PUT", "/Metrics/job/a%20b/")
    + request("GET", "/api/v1") + request("OPTIONS", "/api/v1/x"),
    "status_pages": b"\x00" + request("PUT", "/metrics/job/ui", PUSH) + request("GET", "/") + request("GET", "/api/v1/status"),
    "smuggling": b"\x00" + request("PUT", "/metrics/job/s", b"m 1\n",
                                   [("Transfer-Encoding", "xchunked"), ("Content-Length", "4")], length=False)
    + request("DELETE", "/metrics/job/s"),
    "admin": b"\x00" + request("PUT", "/api/v1/admin/wipe") + request("POST", "/-/quit") + request("HEAD", "/metrics"),
}


def write(folder, name, data):
    path = HERE / folder
    path.mkdir(parents=True, exist_ok=True)
    (path / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def main():
    for name, data in PROTOBUF.items():
        write("protobuf_parser", name, data)
    for name, data in TEXT.items():
        write("text_parser", name, data)
        write("gunzip", name + ".gz", gzip.compress(data.encode(), mtime=0))
    write("gunzip", "empty.gz", gzip.compress(b"", mtime=0))
    write("gunzip", "two_members.gz", gzip.compress(b"a 1\n", mtime=0) + gzip.compress(b"b 2\n", mtime=0))
    write("gunzip", "named.gz", b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xffname\x00" + gzip.compress(b"x 1\n", mtime=0)[10:])
    for name, data in HTTP.items():
        write("http_request", name, data)


if __name__ == "__main__":
    main()

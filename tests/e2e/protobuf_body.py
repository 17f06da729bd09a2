"""A tiny encoder for io.prometheus.client.MetricFamily (client_model
metrics.proto, proto2) in the varint-length-delimited stream a Go client pushes.
Only the fields the tests need; field numbers are those of metrics.proto."""
import struct

CONTENT_TYPE = ("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
                "encoding=delimited")
TYPES = {"counter": 0, "gauge": 1, "summary": 2, "untyped": 3, "histogram": 4,
         "gauge_histogram": 5}


def varint(number):
    if number < 0:
        number += 1 << 64  # int64 fields use two's complement on the wire
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field, wire_type):
    return varint(field << 3 | wire_type)


def _bytes(field, payload):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    return _key(field, 2) + varint(len(payload)) + payload


def _double(field, number):
    return _key(field, 1) + struct.pack("<d", number)


def _uint(field, number):
    return _key(field, 0) + varint(number)


def metric(labels=None, value=None, kind="gauge", timestamp_ms=None, count=None, total=None,
           quantiles=None, buckets=None):
    """One Metric. `labels` dict; gauge/counter/untyped use `value`; summary uses
    count/total/quantiles {q: v}; histogram uses count/total/buckets {le: cumulative}."""
    out = b"".join(_bytes(1, _bytes(1, name) + _bytes(2, label_value))
                   for name, label_value in (labels or {}).items())
    if kind in ("gauge", "counter", "untyped"):
        field = {"gauge": 2, "counter": 3, "untyped": 5}[kind]
        out += _bytes(field, _double(1, value))
    elif kind == "summary":
        inner = _uint(1, count) + _double(2, total)
        inner += b"".join(_bytes(3, _double(1, q) + _double(2, v)) for q, v in (quantiles or {}).items())
        out += _bytes(4, inner)
    elif kind in ("histogram", "gauge_histogram"):
        inner = _uint(1, count) + _double(2, total)
        inner += b"".join(_bytes(3, _uint(1, c) + _double(2, le)) for le, c in (buckets or {}).items())
        out += _bytes(7, inner)
    if timestamp_ms is not None:
        out += _uint(6, timestamp_ms)
    return out


def family(name, kind, metrics, help_text=None):
    out = _bytes(1, name)
    if help_text is not None:
        out += _bytes(2, help_text)
    out += _uint(3, TYPES[kind])
    out += b"".join(_bytes(4, m) for m in metrics)
    return out


def delimited(*families):
    """The request body: each family prefixed by its varint length."""
    return b"".join(varint(len(f)) + f for f in families)

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


# --- decoding, for comparing protobuf scrapes ------------------------------------------------

TYPE_NAMES = {number: name for name, number in TYPES.items()}


def _read_varint(data, position):
    result = shift = 0
    while True:
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, position


def _fields(data):
    """{field number: [raw values]} of one message (varints as int, fixed64 as
    double, length-delimited as bytes)."""
    fields = {}
    position = 0
    while position < len(data):
        key, position = _read_varint(data, position)
        field, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, position = _read_varint(data, position)
        elif wire_type == 1:
            value = struct.unpack_from("<d", data, position)[0]
            position += 8
        elif wire_type == 2:
            length, position = _read_varint(data, position)
            value = data[position:position + length]
            position += length
        elif wire_type == 5:
            value = struct.unpack_from("<f", data, position)[0]
            position += 4
        else:
            raise ValueError(f"wire type {wire_type} in field {field}")
        fields.setdefault(field, []).append(value)
    return fields


def _first(fields, number, default=None):
    return fields.get(number, [default])[0]


def _sample(name, labels, extra, value):
    pairs = [*labels, *extra]
    rendered = ",".join(f'{key}="{label_value}"' for key, label_value in pairs)
    return f"{name}{{{rendered}}} {value!r}" if pairs else f"{name} {value!r}"


def _metric_lines(name, kind, metric):
    labels = []
    for pair in metric.get(1, []):
        pair_fields = _fields(pair)
        labels.append((_first(pair_fields, 1, b"").decode("utf-8", "replace"),
                       _first(pair_fields, 2, b"").decode("utf-8", "replace")))
    lines = []
    for field in (2, 3, 5):  # gauge, counter, untyped
        if field in metric:
            lines.append(_sample(name, labels, [], float(_first(_fields(metric[field][0]), 1, 0.0))))
    if 4 in metric:  # summary
        summary = _fields(metric[4][0])
        for quantile in summary.get(3, []):
            quantile_fields = _fields(quantile)
            lines.append(_sample(name, labels, [("quantile", repr(_first(quantile_fields, 1, 0.0)))],
                                 float(_first(quantile_fields, 2, 0.0))))
        lines.append(_sample(name + "_sum", labels, [], float(_first(summary, 2, 0.0))))
        lines.append(_sample(name + "_count", labels, [], float(_first(summary, 1, 0))))
    if 7 in metric:  # histogram (classic part; native fields are listed by number)
        histogram = _fields(metric[7][0])
        for bucket in histogram.get(3, []):
            bucket_fields = _fields(bucket)
            count = _first(bucket_fields, 4, None)
            count = float(_first(bucket_fields, 1, 0)) if count is None else count
            lines.append(_sample(name + "_bucket", labels, [("le", repr(_first(bucket_fields, 2, 0.0)))],
                                 count))
        count = _first(histogram, 4, None)
        count = float(_first(histogram, 1, 0)) if count is None else count
        lines.append(_sample(name + "_sum", labels, [], float(_first(histogram, 2, 0.0))))
        lines.append(_sample(name + "_count", labels, [], count))
        # Native histogram fields (schema, zero bucket, spans, deltas, ...) as
        # raw values: both servers should pass them through unchanged.
        native = {field: values for field, values in sorted(histogram.items()) if 5 <= field < 15}
        if native:
            lines.append(_sample(name + "_native", labels, [], native))
    if 6 in metric:  # the Pushgateway never exposes timestamps; make one visible
        lines = [f"{line} timestamp_ms={metric[6][0]}" for line in lines]
    return lines


def decode_to_text(body):
    """A protobuf-delimited scrape rendered as text-format lines (values as
    Python reprs), so exposition_normalizer can compare it like a text scrape."""
    lines = []
    position = 0
    while position < len(body):
        length, position = _read_varint(body, position)
        family = _fields(body[position:position + length])
        position += length
        name = _first(family, 1, b"").decode("utf-8", "replace")
        kind = TYPE_NAMES.get(_first(family, 3, 0), "unknown")
        if 2 in family:
            lines.append(f"# HELP {name} {family[2][0].decode('utf-8', 'replace')}")
        lines.append(f"# TYPE {name} {kind}")
        for metric in family.get(4, []):
            lines.extend(_metric_lines(name, kind, _fields(metric)))
    return "\n".join(lines) + "\n"

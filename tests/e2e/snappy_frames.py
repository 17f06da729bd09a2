"""Snappy's framing format (what the Pushgateway reads for Content-Encoding:
snappy) written in plain Python for the differential cases: chunks of at most
64 KiB, each either stored (type 0x01) or "compressed" as one snappy block
made only of literals (type 0x00), both with the masked CRC-32C. A reader
must accept both; neither needs a snappy library."""


def _crc32c_table():
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def masked_crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def literal_block(data):
    """A valid snappy block holding `data` as literals of at most 60 bytes each."""
    out = bytearray(_varint(len(data)))
    for start in range(0, len(data), 60):
        piece = data[start:start + 60]
        out.append((len(piece) - 1) << 2)
        out += piece
    return bytes(out)


def frames(data, compressed=True, crc_of=None):
    """`data` in the framing format; `crc_of` replaces the checksummed bytes (to break it)."""
    out = bytearray(b"\xff\x06\x00\x00sNaPpY")
    for start in range(0, max(len(data), 1), 65536):
        chunk = data[start:start + 65536]
        payload = literal_block(chunk) if compressed else chunk
        crc = masked_crc32c(chunk if crc_of is None else crc_of)
        out.append(0x00 if compressed else 0x01)
        out += (len(payload) + 4).to_bytes(3, "little")
        out += crc.to_bytes(4, "little") + payload
    return bytes(out)

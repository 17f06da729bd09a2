"""The write-ahead log's files as the durability contract lays them out: the
folder PATH.wal/ holds segments named by a 20-digit number, the highest being
active; each starts with an 8-byte magic followed by records of
`u32 LE payload length, u32 LE CRC32 of the payload, payload`."""
import dataclasses
import struct
import zlib

MAGIC = b"FGWAL\x00\x00\x02"  # format 2; recovery still reads format 1 (\x01)
RECORD_HEADER_BYTES = 8


@dataclasses.dataclass
class Record:
    offset: int  # of its length field
    payload_bytes: int

    @property
    def size(self):
        return RECORD_HEADER_BYTES + self.payload_bytes

    @property
    def end(self):
        return self.offset + self.size


def segments(gate):
    """The segment files of a DurableFlowgate, oldest first."""
    return sorted(gate.wal_folder.glob("[0-9]" * 20 + ".log"))


def active_segment(gate):
    found = segments(gate)
    assert found, f"no write-ahead log segment in {gate.wal_folder}"
    return found[-1]


def records(path):
    """The whole records of one segment, in order; stops at the first torn or
    damaged one (the magic must be intact)."""
    data = path.read_bytes()
    assert data[:len(MAGIC)] == MAGIC, f"{path} starts with {data[:len(MAGIC)]!r}"
    found = []
    offset = len(MAGIC)
    while offset + RECORD_HEADER_BYTES <= len(data):
        length, crc = struct.unpack_from("<II", data, offset)
        payload = data[offset + RECORD_HEADER_BYTES:offset + RECORD_HEADER_BYTES + length]
        if len(payload) < length or zlib.crc32(payload) != crc:
            break
        found.append(Record(offset, length))
        offset += RECORD_HEADER_BYTES + length
    return found


def last_record(path):
    """The last record of a segment, which must end exactly at the end of the file."""
    found = records(path)
    assert found, f"{path} holds no record"
    assert found[-1].end == path.stat().st_size, (
        f"{path}: {path.stat().st_size} bytes, but its last whole record ends at {found[-1].end}")
    return found[-1]

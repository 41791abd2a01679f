"""Kafka's record batch (format v2, uncompressed) built from pre-encoded headers.

`publish` encodes an event's headers once, as a Kafka record carries them
(`encoded_headers`), and the outbox keeps those bytes (`kafka_headers`). The relay then
builds each record from the row's key, value and those bytes with a few joins, and a
whole record batch with one CRC, instead of parsing JSON headers and encoding every
name and value again for every row: that was most of the relay's own CPU per event
(docs/adr/0023-outbox-keeps-kafka-headers.md).

`EncodedRecordBatch` is what aiokafka's `BatchBuilder` is to
`AIOKafkaProducer.send_batch`: the producer sets the idempotent producer's id, epoch and
sequence on it when it drains the batch (`_set_producer_state`) and then asks for its
bytes (`_build`). The wire format is Kafka's (KIP-98 record batch); a test decodes what
this builds with aiokafka's own reader and checks its CRC (kit/tests/test_kafka_records.py).
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterable, Sequence

from aiokafka.record.util import calc_crc32c, decode_varint, encode_varint

_BEFORE_CRC = struct.Struct(">qiib")
"""Base offset (0: the broker assigns), batch length, partition leader epoch, magic."""
_CRC = struct.Struct(">I")
_AFTER_CRC = struct.Struct(">hiqqqhii")
"""Attributes, last offset delta, first and max timestamp, producer id, producer epoch,
base sequence, record count: the part the CRC covers starts here."""
BATCH_HEADER_BYTES = _BEFORE_CRC.size + _CRC.size + _AFTER_CRC.size
"""61: the record batch's header."""
_BATCH_LENGTH_FROM = struct.calcsize(">qi")
"""The batch length counts the bytes after the base offset and the length itself."""
_MAGIC = 2
_NO_PARTITION_LEADER_EPOCH = -1


def _varint_bytes(number: int) -> bytes:
    """Kafka's zig-zag varint of `number`."""
    encoded = bytearray()
    encode_varint(number, encoded.append)
    return bytes(encoded)


_SMALL = 4_096
_SMALL_VARINTS = [_varint_bytes(number) for number in range(_SMALL)]
"""Varints of 0 to 4,095 (two bytes at most), looked up rather than encoded: every
record's offset delta and key length is one, and so are the value's and the record's
lengths of nearly every event (about 160 KB a process)."""


def varint(number: int) -> bytes:
    """Kafka's zig-zag varint of a non-negative `number`."""
    return _SMALL_VARINTS[number] if number < _SMALL else _varint_bytes(number)


def encoded_headers(headers: Sequence[tuple[str, bytes | None]]) -> bytes:
    """Record headers as a Kafka v2 record carries them: their count, then each name and
    value with its length (varints; a missing value has length -1)."""
    encoded = bytearray(varint(len(headers)))
    for name, value in headers:
        name_bytes = name.encode()
        encoded += varint(len(name_bytes))
        encoded += name_bytes
        if value is None:
            encoded += _varint_bytes(-1)
        else:
            encoded += varint(len(value))
            encoded += value
    return bytes(encoded)


def decoded_headers(encoded: bytes) -> list[tuple[str, bytes | None]]:
    """The headers `encoded_headers` encoded (for tests and for going back to JSON).
    Raises ValueError for bytes that are not such headers."""
    return list(_each_header(encoded))


def leading_headers(encoded: bytes, names: frozenset[str]) -> dict[str, bytes]:
    """The values of the headers at the front of `encoded` whose names are in `names`,
    reading no further than the first header that is not (the outbox puts the headers
    a PRODUCER span needs first: this runs for each sampled row). Raises ValueError for
    bytes that are not such headers. Names and values under 64 bytes (all of these) are
    read in one loop; anything longer goes the general way."""
    found: dict[str, bytes] = {}
    try:
        count = encoded[0]
        position = 1
        if count >= 0x80 or count & 1:
            raise _LongVarint
        for _ in range(count >> 1):
            length = encoded[position]
            if length >= 0x80 or length & 1:
                raise _LongVarint
            end = position + 1 + (length >> 1)
            name = encoded[position + 1 : end].decode()
            if name not in names:
                break
            length = encoded[end]
            if length >= 0x80 or length & 1:
                raise _LongVarint
            position = end + 1 + (length >> 1)
            found[name] = encoded[end + 1 : position]
    except _LongVarint:
        return _leading_headers_in_general(encoded, names)
    except (IndexError, UnicodeDecodeError) as exc:
        raise ValueError("not a Kafka record's headers") from exc
    if position > len(encoded):
        raise ValueError("a header runs past the headers' end")
    return found


class _LongVarint(Exception):
    """A count or length of more than one byte (or a missing value): read in general."""


def _leading_headers_in_general(encoded: bytes, names: frozenset[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for name, value in _each_header(encoded, check_end=False):
        if name not in names:
            break
        if value is not None:
            found[name] = value
    return found


def _each_header(encoded: bytes, *, check_end: bool = True) -> Iterable[tuple[str, bytes | None]]:
    """Each header in turn; a one-byte varint (a count or a length under 64) is read
    inline."""
    position = 0

    def read_varint() -> int:
        nonlocal position
        first = encoded[position]
        if first < 0x80:
            position += 1
            return (first >> 1) ^ -(first & 1)
        number, used = decode_varint(bytearray(encoded[position : position + 10]), 0)
        position += used
        return number

    try:
        count = read_varint()
        if count < 0:
            raise ValueError("not a Kafka record's headers: a negative count")
        for _ in range(count):
            length = read_varint()
            if length < 0 or position + length > len(encoded):
                raise ValueError("a header name runs past the headers' end")
            name = encoded[position : position + length].decode()
            position += length
            length = read_varint()
            if length < 0:
                yield name, None
                continue
            if position + length > len(encoded):
                raise ValueError("a header value runs past the headers' end")
            position += length
            yield name, encoded[position - length : position]
    except (IndexError, UnicodeDecodeError) as exc:
        raise ValueError("not a Kafka record's headers") from exc
    if check_end and position != len(encoded):
        raise ValueError("not a Kafka record's headers: bytes after the last header")


def record_size(key: bytes, value: bytes, headers: bytes, offset_delta: int = 0) -> int:
    """The bytes one record takes in a batch: its length varint, then attributes,
    timestamp delta (0: every record of a batch has the batch's time), offset delta,
    key, value and the encoded headers."""
    body = (
        2
        + len(varint(offset_delta))
        + len(varint(len(key)))
        + len(key)
        + len(varint(len(value)))
        + len(value)
        + len(headers)
    )
    return len(varint(body)) + body


class EncodedRecordBatch:
    """One partition's record batch, built from rows whose headers are already encoded.

    `append` adds a record unless the batch would pass `size_limit` (the first record
    always goes in, as the producer's own builder does); `_build` writes the header and
    the CRC once, when the producer drains the batch. Every record takes the batch's
    time (CreateTime, timestamp delta 0). Not transactional, not compressed: what
    `hearth_kit.kafka.new_producer` makes."""

    __slots__ = (
        "_buffer",
        "_closed",
        "_count",
        "_parts",
        "_producer_state",
        "_size",
        "_size_limit",
        "_time",
    )

    def __init__(self, size_limit: int) -> None:
        self._parts: list[bytes] = []
        self._count = 0
        self._size = BATCH_HEADER_BYTES
        self._size_limit = size_limit
        self._time = int(time.time() * 1000)
        self._producer_state = (-1, -1, -1)
        self._buffer: bytes | None = None
        self._closed = False

    def append(self, key: bytes, value: bytes, headers: bytes) -> bool:
        """Add one record; False (and the batch is closed) if it does not fit."""
        if self._closed:
            return False
        count = self._count
        small = _SMALL_VARINTS
        key_length = len(key)
        value_length = len(value)
        start = b"\x00\x00" + (small[count] if count < _SMALL else _varint_bytes(count))
        key_varint = small[key_length] if key_length < _SMALL else _varint_bytes(key_length)
        value_varint = small[value_length] if value_length < _SMALL else _varint_bytes(value_length)
        body = len(start) + len(key_varint) + key_length + len(value_varint) + value_length
        body += len(headers)
        length = small[body] if body < _SMALL else _varint_bytes(body)
        size = len(length) + body
        if count and self._size + size > self._size_limit:
            self._closed = True
            return False
        self._parts += (length, start, key_varint, key, value_varint, value, headers)
        self._count = count + 1
        self._size += size
        return True

    def close(self) -> None:
        """Take no more records (a batch handed to the producer is closed first)."""
        self._closed = True

    def closed(self) -> bool:
        return self._closed

    def size(self) -> int:
        """The batch's bytes, header included."""
        return self._size

    def record_count(self) -> int:
        return self._count

    def _set_producer_state(
        self, producer_id: int, producer_epoch: int, base_sequence: int
    ) -> None:
        """The idempotent producer's id, epoch and first sequence number, set by the
        producer when it drains the batch (and again if it re-sends it)."""
        self._producer_state = (producer_id, producer_epoch, base_sequence)
        self._buffer = None

    def _build(self) -> bytes:
        """The batch as the broker reads it: the header, its CRC-32C, the records."""
        if self._buffer is None:
            self._closed = True
            producer_id, producer_epoch, base_sequence = self._producer_state
            covered = _AFTER_CRC.pack(
                0,  # attributes: no compression, CreateTime, not transactional
                self._count - 1,
                self._time,
                self._time,
                producer_id,
                producer_epoch,
                base_sequence,
                self._count,
            ) + b"".join(self._parts)
            length = len(covered) + BATCH_HEADER_BYTES - _AFTER_CRC.size - _BATCH_LENGTH_FROM
            self._buffer = (
                _BEFORE_CRC.pack(0, length, _NO_PARTITION_LEADER_EPOCH, _MAGIC)
                + _CRC.pack(calc_crc32c(covered))
                + covered
            )
        return self._buffer

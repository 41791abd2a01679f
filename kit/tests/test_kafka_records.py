"""Kafka's record batch as the relay builds it from pre-encoded headers (pure): what it
builds is what aiokafka's own reader reads back (CRC checked), record for record, and
what the producer's own builder would have sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiokafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
from hypothesis import given
from hypothesis import strategies as st

from hearth_kit.kafka_records import (
    BATCH_HEADER_BYTES,
    EncodedRecordBatch,
    decoded_headers,
    encoded_headers,
    leading_headers,
    record_size,
)


def records_of(
    batch: bytes,
) -> Iterator[tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]]]]:
    """Each record's key, value and headers in a batch, read by aiokafka's own reader
    after it has checked the CRC."""
    reader = DefaultRecordBatch(bytearray(batch))
    assert reader.validate_crc(), "the record batch's CRC does not match its contents"
    for record in reader:
        yield record.key, record.value, list(record.headers)


_HEADERS = st.lists(
    st.tuples(st.text(max_size=30), st.one_of(st.none(), st.binary(max_size=80))), max_size=12
)
_RECORDS = st.lists(
    st.tuples(st.binary(min_size=1, max_size=60), st.binary(max_size=20_000), _HEADERS),
    min_size=1,
    max_size=40,
)


@given(_HEADERS)
def test_headers_decode_to_what_was_encoded(headers: list[tuple[str, bytes | None]]) -> None:
    assert decoded_headers(encoded_headers(headers)) == headers


_NAMES = st.sampled_from(["traceparent", "tracestate", "ce_id", "ce_type", "ce_time", "x" * 70])


@given(
    st.lists(
        st.tuples(_NAMES, st.one_of(st.none(), st.binary(max_size=40), st.binary(max_size=200))),
        max_size=8,
    )
)
def test_the_leading_headers_are_read_as_a_full_decode_reads_them(
    headers: list[tuple[str, bytes | None]],
) -> None:
    wanted = frozenset({"traceparent", "tracestate", "ce_id", "ce_type"})
    expected: dict[str, bytes] = {}
    for name, value in headers:
        if name not in wanted:
            break
        if value is not None:
            expected[name] = value
    assert leading_headers(encoded_headers(headers), wanted) == expected


@pytest.mark.parametrize("encoded", [b"", b"\x02", b"\x02\x02a", b"\x02\x02a\x06ab", b"\x00\x00"])
def test_bytes_that_are_not_headers_are_refused(encoded: bytes) -> None:
    with pytest.raises(ValueError, match="headers"):
        decoded_headers(encoded)


@given(_RECORDS, st.integers(0, 2**40), st.integers(0, 2**15 - 1), st.integers(0, 2**31 - 1))
def test_a_batch_reads_back_record_for_record_with_its_crc(
    records: list[tuple[bytes, bytes, list[tuple[str, bytes | None]]]],
    producer_id: int,
    epoch: int,
    sequence: int,
) -> None:
    batch = EncodedRecordBatch(size_limit=1 << 30)
    for key, value, headers in records:
        assert batch.append(key, value, encoded_headers(headers))
    batch.close()
    batch._set_producer_state(producer_id, epoch, sequence)
    built = batch._build()
    assert len(built) == batch.size()
    assert list(records_of(built)) == records
    assert batch.record_count() == len(records)


@given(_RECORDS)
def test_a_batch_is_the_size_the_producers_own_builder_gives_it(
    records: list[tuple[bytes, bytes, list[tuple[str, bytes | None]]]],
) -> None:
    ours = EncodedRecordBatch(size_limit=1 << 30)
    theirs = DefaultRecordBatchBuilder(
        2,
        0,
        is_transactional=0,
        producer_id=7,
        producer_epoch=1,
        base_sequence=3,
        batch_size=1 << 30,
    )
    for offset, (key, value, headers) in enumerate(records):
        ours.append(key, value, encoded_headers(headers))
        theirs.append(offset, 1_700_000_000_000, key=key, value=value, headers=headers)
    ours._set_producer_state(7, 1, 3)
    assert len(ours._build()) == len(theirs.build())


def test_a_full_batch_takes_no_more_but_an_empty_one_takes_any_record() -> None:
    key, value, headers = b"k", b"v" * 100, encoded_headers([("ce_id", b"1")])
    one = record_size(key, value, headers)
    batch = EncodedRecordBatch(size_limit=BATCH_HEADER_BYTES + 2 * one)
    assert batch.append(key, value, headers)
    assert batch.append(key, value, headers)
    assert not batch.append(key, value, headers)
    assert batch.closed()
    assert batch.record_count() == 2

    alone = EncodedRecordBatch(size_limit=10)
    assert alone.append(key, b"v" * 50_000, headers)  # the first record always goes in
    assert not alone.append(key, value, headers)


def test_a_record_larger_than_a_small_varint_is_sized_and_read_back() -> None:
    headers = encoded_headers([("traceparent", b"00-" + b"a" * 52)])
    value = b"x" * 300_000
    batch = EncodedRecordBatch(size_limit=1 << 20)
    assert batch.append(b"key", value, headers)
    assert batch.size() == BATCH_HEADER_BYTES + record_size(b"key", value, headers)
    [(key, read, _)] = records_of(batch._build())
    assert (key, read) == (b"key", value)

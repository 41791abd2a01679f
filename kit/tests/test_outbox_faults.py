"""Whose fault a failed send is (pure): a row the broker refuses for its own sake is
charged and eventually parked; a broker outage charges nobody. Also the W3C sampled
flag that decides whether a row gets a PRODUCER span, the relay's lock key, and the
partition it puts a key on (Kafka's own, so consumers of a key see one partition)."""

from __future__ import annotations

import json

import pytest
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    InvalidTopicError,
    KafkaConnectionError,
    KafkaTimeoutError,
    LeaderNotAvailableError,
    MessageSizeTooLargeError,
    NoBrokersAvailable,
    NodeNotReadyError,
    NotEnoughReplicasAfterAppendError,
    NotEnoughReplicasError,
    NotLeaderForPartitionError,
    OutOfOrderSequenceNumber,
    ProducerClosed,
    RecordListTooLargeError,
    RecordTooLargeError,
    RequestTimedOutError,
    TopicAuthorizationFailedError,
    UnknownError,
    UnknownTopicOrPartitionError,
)
from hypothesis import example, given
from hypothesis import strategies as st

from hearth_kit.kafka_records import decoded_headers
from hearth_kit.outbox import (
    SPAN_HEADERS,
    Fault,
    error_text,
    fault_of,
    key_hash,
    legacy_headers,
    murmur2,
    partition_of_hash,
    relay_lock_key,
    sampled_parent,
    trace_sampled,
)


@pytest.mark.parametrize(
    "error",
    [
        MessageSizeTooLargeError(),  # over the producer's request size, or the topic's limit
        RecordTooLargeError(),
        RecordListTooLargeError(),
        InvalidTopicError(),
        CorruptRecordException(),
        InvalidTimestampError(),
        UnknownError(),  # the broker failed on this row and said no more
        TypeError("header value is not bytes"),  # a row the client cannot even encode
        UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed"),
    ],
    ids=type,
)
def test_a_refusal_of_the_row_itself_is_the_rows_fault(error: BaseException) -> None:
    assert fault_of(error) is Fault.ROW


@pytest.mark.parametrize(
    "error",
    [
        KafkaConnectionError(),
        KafkaTimeoutError(),  # no room in the producer's buffer, or no metadata in time
        NoBrokersAvailable(),
        NodeNotReadyError(),
        RequestTimedOutError(),
        NotEnoughReplicasError(),
        NotEnoughReplicasAfterAppendError(),
        LeaderNotAvailableError(),
        NotLeaderForPartitionError(),
        UnknownTopicOrPartitionError(),
        ProducerClosed(),
        OutOfOrderSequenceNumber(),  # a neighbour of a refused batch on the same partition
        TopicAuthorizationFailedError(),  # access applies to every row of the topic
        TimeoutError(),
        ConnectionResetError(),
        OSError("network is unreachable"),
    ],
    ids=type,
)
def test_a_broker_outage_is_nobodys_fault_so_no_row_is_charged(error: BaseException) -> None:
    assert fault_of(error) is Fault.BROKER


def test_every_retriable_kafka_error_is_an_outage() -> None:
    from aiokafka import errors

    retriable = [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type)
        and issubclass(cls, errors.KafkaError)
        and getattr(cls, "retriable", False)
    ]
    assert retriable
    for cls in retriable:
        assert fault_of(cls()) is Fault.BROKER, cls


def test_the_recorded_error_names_a_kafka_error_with_its_message_and_others_by_type_only() -> None:
    refused = MessageSizeTooLargeError("The message is 2000000 bytes when serialized")
    assert error_text(refused) == (
        "MessageSizeTooLargeError: [Error 10] MessageSizeTooLargeError: "
        "The message is 2000000 bytes when serialized"
    )
    # Errors from outside Kafka may quote the values that caused them (the payload).
    assert error_text(ValueError("tenant Jane Smith, 07700 900123")) == "ValueError"


@pytest.mark.parametrize(
    ("traceparent", "sampled"),
    [
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", True),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03", True),  # sampled + random
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", False),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02", False),
        (None, False),
        ("", False),
        ("not a traceparent", False),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz", False),
    ],
)
def test_a_row_gets_a_producer_span_only_when_its_trace_was_sampled(
    traceparent: str | None, sampled: bool
) -> None:
    assert trace_sampled(traceparent) is sampled


def test_the_producer_span_of_a_sampled_row_is_a_child_of_the_span_that_wrote_it() -> None:
    from opentelemetry import trace

    parent = sampled_parent(
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=opaque"
    )
    assert parent is not None
    writer = trace.get_current_span(parent).get_span_context()
    assert writer.trace_id == 0x4BF92F3577B34DA6A3CE929D0E0E4736
    assert writer.span_id == 0x00F067AA0BA902B7
    assert writer.is_remote
    assert writer.trace_flags.sampled
    assert writer.trace_state.get("vendor") == "opaque"


@pytest.mark.parametrize(
    "traceparent",
    [
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",  # not sampled
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # invalid trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # invalid span id
        "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",  # short trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba9zzzz-01",  # not hex
        None,
    ],
)
def test_no_producer_span_for_an_unsampled_or_malformed_traceparent(
    traceparent: str | None,
) -> None:
    assert sampled_parent(traceparent) is None


def test_each_service_has_its_own_stable_relay_lock() -> None:
    assert relay_lock_key("visits") == relay_lock_key("visits")
    assert relay_lock_key("visits") != relay_lock_key("repairs")
    assert -(2**63) <= relay_lock_key("visits") < 2**63  # a PostgreSQL bigint


@given(st.binary(max_size=64), st.integers(min_value=1, max_value=64))
def test_the_relay_puts_a_key_on_the_partition_kafkas_default_partitioner_gives_it(
    key: bytes, count: int
) -> None:
    from aiokafka.partitioner import DefaultPartitioner
    from aiokafka.partitioner import murmur2 as kafkas_murmur2

    partitions = list(range(count))
    # What `publish` stores with the row, and the relay takes modulo the partitions.
    relays_partition = partition_of_hash(key_hash(key), partitions)
    assert murmur2(key) == kafkas_murmur2(key)
    assert relays_partition == DefaultPartitioner()(key, partitions, partitions)
    assert 0 <= key_hash(key) < 2**31  # fits the outbox's INTEGER column
    assert partitions[key_hash(key) % count] == relays_partition


@given(
    st.text(alphabet="0123456789abcdefABCDEF-xz", min_size=54, max_size=54),
    st.sampled_from("02468aceACExz-"),
)
def test_a_traceparent_whose_last_flags_digit_is_even_is_never_sampled(
    start: str, last: str
) -> None:
    # The relay settles a version-00 traceparent (55 characters) by its last digit alone.
    assert sampled_parent(start + last) is None


_HEADER_TEXT = st.text(max_size=20)


@given(
    st.dictionaries(st.sampled_from(sorted(SPAN_HEADERS)) | _HEADER_TEXT, _HEADER_TEXT, max_size=10)
)
@example({"": "", "ce_id": ""})  # a span header after another: it goes first
def test_an_older_rows_json_headers_are_encoded_as_publish_encodes_them(
    headers: dict[str, str],
) -> None:
    encoded, sampled = legacy_headers(json.dumps(headers))
    # As `publish` encodes them: the span's headers first, then the rest, each in order.
    as_stored = [(name, value.encode()) for name, value in headers.items()]
    assert decoded_headers(encoded) == [h for h in as_stored if h[0] in SPAN_HEADERS] + [
        h for h in as_stored if h[0] not in SPAN_HEADERS
    ]
    assert sampled is trace_sampled(headers.get("traceparent"))


def test_an_older_rows_traceparent_says_whether_it_gets_a_span() -> None:
    traced = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert legacy_headers(json.dumps({"traceparent": traced}))[1] is True
    assert legacy_headers(json.dumps({"traceparent": traced[:-1] + "0"}))[1] is False


@pytest.mark.parametrize("text", ["{", "[]", '{"a": 1}', '{"a": null}', '"text"'])
def test_headers_that_are_not_a_json_object_of_text_refuse_the_row(text: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        legacy_headers(text)

"""Tables the kit keeps in every service's database (created by each service's
first Alembic migration with `hearth_kit.kit_schema.create_kit_tables_v1`)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)

from hearth_kit.db import AwareDateTime

kit_metadata = MetaData()

_BigId = BigInteger().with_variant(Integer, "sqlite")

outbox_message = Table(
    "outbox_message",
    kit_metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("event_type", String(200), nullable=False),
    Column("topic", String(249), nullable=False, comment="without the namespace prefix"),
    Column("message_key", String(200), nullable=False),
    Column(
        "headers",
        JSON,
        nullable=True,
        comment="CloudEvents and trace headers as JSON, on rows written before kafka_headers",
    ),
    Column("payload", LargeBinary, nullable=False, comment="the event data as JSON"),
    Column(
        "kafka_headers",
        LargeBinary,
        nullable=True,
        comment="CloudEvents and trace headers as the Kafka record carries them",
    ),
    Column(
        "key_hash",
        Integer,
        nullable=True,
        comment="Kafka's murmur2 of message_key (31 bits): the partition, modulo their number",
    ),
    Column(
        "trace_sampled",
        Boolean,
        nullable=False,
        server_default=false(),
        comment="written in a sampled trace: the relay records a PRODUCER span",
    ),
    Column("created_at", AwareDateTime(), nullable=False),
    Column("published_at", AwareDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    Column(
        "parked_at",
        AwareDateTime(),
        nullable=True,
        comment="set when the broker kept refusing the row; it and the rest of its key wait",
    ),
    comment="Transactional outbox: events written with the state change, sent by the relay",
)
Index(
    "ix_outbox_message_unpublished",
    outbox_message.c.id,
    postgresql_where=text("published_at IS NULL"),
    sqlite_where=text("published_at IS NULL"),
)
Index(
    "ix_outbox_message_parked",
    outbox_message.c.topic,
    outbox_message.c.message_key,
    outbox_message.c.id,
    postgresql_where=text("parked_at IS NOT NULL AND published_at IS NULL"),
    sqlite_where=text("parked_at IS NOT NULL AND published_at IS NULL"),
)

inbox_event = Table(
    "inbox_event",
    kit_metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("consumer_group", String(200), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("topic", String(249), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("handled_at", AwareDateTime(), nullable=False),
    comment="Events already handled: a redelivered event has no second effect",
)
Index("ix_inbox_event_handled_at", inbox_event.c.handled_at)  # the retention job's (v5)

dead_letter = Table(
    "dead_letter",
    kit_metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=True),
    Column("event_type", String(200), nullable=True),
    Column("consumer_group", String(200), nullable=False),
    Column("topic", String(249), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("message_key", LargeBinary, nullable=True),
    Column("headers", JSON, nullable=False),
    Column("payload", LargeBinary, nullable=True),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("dead_lettered_at", AwareDateTime(), nullable=False),
    Column("replayed_at", AwareDateTime(), nullable=True),
    UniqueConstraint("event_id", "consumer_group", name="uq_dead_letter_event_group"),
    comment="Events a handler gave up on; also sent to the dead-letter topic",
)
Index(
    "uq_dead_letter_message_group",
    dead_letter.c.consumer_group,
    dead_letter.c.topic,
    dead_letter.c.partition,
    dead_letter.c.offset,
    unique=True,
    postgresql_where=text("event_id IS NULL"),
    sqlite_where=text("event_id IS NULL"),
)
"""A message without a valid event id is one dead letter per consumer group too, named
by where it is (the unique constraint above does not apply where event_id is NULL)."""

idempotency_record = Table(
    "idempotency_record",
    kit_metadata,
    Column("key", String(200), primary_key=True),
    Column("scope", String(300), primary_key=True, comment="method and route"),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response_body", JSON, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("created_at", AwareDateTime(), nullable=False),
    comment="Responses to POSTs that carried an Idempotency-Key",
)
Index("ix_idempotency_record_created_at", idempotency_record.c.created_at)

"""The kit's tables in Alembic operations, versioned, for services' migrations.

Every service's first migration calls `create_kit_tables_v1()` (and its downgrade
`drop_kit_tables_v1()`), so the outbox, inbox, dead-letter and idempotency tables are
described once. A migration records history, so this version never changes: a later
change to the kit's tables is a new `..._v2` function that each service's next
migration calls.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UNPUBLISHED = {
    "postgresql_where": sa.text("published_at IS NULL"),
    "sqlite_where": sa.text("published_at IS NULL"),
}


def create_kit_tables_v1() -> None:
    op.create_table(
        "dead_letter",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("event_type", sa.String(length=200), nullable=True),
        sa.Column("consumer_group", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=249), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("message_key", sa.LargeBinary(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("dead_lettered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        comment="Events a handler gave up on; also sent to the dead-letter topic",
    )
    op.create_table(
        "idempotency_record",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=300), nullable=False, comment="method and route"),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.JSON(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", "scope"),
        comment="Responses to POSTs that carried an Idempotency-Key",
    )
    op.create_table(
        "inbox_event",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("consumer_group", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=249), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "consumer_group"),
        comment="Events already handled: a redelivered event has no second effect",
    )
    op.create_table(
        "outbox_message",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column(
            "topic", sa.String(length=249), nullable=False, comment="without the namespace prefix"
        ),
        sa.Column("message_key", sa.String(length=200), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False, comment="CloudEvents and trace headers"),
        sa.Column("payload", sa.LargeBinary(), nullable=False, comment="the event data as JSON"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
        comment="Transactional outbox: events written with the state change, sent by the relay",
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_unpublished", ["id"], unique=False, **_UNPUBLISHED)


_PARKED = {
    "postgresql_where": sa.text("parked_at IS NOT NULL AND published_at IS NULL"),
    "sqlite_where": sa.text("parked_at IS NOT NULL AND published_at IS NULL"),
}


def upgrade_kit_tables_v2() -> None:
    """Outbox parking (a row the broker keeps refusing waits, with the rest of its key),
    one dead letter per (event, consumer group), and idempotency records that expire."""
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "parked_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="set when the broker kept refusing the row; it and the rest of its "
                "key wait",
            )
        )
        batch_op.create_index(
            "ix_outbox_message_parked", ["topic", "message_key", "id"], unique=False, **_PARKED
        )
    with op.batch_alter_table("dead_letter", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_dead_letter_event_group", ["event_id", "consumer_group"]
        )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index("ix_idempotency_record_created_at", ["created_at"], unique=False)


def downgrade_kit_tables_v2() -> None:
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_record_created_at")
    with op.batch_alter_table("dead_letter", schema=None) as batch_op:
        batch_op.drop_constraint("uq_dead_letter_event_group", type_="unique")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_parked", **_PARKED)
        batch_op.drop_column("parked_at")


def upgrade_kit_tables_v3() -> None:
    """The outbox keeps an event's headers as the Kafka record carries them
    (`kafka_headers`), its key's partitioner hash and whether its trace is sampled; the
    JSON headers stay for rows written before (docs/adr/0023-outbox-keeps-kafka-headers.md)."""
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kafka_headers",
                sa.LargeBinary(),
                nullable=True,
                comment="CloudEvents and trace headers as the Kafka record carries them",
            )
        )
        batch_op.add_column(
            sa.Column(
                "key_hash",
                sa.Integer(),
                nullable=True,
                comment="Kafka's murmur2 of message_key (31 bits): the partition, modulo "
                "their number",
            )
        )
        batch_op.add_column(
            sa.Column(
                "trace_sampled",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
                comment="written in a sampled trace: the relay records a PRODUCER span",
            )
        )
        batch_op.alter_column(
            "headers",
            existing_type=sa.JSON(),
            nullable=True,
            comment="CloudEvents and trace headers as JSON, on rows written before kafka_headers",
            existing_comment="CloudEvents and trace headers",
        )


def downgrade_kit_tables_v3() -> None:
    """Rows still to be sent that have only `kafka_headers` get their JSON headers back
    (an older relay reads only those) before the column goes."""
    from hearth_kit.kafka_records import decoded_headers

    outbox = sa.table(
        "outbox_message",
        sa.column("id", sa.BigInteger()),
        sa.column("headers", sa.JSON()),
        sa.column("kafka_headers", sa.LargeBinary()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.kafka_headers).where(outbox.c.headers.is_(None))
    ).all()
    for outbox_id, encoded in rows:
        headers = {
            name: (value or b"").decode() for name, value in decoded_headers(encoded or b"\x00")
        }
        bind.execute(outbox.update().where(outbox.c.id == outbox_id).values(headers=headers))
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.alter_column(
            "headers",
            existing_type=sa.JSON(),
            nullable=False,
            comment="CloudEvents and trace headers",
            existing_comment="CloudEvents and trace headers as JSON, on rows written before "
            "kafka_headers",
        )
        batch_op.drop_column("trace_sampled")
        batch_op.drop_column("key_hash")
        batch_op.drop_column("kafka_headers")


_WITHOUT_EVENT_ID = {
    "postgresql_where": sa.text("event_id IS NULL"),
    "sqlite_where": sa.text("event_id IS NULL"),
}


def upgrade_kit_tables_v4() -> None:
    """One dead letter per (message, consumer group) for a message without a valid
    event id, which the (event_id, consumer_group) constraint misses (NULLs differ):
    each redelivery of such a message added a row. The copies already written go first,
    the earliest of each message kept (marked replayed if any copy was)."""
    letters = sa.table(
        "dead_letter",
        sa.column("id", sa.BigInteger()),
        sa.column("event_id", sa.String()),
        sa.column("consumer_group", sa.String()),
        sa.column("topic", sa.String()),
        sa.column("partition", sa.Integer()),
        sa.column("offset", sa.BigInteger()),
        sa.column("replayed_at", sa.DateTime(timezone=True)),
    )
    twin = letters.alias("twin")
    same_message = sa.and_(
        twin.c.event_id.is_(None),
        twin.c.consumer_group == letters.c.consumer_group,
        twin.c.topic == letters.c.topic,
        twin.c.partition == letters.c.partition,
        twin.c.offset == letters.c.offset,
    )
    bind = op.get_bind()
    bind.execute(
        letters.update()
        .where(letters.c.event_id.is_(None), letters.c.replayed_at.is_(None))
        .values(
            replayed_at=sa.select(sa.func.max(twin.c.replayed_at))
            .where(same_message)
            .scalar_subquery()
        )
    )
    bind.execute(
        letters.delete().where(
            letters.c.event_id.is_(None),
            sa.exists().where(same_message, twin.c.id < letters.c.id),
        )
    )
    with op.batch_alter_table("dead_letter", schema=None) as batch_op:
        batch_op.create_index(
            "uq_dead_letter_message_group",
            ["consumer_group", "topic", "partition", "offset"],
            unique=True,
            **_WITHOUT_EVENT_ID,
        )


def downgrade_kit_tables_v4() -> None:
    with op.batch_alter_table("dead_letter", schema=None) as batch_op:
        batch_op.drop_index("uq_dead_letter_message_group", **_WITHOUT_EVENT_ID)


def upgrade_kit_tables_v5() -> None:
    """An index on when each inbox row was handled, so the inbox retention job
    (hearth_kit.inbox_retention) finds the rows past their retention without reading the
    whole inbox. Plain CREATE INDEX in the migration's transaction, as every earlier
    one: it holds the consumer's inserts while it builds (docs/runbooks/upgrading.md)."""
    op.create_index("ix_inbox_event_handled_at", "inbox_event", ["handled_at"])


def downgrade_kit_tables_v5() -> None:
    op.drop_index("ix_inbox_event_handled_at", table_name="inbox_event")


def drop_kit_tables_v1() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_unpublished", **_UNPUBLISHED)
    op.drop_table("outbox_message")
    op.drop_table("inbox_event")
    op.drop_table("idempotency_record")
    op.drop_table("dead_letter")

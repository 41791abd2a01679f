"""All SQL about messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Row, Select, text, tuple_
from sqlalchemy import select as select_columns
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from engagement.models import UNTRANSLATED_SQL, Message, MessageStatus

_Query = TypeVar("_Query", bound=Select[Any])

UNTRANSLATED_COLUMNS = (
    col(Message.id),
    col(Message.resident_id),
    col(Message.template),
    col(Message.channel),
    col(Message.untranslated_from),
    col(Message.status),
    col(Message.created_at),
    col(Message.sent_at),
)
"""What the list of untranslated messages across residents reads (schemas.
UntranslatedMessage's fields): never the subject, body, recipient or formats."""


async def add_once(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the message unless the same template for the same resident and source is
    there already (the same fact re-published); True when inserted."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(Message)
        .values(values)
        .on_conflict_do_nothing(index_elements=["resident_id", "template", "source_id"])
        .returning(col(Message.id))
    )
    return (await session.execute(statement)).first() is not None


async def add_many(session: AsyncSession, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """add_once for many messages in one statement (every row with the same columns):
    the ids of those inserted, leaving out any there already."""
    if not rows:
        return set()
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(Message)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["resident_id", "template", "source_id"])
        .returning(col(Message.id))
    )
    return set((await session.execute(statement)).scalars().all())


async def of_source(
    session: AsyncSession, resident_id: uuid.UUID, template: str, source_id: uuid.UUID
) -> Message | None:
    """The resident's message of this template written for this source, if any."""
    query = select(Message).where(
        Message.resident_id == resident_id,
        Message.template == template,
        Message.source_id == source_id,
    )
    return (await session.execute(query)).scalars().first()


async def due(session: AsyncSession, now: datetime, limit: int) -> list[Message]:
    """Pending messages whose next attempt is due, locked (rows another replica holds
    are skipped).

    A message waits while an older one to the same resident about the same thing (its
    source: an appointment's booked and cancelled messages share the appointment id) is
    still pending, waiting for its back-off or being sent by another replica (read
    unlocked, so that replica's commit releases it): the resident reads a booking and
    then its cancellation, never the other way round (docs/adr/0074)."""
    older = aliased(Message)
    waiting_behind = (
        select(older.id)
        .where(
            older.status == MessageStatus.PENDING,
            older.resident_id == Message.resident_id,
            older.source_id == Message.source_id,
            older.created_at < Message.created_at,
        )
        .exists()
    )
    query = (
        select(Message)
        .where(
            Message.status == MessageStatus.PENDING,
            col(Message.next_attempt_at) <= now,
            ~waiting_behind,
        )
        .order_by(col(Message.next_attempt_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def not_yet_tried(session: AsyncSession, resident_id: uuid.UUID) -> list[Message]:
    """The resident's pending messages never claimed by a sender (no attempt made: no
    provider has seen them), locked; one a sender claims meanwhile is no longer one of
    them (its attempt counted: the condition is checked again on the row the lock waited
    for), and a sender's claim skips those locked here."""
    query = (
        select(Message)
        .where(
            Message.resident_id == resident_id,
            Message.status == MessageStatus.PENDING,
            Message.attempts == 0,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(query)).scalars().all())


async def claimed(session: AsyncSession, message_id: uuid.UUID, attempt: int) -> Message | None:
    """The message a sender claimed for its `attempt`, locked for the send; None when it
    is no longer that sender's to send: pending no more, or claimed again by another
    replica (its `attempts` moved on) whose transaction may hold it (skipped, not
    waited for: whichever it is, it is not this claim's)."""
    query = (
        select(Message)
        .where(
            Message.id == message_id,
            Message.status == MessageStatus.PENDING,
            Message.attempts == attempt,
        )
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).scalars().first()


async def page(
    session: AsyncSession,
    *,
    resident_id: uuid.UUID,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Message]:
    """A resident's messages, latest first."""
    query = _latest_first(
        select(Message).where(Message.resident_id == resident_id), after=after, limit=limit
    )
    return list((await session.execute(query)).scalars().all())


async def untranslated_page(
    session: AsyncSession, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[Row[Any]]:
    """Every resident's messages written in English for want of a template in their
    language (ADR 0119), latest first: off the partial index ix_message_untranslated_
    created_at, whose predicate this states word for word. Only UNTRANSLATED_COLUMNS
    are read: the list across residents never carries a message's text."""
    query = _latest_first(
        select_columns(*UNTRANSLATED_COLUMNS).where(text(UNTRANSLATED_SQL)),
        after=after,
        limit=limit,
    )
    return list((await session.execute(query)).all())


def _latest_first(query: _Query, *, after: tuple[datetime, uuid.UUID] | None, limit: int) -> _Query:
    """A page of messages latest first (created_at, then id): `limit` of them after the
    (created_at, id) cursor `after`, the first page when it is None."""
    query = query.order_by(col(Message.created_at).desc(), col(Message.id).desc()).limit(limit)
    if after is not None:
        created_at, message_id = after
        query = query.where(
            tuple_(col(Message.created_at), col(Message.id)) < (created_at, message_id)
        )
    return query

"""Parked outbox rows, for operations: list them and send one again once its cause is
fixed (docs/runbooks/events-outbox-and-dead-letters.md, docs/adr/0005-outbox-parking.md).

A parked row is one the broker refused `outbox_max_attempts` times for a reason of its
own; it and every later row of its key wait. Retrying it clears `parked_at` and its
attempts, and wakes the relay, which sends it and then the rows that waited behind it,
in order.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select, update

from hearth_kit.db import SessionDep
from hearth_kit.problems import NotFound
from hearth_kit.tables import outbox_message

MAX_OUTBOX_ID = 2**63 - 1
"""The largest id a BIGINT holds: a larger path id is a 422, not a database error."""

OutboxId = Annotated[int, Path(ge=1, le=MAX_OUTBOX_ID, description="The outbox row's id")]


class ParkedOutboxRow(BaseModel):
    """An outbox row the broker kept refusing, without its payload."""

    id: int
    event_id: uuid.UUID
    event_type: str
    topic: str = Field(description="Without the namespace prefix")
    message_key: str
    attempts: int
    last_error: str | None
    created_at: datetime
    parked_at: datetime | None
    held_back: int = Field(description="Later rows of the same key waiting behind this one")


class RetriedOutboxRow(BaseModel):
    """The row as it is after a retry: unparked, attempts reset; the relay sends it next."""

    id: int
    event_id: uuid.UUID
    event_type: str
    topic: str
    message_key: str
    attempts: int
    last_error: str | None
    created_at: datetime
    parked_at: datetime | None


def _parked() -> Any:
    return (outbox_message.c.parked_at.is_not(None), outbox_message.c.published_at.is_(None))


outbox_admin_router = APIRouter(prefix="/admin/outbox", tags=["operations"])


@outbox_admin_router.get("/parked", response_model=list[ParkedOutboxRow])
async def list_parked_rows(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        int | None,
        Query(ge=1, le=MAX_OUTBOX_ID, description="Only rows with a smaller id (next page)"),
    ] = None,
) -> list[Any]:
    """Parked outbox rows, newest first, each with how many rows of its key wait behind
    it. Page on with `before` set to the last id of a page."""
    waiting = outbox_message.alias("waiting")
    held_back = (
        select(func.count())
        .where(
            waiting.c.published_at.is_(None),
            waiting.c.topic == outbox_message.c.topic,
            waiting.c.message_key == outbox_message.c.message_key,
            waiting.c.id > outbox_message.c.id,
        )
        .scalar_subquery()
    )
    query = (
        select(
            outbox_message.c.id,
            outbox_message.c.event_id,
            outbox_message.c.event_type,
            outbox_message.c.topic,
            outbox_message.c.message_key,
            outbox_message.c.attempts,
            outbox_message.c.last_error,
            outbox_message.c.created_at,
            outbox_message.c.parked_at,
            held_back.label("held_back"),
        )
        .where(*_parked())
        .order_by(outbox_message.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(outbox_message.c.id < before)
    return list((await session.execute(query)).mappings().all())


@outbox_admin_router.post("/{outbox_id}/retry", response_model=RetriedOutboxRow)
async def retry_parked_row(session: SessionDep, outbox_id: OutboxId) -> Any:
    """Unpark a row once the cause is fixed (the topic's size limit raised, say): its
    attempts start again from 0 and the relay sends it, then the rows of its key that
    waited behind it, in order. 404 when no parked row has this id."""
    row = (
        (
            await session.execute(
                update(outbox_message)
                .where(outbox_message.c.id == outbox_id, *_parked())
                .values(parked_at=None, attempts=0)
                .returning(
                    outbox_message.c.id,
                    outbox_message.c.event_id,
                    outbox_message.c.event_type,
                    outbox_message.c.topic,
                    outbox_message.c.message_key,
                    outbox_message.c.attempts,
                    outbox_message.c.last_error,
                    outbox_message.c.created_at,
                    outbox_message.c.parked_at,
                )
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"No parked outbox row {outbox_id}")
    # Wakes this process's relay once the transaction commits, as a publish() does.
    session.sync_session.info["outbox_written"] = True
    return row

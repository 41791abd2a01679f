"""Which contractor messages a webhook round picks (repository.due), on the real
database: messages held back behind another work order's (ADR 0185) must not keep the
round from the ones that can go."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from hearth_kit.db import Database
from repairs.models import WebhookDelivery
from repairs.webhooks import repository

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def a_message(
    contractor: str,
    event_type: str,
    work_order_id: uuid.UUID,
    *,
    created_at: datetime,
    next_attempt_at: datetime,
    appointment_of: list[uuid.UUID] | None = None,
) -> WebhookDelivery:
    body: dict[str, object] = {"event_type": event_type}
    if appointment_of is not None:
        body["sent_for"] = {"work_order_ids": [str(i) for i in appointment_of]}
    return WebhookDelivery(
        event_id=uuid.uuid4(),
        event_type=event_type,
        contractor_id=contractor,
        work_order_id=work_order_id,
        body=json.dumps(body),
        next_attempt_at=next_attempt_at,
        created_at=created_at,
    )


async def test_more_held_back_appointments_than_a_rounds_candidates_do_not_stop_the_others(
    repairs_database: Database,
) -> None:
    """A contractor's raise-repair for one work order in its back-off, and more
    appointments holding that work order (each queued under another, already sent) than
    the round looks at: they wait, and are due first every round, being never tried. The
    round looks past them: another contractor's message, due after them, goes. Before,
    the round looked at the first 100 due and, all held back, sent nothing, for every
    contractor, until the raise-repair went, which it never did (due after them too)."""
    waiting = uuid.uuid4()
    start = NOW - timedelta(days=2)
    rows = [
        a_message(
            "slowpipes",
            "raise-repair",
            waiting,
            created_at=start,
            next_attempt_at=NOW - timedelta(minutes=1),
        )
    ]
    rows += [
        a_message(
            "slowpipes",
            "schedule-repair",
            first,
            created_at=start + timedelta(minutes=n + 1),
            next_attempt_at=start + timedelta(minutes=n + 1),
            appointment_of=[first, waiting],
        )
        for n, first in enumerate(uuid.uuid4() for _ in range(repository.CANDIDATES + 5))
    ]
    other = a_message(
        "fastfix",
        "raise-repair",
        uuid.uuid4(),
        created_at=NOW - timedelta(minutes=5),
        next_attempt_at=NOW - timedelta(minutes=5),
    )
    rows.append(other)
    expected = {rows[0].id, other.id}
    async with repairs_database.sessionmaker() as session:
        session.add_all(rows)
        await session.commit()

    async with repairs_database.sessionmaker() as session:
        picked = {p.id for p in await repository.due(session, NOW, 2)}
        await session.rollback()

    assert picked == expected

"""Which contractor messages a webhook round picks (repository.due), on the real
database: messages held back behind another work order's (ADR 0185) must not keep the
round from the ones that can go."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

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
    """A contractor's raise-repair for one work order, refused and due again, and more
    appointments holding that work order (each queued under another, already sent) than
    the round reads at once: they wait, and are due first every round, being never
    tried. The round reads on past them: the raise-repair and another contractor's
    message, due after them, go. Before, the round looked at the first 100 due and, all
    held back, sent nothing, for every contractor, for good (the raise-repair they wait
    for due after them too)."""
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
        picked = {
            p.id
            for p in await repository.due(session, NOW, 10)
            if p.contractor_id in {"slowpipes", "fastfix"}
        }
        await session.rollback()

    assert picked == expected


async def test_a_work_orders_message_waits_behind_an_appointment_queued_under_another(
    repairs_database: Database,
) -> None:
    """An appointment of two work orders, queued under the first, in its back-off; a
    later cancel-repair of the second is due: it waits (the database finds the
    appointment by its body naming the second, ADR 0185), while a cancel-repair of a
    work order the appointment does not hold goes."""
    first, second, elsewhere = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    start = NOW - timedelta(hours=1)
    appointment = a_message(
        "tapsandco",
        "schedule-repair",
        first,
        created_at=start,
        next_attempt_at=NOW + timedelta(minutes=30),
        appointment_of=[first, second],
    )
    behind = a_message(
        "tapsandco",
        "cancel-repair",
        second,
        created_at=start + timedelta(minutes=1),
        next_attempt_at=start + timedelta(minutes=1),
    )
    free = a_message(
        "tapsandco",
        "cancel-repair",
        elsewhere,
        created_at=start + timedelta(minutes=2),
        next_attempt_at=start + timedelta(minutes=2),
    )
    expected = free.id
    async with repairs_database.sessionmaker() as session:
        session.add_all([appointment, behind, free])
        await session.commit()

    async with repairs_database.sessionmaker() as session:
        picked = [
            p.id for p in await repository.due(session, NOW, 10) if p.contractor_id == "tapsandco"
        ]
        await session.rollback()

    assert picked == [expected]


async def statements_of_a_round(db: Database, held: int) -> int:
    """The statements one round's look for due messages runs with `held` appointments due
    and held back behind their other work order's raise-repair (in its back-off), all
    rolled back after. At a moment of their own long before any other test's messages."""
    now = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
    waiting = uuid.uuid4()
    rows = [
        a_message(
            "heldpipes",
            "raise-repair",
            waiting,
            created_at=now - timedelta(hours=2),
            next_attempt_at=now + timedelta(minutes=30),
        )
    ]
    rows += [
        a_message(
            "heldpipes",
            "schedule-repair",
            first,
            created_at=now - timedelta(hours=1, minutes=-n),
            next_attempt_at=now - timedelta(hours=1, minutes=-n),
            appointment_of=[first, waiting],
        )
        for n, first in enumerate(uuid.uuid4() for _ in range(held))
    ]
    count = 0

    def counted(*_: object) -> None:
        nonlocal count
        count += 1

    engine = db.engine.sync_engine
    async with db.sessionmaker() as session:
        session.add_all(rows)
        await session.flush()
        event.listen(engine, "before_cursor_execute", counted)
        try:
            picked = await repository.due(session, now, 10)
        finally:
            event.remove(engine, "before_cursor_execute", counted)
        await session.rollback()
    assert [p for p in picked if p.contractor_id == "heldpipes"] == []
    return count


async def test_a_held_back_message_costs_one_statement_a_round(
    repairs_database: Database,
) -> None:
    """Every round looks at each due message held back (ADR 0185) and sends none of them:
    it was locked, then looked at (two statements each, every round, for as long as the
    message it waits for is in its back-off); now looked at and, held, never locked."""
    one = await statements_of_a_round(repairs_database, held=1)
    six = await statements_of_a_round(repairs_database, held=6)
    assert six - one == 5  # 10 before

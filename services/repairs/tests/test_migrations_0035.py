"""Migration 0035 closes the pause left open on an Awaab's Law clock stopped while
paused before 6e915321: the stop moved due_at on by the time paused but left the pause
without its "to". Closed at the clock's stopped_at (the moment the deadline was moved
to), nothing else changed; a running clock's pause, a resumed pause and a pause its
stop closed since are left as they are. The downgrade changes nothing, and forward
again changes nothing more."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import load_only
from sqlmodel import col

from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from repairs.models import AwaabClock
from repairs.settings import MIGRATIONS_DIR
from services.repairs.tests.conftest import a_damp_case
from services.repairs.tests.contractor_doubles import manager
from tests.harness.service import downgraded

BEFORE = "0034"


async def down_to_before(db: Database) -> None:
    await downgraded(db, MIGRATIONS_DIR, BEFORE)


async def a_paused_investigation(
    staff: httpx.AsyncClient, aware: datetime, *, then: str | None
) -> str:
    case_id = await a_damp_case(staff, aware)
    path = f"/v1/awaab-cases/{case_id}/clocks/investigate"
    paused = await staff.post(
        f"{path}/pause",
        json={"reason": "tenant_refused_access", "at": (aware + timedelta(days=1)).isoformat()},
        auth=manager(),
    )
    assert paused.status_code == 200, paused.text
    if then is not None:
        body: dict[str, Any] = {"at": (aware + timedelta(days=2)).isoformat()}
        if then == "stop":
            body["evidence"] = ["survey/7.pdf"]
        done = await staff.post(f"{path}/{then}", json=body, auth=manager())
        assert done.status_code == 200, done.text
    return case_id


async def investigation(db: Database, case_id: str) -> AwaabClock:
    """The case's investigate clock, with the columns it has at 0034 (no `withdrawn`)."""
    async with db.sessionmaker() as session:
        clock = (
            await session.execute(
                select(AwaabClock)
                .options(
                    load_only(
                        AwaabClock.id,
                        AwaabClock.pauses,
                        AwaabClock.due_at,
                        AwaabClock.stopped_at,
                        AwaabClock.paused_at,
                    )
                )
                .where(
                    col(AwaabClock.case_id) == uuid.UUID(case_id),
                    col(AwaabClock.milestone) == "investigate",
                )
            )
        ).scalar_one()
    return clock


async def test_a_pause_left_open_by_a_stop_is_closed_at_the_stop(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    aware = datetime.now(UTC).replace(microsecond=0) - timedelta(days=4)
    left_open = await a_paused_investigation(staff, aware, then="stop")
    closed_by_its_stop = await a_paused_investigation(staff, aware, then="stop")
    resumed = await a_paused_investigation(staff, aware, then="resume")
    running = await a_paused_investigation(staff, aware, then=None)
    # as a stop before 6e915321 left it: the pause without its "to"
    stopped = await investigation(repairs_database, left_open)
    async with repairs_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(AwaabClock)
            .where(col(AwaabClock.id) == stopped.id)
            .values(pauses=[{k: v for k, v in p.items() if k != "to"} for p in stopped.pauses])
        )
    before = {
        case_id: await investigation(repairs_database, case_id)
        for case_id in (left_open, closed_by_its_stop, resumed, running)
    }
    assert "to" not in before[left_open].pauses[-1]

    await down_to_before(repairs_database)
    await upgrade(MIGRATIONS_DIR, repairs_database.url.render_as_string(hide_password=False))

    after = await investigation(repairs_database, left_open)
    assert stopped.stopped_at is not None
    assert after.pauses == [
        {
            "reason": "tenant_refused_access",
            "from": (aware + timedelta(days=1)).isoformat(),
            "to": stopped.stopped_at.isoformat(),
        }
    ]
    assert after.pauses == stopped.pauses  # as the stop records it now
    assert (after.due_at, after.stopped_at, after.paused_at) == (
        stopped.due_at,
        stopped.stopped_at,
        None,
    )
    for case_id in (closed_by_its_stop, resumed, running):
        assert (await investigation(repairs_database, case_id)).pauses == before[case_id].pauses
    assert "to" not in before[running].pauses[-1]

    # the downgrade changes nothing, and forward again changes nothing more
    await down_to_before(repairs_database)
    assert (await investigation(repairs_database, left_open)).pauses == after.pauses
    await upgrade(MIGRATIONS_DIR, repairs_database.url.render_as_string(hide_password=False))
    assert (await investigation(repairs_database, left_open)).pauses == after.pauses

"""Migration 0023: a complete_work clock keeps its day (finish_work_by) and the revised
summaries that moved it (docs/adr/0092). Clocks started before it get the day back from
due_at, less the time of each ended pause (a pause still running has not moved due_at;
one the stop ended, with no `to`, moved it until the stop); other clocks have no day."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import cast

from sqlalchemy import select

from hearth_contracts.events.repairs import AwarenessSource
from hearth_contracts.events.visits import HazardSeverity
from hearth_kit.migrations import upgrade
from repairs.models import AwaabClock
from repairs.settings import MIGRATIONS_DIR
from services.repairs.tests.awaab_rows_of_old import (
    a_database_at,
    an_old_case,
    an_old_clock,
    old_case_table,
    old_clock_table,
)
from tests.harness.infra import DatabaseFactory

SUMMARY = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)

old_clock = old_clock_table()


async def _migrated_clocks(
    databases: DatabaseFactory, name: str, clocks_of: Callable[[uuid.UUID], list[dict[str, object]]]
) -> list[AwaabClock]:
    """The clocks of one case (at the test's UPRN), written at 0022 as `clocks_of` gives
    them for the case's id, after migrating to the head."""
    async with a_database_at(databases, name, "0022") as (url, db):
        async with db.sessionmaker() as session, session.begin():
            case = an_old_case(
                HazardSeverity.SIGNIFICANT.value,
                AwarenessSource.CONTACT_CENTRE.value,
                SUMMARY - timedelta(days=10),
            )
            await session.execute(old_case_table().insert(), [case])
            await session.execute(old_clock.insert(), clocks_of(cast(uuid.UUID, case["id"])))
        await upgrade(MIGRATIONS_DIR, url)
        async with db.sessionmaker() as session:
            return list((await session.scalars(select(AwaabClock))).all())


def a_clock(
    case_id: uuid.UUID, milestone: str, due_at: datetime, **more: object
) -> dict[str, object]:
    return an_old_clock(case_id, milestone, SUMMARY, due_at, **more)


async def test_complete_work_clocks_get_their_day_back_from_due_at_less_ended_pauses(
    databases: DatabaseFactory,
) -> None:
    # Day 28 March 2026: late from the start of the London day after, 29 March 00:00 GMT
    # (summer time starts at 01:00 UTC that day). Paused 27 hours, then paused again.
    day = date(2026, 3, 28)
    paused = [
        {
            "reason": "tenant_refused_access",
            "from": "2026-03-12T09:00:00+00:00",
            "to": "2026-03-13T12:00:00+00:00",
        },
        {"reason": "specialist_survey", "from": "2026-03-20T09:00:00+00:00"},
    ]
    migrated = await _migrated_clocks(
        databases,
        "repairs_0023",
        lambda case_id: [
            a_clock(
                case_id,
                "complete_work",
                datetime(2026, 3, 29, 0, 0, tzinfo=UTC) + timedelta(hours=27),
                pauses=paused,
                paused_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC),
            ),
            a_clock(case_id, "begin_safety_work", SUMMARY + timedelta(days=7)),
        ],
    )
    clocks = {c.milestone.value: c for c in migrated}
    assert clocks["complete_work"].finish_work_by == day
    assert clocks["begin_safety_work"].finish_work_by is None
    assert clocks["complete_work"].revised_summaries == []


async def test_a_clock_stopped_while_paused_gets_its_day_back_less_the_pause_until_the_stop(
    databases: DatabaseFactory,
) -> None:
    """The stop of a paused clock moves due_at on by the pause until the stop
    (rules.resumed_due, as service.stop does) but leaves the pause without its `to`:
    that time comes off too, or the day comes back 54.5 hours late (12 June, not 10)."""
    # Day 10 June 2026: late from the start of 11 June, BST (23:00 UTC on 10 June).
    # Paused 27 hours and resumed; paused again 54.5 hours, and stopped while paused.
    late_from = datetime(2026, 6, 10, 23, 0, tzinfo=UTC)
    paused = [
        {
            "reason": "tenant_refused_access",
            "from": "2026-06-01T09:00:00+00:00",
            "to": "2026-06-02T12:00:00+00:00",
        },
        {"reason": "specialist_survey", "from": "2026-06-05T09:00:00+00:00"},
    ]
    (clock,) = await _migrated_clocks(
        databases,
        "repairs_0023_stopped",
        lambda case_id: [
            a_clock(
                case_id,
                "complete_work",
                late_from + timedelta(hours=27) + timedelta(hours=54, minutes=30),
                pauses=paused,
                stopped_at=datetime(2026, 6, 7, 15, 30, tzinfo=UTC),
                evidence=["finished.pdf"],
            )
        ],
    )
    assert clock.finish_work_by == date(2026, 6, 10)

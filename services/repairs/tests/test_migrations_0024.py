"""Migration 0024: a breached clock keeps the deadline it breached (breached_due_at), so
the figures count the breach in the period it happened in (docs/adr/0092). Clocks
breached before it get the due_at in force when their breach was raised: the deadline a
revised summary recorded after the breach replaced, less the pauses between the breach
and it; or due_at now, less the pauses begun after the breach (one ended by the stop
until the stop). A clock stopped late with no breach raised keeps its due_at; one never
breached keeps null.

The rows are written as 0023 has them (SQL, the columns of the day), not through
today's models."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import select

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

SUMMARY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
# The complete_work day in March 2026 (GMT): late from 21 March 00:00 UTC.
DUE = datetime(2026, 3, 21, 0, 0, tzinfo=UTC)
RAISED = DUE + timedelta(minutes=5)  # the job's pass
DAY = timedelta(days=1)

old_clock = old_clock_table(
    sa.column("breach_raised_at", sa.DateTime(timezone=True)),
    sa.column("finish_work_by", sa.Date()),
    sa.column("revised_summaries", sa.JSON()),
)


def revised(
    at: datetime, earlier_due_at: datetime, *, recorded_at: datetime | None = None
) -> dict[str, Any]:
    """A revised summary as 0023's clock keeps it (the day is not read here)."""
    return {
        "at": at.isoformat(),
        "finish_work_by": "2026-05-01",
        "evidence": ["revised-summary.pdf"],
        "recorded_by": "officer",
        "recorded_at": (recorded_at or at).isoformat(),
        "earlier_finish_work_by": "2026-03-20",
        "earlier_due_at": earlier_due_at.isoformat(),
    }


def paused(start: datetime, end: datetime | None = None) -> dict[str, str]:
    pause = {"reason": "tenant_refused_access", "from": start.isoformat()}
    return pause if end is None else {**pause, "to": end.isoformat()}


# name: (milestone, due_at now, the rest of the row, breached_due_at expected)
CLOCKS: dict[str, tuple[str, datetime, dict[str, Any], datetime | None]] = {
    "running, not breached": ("complete_work", DUE, {}, None),
    "stopped in time": ("complete_work", DUE, {"stopped_at": DUE - timedelta(seconds=1)}, None),
    "make safe stopped at its 24-hour moment (met)": (
        "make_safe",
        SUMMARY + DAY,
        {"stopped_at": SUMMARY + DAY},
        None,
    ),
    "raised by the job, never moved": ("complete_work", DUE, {"breach_raised_at": RAISED}, DUE),
    "stopped late before the stop raised breaches": (
        "investigate",
        DUE,
        {"stopped_at": DUE},
        DUE,
    ),
    "make safe stopped after its 24-hour moment, none raised": (
        "make_safe",
        SUMMARY + DAY,
        {"stopped_at": SUMMARY + DAY + timedelta(microseconds=1)},
        SUMMARY + DAY,
    ),
    "raised, then moved to May": (
        "complete_work",
        datetime(2026, 4, 30, 23, 0, tzinfo=UTC),
        {
            "breach_raised_at": RAISED,
            "revised_summaries": [revised(DUE + 2 * DAY, DUE)],
        },
        DUE,
    ),
    "moved before it passed, then raised at the new day": (
        "complete_work",
        DUE + 7 * DAY,
        {
            "breach_raised_at": DUE + 7 * DAY + timedelta(minutes=5),
            "revised_summaries": [revised(DUE - 6 * DAY, DUE)],
        },
        DUE + 7 * DAY,
    ),
    "moved, raised at the new day, moved again": (
        "complete_work",
        datetime(2026, 4, 30, 23, 0, tzinfo=UTC),
        {
            "breach_raised_at": DUE + 7 * DAY + timedelta(minutes=5),
            "revised_summaries": [
                revised(DUE - 6 * DAY, DUE),
                revised(DUE + 9 * DAY, DUE + 7 * DAY),
            ],
        },
        DUE + 7 * DAY,
    ),
    "raised by the revised summary that moved it": (
        "complete_work",
        datetime(2026, 4, 30, 23, 0, tzinfo=UTC),
        {
            "breach_raised_at": DUE + 4 * DAY,
            "revised_summaries": [revised(DUE + 4 * DAY, DUE)],
        },
        DUE,
    ),
    "given before the day passed, recorded after the job raised it": (
        "complete_work",
        datetime(2026, 4, 30, 23, 0, tzinfo=UTC),
        {
            "breach_raised_at": RAISED,
            "revised_summaries": [revised(DUE - DAY, DUE, recorded_at=DUE + DAY)],
        },
        DUE,
    ),
    # A day's pause before the breach moved the deadline to DUE; two days' after it
    # moved due_at on to DUE + 2 days.
    "raised, then paused and resumed": (
        "begin_safety_work",
        DUE + 2 * DAY,
        {
            "breach_raised_at": RAISED,
            "pauses": [
                paused(SUMMARY + 3 * DAY, SUMMARY + 4 * DAY),
                paused(DUE + DAY, DUE + 3 * DAY),
            ],
        },
        DUE,
    ),
    "raised, then paused and stopped while paused": (
        "begin_safety_work",
        DUE + DAY,
        {
            "breach_raised_at": RAISED,
            "pauses": [paused(DUE + DAY)],
            "stopped_at": DUE + 2 * DAY,
        },
        DUE,
    ),
    "raised, then paused (still), not moved yet": (
        "begin_safety_work",
        DUE,
        {"breach_raised_at": RAISED, "pauses": [paused(DUE + DAY)], "paused_at": DUE + DAY},
        DUE,
    ),
    "raised, paused and resumed, moved, paused again": (
        "complete_work",
        datetime(2026, 5, 1, 23, 0, tzinfo=UTC),
        {
            "breach_raised_at": RAISED,
            "pauses": [
                paused(DUE + DAY, DUE + 2 * DAY),
                paused(datetime(2026, 4, 1, 9, tzinfo=UTC), datetime(2026, 4, 2, 9, tzinfo=UTC)),
            ],
            "revised_summaries": [revised(DUE + 3 * DAY, DUE + DAY)],
        },
        DUE,
    ),
}


async def test_breached_clocks_get_the_deadline_in_force_when_their_breach_was_raised(
    databases: DatabaseFactory,
) -> None:
    ids: dict[str, uuid.UUID] = {}
    async with a_database_at(databases, "repairs_0024", "0023") as (url, db):
        async with db.sessionmaker() as session, session.begin():
            for name, (milestone, due_at, rest, _expected) in CLOCKS.items():
                case = an_old_case("significant", "contact_centre", SUMMARY - 10 * DAY)
                case_id = cast(uuid.UUID, case["id"])
                await session.execute(old_case_table().insert(), [case])
                ids[name] = uuid.uuid4()
                row = an_old_clock(
                    case_id,
                    milestone,
                    SUMMARY,
                    due_at,
                    **{
                        "id": ids[name],
                        "breach_raised_at": None,
                        "finish_work_by": None,
                        "revised_summaries": [],
                        **rest,
                    },
                )
                await session.execute(old_clock.insert().values(row))
        await upgrade(MIGRATIONS_DIR, url)
        async with db.sessionmaker() as session:
            kept = {
                c.id: c.breached_due_at for c in (await session.scalars(select(AwaabClock))).all()
            }
        assert {name: kept[ids[name]] for name in CLOCKS} == {
            name: expected for name, (_m, _d, _r, expected) in CLOCKS.items()
        }

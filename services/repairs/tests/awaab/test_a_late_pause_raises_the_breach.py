"""A pause cannot excuse an Awaab's Law deadline already missed (docs/adr/0010, amended
2026-12-01).

The breach job raises hazard-deadline-breached on its next pass, and skips a paused
clock. A clock paused after its deadline passed but before the job saw it escaped: left
paused it was never raised at all, and resumed (or stopped while paused) its due_at had
moved on by the time paused, so the breach came later, naming the moved deadline, and
counted in that deadline's period. A pause is for something outside the landlord's
control (the tenant refuses access); it stops the clock of the work still to do, not one
that already ran out. So a pause from the clock's first late moment (rules.met's
conventions: make safe late only after its 24-hour moment, the other clocks from the
start of the London day after the due day) raises the breach of the deadline it missed
first, once, and is then recorded as ever. A clock paused late before this rule (no
breach raised) is raised by the job while it stays paused, or by its resume or stop
before due_at moves.

Each test keeps to its own year, so the figures of one do not see another's clocks."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from hearth_contracts.events.repairs import AwaabMilestone
from hearth_kit.db import Database
from hearth_kit.scheduler import run_until_done
from repairs.models import AwaabClock
from services.repairs.tests.awaab.test_breach_counts_where_it_happened import (
    breached_complete_work,
    complete_work_breaches,
)
from services.repairs.tests.awaab.test_cases import breach_job
from services.repairs.tests.awaab.test_finish_work_by import stop
from services.repairs.tests.awaab.test_make_safe_at_24_hours import a_uprn, breaches, open_case
from services.repairs.tests.awaab.test_revised_summary import (
    case_clocks,
    clocks_of,
    revise,
    summarised,
    uprn_of,
)
from services.repairs.tests.contractor_doubles import manager


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def pause(
    staff: httpx.AsyncClient, case_id: str, at: str, milestone: str = "complete_work"
) -> httpx.Response:
    return await staff.post(
        f"/v1/awaab-cases/{case_id}/clocks/{milestone}/pause",
        json={"reason": "tenant_refused_access", "at": at},
        auth=manager(),
    )


async def resume(staff: httpx.AsyncClient, case_id: str, at: str) -> httpx.Response:
    return await staff.post(
        f"/v1/awaab-cases/{case_id}/clocks/complete_work/resume",
        json={"at": at},
        auth=manager(),
    )


def complete_work(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return clocks_of(response.json())["complete_work"]


async def test_a_pause_after_the_deadline_raises_its_breach_first_and_resuming_moves_nothing_of_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Paused three days late, before the job's pass, for 33 days: resumed, due_at
    would have been 17 April. The breach is raised by the pause, naming 15 March, and
    counts in March; the job raises nothing more."""
    case_id = await summarised(
        staff, moment("2025-02-05T10:00:00+00:00"), date(2025, 3, 14), repairs_database
    )
    uprn = await uprn_of(staff, case_id)
    march_deadline = moment("2025-03-15T00:00:00+00:00")  # the start of 15 March, GMT

    paused = complete_work(await pause(staff, case_id, "2025-03-18T10:00:00+00:00"))
    assert paused["breached"] is True
    assert moment(paused["breached_due_at"]) == march_deadline
    assert moment(paused["paused_at"]) == moment("2025-03-18T10:00:00+00:00")
    assert [p["reason"] for p in paused["pauses"]] == ["tenant_refused_access"]
    assert await complete_work_breaches(repairs_database, uprn) == [march_deadline]

    resumed = complete_work(await resume(staff, case_id, "2025-04-20T10:00:00+00:00"))
    # The pause still pauses the work left to do: due_at moves on by the 33 days paused.
    assert moment(resumed["due_at"]) == march_deadline + timedelta(days=33)
    assert moment(resumed["breached_due_at"]) == march_deadline
    await run_until_done(repairs_database, breach_job(), moment("2025-04-25T10:00:00+00:00"))
    assert await complete_work_breaches(repairs_database, uprn) == [march_deadline]
    assert await breached_complete_work(staff, date(2025, 3, 1), date(2025, 3, 31)) == 1
    assert await breached_complete_work(staff, date(2025, 4, 1), date(2025, 4, 30)) == 0


async def test_a_clock_paused_late_then_stopped_while_paused_breached_the_deadline_it_missed(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The stop ends the pause and moves due_at on by it: it judged the stop against the
    moved deadline, and raised the breach naming it. A revised summary cannot be given
    while paused (409) either, so no other route moves the day over the missed one."""
    case_id = await summarised(
        staff, moment("2024-02-05T10:00:00+00:00"), date(2024, 3, 14), repairs_database
    )
    uprn = await uprn_of(staff, case_id)
    march_deadline = moment("2024-03-15T00:00:00+00:00")
    assert complete_work(await pause(staff, case_id, "2024-03-18T10:00:00+00:00"))["breached"]

    refused = await revise(staff, case_id, moment("2024-03-20T10:00:00+00:00"), date(2024, 5, 18))
    assert refused.status_code == 409, refused.text

    done = complete_work(
        await stop(staff, case_id, "complete_work", at="2024-04-20T10:00:00+00:00")
    )
    assert (done["met"], done["breached"]) == (False, True)
    assert moment(done["due_at"]) == march_deadline + timedelta(days=33)
    assert moment(done["breached_due_at"]) == march_deadline
    assert await complete_work_breaches(repairs_database, uprn) == [march_deadline]
    assert await breached_complete_work(staff, date(2024, 3, 1), date(2024, 3, 31)) == 1
    assert await breached_complete_work(staff, date(2024, 4, 1), date(2024, 4, 30)) == 0


async def test_a_pause_before_the_deadline_recorded_after_it_passed_raises_nothing(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The tenant refused access on the last day: the clock was paused in time, whenever
    the pause is recorded. The job still skips it while paused."""
    case_id = await summarised(
        staff, moment("2023-02-06T10:00:00+00:00"), date(2023, 3, 14), repairs_database
    )
    uprn = await uprn_of(staff, case_id)
    paused = complete_work(await pause(staff, case_id, "2023-03-14T23:59:59+00:00"))
    assert (paused["breached"], paused["breached_due_at"]) == (False, None)
    await run_until_done(repairs_database, breach_job(), moment("2023-03-20T10:00:00+00:00"))
    assert await complete_work_breaches(repairs_database, uprn) == []
    resumed = complete_work(await resume(staff, case_id, "2023-03-21T10:00:00+00:00"))
    assert resumed["breached"] is False
    assert moment(resumed["due_at"]) == moment("2023-03-21T10:00:01+00:00")


async def test_a_pause_is_late_by_the_clocks_own_convention(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Make safe is met up to and including its 24-hour moment, so a pause at it is in
    time and one a microsecond later is not; a working-day clock paused at its first
    late moment (due_at) is late, as repository.late and rules.met have it."""
    aware = datetime(2022, 11, 3, 9, 0, tzinfo=UTC)
    at_24_hours = aware + timedelta(hours=24)
    for after, breached in ((timedelta(0), False), (timedelta(microseconds=1), True)):
        uprn = a_uprn()
        case_id = await open_case(staff, uprn, "emergency", aware, repairs_database)
        paused = await pause(staff, case_id, (at_24_hours + after).isoformat(), "make_safe")
        assert paused.status_code == 200, paused.text
        [clock] = paused.json()["clocks"]
        assert clock["breached"] is breached, after
        assert await breaches(repairs_database, uprn) == int(breached)

    uprn = a_uprn()
    case_id = await open_case(staff, uprn, "significant", aware, repairs_database)
    [clock] = (await staff.get(f"/v1/awaab-cases/{case_id}")).json()["clocks"]
    paused = await pause(staff, case_id, clock["due_at"], "investigate")
    assert paused.status_code == 200, paused.text
    [clock] = paused.json()["clocks"]
    assert clock["breached"] is True
    assert clock["breached_due_at"] == clock["due_at"]
    assert await breaches(repairs_database, uprn) == 1


@pytest.mark.parametrize("then", ["the job runs", "resumed", "stopped"])
async def test_a_clock_paused_late_before_the_pause_raised_breaches_is_raised_at_its_deadline(
    staff: httpx.AsyncClient, repairs_database: Database, then: str
) -> None:
    """A pause recorded late before this rule left no breach. Still paused, the job
    raises it (it skips only clocks paused in time); resumed or stopped, the breach is
    raised before due_at moves, naming the deadline missed."""
    case_id = await summarised(
        staff, moment("2021-02-05T10:00:00+00:00"), date(2021, 3, 13), repairs_database
    )
    uprn = await uprn_of(staff, case_id)
    march_deadline = moment("2021-03-14T00:00:00+00:00")
    paused_at = moment("2021-03-16T10:00:00+00:00")
    async with repairs_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(AwaabClock)
            .where(
                col(AwaabClock.case_id) == uuid.UUID(case_id),
                col(AwaabClock.milestone) == AwaabMilestone.COMPLETE_WORK,
            )
            .values(
                paused_at=paused_at,
                pauses=[{"reason": "tenant_refused_access", "from": paused_at.isoformat()}],
            )
        )
    assert (await case_clocks(staff, case_id))["complete_work"]["breached"] is False

    if then == "the job runs":
        await run_until_done(repairs_database, breach_job(), moment("2021-03-17T10:00:00+00:00"))
        clock = (await case_clocks(staff, case_id))["complete_work"]
        assert clock["paused_at"] is not None
    elif then == "resumed":
        clock = complete_work(await resume(staff, case_id, "2021-04-20T10:00:00+00:00"))
    else:
        clock = complete_work(
            await stop(staff, case_id, "complete_work", at="2021-04-20T10:00:00+00:00")
        )
    assert clock["breached"] is True
    assert moment(clock["breached_due_at"]) == march_deadline
    assert await complete_work_breaches(repairs_database, uprn) == [march_deadline]

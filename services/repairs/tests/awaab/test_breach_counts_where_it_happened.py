"""An Awaab's Law breach counts in the figures of the period its deadline passed in,
even after a revised written summary (or a pause) moves the clock's due_at on
(docs/adr/0092).

The figures counted a breached clock in the period of its due_at now: a complete_work
clock breached in March and moved to May counted its March breach in May, and March's
published figure changed after the fact. The clock now keeps the deadline it breached
(breached_due_at, the due_at hazard-deadline-breached named) and the figures count by
it. One clock is one breach: a moved clock that misses its new day as well is still
counted once, where it first breached. A clock moved before its day passed that then
misses the new day breached the new day, and counts in that day's period.

Each test keeps to its own year, so the figures of one do not see another's clocks."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import httpx
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.scheduler import run_until_done
from hearth_kit.tables import outbox_message
from services.repairs.tests.awaab.test_cases import breach_job
from services.repairs.tests.awaab.test_finish_work_by import stop
from services.repairs.tests.awaab.test_revised_summary import (
    case_clocks,
    clocks_of,
    revise,
    summarised,
    uprn_of,
)
from services.repairs.tests.contractor_doubles import manager


async def breached_complete_work(staff: httpx.AsyncClient, first: date, last: date) -> int:
    """The figures' complete_work deadlines breached in the London days first to last."""
    figures = await staff.get("/v1/repairs/figures", params={"from": str(first), "to": str(last)})
    assert figures.status_code == 200, figures.text
    by_clock = {
        m["code"]: m["numerator"] for m in figures.json()["breakdowns"]["awaab_breached_by_clock"]
    }
    return int(by_clock["repairs.awaab_breached.complete_work"])


async def complete_work_breaches(db: Database, uprn: str) -> list[datetime]:
    """The deadlines named by the complete_work hazard-deadline-breached events raised
    for the home (its other clocks breach too when the job runs on a day long past)."""
    async with db.sessionmaker() as session:
        payloads = (
            await session.scalars(
                select(outbox_message.c.payload).where(
                    outbox_message.c.message_key == uprn,
                    outbox_message.c.event_type == "uk.hearth.repairs.hazard-deadline-breached.v1",
                )
            )
        ).all()
    raised = [json.loads(p) for p in payloads]
    raised = [r.get("data", r) for r in raised]  # the event's data (the envelope's, if whole)
    return [
        datetime.fromisoformat(r["due_at"]) for r in raised if r["milestone"] == "complete_work"
    ]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_a_clock_breached_in_march_and_moved_to_may_counts_once_in_march(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    case_id = await summarised(
        staff, moment("2025-02-05T10:00:00+00:00"), date(2025, 3, 14), repairs_database
    )
    uprn = await uprn_of(staff, case_id)
    march_deadline = moment("2025-03-15T00:00:00+00:00")  # the start of 15 March, GMT
    await run_until_done(repairs_database, breach_job(), moment("2025-03-17T10:00:00+00:00"))
    assert await complete_work_breaches(repairs_database, uprn) == [march_deadline]
    assert await breached_complete_work(staff, date(2025, 3, 1), date(2025, 3, 31)) == 1

    moved = await revise(staff, case_id, moment("2025-03-18T10:00:00+00:00"), date(2025, 5, 16))
    assert moved.status_code == 200, moved.text
    finish = clocks_of(moved.json())["complete_work"]
    assert moment(finish["due_at"]) == moment("2025-05-16T23:00:00+00:00")  # 17 May, BST
    assert finish["breached"] is True
    assert moment(finish["breached_due_at"]) == march_deadline
    # March's figure stands; May's does not count it again.
    assert await breached_complete_work(staff, date(2025, 3, 1), date(2025, 3, 31)) == 1
    assert await breached_complete_work(staff, date(2025, 5, 1), date(2025, 5, 31)) == 0

    # Finished by the new day: met, still breached, still March's.
    done = await stop(staff, case_id, "complete_work", at="2025-04-01T10:00:00+00:00")
    assert done.status_code == 200, done.text
    finish = clocks_of(done.json())["complete_work"]
    assert (finish["met"], finish["breached"]) == (True, True)
    assert await breached_complete_work(staff, date(2025, 1, 1), date(2025, 12, 31)) == 1
    assert await breached_complete_work(staff, date(2025, 3, 1), date(2025, 3, 31)) == 1


async def test_a_day_passed_before_the_revised_summary_counts_where_it_passed(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The job had not looked: the revised summary raises the breach of the day that
    passed, and that day's period counts it, not the new day's."""
    case_id = await summarised(
        staff, moment("2024-02-05T10:00:00+00:00"), date(2024, 3, 14), repairs_database
    )
    uprn = await uprn_of(staff, case_id)
    march_deadline = moment("2024-03-15T00:00:00+00:00")
    moved = await revise(staff, case_id, moment("2024-03-20T10:00:00+00:00"), date(2024, 5, 17))
    assert moved.status_code == 200, moved.text
    finish = clocks_of(moved.json())["complete_work"]
    assert finish["breached"] is True
    assert moment(finish["breached_due_at"]) == march_deadline
    assert await complete_work_breaches(repairs_database, uprn) == [march_deadline]
    assert await breached_complete_work(staff, date(2024, 3, 1), date(2024, 3, 31)) == 1
    assert await breached_complete_work(staff, date(2024, 5, 1), date(2024, 5, 31)) == 0


async def test_a_breached_clock_moved_and_finished_late_again_counts_once_where_it_first_breached(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The new day missed as well is no second breach: no second event is raised (one
    per clock), the clock shows met false, and the figures count it once, in January."""
    case_id = await summarised(
        staff, moment("2023-01-04T10:00:00+00:00"), date(2023, 1, 13), repairs_database
    )
    uprn = await uprn_of(staff, case_id)
    january_deadline = moment("2023-01-14T00:00:00+00:00")
    await run_until_done(repairs_database, breach_job(), moment("2023-01-16T10:00:00+00:00"))
    moved = await revise(staff, case_id, moment("2023-01-17T10:00:00+00:00"), date(2023, 2, 10))
    assert moved.status_code == 200, moved.text
    late = await stop(staff, case_id, "complete_work", at="2023-03-06T10:00:00+00:00")
    assert late.status_code == 200, late.text
    finish = clocks_of(late.json())["complete_work"]
    assert (finish["met"], finish["breached"]) == (False, True)
    assert moment(finish["due_at"]) == moment("2023-02-11T00:00:00+00:00")
    assert moment(finish["breached_due_at"]) == january_deadline
    assert await complete_work_breaches(repairs_database, uprn) == [january_deadline]
    assert await breached_complete_work(staff, date(2023, 1, 1), date(2023, 1, 31)) == 1
    assert await breached_complete_work(staff, date(2023, 2, 1), date(2023, 2, 28)) == 0
    assert await breached_complete_work(staff, date(2023, 3, 1), date(2023, 3, 31)) == 0
    assert await breached_complete_work(staff, date(2023, 1, 1), date(2023, 12, 31)) == 1


async def test_a_clock_moved_before_its_day_passed_and_finished_late_breached_the_new_day(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Moved in time, the first day was never breached: the late stop breaches the new
    day (the stop raises the event naming it) and counts in the new day's period."""
    case_id = await summarised(
        staff, moment("2022-02-02T10:00:00+00:00"), date(2022, 2, 25), repairs_database
    )
    uprn = await uprn_of(staff, case_id)
    moved = await revise(staff, case_id, moment("2022-02-20T10:00:00+00:00"), date(2022, 4, 8))
    assert moved.status_code == 200, moved.text
    assert clocks_of(moved.json())["complete_work"]["breached_due_at"] is None
    april_deadline = moment("2022-04-08T23:00:00+00:00")  # the start of 9 April, BST
    late = await stop(staff, case_id, "complete_work", at="2022-04-12T10:00:00+00:00")
    assert late.status_code == 200, late.text
    finish = clocks_of(late.json())["complete_work"]
    assert (finish["met"], finish["breached"]) == (False, True)
    assert moment(finish["breached_due_at"]) == april_deadline
    assert await complete_work_breaches(repairs_database, uprn) == [april_deadline]
    assert await breached_complete_work(staff, date(2022, 2, 1), date(2022, 2, 28)) == 0
    assert await breached_complete_work(staff, date(2022, 4, 1), date(2022, 4, 30)) == 1


async def test_a_pause_after_the_breach_does_not_move_it_into_the_next_period(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """A clock never moved by a revised summary can still be paused after it breached;
    resuming it moves due_at on by the time paused, not the deadline it breached."""
    case_id = await summarised(
        staff, moment("2021-02-03T10:00:00+00:00"), date(2021, 3, 26), repairs_database
    )
    march_deadline = moment("2021-03-27T00:00:00+00:00")
    await run_until_done(repairs_database, breach_job(), moment("2021-03-29T10:00:00+00:00"))
    paused = await staff.post(
        f"/v1/awaab-cases/{case_id}/clocks/complete_work/pause",
        json={"reason": "tenant_refused_access", "at": "2021-03-30T10:00:00+00:00"},
        auth=manager(),
    )
    assert paused.status_code == 200, paused.text
    resumed = await staff.post(
        f"/v1/awaab-cases/{case_id}/clocks/complete_work/resume",
        json={"at": "2021-04-06T10:00:00+00:00"},
        auth=manager(),
    )
    assert resumed.status_code == 200, resumed.text
    finish = (await case_clocks(staff, case_id))["complete_work"]
    assert moment(finish["due_at"]) == march_deadline + timedelta(days=7)
    assert moment(finish["breached_due_at"]) == march_deadline
    assert await breached_complete_work(staff, date(2021, 3, 1), date(2021, 3, 31)) == 1
    assert await breached_complete_work(staff, date(2021, 4, 1), date(2021, 4, 30)) == 0

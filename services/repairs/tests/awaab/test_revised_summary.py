"""A revised written summary sets or moves the last day to finish the work (docs/adr/0092).

ADR 0087 let only the first written summary set the day, once: a summary stopped
without it (or before 0087) could never start the complete_work clock, and a landlord
that told the tenant a new day had no way to record it. The revised summary starts the
clock from its moment when none runs, or re-dues the running clock keeping the day and
deadline it replaced, and who recorded it. A breach is never undone by moving the day."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.scheduler import run_until_done
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import london_day, start_of_london_day
from services.repairs.tests.awaab.test_cases import breach_job, breaches
from services.repairs.tests.awaab.test_finish_work_by import investigated, stop
from services.repairs.tests.contractor_doubles import manager
from tests.harness.tokens import TEST_SUBJECT


async def revise(
    staff: httpx.AsyncClient, case_id: str, at: datetime, finish_work_by: date, **more: Any
) -> httpx.Response:
    return await staff.post(
        f"/v1/awaab-cases/{case_id}/clocks/complete_work/revised-summary",
        json={
            "at": at.isoformat(),
            "finish_work_by": str(finish_work_by),
            "evidence": ["revised-summary.pdf"],
            **more,
        },
        auth=manager(),
    )


def clocks_of(case: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["milestone"]: c for c in case["clocks"]}


async def case_clocks(staff: httpx.AsyncClient, case_id: str) -> dict[str, dict[str, Any]]:
    return clocks_of((await staff.get(f"/v1/awaab-cases/{case_id}")).json())


async def uprn_of(staff: httpx.AsyncClient, case_id: str) -> str:
    uprn: str = (await staff.get(f"/v1/awaab-cases/{case_id}")).json()["uprn"]
    return uprn


async def summarised(
    staff: httpx.AsyncClient,
    summary_at: datetime,
    finish_work_by: date | None = None,
    db: Database | None = None,
) -> str:
    """A case whose written summary was stopped at `summary_at`, with the day or not
    (from before the law, opened on `db`: conftest.a_case_from_before_the_law)."""
    case_id = await investigated(
        staff, summary_at - timedelta(days=2), summary_at - timedelta(days=1), db
    )
    day = {} if finish_work_by is None else {"finish_work_by": str(finish_work_by)}
    response = await stop(staff, case_id, "written_summary", at=summary_at.isoformat(), **day)
    assert response.status_code == 200, response.text
    return case_id


async def test_a_summary_stopped_without_the_day_starts_the_clock_from_the_revised_summary(
    staff: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    case_id = await summarised(staff, now - timedelta(days=3))
    assert "complete_work" not in await case_clocks(staff, case_id)
    given = now - timedelta(hours=2)
    day = london_day(now) + timedelta(days=40)
    response = await revise(staff, case_id, given, day)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"
    finish = clocks_of(response.json())["complete_work"]
    assert datetime.fromisoformat(finish["started_at"]) == given
    assert datetime.fromisoformat(finish["due_at"]) == start_of_london_day(day + timedelta(days=1))
    assert finish["finish_work_by"] == str(day)
    [record] = finish["revised_summaries"]
    assert record["finish_work_by"] == str(day)
    assert datetime.fromisoformat(record["at"]) == given
    assert record["recorded_by"] == TEST_SUBJECT
    assert record["evidence"] == ["revised-summary.pdf"]
    assert (record["earlier_finish_work_by"], record["earlier_due_at"]) == (None, None)
    assert (finish["stopped_at"], finish["breached"]) == (None, False)


async def test_the_day_is_refused_before_the_written_summary_and_on_a_closed_case(
    staff: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    day = london_day(now) + timedelta(days=30)
    opened = await staff.post(
        "/v1/awaab-cases",
        json={
            "uprn": str(random.randint(10**9, 10**12 - 1)),
            "severity": "significant",
            "became_aware_at": (now - timedelta(days=1)).isoformat(),
        },
        auth=manager(),
    )
    not_investigated = opened.json()["id"]
    refused = await revise(staff, not_investigated, now, day)
    assert refused.status_code == 409, refused.text
    assert "written summary" in refused.json()["detail"]

    running = await investigated(staff, now - timedelta(days=2), now - timedelta(days=1))
    refused = await revise(staff, running, now, day)
    assert refused.status_code == 409, refused.text
    assert "written summary" in refused.json()["detail"]
    assert "complete_work" not in await case_clocks(staff, running)

    closed = await summarised(staff, now - timedelta(hours=3))
    for milestone in ("begin_safety_work", "start_further_work"):
        assert (await stop(staff, closed, milestone, at=now.isoformat())).status_code == 200
    assert (await staff.get(f"/v1/awaab-cases/{closed}")).json()["status"] == "closed"
    refused = await revise(staff, closed, now, day)
    assert refused.status_code == 409, refused.text
    assert "closed" in refused.json()["detail"]
    assert "complete_work" not in await case_clocks(staff, closed)


async def test_a_future_moment_a_moment_before_the_summary_or_a_day_before_it_is_refused(
    staff: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    summary_at = now - timedelta(days=2)
    case_id = await summarised(staff, summary_at)
    day = london_day(now) + timedelta(days=30)
    for at, finish_by, field in (
        (now + timedelta(minutes=5), day, "at"),
        (summary_at - timedelta(seconds=1), day, "at"),
        (now, london_day(now) - timedelta(days=1), "finish_work_by"),
    ):
        refused = await revise(staff, case_id, at, finish_by)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert "complete_work" not in await case_clocks(staff, case_id)


async def test_moving_the_day_re_dues_the_running_clock_and_keeps_the_day_it_replaced(
    staff: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    summary_at = now - timedelta(days=3)
    first_day = london_day(now) + timedelta(days=20)
    case_id = await summarised(staff, summary_at, first_day)
    earlier_due = (await case_clocks(staff, case_id))["complete_work"]["due_at"]
    given = now - timedelta(hours=1)
    later_day = first_day + timedelta(days=14)
    moved = await revise(staff, case_id, given, later_day)
    assert moved.status_code == 200, moved.text
    finish = clocks_of(moved.json())["complete_work"]
    assert datetime.fromisoformat(finish["started_at"]) == summary_at  # the clock is the same
    assert datetime.fromisoformat(finish["due_at"]) == start_of_london_day(
        later_day + timedelta(days=1)
    )
    assert finish["finish_work_by"] == str(later_day)
    [record] = finish["revised_summaries"]
    assert record["earlier_finish_work_by"] == str(first_day)
    assert record["earlier_due_at"] == earlier_due
    assert datetime.fromisoformat(record["at"]) == given
    assert record["recorded_by"] == TEST_SUBJECT
    assert finish["breached"] is False

    # Moved again, earlier: both records kept, oldest first.
    sooner = await revise(staff, case_id, now, first_day - timedelta(days=5))
    assert sooner.status_code == 200, sooner.text
    records = clocks_of(sooner.json())["complete_work"]["revised_summaries"]
    assert [r["finish_work_by"] for r in records] == [
        str(later_day),
        str(first_day - timedelta(days=5)),
    ]
    assert records[1]["earlier_finish_work_by"] == str(later_day)

    # A revised summary comes after the one before it, and a pause or the stop after both.
    before_last = await revise(staff, case_id, given - timedelta(minutes=1), later_day)
    assert before_last.status_code == 422, before_last.text
    assert [e["field"] for e in before_last.json()["errors"]] == ["at"]
    paused_before = await staff.post(
        f"/v1/awaab-cases/{case_id}/clocks/complete_work/pause",
        json={"reason": "tenant_refused_access", "at": given.isoformat()},
        auth=manager(),
    )
    assert paused_before.status_code == 422, paused_before.text
    assert [e["field"] for e in paused_before.json()["errors"]] == ["at"]


async def test_a_breach_raised_stays_raised_when_the_day_moves_later(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    now = datetime.now(UTC)
    summary_at = now - timedelta(days=3)
    case_id = await summarised(staff, summary_at, london_day(summary_at))
    uprn = await uprn_of(staff, case_id)
    await run_until_done(repairs_database, breach_job(), now)
    assert await breaches(repairs_database, uprn) == 1
    assert (await case_clocks(staff, case_id))["complete_work"]["breached"] is True

    moved = await revise(staff, case_id, now, london_day(now) + timedelta(days=30))
    assert moved.status_code == 200, moved.text
    assert clocks_of(moved.json())["complete_work"]["breached"] is True
    assert await breaches(repairs_database, uprn) == 1  # not raised twice
    done = await stop(staff, case_id, "complete_work", at=datetime.now(UTC).isoformat())
    assert done.status_code == 200, done.text
    finish = clocks_of(done.json())["complete_work"]
    # Finished by the new day, but the day set before was missed: still a breach.
    assert (finish["met"], finish["breached"]) == (True, True)


async def test_a_day_that_had_passed_before_the_revised_summary_is_a_breach_the_move_raises(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The job had not looked yet: the move raises hazard-deadline-breached for the day
    that passed (its deadline, not the new one), once; the job raises nothing more."""
    now = datetime.now(UTC)
    summary_at = now - timedelta(days=3)
    case_id = await summarised(staff, summary_at, london_day(summary_at))
    uprn = await uprn_of(staff, case_id)
    earlier_due = (await case_clocks(staff, case_id))["complete_work"]["due_at"]
    assert await breaches(repairs_database, uprn) == 0

    moved = await revise(staff, case_id, now, london_day(now) + timedelta(days=30))
    assert moved.status_code == 200, moved.text
    assert clocks_of(moved.json())["complete_work"]["breached"] is True
    async with repairs_database.sessionmaker() as session:
        [payload] = (
            await session.scalars(
                select(outbox_message.c.payload).where(
                    outbox_message.c.message_key == uprn,
                    outbox_message.c.event_type == "uk.hearth.repairs.hazard-deadline-breached.v1",
                )
            )
        ).all()
    raised = json.loads(payload)
    raised = raised.get("data", raised)  # the event's data (the envelope's, if stored whole)
    assert raised["milestone"] == "complete_work"
    assert datetime.fromisoformat(raised["due_at"]) == datetime.fromisoformat(earlier_due)
    await run_until_done(repairs_database, breach_job(), now + timedelta(days=2))
    assert await breaches(repairs_database, uprn) == 1


async def test_a_day_moved_before_it_passed_is_no_breach(staff: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    case_id = await summarised(staff, now - timedelta(days=3), london_day(now) + timedelta(days=2))
    moved = await revise(staff, case_id, now, london_day(now) + timedelta(days=30))
    assert moved.status_code == 200, moved.text
    assert clocks_of(moved.json())["complete_work"]["breached"] is False


async def test_a_stopped_or_paused_complete_work_clock_is_not_moved(
    staff: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    day = london_day(now) + timedelta(days=30)
    finished = await summarised(staff, now - timedelta(days=3), day)
    done = await stop(staff, finished, "complete_work", at=(now - timedelta(hours=1)).isoformat())
    assert done.status_code == 200, done.text
    refused = await revise(staff, finished, now, day + timedelta(days=7))
    assert refused.status_code == 409, refused.text
    assert "stopped" in refused.json()["detail"]
    assert (await case_clocks(staff, finished))["complete_work"]["finish_work_by"] == str(day)

    paused = await summarised(staff, now - timedelta(days=3), day)
    pause = await staff.post(
        f"/v1/awaab-cases/{paused}/clocks/complete_work/pause",
        json={"reason": "tenant_refused_access", "at": (now - timedelta(hours=1)).isoformat()},
        auth=manager(),
    )
    assert pause.status_code == 200, pause.text
    refused = await revise(staff, paused, now, day + timedelta(days=7))
    assert refused.status_code == 409, refused.text
    assert "paused" in refused.json()["detail"]
    assert (await case_clocks(staff, paused))["complete_work"]["finish_work_by"] == str(day)

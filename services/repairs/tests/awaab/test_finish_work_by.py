"""DOMAIN.md: damp and mould work is finished "within a reasonable period". The law
sets no number, so the landlord sets the last day with the written summary (which tells
the tenant the timescales), and a complete_work clock holds it: kept, breached when
the work finishes after it, and keeping the case open until it stops
(docs/adr/0087). Before, the complete_work milestone existed but no clock ever ran it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day, start_of_london_day
from services.repairs.tests.conftest import a_damp_case
from services.repairs.tests.contractor_doubles import manager
from tests.harness.days import days_from_today


async def investigated(
    staff: httpx.AsyncClient, aware: datetime, at: datetime, db: Database | None = None
) -> str:
    """A significant damp and mould case investigated at `at`: its id (from before the
    law, opened on `db`: conftest.a_case_from_before_the_law)."""
    case_id = await a_damp_case(staff, aware, db)
    stopped = await staff.post(
        f"/v1/awaab-cases/{case_id}/clocks/investigate/stop",
        json={"at": at.isoformat(), "evidence": ["survey/1.pdf"]},
        auth=manager(),
    )
    assert stopped.status_code == 200, stopped.text
    return case_id


async def stop(
    staff: httpx.AsyncClient, case_id: str, milestone: str, **body: Any
) -> httpx.Response:
    return await staff.post(
        f"/v1/awaab-cases/{case_id}/clocks/{milestone}/stop",
        json={"evidence": [f"{milestone}.pdf"], **body},
        auth=manager(),
    )


async def test_the_written_summary_sets_the_day_the_work_must_be_finished_by(
    staff: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    case_id = await investigated(staff, now - timedelta(days=2), now - timedelta(days=1))
    finish_by = days_from_today(60)
    summary = await stop(
        staff, case_id, "written_summary", at=now.isoformat(), finish_work_by=str(finish_by)
    )
    assert summary.status_code == 200, summary.text
    case = summary.json()
    clocks = {c["milestone"]: c for c in case["clocks"]}
    assert clocks["written_summary"]["met"] is True
    finish = clocks["complete_work"]
    assert datetime.fromisoformat(finish["started_at"]) == now
    assert datetime.fromisoformat(finish["due_at"]) == start_of_london_day(
        finish_by + timedelta(days=1)
    )
    assert finish["stopped_at"] is None
    assert case["status"] == "open"
    for milestone in ("begin_safety_work", "start_further_work"):
        assert (await stop(staff, case_id, milestone, at=now.isoformat())).status_code == 200
    assert (await staff.get(f"/v1/awaab-cases/{case_id}")).json()["status"] == "open"
    done = await stop(staff, case_id, "complete_work", at=datetime.now(UTC).isoformat())
    assert done.status_code == 200, done.text
    assert {c["milestone"]: c for c in done.json()["clocks"]}["complete_work"]["met"] is True
    assert done.json()["status"] == "closed"


async def test_work_finished_after_the_day_set_is_a_breach(staff: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    case_id = await investigated(staff, now - timedelta(days=5), now - timedelta(days=4))
    summary_at = now - timedelta(days=3)
    summary = await stop(
        staff,
        case_id,
        "written_summary",
        at=summary_at.isoformat(),
        finish_work_by=str(london_day(summary_at)),
    )
    assert summary.status_code == 200, summary.text
    late = await stop(staff, case_id, "complete_work", at=now.isoformat())
    assert late.status_code == 200, late.text
    finish = {c["milestone"]: c for c in late.json()["clocks"]}["complete_work"]
    assert (finish["met"], finish["breached"]) == (False, True)


async def test_a_finish_day_with_another_step_or_before_the_summary_is_refused(
    staff: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    opened = await staff.post(
        "/v1/awaab-cases",
        json={
            "uprn": str(random.randint(10**9, 10**12 - 1)),
            "severity": "significant",
            "became_aware_at": (now - timedelta(days=2)).isoformat(),
        },
        auth=manager(),
    )
    case_id = opened.json()["id"]
    with_investigation = await stop(
        staff, case_id, "investigate", at=now.isoformat(), finish_work_by=str(london_day(now))
    )
    assert with_investigation.status_code == 422, with_investigation.text
    assert [e["field"] for e in with_investigation.json()["errors"]] == ["finish_work_by"]
    [clock] = (await staff.get(f"/v1/awaab-cases/{case_id}")).json()["clocks"]
    assert clock["stopped_at"] is None
    assert (await stop(staff, case_id, "investigate", at=now.isoformat())).status_code == 200
    before = await stop(
        staff,
        case_id,
        "written_summary",
        at=now.isoformat(),
        finish_work_by=str(london_day(now) - timedelta(days=1)),
    )
    assert before.status_code == 422, before.text
    assert [e["field"] for e in before.json()["errors"]] == ["finish_work_by"]
    clocks = {
        c["milestone"]: c for c in (await staff.get(f"/v1/awaab-cases/{case_id}")).json()["clocks"]
    }
    assert clocks["written_summary"]["stopped_at"] is None
    assert "complete_work" not in clocks

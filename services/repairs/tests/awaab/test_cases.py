"""Awaab's Law cases through the API and from visits' hazard-identified, and the
breach job: a clock that ran out with no request arriving raises its event once,
across a restart (a second run) and with two replicas running the job at once."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import ComplaintReceived
from hearth_contracts.events.visits import HazardIdentified, HazardIdentifiedV2, HazardType
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import ENGLAND_AND_WALES
from repairs.awaab.service import AwaabService
from repairs.handlers import build_handlers
from repairs.settings import AwaabTargets
from repairs.work_orders.service import RepairService
from services.repairs.tests.contractor_doubles import manager

handlers = build_handlers(RepairService())


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def breaches(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == "uk.hearth.repairs.hazard-deadline-breached.v1",
            )
        )
    return int(count or 0)


def breach_job() -> ScheduledJob:
    service = AwaabService(AwaabTargets(), ENGLAND_AND_WALES)
    return ScheduledJob("awaab-deadline-breaches", timedelta(minutes=1), service.raise_breaches)


async def test_a_contact_opens_a_case_whose_clock_starts_when_the_landlord_became_aware(
    staff: httpx.AsyncClient,
) -> None:
    response = await staff.post(
        "/v1/awaab-cases",
        json={
            "uprn": a_uprn(),
            "severity": "significant",
            "source": "complaint",
            "became_aware_at": "2026-11-02T09:00:00+00:00",
        },
        auth=manager(),
    )
    assert response.status_code == 201, response.text
    [clock] = response.json()["clocks"]
    assert clock["milestone"] == "investigate"
    assert clock["started_at"] == "2026-11-02T09:00:00Z"
    assert clock["due_at"] == "2026-11-17T00:00:00Z"  # 10 working days: Mon 16 Nov


async def test_a_future_awareness_is_refused_naming_the_field(staff: httpx.AsyncClient) -> None:
    uprn = a_uprn()
    response = await staff.post(
        "/v1/awaab-cases",
        json={"uprn": uprn, "severity": "emergency", "became_aware_at": "2099-01-01T00:00:00Z"},
        auth=manager(),
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["became_aware_at"]
    assert (await staff.get("/v1/awaab-cases", params={"uprn": uprn})).json()["items"] == []


@pytest.mark.parametrize(
    "became_aware_at", ["0001-01-01T00:00:00Z", "1066-10-14T09:00:00Z", "2015-01-01T00:00:00Z"]
)
async def test_an_awareness_beyond_the_report_window_is_refused_naming_the_field(
    staff: httpx.AsyncClient, became_aware_at: str
) -> None:
    uprn = a_uprn()
    response = await staff.post(
        "/v1/awaab-cases",
        json={"uprn": uprn, "severity": "emergency", "became_aware_at": became_aware_at},
        auth=manager(),
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["became_aware_at"]
    assert (await staff.get("/v1/awaab-cases", params={"uprn": uprn})).json()["items"] == []


async def test_clocks_pause_with_reasons_and_stop_with_evidence_starting_the_next_ones(
    staff: httpx.AsyncClient,
) -> None:
    aware = datetime.now(UTC) - timedelta(days=3)
    opened = await staff.post(
        "/v1/awaab-cases",
        json={"uprn": a_uprn(), "severity": "significant", "became_aware_at": aware.isoformat()},
        auth=manager(),
    )
    case = opened.json()
    path = f"/v1/awaab-cases/{case['id']}/clocks/investigate"
    due_before = case["clocks"][0]["due_at"]
    paused = await staff.post(
        f"{path}/pause",
        json={"reason": "tenant_refused_access", "at": (aware + timedelta(days=1)).isoformat()},
        auth=manager(),
    )
    assert paused.status_code == 200, paused.text
    resumed = await staff.post(
        f"{path}/resume", json={"at": (aware + timedelta(days=2)).isoformat()}, auth=manager()
    )
    [clock] = resumed.json()["clocks"]
    assert datetime.fromisoformat(clock["due_at"]) - datetime.fromisoformat(
        due_before
    ) == timedelta(days=1)
    assert clock["pauses"][0]["reason"] == "tenant_refused_access"
    stopped = await staff.post(
        f"{path}/stop",
        json={"at": datetime.now(UTC).isoformat(), "evidence": ["survey/12.pdf"]},
        auth=manager(),
    )
    clocks = {c["milestone"]: c for c in stopped.json()["clocks"]}
    assert clocks["investigate"]["met"] is True
    assert clocks["investigate"]["evidence"] == ["survey/12.pdf"]
    assert {"written_summary", "begin_safety_work", "start_further_work"} <= set(clocks)
    again = await staff.post(
        f"{path}/stop",
        json={"at": datetime.now(UTC).isoformat(), "evidence": ["x"]},
        auth=manager(),
    )
    assert again.status_code == 409


async def test_a_pause_starting_before_the_last_pause_ended_is_refused_naming_at(
    staff: httpx.AsyncClient,
) -> None:
    """Paused from hour 1 to 11, a second pause from hour 2 to 12 would move the
    deadline 20 hours for 11 hours paused: it is refused; one from hour 11 is not."""
    aware = datetime.now(UTC) - timedelta(hours=20)
    opened = await staff.post(
        "/v1/awaab-cases",
        json={"uprn": a_uprn(), "severity": "emergency", "became_aware_at": aware.isoformat()},
        auth=manager(),
    )
    case = opened.json()
    due_before = datetime.fromisoformat(case["clocks"][0]["due_at"])
    path = f"/v1/awaab-cases/{case['id']}/clocks/make_safe"

    async def moment(action: str, hours: int, **body: object) -> httpx.Response:
        at = (aware + timedelta(hours=hours)).isoformat()
        return await staff.post(f"{path}/{action}", json={"at": at, **body}, auth=manager())

    assert (await moment("pause", 1, reason="tenant_refused_access")).status_code == 200
    assert (await moment("resume", 11)).status_code == 200
    overlapping = await moment("pause", 2, reason="specialist_survey")
    assert overlapping.status_code == 422
    assert [e["field"] for e in overlapping.json()["errors"]] == ["at"]
    [clock] = (await staff.get(f"/v1/awaab-cases/{case['id']}")).json()["clocks"]
    assert len(clock["pauses"]) == 1
    assert clock["paused_at"] is None
    assert datetime.fromisoformat(clock["due_at"]) - due_before == timedelta(hours=10)
    inside = await moment("stop", 5, evidence=["survey/1.pdf"])  # inside the pause
    assert [e["field"] for e in inside.json()["errors"]] == ["at"]
    assert (await moment("pause", 11, reason="specialist_survey")).status_code == 200
    resumed = await moment("resume", 12)
    [clock] = resumed.json()["clocks"]
    assert datetime.fromisoformat(clock["due_at"]) - due_before == timedelta(hours=11)


def hazard_v1(uprn: str) -> HazardIdentified:
    """As visits published it before ADR 0071 (still on the topic)."""
    return HazardIdentified(
        hazard_id=uuid.uuid4(),
        uprn=uprn,
        visit_id=uuid.uuid4(),
        hazard_type="damp_and_mould",
        severity="significant",
        location="bedroom",
        description="Black mould behind the wardrobe",
        identified_at=datetime(2026, 11, 9, 10, tzinfo=UTC),
    )


def hazard_v2(uprn: str) -> HazardIdentifiedV2:
    """As visits publishes it now: codes only (docs/adr/0071)."""
    return HazardIdentifiedV2(
        hazard_id=uuid.uuid4(),
        uprn=uprn,
        visit_id=uuid.uuid4(),
        hazard_type=HazardType.DAMP_AND_MOULD,
        severity="significant",
        identified_at=datetime(2026, 11, 9, 10, tzinfo=UTC),
    )


@pytest.mark.parametrize("a_hazard", [hazard_v1, hazard_v2], ids=["v1", "v2"])
async def test_a_hazard_found_on_a_visit_opens_one_case_from_the_visits_time(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    a_hazard: Callable[[str], HazardIdentified | HazardIdentifiedV2],
) -> None:
    uprn = a_uprn()
    hazard = a_hazard(uprn)
    handler = handlers.get(hazard.type)
    assert handler is not None
    for envelope in (Envelope(data=hazard), Envelope(data=hazard)):  # re-published
        async with repairs_database.sessionmaker() as session, session.begin():
            await handler(session, envelope)
    [case] = (await staff.get("/v1/awaab-cases", params={"uprn": uprn})).json()["items"]
    assert case["became_aware_at"] == "2026-11-09T10:00:00Z"
    assert case["source"] == "home_visit"
    assert case["hazard_id"] == str(hazard.hazard_id)


async def test_a_clock_run_out_with_no_traffic_raises_its_breach_once_across_restart_and_replicas(
    staff: httpx.AsyncClient, repairs_db_url: str, repairs_database: Database
) -> None:
    uprn = a_uprn()
    aware = datetime.now(UTC) - timedelta(hours=30)
    opened = await staff.post(
        "/v1/awaab-cases",
        json={"uprn": uprn, "severity": "emergency", "became_aware_at": aware.isoformat()},
        auth=manager(),
    )
    assert opened.status_code == 201
    assert await breaches(repairs_database, uprn) == 0

    # Two replicas, each with its own engine, run the job at the same moment.
    replicas = [Database(repairs_db_url), Database(repairs_db_url)]
    try:
        now = datetime.now(UTC)
        await asyncio.gather(*(run_until_done(db, breach_job(), now) for db in replicas))
        assert await breaches(repairs_database, uprn) == 1
        # A restart: a fresh process runs the job again later; nothing new is raised.
        await run_until_done(replicas[0], breach_job(), now + timedelta(minutes=5))
        assert await breaches(repairs_database, uprn) == 1
    finally:
        for db in replicas:
            await db.dispose()
    case = (await staff.get(f"/v1/awaab-cases/{opened.json()['id']}")).json()
    assert case["clocks"][0]["breached"] is True


async def test_a_clock_stopped_late_before_the_jobs_next_pass_raises_its_breach_once(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Stopped after its deadline but before the breach job looked: the stop raises
    hazard-deadline-breached, and the job does not raise it again. Stopped in time:
    nothing. Already raised by the job: the stop does not raise it twice."""

    async def a_case(hours_ago: int) -> tuple[str, str]:
        uprn = a_uprn()
        aware = datetime.now(UTC) - timedelta(hours=hours_ago)
        opened = await staff.post(
            "/v1/awaab-cases",
            json={"uprn": uprn, "severity": "emergency", "became_aware_at": aware.isoformat()},
            auth=manager(),
        )
        assert opened.status_code == 201, opened.text
        return uprn, f"/v1/awaab-cases/{opened.json()['id']}/clocks/make_safe/stop"

    async def stop(path: str) -> None:
        body = {"at": datetime.now(UTC).isoformat(), "evidence": ["made-safe/1.jpg"]}
        response = await staff.post(path, json=body, auth=manager())
        assert response.status_code == 200, response.text

    raised, raised_path = await a_case(26)
    await run_until_done(repairs_database, breach_job(), datetime.now(UTC))
    assert await breaches(repairs_database, raised) == 1
    late, late_path = await a_case(30)  # the job has not looked since
    in_time, in_time_path = await a_case(2)
    for path in (late_path, in_time_path, raised_path):
        await stop(path)
    assert await breaches(repairs_database, late) == 1
    await run_until_done(repairs_database, breach_job(), datetime.now(UTC) + timedelta(days=2))
    assert await breaches(repairs_database, late) == 1
    assert await breaches(repairs_database, in_time) == 0
    assert await breaches(repairs_database, raised) == 1


async def test_a_damp_and_mould_complaint_opens_one_case_from_when_it_was_received(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    complaint = ComplaintReceived(
        complaint_id=uuid.uuid4(),
        uprn=uprn,
        category="damp_and_mould",
        medium="phone",
        received_at=datetime(2026, 11, 10, 14, tzinfo=UTC),
        acknowledge_by=date(2026, 11, 17),
    )
    other = complaint.model_copy(update={"complaint_id": uuid.uuid4(), "category": "repairs"})
    handler = handlers.get(complaint.type)
    assert handler is not None
    for envelope in (Envelope(data=complaint), Envelope(data=complaint), Envelope(data=other)):
        async with repairs_database.sessionmaker() as session, session.begin():
            await handler(session, envelope)
    [case] = (await staff.get("/v1/awaab-cases", params={"uprn": uprn})).json()["items"]
    assert (case["source"], case["severity"]) == ("complaint", "significant")
    assert case["complaint_id"] == str(complaint.complaint_id)
    assert case["clocks"][0]["started_at"] == "2026-11-10T14:00:00Z"

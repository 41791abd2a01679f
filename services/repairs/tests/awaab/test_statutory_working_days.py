"""Awaab's Law deadlines count the law's working days: weekends and bank holidays in
England and Wales only. The landlord's own closure days (HEARTH_CLOSURE_DAYS) push its
own repair targets later, never a legal deadline (docs/adr/0035).

Christmas 2025, with the office closed 29 to 31 December: aware Tue 23 Dec, the ten
working days are 24 Dec, 29, 30, 31 Dec, 2, 5, 6, 7, 8, 9 Jan (25 and 26 Dec and
1 Jan are bank holidays), so the investigation is late from Sat 10 Jan 00:00. Counting
the closure days out as well would have made it Thu 15 Jan."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest
from asgi_lifespan import LifespanManager

from hearth_contracts import Envelope
from hearth_contracts.events.visits import HazardIdentified
from hearth_kit.db import Database
from hearth_kit.working_days import WorkingDayCalendar
from repairs.app import create_app
from repairs.handlers import build_handlers
from repairs.settings import RepairsSettings
from repairs.work_orders.service import RepairService
from services.repairs.tests.contractor_doubles import manager
from tests.harness.tokens import InternalTokenAuth

CLOSED = [date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31)]
AWARE = "2025-12-23T15:00:00Z"
INVESTIGATE_LATE_FROM = "2026-01-10T00:00:00Z"


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


@pytest.fixture(scope="module")
async def closed_at_christmas(
    contracted_settings: RepairsSettings,
) -> AsyncIterator[httpx.AsyncClient]:
    """The repairs API of a landlord closed between Christmas and New Year."""
    app = create_app(contracted_settings.model_copy(update={"closure_days": CLOSED}))
    async with (
        LifespanManager(app) as started,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(started.app),
            base_url="http://repairs",
            auth=InternalTokenAuth("repairs"),
        ) as client,
    ):
        yield client


async def test_a_closure_day_does_not_extend_an_awaabs_law_deadline(
    closed_at_christmas: httpx.AsyncClient,
) -> None:
    opened = await closed_at_christmas.post(
        "/v1/awaab-cases",
        json={"uprn": a_uprn(), "severity": "significant", "became_aware_at": AWARE},
        auth=manager(),
    )
    assert opened.status_code == 201, opened.text
    [clock] = opened.json()["clocks"]
    assert clock["due_at"] == INVESTIGATE_LATE_FROM
    # The written summary after an investigation on Wed 24 Dec: 29, 30, 31 Dec, late
    # from Thu 1 Jan (not from Wed 7 Jan).
    case_path = f"/v1/awaab-cases/{opened.json()['id']}"
    stopped = await closed_at_christmas.post(
        f"{case_path}/clocks/investigate/stop",
        json={"at": "2025-12-24T11:00:00Z", "evidence": ["survey/1.pdf"]},
        auth=manager(),
    )
    assert stopped.status_code == 200, stopped.text
    clocks = {c["milestone"]: c for c in stopped.json()["clocks"]}
    assert clocks["written_summary"]["due_at"] == "2026-01-01T00:00:00Z"


async def test_the_landlords_own_repair_target_still_skips_its_closure_days(
    closed_at_christmas: httpx.AsyncClient,
) -> None:
    # Urgent, reported Wed 24 Dec: 2, 5, 6, 7, 8 Jan with the office closed 29-31 Dec.
    reported = await closed_at_christmas.post(
        "/v1/repairs",
        json={
            "uprn": a_uprn(),
            "description": "No hot water",
            "location": "kitchen",
            "trade": "plumbing",
            "priority": "urgent",
            "reported_at": "2025-12-24T10:00:00Z",
        },
    )
    assert reported.status_code == 201, reported.text
    assert reported.json()["target_at"] == "2026-01-08T23:59:59Z"


async def test_a_hazard_seen_on_a_visit_counts_the_laws_working_days(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The consumer's handlers built on a repairs calendar with closure days."""
    handlers = build_handlers(RepairService(calendar=WorkingDayCalendar(CLOSED)))
    uprn = a_uprn()
    hazard = HazardIdentified(
        hazard_id=uuid.uuid4(),
        uprn=uprn,
        visit_id=uuid.uuid4(),
        hazard_type="damp_and_mould",
        severity="significant",
        location="bedroom",
        description="Black mould behind the wardrobe",
        identified_at=datetime.fromisoformat(AWARE).astimezone(UTC),
    )
    handler = handlers.get(hazard.type)
    assert handler is not None
    async with repairs_database.sessionmaker() as session, session.begin():
        await handler(session, Envelope(data=hazard))
    [case] = (await staff.get("/v1/awaab-cases", params={"uprn": uprn})).json()["items"]
    [clock] = case["clocks"]
    assert clock["due_at"] == INVESTIGATE_LATE_FROM

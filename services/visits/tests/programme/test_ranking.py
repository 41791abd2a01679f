"""The programme ranks every home by its explainable score; a visit booked is paired
with a gas check due near it; officers see their caseloads; the figures count visits."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from prometheus_client import REGISTRY

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import CheckDue, CombinedAppointmentOffered
from hearth_kit.db import Database
from services.visits.tests.factories import (
    a_completed_report,
    a_uprn,
    an_area,
    event_names,
    outbox_rows,
    visited_in_full,
)
from services.visits.tests.test_handlers import (
    contact,
    handle,
    registered,
    resident,
    started,
)
from visits.scheduled import scheduled_jobs
from visits.settings import VisitsSettings


def postcode_in(area: str) -> dict[str, Any]:
    return {"postcode": f"{area} 1AA"}


async def a_home(db: Database, area: str, *, gas: bool, living_alone: bool, contacts: int) -> str:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(
        db,
        registered(
            uprn,
            heating_fuel="gas" if gas else "electric",
            gas_supply="live" if gas else "none",
            registered_at=datetime.now(UTC),
            **postcode_in(area),
        ),
    )
    await handle(db, started(uprn, tenancy_id, date(2015, 4, 1), "secure"))
    await handle(db, resident(uprn, tenancy_id, lives_alone=living_alone, age_band="45_to_64"))
    if not living_alone:
        await handle(db, resident(uprn, tenancy_id, lives_alone=False, age_band="25_to_44"))
    for n in range(contacts):
        await handle(db, contact(uprn, datetime.now(UTC) - timedelta(days=n + 1)))
    return uprn


async def test_a_living_alone_no_gas_high_contact_household_ranks_above_a_low_risk_one(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    area = an_area()
    low_risk = await a_home(visits_database, area, gas=True, living_alone=False, contacts=3)
    at_risk = await a_home(visits_database, area, gas=False, living_alone=True, contacts=14)
    response = await visits.get("/v1/programme/homes", params={"area": area, "limit": 10})
    assert response.status_code == 200, response.text
    programme = response.json()
    assert programme["homes_ranked"] == 2
    assert [home["uprn"] for home in programme["items"]] == [at_risk, low_risk]
    top, bottom = programme["items"]
    assert {r["factor"] for r in top["reasons"]} == {
        "contact_very_high",
        "living_alone",
        "no_annual_gas_visit",
    }
    assert top["score"] == sum(r["points"] for r in top["reasons"]) == 40
    assert bottom["reasons"] == []
    assert top["next_visit_kind"] == "full"


async def test_the_programme_is_cut_to_the_limit_and_refuses_a_bad_area(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    area = an_area()
    for _ in range(3):
        await a_home(visits_database, area, gas=True, living_alone=False, contacts=3)
    programme = (await visits.get("/v1/programme/homes", params={"area": area, "limit": 2})).json()
    assert (programme["homes_ranked"], len(programme["items"])) == (3, 2)
    response = await visits.get("/v1/programme/homes", params={"area": "not an area"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["area"]


async def a_gas_check_due(db: Database, uprn: str) -> uuid.UUID:
    check_id = uuid.uuid4()
    await handle(db, registered(uprn))
    await handle(
        db,
        Envelope(
            data=CheckDue(
                check_id=check_id,
                uprn=uprn,
                check_type="gas_safety",
                due_by=date(2026, 12, 20),
                raised_at=datetime(2026, 10, 1, tzinfo=UTC),
            )
        ),
    )
    return check_id


async def test_a_full_visit_is_paired_with_a_gas_check_due_near_it(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    check_id = await a_gas_check_due(visits_database, uprn)
    response = await visits.post(
        "/v1/visits", json={"uprn": uprn, "scheduled_for": "2026-12-01T10:00:00+00:00"}
    )
    assert response.status_code == 201, response.text
    visit = response.json()
    assert (visit["kind"], visit["paired_check_id"]) == ("full", str(check_id))
    assert visit["stock_condition_survey"] is True
    [row] = [r for r in await outbox_rows(visits_database, uprn)]
    assert row["data"]["paired_check_id"] == str(check_id)
    # a lite call is not paired (at a home given its full visit: ADR 0131)
    called = a_uprn()
    await a_gas_check_due(visits_database, called)
    await visited_in_full(visits, called)
    unpaired = await visits.post(
        "/v1/visits",
        json={
            "uprn": called,
            "kind": "lite",
            "channel": "phone",
            "scheduled_for": "2026-12-02T10:00:00+00:00",
        },
    )
    assert unpaired.status_code == 201, unpaired.text
    assert unpaired.json()["paired_check_id"] is None
    assert event_names(await outbox_rows(visits_database, called))[-1] == "visit-scheduled"
    assert (await outbox_rows(visits_database, called))[-1]["data"]["paired_check_id"] is None


async def test_the_officer_sees_access_needs_language_and_format_before_going(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, started(uprn, tenancy_id, date(2020, 1, 1), "secure"))
    await handle(visits_database, resident(uprn, tenancy_id, lives_alone=True))
    visit = (
        await visits.post(
            "/v1/visits", json={"uprn": uprn, "scheduled_for": "2026-12-01T10:00:00+00:00"}
        )
    ).json()
    briefing = (await visits.get(f"/v1/visits/{visit['id']}/briefing")).json()
    [person] = briefing["residents"]
    assert (person["language"], person["preferred_channel"], person["lives_alone"]) == (
        "cy",
        "phone",
        True,
    )
    assert person["vulnerability_recorded"] is False


async def test_figures_count_visits_no_access_and_repairs_per_first_visit(
    visits: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    booked = (
        await visits.post(
            "/v1/visits",
            json={"uprn": uprn, "kind": "full", "scheduled_for": "2026-01-05T10:00:00Z"},
        )
    ).json()
    await visits.post(
        f"/v1/visits/{booked['id']}/report",
        json={
            "outcome": "no_access",
            "no_access_reason": "no_answer",
            "visited_at": "2026-01-05T10:00:00Z",
        },
    )
    response = await visits.get(
        "/v1/visits/figures", params={"from": "2026-01-01", "to": "2026-01-31"}
    )
    assert response.status_code == 200, response.text
    figures = response.json()
    measures = {m["code"]: m for m in figures["measures"]}
    assert measures["visits.no_access_rate"]["numerator"] >= 1
    assert "month:2026-01" in figures["breakdowns"]


async def test_compliances_combined_appointment_offer_pairs_a_booked_full_visit_once(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, check_id = a_uprn(), uuid.uuid4()
    visit = (
        await visits.post(
            "/v1/visits",
            json={"uprn": uprn, "kind": "full", "scheduled_for": "2026-12-01T10:00:00+00:00"},
        )
    ).json()
    assert visit["paired_check_id"] is None
    offer = Envelope(
        data=CombinedAppointmentOffered(
            check_id=check_id,
            visit_id=uuid.UUID(visit["id"]),
            uprn=uprn,
            check_type="gas_safety",
            due_by=date(2026, 12, 20),
            scheduled_start=datetime(2026, 12, 1, 10, tzinfo=UTC),
            scheduled_end=datetime(2026, 12, 1, 11, tzinfo=UTC),
            offered_at=datetime(2026, 11, 29, tzinfo=UTC),
        )
    )
    await handle(visits_database, offer)
    await handle(visits_database, offer)
    assert (await visits.get(f"/v1/visits/{visit['id']}")).json()["paired_check_id"] == str(
        check_id
    )
    rows = await outbox_rows(visits_database, uprn)
    assert event_names(rows) == ["visit-scheduled", "visit-scheduled"]
    assert rows[-1]["data"]["paired_check_id"] == str(check_id)


async def test_the_homes_beyond_their_interval_are_counted_for_the_alert(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    await handle(visits_database, registered(uprn))
    visit = (
        await visits.post(
            "/v1/visits",
            json={"uprn": uprn, "kind": "full", "scheduled_for": "2024-03-01T10:00:00+00:00"},
        )
    ).json()
    reported = await visits.post(
        f"/v1/visits/{visit['id']}/report",
        json=a_completed_report("2024-03-01T10:30:00+00:00"),
    )
    assert reported.status_code == 201, reported.text
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert priority["beyond_interval"] is True
    assert {"factor": "beyond_interval", "points": 100} in priority["reasons"]
    (job,) = [
        job
        for job in scheduled_jobs(VisitsSettings(environment="development"))
        if job.name == "homes-beyond-interval"
    ]
    async with visits_database.sessionmaker() as session:
        assert await job.run(session, datetime.now(UTC)) == 0
    assert (REGISTRY.get_sample_value("hearth_visits_homes_beyond_interval") or 0) >= 1

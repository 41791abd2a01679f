"""The visits service's reactions, run directly against a real, migrated database:
they keep the projections the programme ranks homes from (homes, tenancies, residents,
contacts, access failures, damp cases) and the caseloads, once per fact however often
run, an older event never overwriting a newer one, an ended tenancy never coming back,
and the same result whether the consumer hands them a batch or each event on its own."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import (
    AccessEscalated,
    AccessFailed,
    CheckCompleted,
    CheckCompletedV2,
    CheckDue,
    CheckWithdrawn,
    NoAccessStep,
    PropertyRegistered,
    PropertyUpdated,
)
from hearth_contracts.events.engagement import (
    ContactLogged,
    ResidentRegistered,
    VulnerabilityRecorded,
    VulnerabilityRecordedV2,
)
from hearth_contracts.events.income import (
    ArrearsStageChanged,
    TenancyEnded,
    TenancyStarted,
    TenancyTypeChanged,
)
from hearth_contracts.events.repairs import DampMouldCaseOpened
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import Inbox, Message
from hearth_kit.working_days import london_day
from services.visits.tests.factories import (
    OFFICERS,
    a_completed_report,
    a_uprn,
    a_visit,
    an_area,
)
from visits.handlers import build_handlers
from visits.models import (
    CaseloadAssignment,
    HomeProfile,
    HouseholdContact,
    OfficerVisitForAccess,
    ProgrammeScore,
    ResidentProfile,
    TenancyRecord,
)
from visits.programme import repository as projections
from visits.settings import VisitsSettings

SETTINGS = VisitsSettings(environment="development", caseloads=OFFICERS)
handlers = build_handlers(SETTINGS)


def registered(uprn: str, heating_fuel: str = "gas", **overrides: Any) -> Envelope[Any]:
    facts: dict[str, Any] = {
        "address_line_1": "12 Mare Street",
        "town": "London",
        "postcode": "E8 1DY",
        "property_type": "flat",
        "gas_supply": "live",
        "registered_at": datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
    }
    return Envelope(
        data=PropertyRegistered(uprn=uprn, heating_fuel=heating_fuel, **{**facts, **overrides})
    )


def updated(uprn: str, heating_fuel: str, at: datetime, **overrides: Any) -> Envelope[Any]:
    facts: dict[str, Any] = {
        "address_line_1": "12 Mare Street",
        "town": "London",
        "postcode": "E8 1DY",
        "property_type": "flat",
        "tenure": "general_needs",
        "gas_supply": "none" if heating_fuel == "electric" else "live",
        "updated_at": at,
    }
    return Envelope(
        data=PropertyUpdated(uprn=uprn, heating_fuel=heating_fuel, **{**facts, **overrides})
    )


def started(
    uprn: str, tenancy_id: uuid.UUID, start: date, tenancy_type: str = "introductory"
) -> Envelope[Any]:
    return Envelope(
        data=TenancyStarted(
            tenancy_id=tenancy_id,
            tenancy_reference=f"T-{str(tenancy_id)[:8]}",
            uprn=uprn,
            tenants=[{"person_id": uuid.uuid4(), "full_name": "Ada Lovelace"}],
            start_date=start,
            tenancy_type=tenancy_type,
            weekly_rent_pence=12_550,
        )
    )


def ended(uprn: str, tenancy_id: uuid.UUID) -> Envelope[Any]:
    return Envelope(
        data=TenancyEnded(
            tenancy_id=tenancy_id,
            uprn=uprn,
            end_date=date(2026, 3, 1),
            reason="notice_given",
            closing_balance_pence=0,
        )
    )


async def handle(db: Database, envelope: Envelope[Any]) -> None:
    """Apply the event through the handlers in its own transaction, as the consumer does
    a lone event (a batch handler gets a run of one; then the homes are re-scored)."""
    assert envelope.type in handlers
    async with db.sessionmaker() as session, session.begin():
        await handlers.apply(session, [envelope])


async def consume(
    db: Database, envelopes: Sequence[Envelope[Any]], *, one_at_a_time: bool = False
) -> None:
    """Apply events as the consumer does: one partition's batch in one transaction
    (each run of a type to its batch handler, others one by one), or each on its own,
    as after a batch failed."""
    settings = VisitsSettings(environment="development")
    inbox = Inbox(settings, db, handlers, DeadLetters(settings, db))
    batch = [(Message("t", 0, n, None, None, ()), e) for n, e in enumerate(envelopes)]
    for part in [[item] for item in batch] if one_at_a_time else [batch]:
        async with db.sessionmaker() as session, session.begin():
            await inbox.apply(session, part)


def type_changed(
    uprn: str,
    tenancy_id: uuid.UUID,
    change: str,
    new_type: str,
    on: date,
    ends_on: date | None = None,
) -> Envelope[Any]:
    return Envelope(
        data=TenancyTypeChanged(
            tenancy_id=tenancy_id,
            uprn=uprn,
            change=change,
            previous_type="introductory",
            tenancy_type=new_type,
            effective_on=on,
            introductory_period_ends_on=ends_on,
        )
    )


def resident(uprn: str, tenancy_id: uuid.UUID, **overrides: Any) -> Envelope[Any]:
    return Envelope(
        data=ResidentRegistered(
            resident_id=overrides.pop("resident_id", uuid.uuid4()),
            tenancy_id=tenancy_id,
            uprn=uprn,
            full_name="Ada Lovelace",
            preferred_channel="phone",
            language="cy",
            registered_at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
            **overrides,
        )
    )


def contact(uprn: str, at: datetime, contact_id: uuid.UUID | None = None) -> Envelope[Any]:
    return Envelope(
        data=ContactLogged(
            contact_id=contact_id or uuid.uuid4(),
            uprn=uprn,
            direction="inbound",
            medium="phone",
            reason="repair",
            contacted_at=at,
        )
    )


async def profile(db: Database, uprn: str) -> HomeProfile | None:
    async with db.sessionmaker() as session:
        return await session.get(HomeProfile, uprn)


async def profiles(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(HomeProfile).where(HomeProfile.uprn == uprn)
        )
    return int(count or 0)


async def current(db: Database, uprn: str) -> TenancyRecord | None:
    async with db.sessionmaker() as session:
        return await projections.current_tenancy(session, uprn, london_day(datetime.now(UTC)))


async def caseload(db: Database, tenancy_id: uuid.UUID) -> CaseloadAssignment | None:
    async with db.sessionmaker() as session:
        return await session.get(CaseloadAssignment, tenancy_id)


def test_the_service_consumes_what_its_factors_are_fed_from() -> None:
    assert handlers.services == {"compliance", "income", "engagement", "repairs"}
    for event_type in (TenancyStarted, TenancyEnded, ArrearsStageChanged, DampMouldCaseOpened):
        assert handlers.get(event_type.type) or handlers.get_batch(event_type.type)


async def test_a_registered_property_is_kept_once_however_often_it_is_delivered(
    visits_database: Database,
) -> None:
    uprn = a_uprn()
    event = registered(uprn, heating_fuel="electric")
    await handle(visits_database, event)
    await handle(visits_database, event)
    home = await profile(visits_database, uprn)
    assert home is not None
    assert (home.heating_fuel, home.postcode, home.area) == ("electric", "E8 1DY", "E8")
    assert await profiles(visits_database, uprn) == 1


async def test_an_older_property_event_never_overwrites_a_newer_one(
    visits_database: Database,
) -> None:
    uprn = a_uprn()
    await handle(visits_database, registered(uprn, heating_fuel="gas"))
    await handle(visits_database, updated(uprn, "electric", datetime(2026, 6, 1, 9, 0, tzinfo=UTC)))
    await handle(visits_database, registered(uprn, heating_fuel="gas"))  # redelivered late
    home = await profile(visits_database, uprn)
    assert home is not None
    assert (home.heating_fuel, home.gas_supply) == ("electric", "none")


async def test_a_later_tenancy_is_the_current_one_and_an_earlier_one_never_is(
    visits_database: Database,
) -> None:
    uprn, earlier, later = a_uprn(), uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, started(uprn, later, date(2026, 2, 1), "secure"))
    await handle(visits_database, started(uprn, earlier, date(2019, 5, 6), "secure"))
    tenancy = await current(visits_database, uprn)
    assert tenancy is not None
    assert tenancy.tenancy_id == later


async def test_an_ended_tenancy_never_comes_back_from_a_replayed_or_late_event(
    visits_database: Database,
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 2, 1)))
    assert (await caseload(visits_database, tenancy_id)) is not None
    await handle(visits_database, ended(uprn, tenancy_id))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 2, 1)))  # replayed
    await handle(
        visits_database,
        type_changed(uprn, tenancy_id, "confirmed", "secure", date(2027, 2, 1)),  # late
    )
    assert await current(visits_database, uprn) is None
    assert await caseload(visits_database, tenancy_id) is None


async def test_a_new_introductory_tenancy_is_on_the_introductory_caseload_for_12_months_extendable(
    visits_database: Database,
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 2, 1)))
    held = await caseload(visits_database, tenancy_id)
    assert held is not None
    assert (held.caseload, held.officer, held.introductory_ends_on) == (
        "introductory",
        "officer-intro",
        date(2027, 2, 1),
    )
    await handle(
        visits_database,
        type_changed(uprn, tenancy_id, "extended", "introductory", date(2027, 1, 5)),
    )
    held = await caseload(visits_database, tenancy_id)
    assert held is not None
    assert (held.caseload, held.introductory_ends_on) == ("introductory", date(2027, 8, 1))
    await handle(
        visits_database, type_changed(uprn, tenancy_id, "confirmed", "secure", date(2027, 8, 1))
    )
    held = await caseload(visits_database, tenancy_id)
    assert held is not None
    assert (held.caseload, held.officer) == ("community", "officer-e8")


async def test_a_contact_delivered_twice_counts_once(visits_database: Database) -> None:
    uprn, contact_id = a_uprn(), uuid.uuid4()
    event = contact(uprn, datetime(2026, 3, 1, tzinfo=UTC), contact_id)
    await handle(visits_database, event)
    await handle(visits_database, event)
    async with visits_database.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(HouseholdContact).where(HouseholdContact.uprn == uprn)
        )
    assert count == 1


async def test_a_visit_booked_at_a_tenanted_home_names_the_tenancy(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 2, 1)))
    response = await visits.post("/v1/visits", json=a_visit(uprn))
    assert response.status_code == 201, response.text
    assert response.json()["tenancy_id"] == str(tenancy_id)


async def test_a_home_without_gas_in_a_new_tenancy_rises_up_the_programme(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    # a month into its introductory year whatever today is (a fixed start date stops
    # being new a year after it, and this test with it)
    a_month_ago = london_day(datetime.now(UTC)) - timedelta(days=30)
    await handle(visits_database, registered(uprn, heating_fuel="electric", gas_supply="none"))
    await handle(visits_database, started(uprn, tenancy_id, a_month_ago))
    for n in range(3):
        await handle(visits_database, contact(uprn, datetime.now(UTC) - timedelta(days=n + 1)))
    response = await visits.get(f"/v1/programme/homes/{uprn}")
    assert response.status_code == 200, response.text
    priority = response.json()
    assert priority["reasons"] == [
        {"factor": "no_annual_gas_visit", "points": 15},
        {"factor": "new_or_introductory_tenancy", "points": 15},
    ]
    assert priority["score"] == 30
    assert priority["factors"]["no_annual_gas_visit"] is True
    assert priority["next_visit_kind"] == "full"


async def gas_factor(visits: httpx.AsyncClient, uprn: str) -> tuple[bool, list[str]]:
    """The home's no_annual_gas_visit factor and the factors that scored."""
    response = await visits.get(f"/v1/programme/homes/{uprn}")
    assert response.status_code == 200, response.text
    priority = response.json()
    return priority["factors"]["no_annual_gas_visit"], [
        reason["factor"] for reason in priority["reasons"]
    ]


async def test_a_capped_home_compliance_still_checks_for_gas_scores_no_gas_factor(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """A capped supply with a landlord gas appliance still gets the annual gas check
    (compliance's needs_gas_safety_check): somebody sees inside every year."""
    uprn = a_uprn()
    # registered a month ago: a fixed day becomes a year ago and the home beyond its
    # visit interval, a factor this test does not expect
    a_month_ago = datetime.now(UTC) - timedelta(days=30)
    await handle(
        visits_database,
        registered(
            uprn,
            heating_fuel="electric",
            gas_supply="capped",
            needs_gas_safety_check=True,
            registered_at=a_month_ago,
        ),
    )
    home = await profile(visits_database, uprn)
    assert home is not None
    assert home.needs_gas_safety_check is True
    assert await gas_factor(visits, uprn) == (False, [])
    async with visits_database.sessionmaker() as session:
        stored = await session.get(ProgrammeScore, uprn)
    assert stored is not None
    assert stored.factors["no_annual_gas_visit"] is False


async def test_the_gas_factor_follows_compliances_latest_decision_and_an_old_event_the_supply(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    # days relative to today: a home registered on a fixed day is beyond its visit
    # interval a year later, a factor this test does not expect
    uprn, gas_fire_removed = a_uprn(), datetime.now(UTC) - timedelta(days=10)
    capped = {"gas_supply": "capped"}
    joined = gas_fire_removed - timedelta(days=60)
    await handle(
        visits_database, registered(uprn, heating_fuel="gas", registered_at=joined, **capped)
    )
    assert await gas_factor(visits, uprn) == (True, ["no_annual_gas_visit"])  # not said
    await handle(
        visits_database,
        updated(
            uprn,
            "gas",
            gas_fire_removed - timedelta(days=30),
            **capped,
            needs_gas_safety_check=True,
        ),
    )
    assert await gas_factor(visits, uprn) == (False, [])
    await handle(
        visits_database,
        updated(uprn, "gas", gas_fire_removed, **capped, needs_gas_safety_check=False),
    )
    assert await gas_factor(visits, uprn) == (True, ["no_annual_gas_visit"])
    await handle(  # the earlier decision redelivered late: changes nothing
        visits_database,
        updated(
            uprn,
            "gas",
            gas_fire_removed - timedelta(days=30),
            **capped,
            needs_gas_safety_check=True,
        ),
    )
    home = await profile(visits_database, uprn)
    assert home is not None
    assert home.needs_gas_safety_check is False
    assert await gas_factor(visits, uprn) == (True, ["no_annual_gas_visit"])


async def test_every_factor_fed_from_events_appears_in_the_explanation(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id, person = a_uprn(), uuid.uuid4(), uuid.uuid4()
    at = datetime.now(UTC) - timedelta(days=3)
    await handle(visits_database, registered(uprn, registered_at=at))
    await handle(visits_database, started(uprn, tenancy_id, date(2015, 2, 1), "secure"))
    await handle(
        visits_database,
        resident(uprn, tenancy_id, resident_id=person, lives_alone=True, age_band="85_and_over"),
    )
    await handle(
        visits_database,
        Envelope(
            data=VulnerabilityRecorded(
                resident_id=person,
                uprn=uprn,
                categories=["mobility"],
                adjustments=["call_before_visiting"],
                recorded_at=at,
            )
        ),
    )
    await handle(
        visits_database,
        Envelope(
            data=ArrearsStageChanged(
                tenancy_id=tenancy_id,
                uprn=uprn,
                stage="letter_1",
                previous_stage="text_reminder",
                arrears_pence=45_000,
                changed_at=at,
            )
        ),
    )
    await handle(
        visits_database,
        Envelope(
            data=AccessFailed(
                check_id=uuid.uuid4(),
                attempt_id=uuid.uuid4(),
                uprn=uprn,
                check_type="gas_safety",
                attempt_number=1,
                attempted_at=at,
            )
        ),
    )
    await handle(
        visits_database,
        Envelope(
            data=DampMouldCaseOpened(
                case_id=uuid.uuid4(),
                uprn=uprn,
                severity="significant",
                source="contact_centre",
                became_aware_at=at,
                investigate_by=at + timedelta(days=10),
                opened_at=at,
            )
        ),
    )
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert {r["factor"]: r["points"] for r in priority["reasons"]} == {
        "contact_very_low": 15,
        "vulnerabilities": 10,
        "living_alone": 15,
        "age_band": 15,
        "arrears": 10,
        "damp_history": 20,
        "no_access_history": 10,
    }


async def test_only_a_damp_and_mould_case_is_damp_history(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """An emergency Awaab's Law case of another kind (electrical, gas) is no damp
    history; damp and mould is, and so is a case whose event does not say its kind."""
    at = datetime.now(UTC) - timedelta(days=3)

    def case_opened(uprn: str, severity: str, hazard_type: str | None) -> Envelope[Any]:
        return Envelope(
            data=DampMouldCaseOpened(
                case_id=uuid.uuid4(),
                uprn=uprn,
                severity=severity,
                source="home_visit",
                hazard_type=hazard_type,
                became_aware_at=at,
                investigate_by=at + timedelta(days=1),
                opened_at=at,
            )
        )

    not_damp, damp, unsaid = a_uprn(), a_uprn(), a_uprn()
    for uprn in (not_damp, damp, unsaid):
        await handle(visits_database, registered(uprn, registered_at=at))
    await consume(
        visits_database,
        [
            case_opened(not_damp, "emergency", "electrical"),
            case_opened(not_damp, "emergency", "gas_or_carbon_monoxide"),
            case_opened(damp, "emergency", "electrical"),
            case_opened(damp, "significant", "damp_and_mould"),
            case_opened(unsaid, "emergency", None),
        ],
    )
    for uprn, damp_history in ((not_damp, False), (damp, True), (unsaid, True)):
        priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
        assert priority["factors"]["damp_history"] is damp_history, uprn
        assert ("damp_history" in {r["factor"] for r in priority["reasons"]}) is damp_history


def escalated(uprn: str, check_id: uuid.UUID, step: NoAccessStep, at: datetime) -> Envelope[Any]:
    return Envelope(
        data=AccessEscalated(
            check_id=check_id,
            uprn=uprn,
            check_type="gas_safety",
            step=step,
            step_number=list(NoAccessStep).index(step) + 1,
            escalated_at=at,
        )
    )


async def officer_visit(visits: httpx.AsyncClient, uprn: str) -> tuple[bool, str, list[str]]:
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    return (
        priority["factors"]["officer_visit_for_check_access"],
        priority["next_visit_kind"],
        [r["factor"] for r in priority["reasons"]],
    )


async def test_a_housing_officer_visit_step_puts_the_home_first_until_the_check_is_done(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """compliance's access-escalated at its housing officer visit step puts the home on
    the visit officers' list (a full visit, its reason in the ranking) once however often
    it is delivered; the ladder's other steps change nothing; the check completed takes
    it off."""
    area = an_area()
    asked, quiet = a_uprn(), a_uprn()
    check_id = uuid.uuid4()
    at = datetime.now(UTC) - timedelta(days=2)
    for uprn in (asked, quiet):
        await handle(visits_database, registered(uprn, registered_at=at, postcode=f"{area} 1AA"))
    for step in (NoAccessStep.SECOND_APPOINTMENT, NoAccessStep.FINAL_WARNING):
        await handle(visits_database, escalated(asked, check_id, step, at))
    assert await officer_visit(visits, asked) == (False, "full", [])
    officer_step = escalated(asked, check_id, NoAccessStep.HOUSING_OFFICER_VISIT, at)
    await handle(visits_database, officer_step)
    await handle(visits_database, officer_step)  # redelivered
    await consume(visits_database, [officer_step, officer_step])  # in a batch, again
    assert await officer_visit(visits, asked) == (True, "full", ["officer_visit_for_check_access"])
    ranked = (await visits.get("/v1/programme/homes", params={"area": area})).json()
    assert [home["uprn"] for home in ranked["items"]] == [asked, quiet]
    assert ranked["items"][0]["reasons"] == [
        {"factor": "officer_visit_for_check_access", "points": 100}
    ]
    async with visits_database.sessionmaker() as session:
        kept = await session.scalar(
            select(func.count())
            .select_from(OfficerVisitForAccess)
            .where(OfficerVisitForAccess.uprn == asked)
        )
    assert kept == 1
    await handle(
        visits_database,
        Envelope(
            data=CheckCompleted(
                check_id=check_id,
                uprn=asked,
                check_type="gas_safety",
                outcome="satisfactory",
                certificate_reference="LGSR-1",
                completed_at=datetime.now(UTC),
                next_due_by=date.today() + timedelta(days=365),
                copy_to_tenant_by=date.today() + timedelta(days=28),
            )
        ),
    )
    assert await officer_visit(visits, asked) == (False, "full", [])
    async with visits_database.sessionmaker() as session:
        stored = await session.get(ProgrammeScore, asked)
    assert stored is not None
    assert stored.reasons == []


async def test_a_withdrawn_check_closes_its_officer_visit_and_is_never_paired(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """compliance withdrew the check (a right to buy sale, a capped supply): as for a
    completed one, the officer visit asked for its access is closed and a full visit
    booked near its date is not paired with it, however often, and in whatever order
    with a redelivered check-due, the events arrive. A check completed at a home outside
    the programme (check-completed v2, next_due_by null) is taken as completed."""
    withdrawn_home, kept_home, outside_home = a_uprn(), a_uprn(), a_uprn()
    at = datetime.now(UTC) - timedelta(days=2)
    due_by = date.today() + timedelta(days=10)
    checks = {uprn: uuid.uuid4() for uprn in (withdrawn_home, kept_home, outside_home)}
    for uprn, check_id in checks.items():
        await handle(visits_database, registered(uprn, registered_at=at))
        await handle(
            visits_database,
            Envelope(
                data=CheckDue(
                    check_id=check_id,
                    uprn=uprn,
                    check_type="gas_safety",
                    due_by=due_by,
                    raised_at=at,
                )
            ),
        )
        await handle(
            visits_database, escalated(uprn, check_id, NoAccessStep.HOUSING_OFFICER_VISIT, at)
        )
        assert (await officer_visit(visits, uprn))[0] is True
    withdrawal = Envelope(
        data=CheckWithdrawn(
            check_id=checks[withdrawn_home],
            uprn=withdrawn_home,
            check_type="gas_safety",
            withdrawn_at=datetime.now(UTC),
            reason="no_longer_needed",
        )
    )
    await handle(visits_database, withdrawal)
    await handle(visits_database, withdrawal)  # redelivered
    await consume(visits_database, [withdrawal])  # and in a batch
    await handle(
        visits_database,
        Envelope(
            data=CheckCompletedV2(
                check_id=checks[outside_home],
                uprn=outside_home,
                check_type="gas_safety",
                outcome="satisfactory",
                certificate_reference="LGSR-2",
                completed_at=datetime.now(UTC),
                next_due_by=None,
                copy_to_tenant_by=date.today() + timedelta(days=28),
            )
        ),
    )
    assert await officer_visit(visits, withdrawn_home) == (False, "full", [])
    assert (await officer_visit(visits, outside_home))[0] is False
    assert (await officer_visit(visits, kept_home))[0] is True
    async with visits_database.sessionmaker() as session:
        stored = await session.get(ProgrammeScore, withdrawn_home)
    assert stored is not None
    assert stored.reasons == []
    when = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    paired = {}
    for uprn in (withdrawn_home, kept_home):
        booked = await visits.post(
            "/v1/visits", json={"uprn": uprn, "kind": "full", "scheduled_for": when}
        )
        assert booked.status_code == 201, booked.text
        paired[uprn] = booked.json()["paired_check_id"]
    assert paired == {withdrawn_home: None, kept_home: str(checks[kept_home])}


async def test_a_full_visit_made_after_the_officer_visit_was_asked_for_takes_it_off(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    at = datetime.now(UTC) - timedelta(days=2)
    await handle(visits_database, registered(uprn, registered_at=at))
    await handle(
        visits_database, escalated(uprn, uuid.uuid4(), NoAccessStep.HOUSING_OFFICER_VISIT, at)
    )
    assert (await officer_visit(visits, uprn))[0] is True
    went = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    visit = (
        await visits.post("/v1/visits", json={"uprn": uprn, "kind": "full", "scheduled_for": went})
    ).json()
    reported = await visits.post(f"/v1/visits/{visit['id']}/report", json=a_completed_report(went))
    assert reported.status_code == 201, reported.text
    assert (await officer_visit(visits, uprn))[0] is False


async def test_a_home_nothing_is_known_about_has_no_priority(visits: httpx.AsyncClient) -> None:
    assert (await visits.get(f"/v1/programme/homes/{a_uprn()}")).status_code == 404


def home_history(uprn: str, tenancies: tuple[uuid.UUID, uuid.UUID]) -> list[Envelope[Any]]:
    """A home's events as a partition may carry them: registered, updated twice out of
    order, a tenancy started, an earlier one redelivered late, the current one ended and
    a new one started, with runs of one type and types interleaved."""
    first, second = tenancies
    at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    return [
        registered(uprn, heating_fuel="gas"),
        updated(uprn, "electric", at + timedelta(days=2)),
        updated(uprn, "oil", at + timedelta(days=1)),  # older: ignored
        updated(uprn, "district", at + timedelta(days=2)),  # same moment: the later wins
        started(uprn, first, date(2026, 2, 1)),
        started(uprn, uuid.uuid4(), date(2019, 5, 6)),  # an earlier tenancy: ignored
        ended(uprn, first),
        registered(uprn, heating_fuel="gas"),  # redelivered late: ignored
        started(uprn, second, date(2026, 7, 1)),
        started(uprn, second, date(2026, 7, 1)),
    ]


async def facts(db: Database, uprn: str) -> tuple[object, ...]:
    home = await profile(db, uprn)
    tenancy = await current(db, uprn)
    assert home is not None
    assert tenancy is not None
    return (
        home.heating_fuel,
        home.postcode,
        home.property_as_of,
        tenancy.tenancy_id,
        tenancy.start_date,
        tenancy.tenancy_type,
    )


async def test_a_batch_leaves_the_projection_that_its_events_one_by_one_leave(
    visits_database: Database,
) -> None:
    in_a_batch, one_by_one = a_uprn(), a_uprn()
    first, second = uuid.uuid4(), uuid.uuid4()
    await consume(visits_database, home_history(in_a_batch, (first, second)))
    # a tenancy belongs to one home: the other home's history has its own ids
    await consume(
        visits_database,
        home_history(one_by_one, (uuid.uuid4(), uuid.uuid4())),
        one_at_a_time=True,
    )
    batched = await facts(visits_database, in_a_batch)
    assert batched[:3] + batched[4:] == (await facts(visits_database, one_by_one))[:3] + batched[4:]
    assert batched == (
        "district",
        "E8 1DY",
        datetime(2026, 6, 3, 9, 0, tzinfo=UTC),
        second,
        date(2026, 7, 1),
        "introductory",
    )


async def test_a_v2_vulnerability_flag_sets_and_clears_and_an_older_record_changes_nothing(
    visits_database: Database,
) -> None:
    """v2 carries only `vulnerable` and the adjustments (no categories); the newer
    record wins whichever version an older one arriving late is."""
    uprn, person = a_uprn(), uuid.uuid4()
    at = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

    def v2(vulnerable: bool, adjustments: list[str], when: datetime) -> Envelope[Any]:
        return Envelope(
            data=VulnerabilityRecordedV2(
                resident_id=person,
                uprn=uprn,
                vulnerable=vulnerable,
                adjustments=adjustments,
                recorded_at=when,
            )
        )

    async def kept() -> tuple[bool | None, list[str] | None]:
        async with visits_database.sessionmaker() as session:
            resident = await session.get(ResidentProfile, person)
        assert resident is not None
        return resident.vulnerable, resident.adjustments

    both = ["call_before_visiting", "extra_time"]  # two: the projection kept them whole
    await handle(visits_database, v2(True, both, at))
    assert await kept() == (True, both)
    await handle(visits_database, v2(False, [], at + timedelta(days=1)))
    assert await kept() == (False, [])
    await handle(visits_database, v2(True, ["extra_time"], at - timedelta(days=1)))
    await handle(
        visits_database,
        Envelope(
            data=VulnerabilityRecorded(
                resident_id=person, uprn=uprn, categories=["mobility"], recorded_at=at
            )
        ),
    )
    assert await kept() == (False, [])


@pytest.mark.parametrize("change_first", [False, True], ids=["in_order", "change_first"])
async def test_a_type_decided_on_the_tenancys_first_day_stands_whichever_event_comes_first(
    visits_database: Database, change_first: bool
) -> None:
    """An introductory tenancy confirmed secure with effect from its first day: the
    decision and the start carry the same day. Delivered through the inbox one at a
    time, in income's order or with the decision first (the start dead-lettered and
    replayed), the tenancy is secure and on the community caseload: a start's type is
    where the tenancy began, never a word on it newer than a decision."""
    uprn, tenancy_id, start = a_uprn(), uuid.uuid4(), date(2026, 2, 2)
    await handle(visits_database, registered(uprn))
    events = [
        started(uprn, tenancy_id, start),
        type_changed(uprn, tenancy_id, "confirmed", "secure", start),
    ]
    await consume(visits_database, events[::-1] if change_first else events, one_at_a_time=True)
    tenancy = await current(visits_database, uprn)
    assert tenancy is not None
    assert (tenancy.tenancy_type, tenancy.introductory_ends_on) == ("secure", None)
    held = await caseload(visits_database, tenancy_id)
    assert held is not None
    assert (held.caseload, held.officer, held.introductory_ends_on) == (
        "community",
        "officer-e8",
        None,
    )

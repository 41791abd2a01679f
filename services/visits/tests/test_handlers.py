"""The visits service's reactions, run directly against a real, migrated database:
they keep the per-home projection (home_profile), once per fact however often run, and
leave the same projection whether the consumer hands them a partition's batch or each
event on its own (as after a batch failed)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from hearth_contracts import Envelope, Event
from hearth_contracts.events.compliance import PropertyRegistered, PropertyUpdated
from hearth_contracts.events.income import TenancyEnded, TenancyStarted
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import Inbox, Message
from services.visits.tests.factories import a_uprn, a_visit
from visits.handlers import (
    handlers,
    properties_registered,
    properties_updated,
    tenancies_started,
    tenancy_ended,
)
from visits.models import HomeProfile
from visits.settings import VisitsSettings


def registered(uprn: str, heating_fuel: str = "gas", **overrides: Any) -> Envelope[Any]:
    return Envelope(
        data=PropertyRegistered(
            uprn=uprn,
            address_line_1="12 Mare Street",
            town="London",
            postcode="E8 1DY",
            property_type="flat",
            heating_fuel=heating_fuel,
            gas_supply="live",
            registered_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
            **overrides,
        )
    )


def updated(uprn: str, heating_fuel: str, at: datetime) -> Envelope[Any]:
    return Envelope(
        data=PropertyUpdated(
            uprn=uprn,
            address_line_1="12 Mare Street",
            town="London",
            postcode="E8 1DY",
            property_type="flat",
            tenure="general_needs",
            heating_fuel=heating_fuel,
            gas_supply="none" if heating_fuel == "electric" else "live",
            updated_at=at,
        )
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
    """Run the handler registered for the event, in its own transaction (a batch
    handler gets a run of one, as the consumer gives it a lone event)."""
    async with db.sessionmaker() as session, session.begin():
        if (handler := handlers.get(envelope.type)) is not None:
            await handler(session, envelope)
        else:
            run_handler = handlers.get_batch(envelope.type)
            assert run_handler is not None
            await run_handler(session, [envelope])


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


async def profile(db: Database, uprn: str) -> HomeProfile | None:
    async with db.sessionmaker() as session:
        return await session.get(HomeProfile, uprn)


async def profiles(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(HomeProfile).where(HomeProfile.uprn == uprn)
        )
    return int(count or 0)


def test_each_reaction_is_registered_for_its_event_type() -> None:
    runs_of: dict[type[Event], object] = {
        PropertyRegistered: properties_registered,
        PropertyUpdated: properties_updated,
        TenancyStarted: tenancies_started,
    }
    for event_type, run_handler in runs_of.items():
        assert handlers.get_batch(event_type.type) is run_handler
        assert handlers.get(event_type.type) is None
    assert handlers.get(TenancyEnded.type) is tenancy_ended
    assert handlers.services == {"compliance", "income"}


async def test_a_registered_property_is_kept_once_however_often_it_is_delivered(
    visits_database: Database,
) -> None:
    uprn = a_uprn()
    event = registered(uprn, heating_fuel="electric")
    await handle(visits_database, event)
    await handle(visits_database, event)
    home = await profile(visits_database, uprn)
    assert home is not None
    assert (home.heating_fuel, home.postcode) == ("electric", "E8 1DY")
    assert home.current_tenancy_id is None
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
    assert home.heating_fuel == "electric"


async def test_a_started_tenancy_becomes_the_current_one_once_and_keeps_the_property_facts(
    visits_database: Database,
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    event = started(uprn, tenancy_id, date(2026, 2, 1))
    await handle(visits_database, event)
    await handle(visits_database, event)
    home = await profile(visits_database, uprn)
    assert home is not None
    assert home.current_tenancy_id == tenancy_id
    assert (home.tenancy_start_date, home.tenancy_type) == (date(2026, 2, 1), "introductory")
    assert (home.heating_fuel, home.postcode) == ("gas", "E8 1DY")
    assert await profiles(visits_database, uprn) == 1


async def test_a_later_tenancy_replaces_the_current_one_and_an_earlier_one_never_does(
    visits_database: Database,
) -> None:
    uprn, earlier, later = a_uprn(), uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, started(uprn, later, date(2026, 2, 1), "secure"))
    await handle(visits_database, started(uprn, earlier, date(2019, 5, 6), "secure"))
    home = await profile(visits_database, uprn)
    assert home is not None
    assert home.current_tenancy_id == later


async def test_an_ended_tenancy_is_forgotten_only_if_it_is_the_current_one(
    visits_database: Database,
) -> None:
    uprn, current = a_uprn(), uuid.uuid4()
    await handle(visits_database, started(uprn, current, date(2026, 2, 1)))
    await handle(visits_database, ended(uprn, uuid.uuid4()))
    home = await profile(visits_database, uprn)
    assert home is not None
    assert home.current_tenancy_id == current
    await handle(visits_database, ended(uprn, current))
    await handle(visits_database, ended(uprn, current))
    home = await profile(visits_database, uprn)
    assert home is not None
    assert (home.current_tenancy_id, home.tenancy_start_date, home.tenancy_type) == (
        None,
        None,
        None,
    )


async def test_a_visit_booked_at_a_tenanted_home_names_the_tenancy(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 2, 1)))
    response = await visits.post("/v1/visits", json=a_visit(uprn))
    assert response.status_code == 201, response.text
    assert response.json()["tenancy_id"] == str(tenancy_id)


async def test_an_electrically_heated_home_in_a_new_tenancy_rises_up_the_programme(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    await handle(visits_database, registered(uprn, heating_fuel="electric"))
    await handle(visits_database, started(uprn, uuid.uuid4(), date(2026, 2, 1)))
    response = await visits.get(f"/v1/programme/homes/{uprn}")
    assert response.status_code == 200, response.text
    priority = response.json()
    assert priority["reasons"] == [
        {"factor": "electric_heating", "points": 15},
        {"factor": "new_or_introductory_tenancy", "points": 15},
    ]
    assert priority["score"] == 30
    assert priority["factors"]["electric_heating"] is True


async def test_a_home_with_damp_found_and_a_missed_visit_scores_both(
    visits: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    missed = (await visits.post("/v1/visits", json=a_visit(uprn))).json()
    await visits.post(
        f"/v1/visits/{missed['id']}/report",
        json={"outcome": "no_access", "no_access_reason": "resident_away"},
    )
    done = (await visits.post("/v1/visits", json=a_visit(uprn))).json()
    hazard = {
        "hazard_type": "damp_and_mould",
        "severity": "minor",
        "location": "bathroom",
        "description": "Mould on the ceiling above the bath",
    }
    await visits.post(
        f"/v1/visits/{done['id']}/report", json={"outcome": "completed", "hazards_found": [hazard]}
    )
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert {r["factor"]: r["points"] for r in priority["reasons"]} == {
        "damp_history": 20,
        "no_access_history": 10,
    }


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


def facts(home: HomeProfile | None) -> tuple[object, ...]:
    assert home is not None
    return (
        home.heating_fuel,
        home.postcode,
        home.property_as_of,
        home.current_tenancy_id,
        home.tenancy_start_date,
        home.tenancy_type,
    )


async def test_a_batch_leaves_the_profile_that_its_events_one_by_one_leave(
    visits_database: Database,
) -> None:
    in_a_batch, one_by_one = a_uprn(), a_uprn()
    first, second = uuid.uuid4(), uuid.uuid4()
    await consume(visits_database, home_history(in_a_batch, (first, second)))
    await consume(visits_database, home_history(one_by_one, (first, second)), one_at_a_time=True)
    batched = facts(await profile(visits_database, in_a_batch))
    assert batched == facts(await profile(visits_database, one_by_one))
    assert batched == (
        "district",
        "E8 1DY",
        datetime(2026, 6, 3, 9, 0, tzinfo=UTC),
        second,
        date(2026, 7, 1),
        "introductory",
    )

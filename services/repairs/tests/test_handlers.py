"""The repairs service's reactions, run directly against a real database, and as the
consumer runs them (a partition's batch in one transaction, or each event on its own
after a batch failed), with the same outcome either way."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import (
    PropertyRegistered,
    PropertyUpdated,
    SafetyDefectFound,
)
from hearth_contracts.events.visits import VisitFoundRepair
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import Inbox, Message
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import WorkingDayCalendar
from repairs.handlers import build_handlers
from repairs.models import KnownHome, RepairRequest
from repairs.settings import RepairsSettings
from repairs.work_orders.service import RepairService

handlers = build_handlers(RepairService())


def found_repair(visit_id: uuid.UUID, uprn: str, n: int) -> Envelope[VisitFoundRepair]:
    return Envelope(
        data=VisitFoundRepair(
            visit_id=visit_id,
            finding_id=uuid.uuid4(),
            uprn=uprn,
            description="Dripping kitchen tap",
            location="kitchen",
            trade="plumbing",
            reported_at=datetime(2026, 11, 16, 10, 0, tzinfo=UTC),
            repairs_found_on_visit=n,
        )
    )


async def handle(
    db: Database,
    envelope: Envelope[Any],
) -> None:
    """Run the handler registered for the event (any type repairs handles), in its own
    transaction (a batch handler gets a run of one, as the consumer gives it a lone event)."""
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
    settings = RepairsSettings(environment="development")
    inbox = Inbox(settings, db, handlers, DeadLetters(settings, db))
    batch = [(Message("t", 0, n, None, None, ()), e) for n, e in enumerate(envelopes)]
    for part in [[item] for item in batch] if one_at_a_time else [batch]:
        async with db.sessionmaker() as session, session.begin():
            await inbox.apply(session, part)


async def test_repairs_found_on_one_visit_share_one_pending_appointment_request(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, visit_id = str(random.randint(10**9, 10**12 - 1)), uuid.uuid4()
    for _ in range(3):
        await handle(repairs_database, found_repair(visit_id, uprn, 3))
    listed = (await repairs.get("/v1/repairs", params={"uprn": uprn, "status": "open"})).json()
    assert len(listed["items"]) == 3
    assert {r["priority"] for r in listed["items"]} == {"routine"}
    assert {r["source"] for r in listed["items"]} == {"home_visit"}
    # 20 working days from Mon 16 Nov 2026 is Mon 14 Dec 2026.
    assert {r["target_at"] for r in listed["items"]} == {"2026-12-14T23:59:59Z"}
    requests = (await repairs.get("/v1/appointment-requests", params={"uprn": uprn})).json()
    assert len(requests["items"]) == 1
    request = requests["items"][0]
    assert request["status"] == "pending"
    assert sorted(request["repair_ids"]) == sorted(r["id"] for r in listed["items"])
    async with repairs_database.sessionmaker() as session:
        published = await session.scalar(
            select(func.count()).where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == "uk.hearth.repairs.repair-reported.v3",
            )
        )
    assert published == 3


async def test_the_same_finding_raises_one_repair_even_under_a_new_event_id(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    first = found_repair(uuid.uuid4(), uprn, 1)
    republished = Envelope(data=first.data)
    assert republished.id != first.id
    await handle(repairs_database, first)
    await handle(repairs_database, republished)
    listed = (await repairs.get("/v1/repairs", params={"uprn": uprn})).json()
    assert len(listed["items"]) == 1


async def test_a_registered_home_is_remembered_and_updated(repairs_database: Database) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    home = PropertyRegistered(
        uprn=uprn,
        address_line_1="3 Well Street",
        town="London",
        postcode="E9 7PX",
        property_type="house",
        heating_fuel="gas",
        gas_supply="live",
        registered_at=datetime.now(UTC),
    )
    await handle(repairs_database, Envelope(data=home))
    await handle(repairs_database, Envelope(data=home.model_copy(update={"town": "Hackney"})))
    async with repairs_database.sessionmaker() as session:
        known = await session.get(KnownHome, uprn)
    assert known is not None
    assert known.town == "Hackney"


async def test_an_older_registration_arriving_late_does_not_overwrite_a_newer_address(
    repairs_database: Database,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    newer = PropertyRegistered(
        uprn=uprn,
        address_line_1="3 Well Street",
        town="Hackney",
        postcode="E9 7PX",
        property_type="house",
        heating_fuel="gas",
        gas_supply="live",
        registered_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
    )
    older = newer.model_copy(
        update={"town": "London", "registered_at": datetime(2026, 11, 1, 9, 0, tzinfo=UTC)}
    )
    await handle(repairs_database, Envelope(data=newer))
    await handle(repairs_database, Envelope(data=older))
    async with repairs_database.sessionmaker() as session:
        known = await session.get(KnownHome, uprn)
    assert known is not None
    assert (known.town, known.as_of) == ("Hackney", newer.registered_at)


def updated(uprn: str, address: str, hours: int) -> Envelope[PropertyUpdated]:
    return Envelope(
        data=PropertyUpdated(
            uprn=uprn,
            address_line_1=address,
            town="London",
            postcode="E9 7PX",
            property_type="house",
            tenure="general_needs",
            heating_fuel="gas",
            gas_supply="live",
            updated_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC) + timedelta(hours=hours),
        )
    )


async def test_an_address_change_reaches_repairs_and_an_older_event_never_overwrites_it(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    """compliance's property-updated carries the whole entry: repairs keeps its address,
    by the change's updated_at, so a late registration or an older update changes
    nothing; a repair at the home shows the new address."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    await handle(repairs_database, registered(uprn, "London", 0))
    await handle(repairs_database, found_repair(uuid.uuid4(), uprn, 1))
    await handle(repairs_database, updated(uprn, "3A Well Street", 5))
    await handle(repairs_database, updated(uprn, "3 Well Street (old)", 2))  # older: ignored
    await handle(repairs_database, registered(uprn, "Hackney", 1))  # late: ignored
    async with repairs_database.sessionmaker() as session:
        known = await session.get(KnownHome, uprn)
    assert known is not None
    assert (known.address_line_1, known.town) == ("3A Well Street", "London")
    assert known.as_of == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)
    (repair,) = (await repairs.get("/v1/repairs", params={"uprn": uprn})).json()["items"]
    assert repair["address"]["address_line_1"] == "3A Well Street"


async def test_registrations_and_updates_in_one_batch_leave_what_one_by_one_leaves(
    repairs_database: Database,
) -> None:
    in_a_batch, one_by_one = (str(random.randint(10**9, 10**12 - 1)) for _ in range(2))

    def history(uprn: str) -> list[Envelope[Any]]:
        return [
            registered(uprn, "London", 0),
            updated(uprn, "1 New Road", 4),
            registered(uprn, "Hackney", 2),  # older than the update: ignored
            updated(uprn, "2 New Road", 3),  # older than the update kept: ignored
        ]

    await consume(repairs_database, history(in_a_batch))
    await consume(repairs_database, history(one_by_one), one_at_a_time=True)
    async with repairs_database.sessionmaker() as session:
        homes = [await session.get(KnownHome, uprn) for uprn in (in_a_batch, one_by_one)]
    assert [(h.address_line_1, h.town) for h in homes if h is not None] == [
        ("1 New Road", "London"),
        ("1 New Road", "London"),
    ]


async def test_a_repair_shows_the_address_the_asset_register_announced(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    await handle(repairs_database, found_repair(uuid.uuid4(), uprn, 1))
    before = (await repairs.get("/v1/repairs", params={"uprn": uprn})).json()["items"]
    assert before[0]["address"] is None  # the asset register's event has not arrived yet
    await handle(
        repairs_database,
        Envelope(
            data=PropertyRegistered(
                uprn=uprn,
                address_line_1="7 Morning Lane",
                town="London",
                postcode="E9 6NA",
                property_type="flat",
                heating_fuel="gas",
                gas_supply="live",
                registered_at=datetime.now(UTC),
            )
        ),
    )
    (repair,) = (await repairs.get("/v1/repairs", params={"uprn": uprn})).json()["items"]
    assert repair["address"] == {
        "address_line_1": "7 Morning Lane",
        "address_line_2": None,
        "town": "London",
        "postcode": "E9 6NA",
    }
    assert (await repairs.get(f"/v1/repairs/{repair['id']}")).json()["address"] == repair["address"]


async def test_the_landlords_closure_days_push_a_repairs_target_later(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    # Reported Mon 16 Nov 2026: 20 working days is Mon 14 Dec; two closure days that
    # fortnight make it Wed 16 Dec.
    closed = WorkingDayCalendar([date(2026, 11, 20), date(2026, 12, 1)])
    closure_handlers = build_handlers(RepairService(calendar=closed))
    uprn = str(random.randint(10**9, 10**12 - 1))
    envelope = found_repair(uuid.uuid4(), uprn, 1)
    handler = closure_handlers.get(envelope.type)
    assert handler is not None
    async with repairs_database.sessionmaker() as session, session.begin():
        await handler(session, envelope)
    (repair,) = (await repairs.get("/v1/repairs", params={"uprn": uprn})).json()["items"]
    assert repair["target_at"] == "2026-12-16T23:59:59Z"


def registered(uprn: str, town: str, hours: int) -> Envelope[PropertyRegistered]:
    return Envelope(
        data=PropertyRegistered(
            uprn=uprn,
            address_line_1="3 Well Street",
            town=town,
            postcode="E9 7PX",
            property_type="house",
            heating_fuel="gas",
            gas_supply="live",
            registered_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC) + timedelta(hours=hours),
        )
    )


def home_history(uprn: str) -> list[Envelope[Any]]:
    """Registrations (repeated, out of order, one at the same moment) with repairs found
    on a visit between them: runs of the projection's type around events handled one by
    one."""
    visit_id = uuid.uuid4()
    return [
        registered(uprn, "London", 1),
        registered(uprn, "Hackney", 3),
        found_repair(visit_id, uprn, 2),
        registered(uprn, "Homerton", 2),  # older than the one kept: ignored
        found_repair(visit_id, uprn, 2),
        registered(uprn, "Clapton", 3),  # same moment: the later wins
        registered(uprn, "London", 1),  # redelivered late: ignored
    ]


async def test_a_batch_leaves_what_its_events_one_by_one_leave(
    repairs_database: Database,
) -> None:
    in_a_batch, one_by_one = (str(random.randint(10**9, 10**12 - 1)) for _ in range(2))
    await consume(repairs_database, home_history(in_a_batch))
    await consume(repairs_database, home_history(one_by_one), one_at_a_time=True)
    kept: dict[str, tuple[object, ...]] = {}
    async with repairs_database.sessionmaker() as session:
        for uprn in (in_a_batch, one_by_one):
            home = await session.get(KnownHome, uprn)
            assert home is not None
            raised = await session.scalar(
                select(func.count()).select_from(RepairRequest).where(RepairRequest.uprn == uprn)
            )
            kept[uprn] = (home.town, home.as_of, raised)
    assert kept[in_a_batch] == kept[one_by_one]
    assert kept[in_a_batch] == ("Clapton", datetime(2026, 11, 1, 12, 0, tzinfo=UTC), 2)


async def test_a_visit_finding_takes_its_severity_and_the_visits_time(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Until visits adds `severity` and `visited_at` to visit-found-repair (requested),
    the handler reads them where present: an urgent finding seen at 10:00 on Mon 16 Nov
    counts 5 working days from then, not from the upload a day later."""
    uprn, visit_id = str(random.randint(10**9, 10**12 - 1)), uuid.uuid4()
    envelope = found_repair(visit_id, uprn, 1)
    data = envelope.data.model_copy(
        update={
            "severity": "serious",
            "visited_at": datetime(2026, 11, 16, 10, 0, tzinfo=UTC),
            "reported_at": datetime(2026, 11, 17, 18, 0, tzinfo=UTC),
        }
    )
    await handle(repairs_database, Envelope(data=data))
    [repair] = (await repairs.get("/v1/repairs", params={"uprn": uprn})).json()["items"]
    assert repair["priority"] == "urgent"
    assert repair["reported_at"] == "2026-11-16T10:00:00Z"
    assert repair["target_at"] == "2026-11-23T23:59:59Z"


async def test_a_safety_defect_raises_one_repair_at_compliances_priority_from_when_it_was_found(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    defect = SafetyDefectFound(
        defect_id=uuid.uuid4(),
        check_id=uuid.uuid4(),
        uprn=uprn,
        check_type="gas_safety",
        classification="at_risk",
        priority="emergency",
        trade="gas",
        location="kitchen",
        description="Boiler flue not sealed",
        made_safe=True,
        found_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    )
    handler = handlers.get(defect.type)
    assert handler is not None
    for envelope in (Envelope(data=defect), Envelope(data=defect)):
        async with repairs_database.sessionmaker() as session, session.begin():
            await handler(session, envelope)
    [repair] = (await repairs.get("/v1/repairs", params={"uprn": uprn})).json()["items"]
    assert (repair["priority"], repair["source"]) == ("emergency", "safety_check")
    assert repair["target_at"] == "2026-11-21T09:30:00Z"


async def test_a_safety_defects_repair_is_due_by_its_remedy_by_date_when_that_is_earlier(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    """An EICR C2 found on Fri 20 Nov 2026 to be remedied within 28 days: raised as a
    planned repair (90 days) it is due by remedy_by; raised as urgent (5 working days,
    end of Fri 27 Nov) its own target is already earlier and stays."""
    found_at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    remedy_by = found_at + timedelta(days=28)
    targets = {}
    for priority in ("planned", "urgent"):
        uprn = str(random.randint(10**9, 10**12 - 1))
        defect = SafetyDefectFound(
            defect_id=uuid.uuid4(),
            check_id=uuid.uuid4(),
            uprn=uprn,
            check_type="electrical",
            classification="potentially_dangerous",
            priority=priority,
            trade="electrical",
            location="consumer unit",
            description="No RCD protection on socket circuits",
            made_safe=False,
            remedy_by=remedy_by,
            found_at=found_at,
        )
        handler = handlers.get(defect.type)
        assert handler is not None
        async with repairs_database.sessionmaker() as session, session.begin():
            await handler(session, Envelope(data=defect))
        [repair] = (await repairs.get("/v1/repairs", params={"uprn": uprn})).json()["items"]
        targets[priority] = repair["target_at"]
    assert targets == {"planned": "2026-12-18T09:30:00Z", "urgent": "2026-11-27T23:59:59Z"}

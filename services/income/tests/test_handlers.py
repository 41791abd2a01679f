"""Income's reactions, run against a real, migrated database: directly, and as the
consumer runs them (a partition's batch in one transaction, or each event on its own
after a batch failed), with the same outcome either way."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import Inbox, Message
from income.handlers import handlers, on_properties_registered
from income.models import Home
from income.settings import IncomeSettings


def property_registered(uprn: str, **overrides: object) -> PropertyRegistered:
    return PropertyRegistered.model_validate(
        {
            "uprn": uprn,
            "address_line_1": "12 Mare Street",
            "town": "London",
            "postcode": "E8 1DY",
            "property_type": "flat",
            "heating_fuel": "gas",
            "gas_supply": "live",
            "registered_at": datetime.now(UTC),
            **overrides,
        }
    )


async def homes(db: Database, uprn: str) -> list[Home]:
    async with db.sessionmaker() as session:
        return list((await session.execute(select(Home).where(Home.uprn == uprn))).scalars())


async def test_a_registered_property_is_kept_once_however_often_it_is_handled(
    income_database: Database,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    envelope = Envelope(data=property_registered(uprn))
    for _ in range(2):
        async with income_database.sessionmaker() as session, session.begin():
            await on_properties_registered(session, [envelope])
    [home] = await homes(income_database, uprn)
    assert (home.uprn, home.postcode, home.address_line_1) == (uprn, "E8 1DY", "12 Mare Street")


async def test_a_property_registered_again_replaces_the_projected_address(
    income_database: Database,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    async with income_database.sessionmaker() as session, session.begin():
        await on_properties_registered(session, [Envelope(data=property_registered(uprn))])
    async with income_database.sessionmaker() as session, session.begin():
        await on_properties_registered(
            session,
            [
                Envelope(
                    data=property_registered(
                        uprn, address_line_1="Flat 3, 1 Dalston Lane", postcode="E8 3AZ"
                    )
                )
            ],
        )
    [home] = await homes(income_database, uprn)
    assert (home.postcode, home.address_line_1) == ("E8 3AZ", "Flat 3, 1 Dalston Lane")


async def test_an_older_registration_arriving_late_does_not_overwrite_a_newer_address(
    income_database: Database,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    newer = property_registered(
        uprn, postcode="E8 3AZ", registered_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    )
    older = property_registered(
        uprn, postcode="E8 1DY", registered_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    )
    for event in (newer, older):
        async with income_database.sessionmaker() as session, session.begin():
            await on_properties_registered(session, [Envelope(data=event)])
    [home] = await homes(income_database, uprn)
    assert (home.postcode, home.as_of) == ("E8 3AZ", newer.registered_at)


async def consume(
    db: Database, envelopes: Sequence[Envelope[Any]], *, one_at_a_time: bool = False
) -> None:
    """Apply events as the consumer does: one partition's batch in one transaction
    (each run of a type to its batch handler), or each on its own, as after a batch
    failed."""
    settings = IncomeSettings(environment="development")
    inbox = Inbox(settings, db, handlers, DeadLetters(settings, db))
    batch = [(Message("t", 0, n, None, None, ()), e) for n, e in enumerate(envelopes)]
    for part in [[item] for item in batch] if one_at_a_time else [batch]:
        async with db.sessionmaker() as session, session.begin():
            await inbox.apply(session, part)


def registrations(uprns: Sequence[str]) -> list[Envelope[Any]]:
    """Homes registered and re-registered out of order: repeats, late older events,
    and two events of one home at the same moment (the later one wins)."""
    at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    a, b, c = uprns
    plan = [
        (a, "E8 1AA", 1),
        (b, "E8 1BB", 2),
        (a, "E8 2AA", 3),
        (a, "E8 3AA", 2),  # older than the one before: ignored
        (c, "E8 1CC", 1),
        (c, "E8 2CC", 1),  # same moment: the later one wins
        (b, "E8 2BB", 0),  # older: ignored
    ]
    return [
        Envelope(
            data=property_registered(
                uprn, postcode=postcode, registered_at=at + timedelta(hours=hours)
            )
        )
        for uprn, postcode, hours in plan
    ]


async def test_a_batch_leaves_the_homes_that_its_events_one_by_one_leave(
    income_database: Database,
) -> None:
    in_a_batch = [str(random.randint(10**9, 10**12 - 1)) for _ in range(3)]
    one_by_one = [str(random.randint(10**9, 10**12 - 1)) for _ in range(3)]
    await consume(income_database, registrations(in_a_batch))
    await consume(income_database, registrations(one_by_one), one_at_a_time=True)
    for batched, single in zip(in_a_batch, one_by_one, strict=True):
        [home] = await homes(income_database, batched)
        [alone] = await homes(income_database, single)
        assert (home.postcode, home.as_of) == (alone.postcode, alone.as_of)
    assert [(await homes(income_database, u))[0].postcode for u in in_a_batch] == [
        "E8 2AA",
        "E8 1BB",
        "E8 2CC",
    ]


async def test_a_vulnerability_flag_clears_on_an_empty_record_and_an_older_one_is_ignored(
    income_database: Database,
) -> None:
    import uuid

    from hearth_contracts.events.engagement import VulnerabilityRecorded
    from income.handlers import on_vulnerability_recorded
    from income.models import VulnerabilityFlag

    person = uuid.uuid4()

    def record(categories: list[str], at: datetime) -> Envelope[VulnerabilityRecorded]:
        return Envelope(
            data=VulnerabilityRecorded(
                resident_id=person, uprn="100000000001", categories=categories, recorded_at=at
            )
        )

    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    for envelope in (
        record(["mobility"], t0),
        record([], t0 + timedelta(days=1)),  # consent withdrawn: the flag clears
        record(["mobility"], t0 - timedelta(days=1)),  # older, arriving late: ignored
    ):
        async with income_database.sessionmaker() as session, session.begin():
            await on_vulnerability_recorded(session, envelope)
    async with income_database.sessionmaker() as session:
        flag = await session.get(VulnerabilityFlag, person)
    assert flag is not None
    assert flag.flagged is False
    assert flag.as_of == t0 + timedelta(days=1)


async def test_a_v2_vulnerability_flag_sets_and_clears_and_an_older_one_is_ignored(
    income_database: Database,
) -> None:
    """v2 carries only `vulnerable` (no categories); handled like v1, and the two
    versions order by when they were recorded."""
    import uuid

    from hearth_contracts.events.engagement import VulnerabilityRecorded, VulnerabilityRecordedV2
    from income.handlers import on_vulnerability_recorded, on_vulnerability_recorded_v2
    from income.models import VulnerabilityFlag

    person = uuid.uuid4()

    def record(vulnerable: bool, at: datetime) -> Envelope[VulnerabilityRecordedV2]:
        return Envelope(
            data=VulnerabilityRecordedV2(
                resident_id=person, uprn="100000000001", vulnerable=vulnerable, recorded_at=at
            )
        )

    async def flagged() -> bool | None:
        async with income_database.sessionmaker() as session:
            flag = await session.get(VulnerabilityFlag, person)
        return None if flag is None else flag.flagged

    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    async with income_database.sessionmaker() as session, session.begin():
        await on_vulnerability_recorded_v2(session, record(True, t0))
    assert await flagged() is True
    async with income_database.sessionmaker() as session, session.begin():
        await on_vulnerability_recorded_v2(session, record(False, t0 + timedelta(days=1)))
    assert await flagged() is False
    late_v1 = Envelope(
        data=VulnerabilityRecorded(
            resident_id=person, uprn="100000000001", categories=["mobility"], recorded_at=t0
        )
    )
    async with income_database.sessionmaker() as session, session.begin():
        await on_vulnerability_recorded_v2(session, record(True, t0 - timedelta(days=1)))
    async with income_database.sessionmaker() as session, session.begin():
        await on_vulnerability_recorded(session, late_v1)
    assert await flagged() is False  # older records, of either version, arriving late

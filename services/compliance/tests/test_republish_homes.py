"""`hearth compliance republish-homes`: every home in the register announced again as
property-updated, once, with compliance's decision on its annual gas check and dated
when its entry last changed; `--after-uprn` resumes; an empty register announces
nothing. Through the `hearth` command line, on a fresh compliance database each."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from compliance.checks.service import ProgrammeService
from compliance.homes import repository
from compliance.homes.schemas import HomeCreate, HomeUpdate
from compliance.homes.service import HomeService, homes_in_register, republish_homes
from compliance.settings import Programme
from hearth_kit.tables import outbox_message
from services.compliance.tests.test_cli import hearth
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database

REGISTERED_AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CORRECTED_AT = datetime(2026, 9, 14, 15, 30, 12, 345678, tzinfo=UTC)
LANDLORD_GAS_FIRE = {"appliance_type": "gas_fire", "location": "living room"}


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def a_home(uprn: str, **overrides: Any) -> HomeCreate:
    return HomeCreate.model_validate(
        {
            "uprn": uprn,
            "address_line_1": "12 Mare Street",
            "town": "London",
            "postcode": "E8 1DY",
            "property_type": "flat",
            "heating_fuel": "gas",
            "gas_supply": "live",
            **overrides,
        }
    )


@pytest.fixture
async def register_url(databases: DatabaseFactory) -> str:
    """A register of its own for each test, so the counts are the test's homes only."""
    return await migrated_database(databases, "compliance")


async def register(url: str, *homes: HomeCreate) -> None:
    service = HomeService(ProgrammeService(Programme()))
    async with opened_database(url) as db, db.sessionmaker() as session, session.begin():
        for home in homes:
            await service.register(session, home, REGISTERED_AT)


async def events(url: str, name: str) -> list[dict[str, Any]]:
    """The payloads of the outbox's `name` events, in the order they were written."""
    async with opened_database(url) as db, db.sessionmaker() as session:
        rows = await session.execute(
            select(outbox_message.c.payload)
            .where(outbox_message.c.event_type == f"uk.hearth.compliance.{name}.v1")
            .order_by(outbox_message.c.id)
        )
        return [json.loads(payload) for payload in rows.scalars()]


async def test_every_home_is_announced_once_with_its_gas_check_decision_and_its_own_time(
    register_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    live, capped, capped_with_gas_fire, electric = (a_uprn() for _ in range(4))
    await register(
        register_url,
        a_home(live),
        a_home(capped, heating_fuel="electric", gas_supply="capped"),
        a_home(
            capped_with_gas_fire,
            heating_fuel="electric",
            gas_supply="capped",
            appliances=[LANDLORD_GAS_FIRE],
        ),
        a_home(electric, heating_fuel="electric", gas_supply="none"),
    )
    async with (
        opened_database(register_url) as db,
        db.sessionmaker() as session,
        session.begin(),
    ):
        await HomeService(ProgrammeService(Programme())).update(
            session,
            live,
            HomeUpdate(address_line_1="12A Mare Street"),
            if_match='"1"',
            now=CORRECTED_AT,
        )
    [corrected] = await events(register_url, "property-updated")

    # 4 homes, 3 a transaction: two batches
    assert await hearth(register_url, "compliance", "republish-homes", "--batch-size", "3") == 0

    assert "announced 4 homes (property-updated); the register held 4" in capsys.readouterr().out
    republished = (await events(register_url, "property-updated"))[1:]
    assert Counter(event["uprn"] for event in republished) == Counter(
        [live, capped, capped_with_gas_fire, electric]
    )
    by_uprn = {event["uprn"]: event for event in republished}
    assert {uprn: event["needs_gas_safety_check"] for uprn, event in by_uprn.items()} == {
        live: True,
        capped: False,
        capped_with_gas_fire: True,
        electric: False,
    }
    # exactly what the correction published: the same facts, the same time, so a
    # consumer's copy is replaced (equal time) and a later real change still wins
    assert by_uprn[live] == corrected
    assert by_uprn[live]["address_line_1"] == "12A Mare Street"
    # a home never changed is dated at its registration, as its property-registered was
    registered = {
        event["uprn"]: event for event in await events(register_url, "property-registered")
    }
    for uprn in (capped, capped_with_gas_fire, electric):
        assert by_uprn[uprn]["updated_at"] == registered[uprn]["registered_at"]
        assert by_uprn[uprn]["gas_supply"] == registered[uprn]["gas_supply"]


async def test_a_run_resumes_after_the_uprn_it_is_given(
    register_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    uprns = sorted({a_uprn() for _ in range(5)})
    await register(register_url, *(a_home(uprn) for uprn in uprns))
    done = uprns[1]  # a run that stopped after its batch ending here

    args = ("compliance", "republish-homes", "--after-uprn", done, "--batch-size", "2")
    assert await hearth(register_url, *args) == 0

    left = len(uprns) - 2
    assert (
        f"announced {left} homes after UPRN {done} (property-updated); "
        f"the register held {left} after UPRN {done}"
    ) in capsys.readouterr().out
    announced = [event["uprn"] for event in await events(register_url, "property-updated")]
    assert announced == uprns[2:]  # in UPRN order, each once, none already announced


async def test_an_empty_register_announces_nothing(
    register_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await hearth(register_url, "compliance", "republish-homes") == 0

    assert "announced 0 homes (property-updated); the register held 0" in capsys.readouterr().out
    assert await events(register_url, "property-updated") == []


async def test_a_batch_announces_nothing_twice_and_changes_nothing(register_url: str) -> None:
    """The function the command calls, batch by batch: the register's versions stay as
    they were (a backfill is not a change), and the batches cover the register once."""
    uprns = sorted({a_uprn() for _ in range(3)})
    await register(register_url, *(a_home(uprn) for uprn in uprns))
    batches: list[list[str]] = []
    cursor: str | None = None
    async with opened_database(register_url) as db:
        async with db.sessionmaker() as session:
            assert await homes_in_register(session, after=None) == 3
            assert await homes_in_register(session, after=uprns[0]) == 2
        while True:
            async with db.sessionmaker() as session, session.begin():
                batch = await republish_homes(session, after=cursor, limit=2)
            if not batch:
                break
            batches.append(batch)
            cursor = batch[-1]
    assert batches == [uprns[:2], uprns[2:]]
    async with opened_database(register_url) as db, db.sessionmaker() as session:
        homes = await repository.get_many(session, uprns)
    assert {(home.uprn, home.version, home.updated_at) for home in homes.values()} == {
        (uprn, 1, None) for uprn in uprns
    }

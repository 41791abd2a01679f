"""A gas engineer's alarm tests and the register's alarms. DOMAIN.md: the alarms are
checked at each gas visit, a smoke alarm on every storey with living space, a CO alarm
in every room with a fixed combustion appliance. One missing alarm raises one repair
(ADR 0120): the register's (required-alarm-missing, ADR 0109) and the engineer's
finding were two. The register's lists follow the home's latest record (ADR 0121): a
tested alarm is fitted, a missing one is not, unless the office told the register
about the alarms after the visit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from compliance.checks.service import ProgrammeService
from compliance.handlers import build_handlers
from compliance.settings import Programme
from hearth_contracts import Envelope
from hearth_contracts.events.repairs import RepairCompleted, RepairPriority, RepairSource
from hearth_contracts.events.visits import Trade
from hearth_kit.db import Database
from hearth_kit.working_days import start_of_london_day
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import a_record, a_uprn, london_today
from services.compliance.tests.homes.test_missing_alarms_counted import a_home, patch


async def a_let_gas_home(compliance: httpx.AsyncClient, **fields: Any) -> str:
    uprn = a_uprn()
    response = await compliance.post(
        "/v1/homes",
        json=a_home(
            uprn,
            heating_fuel="gas",
            gas_supply="live",
            appliances=[{"appliance_type": "combi_boiler", "location": "Kitchen"}],
            **fields,
        ),
    )
    assert response.status_code == 201, response.text
    return uprn


async def record(
    compliance: httpx.AsyncClient, uprn: str, alarm_tests: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    body = a_record(uprn, london_today(), alarm_tests=alarm_tests, **fields)
    response = await compliance.post("/v1/gas-safety-records", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def home_of(compliance: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    return dict((await compliance.get(f"/v1/homes/{uprn}")).json())


def a_moment_ago() -> str:
    """Within today in London, in the past (at least the start of the London day)."""
    now = datetime.now(UTC)
    return max(now - timedelta(minutes=1), start_of_london_day(london_today())).isoformat()


async def test_a_missing_alarm_the_register_has_raised_is_not_raised_again(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=2, smoke_alarm_storeys=[0], co_alarm_rooms=["kitchen"]
    )
    [raised] = await published("required-alarm-missing", uprn)
    assert (raised["kind"], raised["storey"]) == ("smoke", 1)

    taken = await record(
        compliance,
        uprn,
        [
            {"kind": "smoke", "location": "landing", "storey": 1, "result": "missing"},
            {"kind": "smoke", "location": "hall", "storey": 0, "result": "faulty"},
            {"kind": "carbon_monoxide", "location": "kitchen", "result": "working"},
        ],
    )

    # both findings kept on the record; the missing one's repair is the register's
    assert sorted(d["description"] for d in taken["defects"]) == [
        "smoke alarm faulty",
        "smoke alarm missing",
    ]
    assert len(await published("required-alarm-missing", uprn)) == 1
    sent = await published("safety-defect-found", uprn)
    assert [d["description"] for d in sent] == ["smoke alarm faulty"]


async def test_an_alarm_found_missing_where_the_register_had_one_raises_one_repair(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=1, smoke_alarm_storeys=[0], co_alarm_rooms=["Kitchen"]
    )
    assert await published("required-alarm-missing", uprn) == []
    checked_at = a_moment_ago()

    await record(
        compliance,
        uprn,
        [
            {"kind": "smoke", "location": "hall", "storey": 0, "result": "working"},
            {"kind": "carbon_monoxide", "location": " kitchen ", "result": "missing"},
        ],
        checked_at=checked_at,
    )

    home = await home_of(compliance, uprn)
    assert home["co_alarm_rooms"] == []
    assert home["rooms_missing_co_alarm"] == ["kitchen"]
    [raised] = await published("required-alarm-missing", uprn)
    assert (raised["kind"], raised["location"]) == ("carbon_monoxide", "kitchen")
    # its repair's clock from the visit, not the upload
    assert datetime.fromisoformat(raised["found_at"]) == datetime.fromisoformat(checked_at)
    assert await published("safety-defect-found", uprn) == []


async def test_an_alarm_the_engineer_tested_is_fitted_in_the_register(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=2, smoke_alarm_storeys=[0], co_alarm_rooms=[]
    )
    version = (await home_of(compliance, uprn))["version"]

    await record(
        compliance,
        uprn,
        [
            {"kind": "smoke", "location": "hall", "storey": 0, "result": "working"},
            {"kind": "smoke", "location": "landing", "storey": 1, "result": "working"},
            {"kind": "carbon_monoxide", "location": "Kitchen", "result": "working"},
        ],
    )

    home = await home_of(compliance, uprn)
    assert (home["smoke_alarm_storeys"], home["co_alarm_rooms"]) == ([0, 1], ["Kitchen"])
    assert (home["storeys_missing_smoke_alarm"], home["rooms_missing_co_alarm"]) == ([], [])
    assert home["version"] == version + 1
    # the rows cleared: missing again later is a new alarm and a new repair (ADR 0109)
    before = len(await published("required-alarm-missing", uprn))
    await patch(compliance, uprn, {"smoke_alarm_storeys": [0]})
    assert len(await published("required-alarm-missing", uprn)) == before + 1


async def test_a_visit_before_the_office_told_the_register_leaves_its_alarms(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=2, smoke_alarm_storeys=[0], co_alarm_rooms=["kitchen"]
    )
    await patch(compliance, uprn, {"smoke_alarm_storeys": [0, 1]})

    # yesterday's visit, uploaded after the office said the landing's alarm is fitted
    body = a_record(
        uprn,
        london_today() - timedelta(days=1),
        alarm_tests=[{"kind": "smoke", "location": "landing", "storey": 1, "result": "missing"}],
    )
    response = await compliance.post("/v1/gas-safety-records", json=body)
    assert response.status_code == 201, response.text

    assert (await home_of(compliance, uprn))["smoke_alarm_storeys"] == [0, 1]
    # the finding still raises its repair (as any record's did)
    assert [d["description"] for d in await published("safety-defect-found", uprn)] == [
        "smoke alarm missing"
    ]


async def complete_repair(database: Database, safety_defect_id: str, uprn: str) -> None:
    """Repairs completes the repair it raised under `safety_defect_id` (delivered twice)."""
    done_at = datetime.now(UTC)
    event = Envelope(
        data=RepairCompleted(
            repair_id=uuid.uuid4(),
            uprn=uprn,
            trade=Trade.ELECTRICAL,
            priority=RepairPriority.URGENT,
            source=RepairSource.SAFETY_CHECK,
            reported_at=done_at - timedelta(days=1),
            target_at=done_at + timedelta(days=4),
            completed_at=done_at,
            completed_on_time=True,
            right_first_time=True,
            safety_defect_id=uuid.UUID(safety_defect_id),
        )
    )
    handler = build_handlers(ProgrammeService(Programme())).get(event.type)
    assert handler is not None
    for _ in range(2):
        async with database.sessionmaker() as session, session.begin():
            await handler(session, event)


async def test_the_registers_repair_remedies_the_records_finding_and_gone_again_is_new(
    compliance: httpx.AsyncClient, compliance_database: Database, published: Published
) -> None:
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=2, smoke_alarm_storeys=[0], co_alarm_rooms=["kitchen"]
    )
    [raised] = await published("required-alarm-missing", uprn)
    missing = [{"kind": "smoke", "location": "landing", "storey": 1, "result": "missing"}]
    first = await record(compliance, uprn, missing, checked_at=a_moment_ago())
    [finding] = first["defects"]
    assert finding["missing_alarm_id"] == raised["alarm_id"]

    # the register's repair done: the record's finding is remedied with it
    await complete_repair(compliance_database, raised["alarm_id"], uprn)
    read = (await compliance.get(f"/v1/gas-safety-records/{first['id']}")).json()
    assert read["defects"][0]["remedied_at"] is not None

    # a later visit finds it missing again: gone since its repair, a new repair
    again = await record(
        compliance,
        uprn,
        missing,
        checked_at=datetime.now(UTC).isoformat(),
        certificate_reference=f"CP12-{uprn}-retest",
    )
    raised_again = (await published("required-alarm-missing", uprn))[1:]
    assert [(e["kind"], e["storey"]) for e in raised_again] == [("smoke", 1)]
    assert raised_again[0]["alarm_id"] != raised["alarm_id"]
    assert again["defects"][0]["missing_alarm_id"] == raised_again[0]["alarm_id"]
    assert await published("safety-defect-found", uprn) == []

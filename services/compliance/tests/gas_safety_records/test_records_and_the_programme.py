"""A gas record keeps to the programme the register says: at a home outside the annual
gas programme (a leaseholder's supply, a capped supply) it is kept, its defects go to
repairs and the tenant's copy is owed, but it opens no cycle and BS01 never counts the
home; a record dated before the latest one held is kept as history (superseded) and
never moves the expiry back."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text, update
from sqlmodel import col

from compliance.checks.service import ProgrammeService
from compliance.models import Home
from compliance.settings import MIGRATIONS_DIR
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from services.compliance.tests.factories import a_record, london_today


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def a_home(compliance: httpx.AsyncClient, **overrides: object) -> str:
    uprn = a_uprn()
    body = {
        "uprn": uprn,
        "address_line_1": "3 Well Street",
        "town": "London",
        "postcode": "E9 7PX",
        "property_type": "flat",
        "heating_fuel": "gas",
        "gas_supply": "live",
        **overrides,
    }
    response = await compliance.post("/v1/homes", json=body)
    assert response.status_code == 201, response.text
    return uprn


async def gas_checks(compliance: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    checks = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()["checks"]
    return [c for c in checks if c["check_type"] == "gas_safety" and not c["completed_at"]]


async def bs01(compliance: httpx.AsyncClient, on: date) -> tuple[int, int]:
    response = await compliance.get("/v1/compliance/figures", params={"to": on.isoformat()})
    assert response.status_code == 200, response.text
    [measure] = [m for m in response.json()["measures"] if m["code"] == "BS01"]
    return measure["numerator"], measure["denominator"]


async def test_a_record_at_a_home_outside_the_gas_programme_opens_no_cycle(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    shared = await a_home(compliance, tenure="shared_ownership")
    capped = await a_home(compliance, heating_fuel="electric", gas_supply="capped")
    before = await bs01(compliance, london_today())
    for uprn in (shared, capped):
        body = a_record(
            uprn,
            london_today(),
            defects=[
                {
                    "classification": "immediately_dangerous",
                    "location": "kitchen",
                    "description": "flue spillage",
                    "made_safe": True,
                }
            ],
        )
        response = await compliance.post("/v1/gas-safety-records", json=body)
        assert response.status_code == 201, response.text
        assert response.json()["superseded"] is False
        assert await gas_checks(compliance, uprn) == []  # no open gas cycle
        assert len(await published("safety-defect-found", uprn)) == 1
        assert len(await published("check-completed", uprn)) == 1  # the tenant's copy
        copies = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
        assert copies["gas_check_status"] is None
    assert await bs01(compliance, london_today()) == before
    # a year on, the sweep raises nothing for them
    async with compliance_database.sessionmaker() as session, session.begin():
        while await programme.sweep(session, datetime.now(UTC) + timedelta(days=400)):
            pass
    for uprn in (shared, capped):
        for event in ("check-due", "certificate-expired", "check-overdue-escalated"):
            raised = [e for e in await published(event, uprn) if e["check_type"] == "gas_safety"]
            assert raised == [], event
    assert await bs01(compliance, london_today()) == before


async def test_a_record_at_a_home_in_the_programme_still_opens_the_next_cycle(
    compliance: httpx.AsyncClient,
) -> None:
    uprn = await a_home(compliance)
    response = await compliance.post("/v1/gas-safety-records", json=a_record(uprn, london_today()))
    assert response.status_code == 201, response.text
    [open_check] = await gas_checks(compliance, uprn)
    assert open_check["due_by"] == response.json()["expires_on"]


async def test_a_late_older_record_is_kept_as_history_and_never_moves_the_expiry_back(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprn = await a_home(compliance)
    latest_day, older_day = (
        london_today() - timedelta(days=30),
        london_today() - timedelta(days=200),
    )
    latest = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(uprn, latest_day, certificate_reference=f"CP12-{uprn}-new"),
    )
    assert latest.status_code == 201, latest.text
    expires_on = latest.json()["expires_on"]
    [held] = await gas_checks(compliance, uprn)

    older = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(uprn, older_day, certificate_reference=f"CP12-{uprn}-old"),
    )
    assert older.status_code == 201, older.text
    record = older.json()
    assert record["superseded"] is True
    assert record["check_date"] == older_day.isoformat()
    [still] = await gas_checks(compliance, uprn)
    assert (still["id"], still["due_by"], still["status"]) == (held["id"], expires_on, "in_date")
    assert len(await published("check-completed", uprn)) == 1
    kept = await compliance.get(f"/v1/gas-safety-records/{record['id']}")
    assert kept.status_code == 200, kept.text
    assert kept.json()["superseded"] is True
    listed = (await compliance.get("/v1/gas-safety-records", params={"uprn": uprn})).json()
    assert len(listed["items"]) == 2

    # the same check date as the latest is not history: it is the latest (a re-test),
    # on the same cycle, and the expiry stays (test_same_day_and_no_next_check)
    same_day = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(uprn, latest_day, certificate_reference=f"CP12-{uprn}-again"),
    )
    assert same_day.json()["superseded"] is False
    assert same_day.json()["check_id"] == latest.json()["check_id"]
    [still] = await gas_checks(compliance, uprn)
    assert (still["id"], still["due_by"]) == (held["id"], expires_on)


async def test_the_migration_withdraws_gas_cycles_a_record_opened_outside_the_programme(
    compliance: httpx.AsyncClient, compliance_database: Database, compliance_db_url: str
) -> None:
    """Before the fix a record at a capped home opened a gas cycle (made here by capping
    the supply under the programme's feet); 0012 withdraws it and leaves a rented home
    with a live supply alone."""
    capped, rented = await a_home(compliance), await a_home(compliance)
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Home).where(col(Home.uprn) == capped).values(gas_supply="capped")
        )
        head = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        await session.execute(text("ALTER TABLE gas_safety_record DROP COLUMN superseded"))
        await session.execute(text("UPDATE alembic_version SET version_num = '0011'"))
    await upgrade(MIGRATIONS_DIR, compliance_db_url, "0012")
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE alembic_version SET version_num = :head"), {"head": head}
        )
    assert await gas_checks(compliance, capped) == []
    assert len(await gas_checks(compliance, rented)) == 1


async def test_the_same_certificate_twice_is_refused_naming_its_reference(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    """Sent again without an Idempotency-Key: a 409 naming certificate_reference (its
    value not echoed), nothing kept or published; with the same key, the first answer
    is replayed."""
    uprn = await a_home(compliance)
    body = a_record(
        uprn, london_today() - timedelta(days=1), certificate_reference=f"CP12-{uprn}-dup"
    )
    first = await compliance.post("/v1/gas-safety-records", json=body)
    assert first.status_code == 201, first.text
    [held] = await gas_checks(compliance, uprn)
    again = await compliance.post("/v1/gas-safety-records", json=body)
    assert again.status_code == 409, again.text
    assert [e["field"] for e in again.json()["errors"]] == ["certificate_reference"]
    assert f"CP12-{uprn}-dup" not in again.text
    later = await compliance.post(
        "/v1/gas-safety-records", json={**body, "check_date": london_today().isoformat()}
    )
    assert later.status_code == 409, later.text
    assert await gas_checks(compliance, uprn) == [held]
    assert len(await published("check-completed", uprn)) == 1
    listed = (await compliance.get("/v1/gas-safety-records", params={"uprn": uprn})).json()
    assert len(listed["items"]) == 1

    keyed = a_record(uprn := await a_home(compliance), london_today())
    headers = {"Idempotency-Key": f"cp12-{uprn}"}
    once = await compliance.post("/v1/gas-safety-records", json=keyed, headers=headers)
    assert once.status_code == 201, once.text
    replay = await compliance.post("/v1/gas-safety-records", json=keyed, headers=headers)
    assert replay.status_code == 201, replay.text
    assert replay.json() == once.json()
    assert replay.headers["idempotent-replayed"] == "true"

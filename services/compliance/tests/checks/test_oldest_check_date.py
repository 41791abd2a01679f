"""A check cannot be dated further back than the register goes for its type (ADR 0070):
by default 24 months (a landlord keeps a gas safety record 2 years, Gas Safety
(Installation and Use) Regulations 1998 regulation 36), or the type's interval where
that is longer (an EICR's 60 months); configuration per type
(`HEARTH_COMPLIANCE_PROGRAMME__HISTORY_MONTHS`). Any date in the past was taken: a gas
record or an EICR dated 1 January 1900 set its expiry from then, and the home's overdue
age (escalated) and the BS figures with it. A date before the floor is a 422 naming
check_date or done_on and nothing is kept or published; a certificate expiry given with
a home (registered or imported) is held to the same floor. Fixed dates: now is 11:00 UTC
on 31 March 2026 (London's 31 March), so gas goes back to 31 March 2024 and an EICR to
31 March 2021; the HTTP cases use 1900, before any floor."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from compliance.checks import repository as checks
from compliance.checks.schemas import CertificateCreate
from compliance.checks.service import ProgrammeService
from compliance.gas_safety_records.schemas import GasSafetyRecordCreate
from compliance.gas_safety_records.service import GasSafetyRecordService
from compliance.homes.schemas import HomeCreate
from compliance.homes.service import HomeService
from compliance.models import CertificateRecord, GasSafetyRecord
from compliance.settings import ComplianceSettings, Programme
from hearth_contracts.events.compliance import CheckOutcome, CheckType
from hearth_kit.auth import Caller
from hearth_kit.db import Database
from hearth_kit.problems import Unprocessable
from services.compliance.tests.factories import a_record

from ..homes.test_endpoints import a_home, a_uprn

NOW = datetime(2026, 3, 31, 11, 0, tzinfo=UTC)
OFFICER = Caller(subject="officer-1", scopes=frozenset())
HEADER = (
    "uprn,address_line_1,address_line_2,town,postcode,property_type,tenure,heating_fuel,"
    "gas_supply,block_id,estate_id,gas_certificate_expires_on,electrical_certificate_expires_on"
)


def test_the_register_goes_back_24_months_or_the_interval_where_longer() -> None:
    """On 31 March 2026: gas, fire risk, asbestos, water, lifts and the one-off alarm
    check to 31 March 2024; an EICR (5-yearly) to 31 March 2021. A month end that
    the target month lacks becomes its last day (29 February 2028 less 24 months)."""
    programme = Programme()
    today = date(2026, 3, 31)
    assert {t: programme.oldest_check_day(t, today) for t in CheckType} == {
        CheckType.GAS_SAFETY: date(2024, 3, 31),
        CheckType.ELECTRICAL: date(2021, 3, 31),
        CheckType.FIRE_RISK_ASSESSMENT: date(2024, 3, 31),
        CheckType.ASBESTOS: date(2024, 3, 31),
        CheckType.WATER: date(2024, 3, 31),
        CheckType.LIFT: date(2024, 3, 31),
        CheckType.SMOKE_CO_ALARMS: date(2024, 3, 31),
    }
    assert programme.oldest_check_day(CheckType.GAS_SAFETY, date(2028, 2, 29)) == date(2026, 2, 28)
    # A landlord with a longer interval goes back that far by default.
    longer = Programme(interval_months={CheckType.WATER: 36})
    assert longer.oldest_check_day(CheckType.WATER, today) == date(2023, 3, 31)


def test_a_landlord_configures_how_far_back_per_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_COMPLIANCE_PROGRAMME__HISTORY_MONTHS", '{"gas_safety": 120}')
    programme = ComplianceSettings().programme
    assert programme.oldest_check_day(CheckType.GAS_SAFETY, date(2026, 3, 31)) == date(2016, 3, 31)
    assert programme.oldest_check_day(CheckType.ELECTRICAL, date(2026, 3, 31)) == date(2021, 3, 31)
    for months in (0, 1201):
        with pytest.raises(ValidationError):
            Programme(history_months={CheckType.GAS_SAFETY: months})


def test_a_landlord_cannot_keep_less_than_the_law_keeps() -> None:
    """Lengthened, never shortened below the default: a gas record is kept 2 years
    (reg. 36(3)(c)), an EICR is judged on the latest report (its interval). Before, 6
    months for gas was taken, and a record of 8 months ago the landlord must still hold
    was refused as older than the register goes."""
    for history, intervals in (
        ({CheckType.GAS_SAFETY: 6}, {}),
        ({CheckType.GAS_SAFETY: 23}, {}),
        ({CheckType.ELECTRICAL: 36}, {}),
        ({CheckType.FIRE_RISK_ASSESSMENT: 12}, {}),
        ({CheckType.ELECTRICAL: 40}, {CheckType.ELECTRICAL: 48}),
    ):
        with pytest.raises(ValidationError):
            Programme(history_months=history, interval_months=intervals)
    taken = Programme(
        history_months={CheckType.GAS_SAFETY: 24, CheckType.ELECTRICAL: 36},
        interval_months={CheckType.ELECTRICAL: 36},
    )
    assert taken.oldest_check_day(CheckType.GAS_SAFETY, date(2026, 3, 31)) == date(2024, 3, 31)
    assert taken.oldest_check_day(CheckType.ELECTRICAL, date(2026, 3, 31)) == date(2023, 3, 31)


async def a_gas_home_on(db: Database, programme: ProgrammeService, **fields: Any) -> str:
    """A gas-heated home registered at NOW (no certificate expiry unless given)."""
    uprn = a_uprn()
    async with db.sessionmaker() as session, session.begin():
        await HomeService(programme).register(
            session, HomeCreate.model_validate(a_home(uprn, **fields)), NOW
        )
    return uprn


async def kept(db: Database, uprn: str) -> tuple[int, int, list[tuple[str, object]]]:
    """(gas records, certificates, [(type, due_by) of each open check]) for the home."""
    async with db.sessionmaker() as session:
        records = await session.scalar(
            select(func.count()).select_from(GasSafetyRecord).where(GasSafetyRecord.uprn == uprn)
        )
        certificates = await session.scalar(
            select(func.count())
            .select_from(CertificateRecord)
            .where(CertificateRecord.uprn == uprn)
        )
        held = await checks.for_home(session, uprn)
    open_checks = sorted((c.check_type.value, c.due_by) for c in held if c.completed_at is None)
    return int(records or 0), int(certificates or 0), open_checks


async def test_a_gas_record_before_the_floor_is_refused_and_one_on_it_is_kept(
    compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home_on(compliance_database, programme)
    before = await kept(compliance_database, uprn)
    service = GasSafetyRecordService(programme)
    with pytest.raises(Unprocessable) as refused:
        async with compliance_database.sessionmaker() as session, session.begin():
            await service.record(
                session,
                GasSafetyRecordCreate.model_validate(a_record(uprn, date(2024, 3, 30))),
                OFFICER,
                NOW,
            )
    assert refused.value.extensions["field"] == "check_date"
    assert "2024-03-31" in refused.value.detail
    assert await kept(compliance_database, uprn) == before

    async with compliance_database.sessionmaker() as session, session.begin():
        record = await service.record(
            session,
            GasSafetyRecordCreate.model_validate(a_record(uprn, date(2024, 3, 31))),
            OFFICER,
            NOW,
        )
    assert record.expires_on == date(2025, 3, 31)  # expired: the home is overdue a year


async def test_a_landlord_that_keeps_more_history_takes_an_older_gas_record(
    compliance_database: Database,
) -> None:
    programme = ProgrammeService(Programme(history_months={CheckType.GAS_SAFETY: 120}))
    uprn = await a_gas_home_on(compliance_database, programme)
    async with compliance_database.sessionmaker() as session, session.begin():
        record = await GasSafetyRecordService(programme).record(
            session,
            GasSafetyRecordCreate.model_validate(a_record(uprn, date(2017, 1, 9))),
            OFFICER,
            NOW,
        )
    assert record.check_date == date(2017, 1, 9)


async def an_open_eicr(db: Database, uprn: str) -> uuid.UUID:
    async with db.sessionmaker() as session:
        held = await checks.for_home(session, uprn)
    return next(c.id for c in held if c.check_type is CheckType.ELECTRICAL and not c.completed_at)


async def test_an_eicr_before_the_floor_is_refused_and_one_on_it_is_kept(
    compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home_on(compliance_database, programme)
    eicr = await an_open_eicr(compliance_database, uprn)
    before = await kept(compliance_database, uprn)

    def certificate(done_on: date) -> CertificateCreate:
        return CertificateCreate(
            done_on=done_on,
            certificate_reference=f"EICR-{uprn}-{done_on:%Y%m%d}",
            outcome=CheckOutcome.SATISFACTORY,
        )

    with pytest.raises(Unprocessable) as refused:
        async with compliance_database.sessionmaker() as session, session.begin():
            await programme.record_certificate(
                session, eicr, certificate(date(2021, 3, 30)), OFFICER, NOW
            )
    assert refused.value.extensions["field"] == "done_on"
    assert await kept(compliance_database, uprn) == before

    async with compliance_database.sessionmaker() as session, session.begin():
        recorded = await programme.record_certificate(
            session, eicr, certificate(date(2021, 3, 31)), OFFICER, NOW
        )
    assert recorded.expires_on == date(2026, 3, 31)


async def test_through_the_api_a_check_in_1900_is_a_problem_naming_its_day(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    """Whatever today is, 1900 is before the floor: the gas record and the EICR are
    refused (RFC 9457, the field named), nothing kept, no check completed."""
    uprn = a_uprn()
    assert (await compliance.post("/v1/homes", json=a_home(uprn))).status_code == 201
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    gas = await compliance.post("/v1/gas-safety-records", json=a_record(uprn, date(1900, 1, 1)))
    assert gas.status_code == 422, gas.text
    assert gas.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in gas.json()["errors"]] == ["check_date"]
    eicr = next(c for c in home["checks"] if c["check_type"] == "electrical")
    certificate = await compliance.post(
        f"/v1/compliance/checks/{eicr['id']}/certificates",
        json={
            "done_on": "1900-01-01",
            "certificate_reference": f"EICR-{uprn}-1900",
            "outcome": "satisfactory",
        },
    )
    assert certificate.status_code == 422, certificate.text
    assert [e["field"] for e in certificate.json()["errors"]] == ["done_on"]
    assert (await compliance.get(f"/v1/compliance/homes/{uprn}")).json() == home
    assert await published("check-completed", uprn) == []


async def test_a_certificate_expiry_given_with_a_home_is_held_to_the_floor(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    """Registered or imported, a gas expiry before 31 March 2024 or an EICR's before 31
    March 2021 is refused naming it (the imported row with its line, the other rows
    go in); one on the floor is kept, the home overdue since then."""
    old_gas = HomeCreate.model_validate(a_home(a_uprn(), gas_certificate_expires_on="2024-03-30"))
    with pytest.raises(Unprocessable) as refused:
        async with compliance_database.sessionmaker() as session, session.begin():
            await HomeService(programme).register(session, old_gas, NOW)
    assert refused.value.extensions["field"] == "gas_certificate_expires_on"

    floor_gas = await a_gas_home_on(
        compliance_database, programme, gas_certificate_expires_on="2024-03-31"
    )
    assert ("gas_safety", date(2024, 3, 31)) in (await kept(compliance_database, floor_gas))[2]

    refused_uprn, kept_uprn = a_uprn(), a_uprn()
    text = "\n".join(
        [
            HEADER,
            f"{refused_uprn},1 Mare Street,,London,E8 1DY,flat,general_needs,gas,live,,,"
            ",2021-03-30",
            f"{kept_uprn},2 Mare Street,,London,E8 1DY,flat,general_needs,gas,live,,,"
            "2024-03-31,2021-03-31",
        ]
    )
    async with compliance_database.sessionmaker() as session, session.begin():
        result = await HomeService(programme).import_file(session, text, NOW)
    assert (result.registered, result.rejected) == (1, 1)
    assert [(e.line, e.field) for e in result.errors] == [(2, "electrical_certificate_expires_on")]
    assert (await kept(compliance_database, refused_uprn))[2] == []
    assert (await kept(compliance_database, kept_uprn))[2] == [
        ("electrical", date(2021, 3, 31)),
        ("gas_safety", date(2024, 3, 31)),
    ]

    # Through the API, whatever today is: an expiry in 1900 is a problem naming it.
    response = await compliance.post(
        "/v1/homes", json=a_home(a_uprn(), electrical_certificate_expires_on="1900-01-01")
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["electrical_certificate_expires_on"]

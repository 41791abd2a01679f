"""The sweep's days are London days: check-due on the first day of the lead time,
certificate-expired the day after the expiry date (the certificate is in date through
it, ADR 0221) and the escalation once overdue over 3 months
(the day after the anniversary, ADR 0195), each from
midnight in London, which in summer time is 23:00 UTC the day before. Pins the
boundaries with fixed moments either side of that midnight."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx
import pytest

from compliance.checks.service import ProgrammeService
from compliance.settings import Programme
from hearth_kit.db import Database
from services.compliance.tests.checks.test_sweep import HEADER, eicr_expiry, raised
from tests.harness.days import a_coming_year

SUMMER = a_coming_year(4, 15)
"""The summer of the example: the first whose 15 April is after the day the test runs,
so the expiry is one the register takes on that day (at most 14 months ahead, ADR 0070)
and every moment swept is after the home was registered."""

EXPIRY = f"{SUMMER}-06-15"
"""The gas certificate's expiry: due from 16 April (60 days before), in date through 15
June and certificate-expired on 16 June (ADR 0221), escalated on 16 September (overdue
exactly 3 months on the 15th, over 3 months from the 16th: ADR 0195), all in British
Summer Time."""


@pytest.mark.parametrize(
    ("event", "last_moment_before", "london_midnight"),
    [
        (
            "check-due",
            datetime(SUMMER, 4, 15, 22, 59, 59, tzinfo=UTC),
            datetime(SUMMER, 4, 15, 23, 0, tzinfo=UTC),
        ),
        (
            "certificate-expired",
            datetime(SUMMER, 6, 15, 22, 59, 59, tzinfo=UTC),
            datetime(SUMMER, 6, 15, 23, 0, tzinfo=UTC),
        ),
        (
            "check-overdue-escalated",
            datetime(SUMMER, 9, 15, 22, 59, 59, tzinfo=UTC),
            datetime(SUMMER, 9, 15, 23, 0, tzinfo=UTC),
        ),
    ],
    ids=["due-from-16-april", "expired-16-june", "escalated-16-september"],
)
async def test_each_sweep_event_is_raised_from_midnight_in_london(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    event: str,
    last_moment_before: datetime,
    london_midnight: datetime,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    row = f"{uprn},1 Kay Road,London,E8 1DY,flat,gas,live,{EXPIRY},{eicr_expiry()}"
    response = await compliance.post(
        "/v1/homes/import",
        content=f"{HEADER}\n{row}\n".encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert response.json()["registered"] == 1, response.text
    sweep = ProgrammeService(Programme()).sweep

    async with compliance_database.sessionmaker() as session, session.begin():
        await sweep(session, last_moment_before)
    assert (await raised(compliance_database, {uprn: "gas"}))[(event, uprn)] == 0

    async with compliance_database.sessionmaker() as session, session.begin():
        await sweep(session, london_midnight)
    assert (await raised(compliance_database, {uprn: "gas"}))[(event, uprn)] == 1


MONTH_END = a_coming_year(1, 31)
"""The year of an expiry on 31 January: the first whose 31 January is after the day the
test runs (at most 14 months ahead, an expiry the register takes)."""


async def test_an_expiry_on_31_january_is_escalated_on_1_may_not_on_30_april(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    """31 January + 3 months is 30 April (April has no 31st): on 30 April the check has
    been overdue exactly 3 months, not over, so it is escalated on 1 May (ADR 0195).
    Both days are in British Summer Time: London's 1 May begins at 23:00 UTC on 30 April."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    row = f"{uprn},1 Kay Road,London,E8 1DY,flat,gas,live,{MONTH_END}-01-31,{eicr_expiry()}"
    response = await compliance.post(
        "/v1/homes/import",
        content=f"{HEADER}\n{row}\n".encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert response.json()["registered"] == 1, response.text
    sweep = ProgrammeService(Programme()).sweep
    escalated = ("check-overdue-escalated", uprn)

    async with compliance_database.sessionmaker() as session, session.begin():
        await sweep(session, datetime(MONTH_END, 4, 30, 22, 59, 59, tzinfo=UTC))
    assert (await raised(compliance_database, {uprn: "gas"}))[escalated] == 0

    async with compliance_database.sessionmaker() as session, session.begin():
        await sweep(session, datetime(MONTH_END, 4, 30, 23, 0, tzinfo=UTC))
    assert (await raised(compliance_database, {uprn: "gas"}))[escalated] == 1

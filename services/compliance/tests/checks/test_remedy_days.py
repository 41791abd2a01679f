"""The time an EICR's C2 (or FI, or a faulty alarm) gives to remedy it is configuration
(DOMAIN.md: defaults are configuration, not code): 28 days by default and by law at
most, a landlord may set a shorter target without a release."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from compliance.checks.rules import last_remedy_day
from compliance.settings import Programme
from hearth_kit.working_days import end_of_london_day
from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.factories import london_today
from tests.harness.days import a_past_year
from tests.harness.service import service_api


@pytest.fixture
async def compliance_21_days(
    compliance_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("HEARTH_COMPLIANCE_SCHEDULER_ENABLED", "false")
    monkeypatch.setenv("HEARTH_COMPLIANCE_PROGRAMME__REMEDY_DAYS", "21")
    async with service_api("compliance", compliance_db_url) as client:
        yield client


async def test_a_c2_is_remedied_within_the_configured_days(
    compliance_21_days: httpx.AsyncClient, published: Any
) -> None:
    compliance = compliance_21_days
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=100))
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    eicr = next(c for c in body["checks"] if c["check_type"] == "electrical")
    # 10 March of a past year (the register goes back 60 months for an EICR, ADR 0070):
    # the clocks go forward on the last Sunday in March, so remedy_by is BST
    done_on = date(a_past_year(3, 10), 3, 10)
    response = await compliance.post(
        f"/v1/compliance/checks/{eicr['id']}/certificates",
        json={
            "done_on": done_on.isoformat(),
            "certificate_reference": "EICR-21",
            "outcome": "unsatisfactory",
            "defects": [
                {
                    "classification": "potentially_dangerous",
                    "location": "consumer unit",
                    "description": "No RCD protection on socket circuits",
                }
            ],
        },
    )
    assert response.status_code == 201, response.text
    defects = await published("safety-defect-found", uprn)
    # 21 days starting with 10 March (its first day): the end of 30 March (ADR 0102)
    assert datetime.fromisoformat(defects[0]["remedy_by"]) == end_of_london_day(
        date(done_on.year, 3, 30)
    )


def test_the_28_days_start_with_the_inspections_day() -> None:
    """Electrical Safety Standards in the Private Rented Sector (England) Regulations
    2020, reg. 3(4): within 28 days "starting with the date of the inspection and
    testing". An EICR on 1 February: the 28th day is 28 February, not 1 March."""
    assert last_remedy_day(date(2027, 2, 1), 28) == date(2027, 2, 28)
    assert last_remedy_day(date(2028, 2, 1), 28) == date(2028, 2, 28)
    assert last_remedy_day(date(2027, 3, 10), 1) == date(2027, 3, 10)


def test_the_remedy_time_cannot_be_set_beyond_the_legal_28_days() -> None:
    assert Programme().remedy_days == 28
    with pytest.raises(ValidationError):
        Programme(remedy_days=29)

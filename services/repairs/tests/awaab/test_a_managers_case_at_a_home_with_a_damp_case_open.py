"""A manager's POST of a significant damp case at a home whose damp has an open case is a
409 naming that case (docs/adr/0217). Every other way repairs hears of damp there (a
damp repair reported, a complaint, a visit's or a check's hazard) goes on the open case
(ADR 0156, 0192, 0193); a manager's POST naming no complaint, or naming a second
complaint, opened a second case: a second set of clocks for one home's damp, its
breaches counted twice. An emergency is still opened (its 24-hour duty is its own), and
so is damp the landlord knew of before the open case began, or at a home whose open case
found none (as for the events)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hearth_kit.db import Database
from services.repairs.tests.awaab.test_a_complaint_about_damp_with_a_case_open import (
    complaint_received,
)
from services.repairs.tests.awaab.test_a_hazard_at_a_home_with_a_damp_case_open import (
    found_none,
)
from services.repairs.tests.awaab.test_cases import a_uprn
from services.repairs.tests.awaab.test_damp_reported_as_a_repair_opens_a_case import (
    cases_at,
    report,
)
from services.repairs.tests.contractor_doubles import manager
from services.repairs.tests.orders.test_work_orders import published


async def a_managers_case(
    staff: httpx.AsyncClient,
    uprn: str,
    *,
    severity: str = "significant",
    became_aware_at: datetime | None = None,
    complaint_id: uuid.UUID | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {
        "uprn": uprn,
        "severity": severity,
        "source": "contact_centre" if complaint_id is None else "complaint",
        "became_aware_at": (became_aware_at or datetime.now(UTC)).isoformat(),
    }
    if severity == "emergency":
        body["hazard_type"] = "electrical"
    if complaint_id is not None:
        body["complaint_id"] = str(complaint_id)
    return await staff.post("/v1/awaab-cases", json=body, auth=manager())


def days_ago(days: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)


@pytest.mark.parametrize("names_a_complaint", [False, True], ids=["no-complaint", "a-complaint"])
async def test_a_managers_damp_case_at_a_home_with_one_open_is_refused_naming_it(
    staff: httpx.AsyncClient, repairs_database: Database, names_a_complaint: bool
) -> None:
    uprn = a_uprn()
    first = await complaint_received(repairs_database, uprn, days_ago(3))
    [opened] = await cases_at(staff, uprn)
    second = uuid.uuid4() if names_a_complaint else None

    refused = await a_managers_case(staff, uprn, complaint_id=second)

    assert refused.status_code == 409, refused.text  # 201 before: a second case
    assert opened["id"] in refused.json()["detail"]
    assert [e["field"] for e in refused.json()["errors"]] == ["uprn"]
    [case] = await cases_at(staff, uprn)  # nothing opened, nothing changed
    assert (case["id"], case["complaint_id"]) == (opened["id"], str(first))
    assert len(await published(repairs_database, uprn, "damp-mould-case-opened")) == 1


async def test_an_emergency_is_still_opened_at_a_home_with_a_damp_case_open(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    await report(staff, uprn, reported_at=days_ago(3))
    opened = await a_managers_case(staff, uprn, severity="emergency")
    assert opened.status_code == 201, opened.text
    assert len(await cases_at(staff, uprn)) == 2


async def test_damp_known_of_before_the_open_case_began_is_opened_with_its_own_clock(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """As for a late event (ADR 0193's amendment): its earlier, lawful clock."""
    uprn = a_uprn()
    await report(staff, uprn, reported_at=days_ago(3))
    opened = await a_managers_case(staff, uprn, became_aware_at=days_ago(4))
    assert opened.status_code == 201, opened.text
    assert len(await cases_at(staff, uprn)) == 2


async def test_a_managers_damp_case_after_the_investigation_found_none_is_opened(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    await report(staff, uprn, reported_at=days_ago(3))
    [case] = await cases_at(staff, uprn)
    await found_none(staff, case["id"])
    opened = await a_managers_case(staff, uprn)
    assert opened.status_code == 201, opened.text

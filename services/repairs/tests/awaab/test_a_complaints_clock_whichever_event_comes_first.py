"""A complaint about damp received before the home's open damp case began has its own,
earlier clock whichever of its two events repairs hears first (docs/adr/0216). A damp
repair reported in the complaint names it on the home's open case (ADR 0192); when the
complaint's own complaint-received came after that, its receipt before the case began,
it found its complaint named on a case and opened nothing, so the complaint's earlier,
lawful clock start was lost. Heard the other way round it opened its own case from the
receipt (ADR 0193's amendment). Both orders now end in the same cases and clocks."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hearth_kit.db import Database
from services.repairs.tests.awaab.test_a_complaint_about_damp_with_a_case_open import (
    complaint_received,
)
from services.repairs.tests.awaab.test_cases import a_uprn
from services.repairs.tests.awaab.test_damp_reported_as_a_repair_opens_a_case import (
    a_case_for_the_complaint,
    cases_at,
    moment,
    report,
)


def as_compared(case: dict[str, Any]) -> dict[str, Any]:
    """What a case says about the damp and its clocks, without its id and when it was
    opened (those differ between any two runs)."""
    return {
        "source": case["source"],
        "complaint_id": case["complaint_id"],
        "became_aware_at": moment(case["became_aware_at"]),
        "status": case["status"],
        "clocks": [
            (c["milestone"], moment(c["started_at"]), moment(c["due_at"]), c["stopped_at"])
            for c in case["clocks"]
        ],
    }


async def the_damp_cases(staff: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    return sorted(
        (as_compared(c) for c in await cases_at(staff, uprn)),
        key=lambda c: (c["became_aware_at"], str(c["complaint_id"])),
    )


async def heard(
    staff: httpx.AsyncClient,
    db: Database,
    uprn: str,
    received: datetime,
    *,
    complaint_first: bool,
) -> uuid.UUID:
    """A complaint about damp received at `received`, and a damp repair reported in it
    now: their two events, in the order asked for."""
    complaint_id = uuid.uuid4()

    async def the_complaint() -> None:
        await complaint_received(db, uprn, received, complaint_id)

    async def the_repair_in_it() -> None:
        await report(staff, uprn, source="complaint", complaint_id=str(complaint_id))

    steps: list[Callable[[], Awaitable[None]]] = [the_complaint, the_repair_in_it]
    for step in steps if complaint_first else reversed(steps):
        await step()
    return complaint_id


def three_days_ago() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)


@pytest.mark.parametrize("complaint_first", [True, False], ids=["complaint-first", "repair-first"])
async def test_a_complaint_received_before_the_open_case_began_has_its_own_clock_either_way(
    staff: httpx.AsyncClient, repairs_database: Database, complaint_first: bool
) -> None:
    uprn = a_uprn()
    began = three_days_ago()
    await report(staff, uprn, reported_at=began)  # the home's open case, from `began`
    received = began - timedelta(days=1)  # logged late: received before the case began

    complaint_id = await heard(
        staff, repairs_database, uprn, received, complaint_first=complaint_first
    )

    cases = await the_damp_cases(staff, uprn)
    # before the fix, repair-first: one case, from `began`, naming the complaint
    assert [(c["became_aware_at"], c["complaint_id"]) for c in cases] == [
        (received, str(complaint_id)),
        (began, None),
    ]
    assert [c["source"] for c in cases] == ["complaint", "contact_centre"]
    assert [c["clocks"][0][:2] for c in cases] == [
        ("investigate", received),
        ("investigate", began),
    ]


async def test_both_orders_end_in_the_same_cases_and_clocks(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The two orders side by side, at two homes, everything each case says compared."""
    began = three_days_ago()
    seen: list[list[dict[str, Any]]] = []
    for complaint_first in (True, False):
        uprn = a_uprn()
        await report(staff, uprn, reported_at=began)
        await heard(
            staff,
            repairs_database,
            uprn,
            began - timedelta(days=1),
            complaint_first=complaint_first,
        )
        cases = await the_damp_cases(staff, uprn)
        for case in cases:  # each home's complaint has its own id
            case["complaint_id"] = case["complaint_id"] is not None
        seen.append(cases)
    complaint_first_cases, repair_first_cases = seen
    assert len(complaint_first_cases) == 2
    assert repair_first_cases == complaint_first_cases


@pytest.mark.parametrize("complaint_first", [True, False], ids=["complaint-first", "repair-first"])
async def test_a_complaint_received_after_the_open_case_began_is_named_on_it_either_way(
    staff: httpx.AsyncClient, repairs_database: Database, complaint_first: bool
) -> None:
    """Received after the case began, the complaint is about the damp being dealt with:
    named on the case, one case, whichever comes first (ADR 0192, unchanged)."""
    uprn = a_uprn()
    began = three_days_ago()
    await report(staff, uprn, reported_at=began)
    [opened] = await cases_at(staff, uprn)

    complaint_id = await heard(
        staff, repairs_database, uprn, began + timedelta(days=1), complaint_first=complaint_first
    )

    [case] = await cases_at(staff, uprn)
    assert (case["id"], case["complaint_id"]) == (opened["id"], str(complaint_id))
    assert case["became_aware_at"] == opened["became_aware_at"]


async def test_a_complaint_whose_own_repair_opened_its_case_later_gets_its_earlier_clock(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """No case at the home before: the repair reported in the complaint opened one from
    the report, then the complaint-received said it was received a day earlier. The
    complaint's case runs from its receipt, as it would have had it come first; the
    repair's case, opened and published before the receipt was known, stays (its clocks
    not moved back, ADR 0193) and no longer names the complaint: a manager stops it with
    the complaint's case's evidence (ADR 0216). Before: the complaint's clock ran from
    the report, a day late."""
    uprn = a_uprn()
    reported = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    complaint_id = uuid.uuid4()
    await report(
        staff, uprn, source="complaint", complaint_id=str(complaint_id), reported_at=reported
    )
    received = reported - timedelta(days=1)
    await complaint_received(repairs_database, uprn, received, complaint_id)

    cases = await the_damp_cases(staff, uprn)
    assert [(c["became_aware_at"], c["complaint_id"]) for c in cases] == [
        (received, str(complaint_id)),
        (reported, None),
    ]
    # replayed: nothing more
    await complaint_received(repairs_database, uprn, received, complaint_id)
    assert await the_damp_cases(staff, uprn) == cases


async def test_a_case_a_manager_opened_for_the_complaint_after_its_receipt_is_not_its_clock(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The same for a manager's POST naming the complaint with a later `became_aware_at`
    than the complaint's receipt: the complaint's clock runs from its receipt, as it would
    had its event come first (the POST was then a 409). Before: none of its own."""
    uprn = a_uprn()
    complaint_id = uuid.uuid4()
    posted = await a_case_for_the_complaint(staff, uprn, str(complaint_id))  # aware: now
    assert posted.status_code == 201, posted.text
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    await complaint_received(repairs_database, uprn, received, complaint_id)

    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert cases[posted.json()["id"]]["complaint_id"] is None
    [own] = [c for c in cases.values() if c["id"] != posted.json()["id"]]
    assert (own["complaint_id"], moment(own["became_aware_at"])) == (str(complaint_id), received)

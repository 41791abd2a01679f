"""Damp seen, complained of or reported BEFORE the home's open damp case began opens its
own case from that earlier moment (docs/adr/0193, 0192 amended). Taken by the open case,
an event arriving late (a visit's report saved days on, a complaint logged late) lost the
earlier, lawful clock start: Awaab's Law counts from when the landlord became aware, and
the open case's clock ran from later. The open case's clocks are not moved back (a
running clock's start rewritten is worse for the evidence trail). Damp seen after the
case began is still recorded on it, as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hearth_contracts.events.visits import HazardSeverity
from hearth_kit.db import Database
from services.repairs.tests.awaab.test_a_complaint_about_damp_with_a_case_open import (
    complaint_received,
)
from services.repairs.tests.awaab.test_a_hazard_at_a_home_with_a_damp_case_open import (
    SEEN,
    handled,
    seen_on_a_visit,
)
from services.repairs.tests.awaab.test_cases import a_uprn
from services.repairs.tests.awaab.test_damp_reported_as_a_repair_opens_a_case import (
    cases_at,
    moment,
    report,
)
from services.repairs.tests.orders.test_work_orders import published


def began() -> datetime:
    """When the home's open case began: a damp repair reported three days ago."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)


@pytest.mark.parametrize(("seen", "source"), SEEN)
async def test_damp_seen_the_day_before_the_open_case_began_opens_its_own_case_from_then(
    staff: httpx.AsyncClient, repairs_database: Database, seen: Any, source: str
) -> None:
    uprn = a_uprn()
    start = began()
    await report(staff, uprn, reported_at=start)
    [opened] = await cases_at(staff, uprn)

    earlier = seen(uprn, HazardSeverity.SIGNIFICANT, start - timedelta(days=1))
    for _ in range(2):  # re-published: still one case of its own
        await handled(repairs_database, earlier)

    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert len(cases) == 2
    # the open case is untouched: its clock start not moved, the hazard not recorded on it
    assert cases[opened["id"]]["hazards_recorded"] == []
    assert cases[opened["id"]]["became_aware_at"] == opened["became_aware_at"]
    assert cases[opened["id"]]["clocks"] == opened["clocks"]
    [own] = [c for c in cases.values() if c["id"] != opened["id"]]
    assert (own["source"], own["hazard_id"]) == (source, str(earlier.hazard_id))
    assert moment(own["became_aware_at"]) == start - timedelta(days=1)
    assert [c["milestone"] for c in own["clocks"]] == ["investigate"]
    assert len(await published(repairs_database, uprn, "damp-mould-case-opened")) == 2


@pytest.mark.parametrize(("seen", "source"), SEEN)
async def test_damp_seen_the_day_after_the_open_case_began_is_still_recorded_on_it(
    staff: httpx.AsyncClient, repairs_database: Database, seen: Any, source: str
) -> None:
    uprn = a_uprn()
    start = began()
    await report(staff, uprn, reported_at=start)
    [opened] = await cases_at(staff, uprn)

    later = seen(uprn, HazardSeverity.SIGNIFICANT, start + timedelta(days=1))
    await handled(repairs_database, later)

    [case] = await cases_at(staff, uprn)
    assert case["id"] == opened["id"]
    [recorded] = case["hazards_recorded"]
    assert (recorded["hazard_id"], recorded["source"]) == (str(later.hazard_id), source)


async def test_a_complaint_received_before_the_open_case_began_opens_its_own_case(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    start = began()
    await report(staff, uprn, reported_at=start)
    [opened] = await cases_at(staff, uprn)

    complaint_id = await complaint_received(repairs_database, uprn, start - timedelta(days=1))

    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert len(cases) == 2
    assert cases[opened["id"]]["complaint_id"] is None  # not named on the later case
    [own] = [c for c in cases.values() if c["id"] != opened["id"]]
    assert (own["source"], own["complaint_id"]) == ("complaint", str(complaint_id))
    assert moment(own["became_aware_at"]) == start - timedelta(days=1)


async def test_damp_reported_as_a_repair_from_before_the_open_case_opens_its_own_case(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The same look-up for a repair reported late: its `reported_at` before the case a
    visit's damp opened."""
    uprn = a_uprn()
    start = began()
    visit = seen_on_a_visit(uprn, HazardSeverity.SIGNIFICANT, start)
    await handled(repairs_database, visit)

    await report(staff, uprn, reported_at=start - timedelta(days=1))

    cases = {c["hazard_id"]: c for c in await cases_at(staff, uprn)}
    assert set(cases) == {str(visit.hazard_id), None}
    assert cases[None]["source"] == "contact_centre"
    assert moment(cases[None]["became_aware_at"]) == start - timedelta(days=1)

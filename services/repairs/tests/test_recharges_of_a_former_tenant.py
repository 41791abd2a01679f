"""A recharge on a home standing empty is charged by income to the former tenant, the
tenancy last in the home on the day (docs/adr/0036): that household's recorded
vulnerability is considered before recharging (DOMAIN.md), as a current household's is,
though its tenancy has ended. Repairs learns which tenancy began at a home, and its
tenants, from income's tenancy-started (docs/adr/0116)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.repairs.tests.test_held_recharge_names_its_household import (
    MANAGER,
    raised_event,
    request,
)
from services.repairs.tests.test_recharges_after_tenancy_end import (
    a_home,
    ended,
    flagged,
    run,
    started,
)

NOW = datetime.now(UTC)
TODAY = london_day(NOW)
TWO_YEARS_AGO = NOW - timedelta(days=730)
LAST_WEEK = NOW - timedelta(days=7)


async def test_a_vulnerable_former_tenants_recharge_on_the_empty_home_is_held_and_names_them(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, former = a_home(), uuid.uuid4()
    await run(repairs_database, started(former, uprn, london_day(TWO_YEARS_AGO), TWO_YEARS_AGO))
    await run(repairs_database, flagged(uuid.uuid4(), uprn, former, NOW - timedelta(days=60)))
    await run(repairs_database, ended(former, uprn, london_day(LAST_WEEK), LAST_WEEK))

    held = await request(staff, uprn)
    assert (held["status"], held["vulnerability_flagged"]) == ("awaiting_approval", True)
    approved = await staff.post(f"/v1/recharges/{held['id']}/approval", auth=MANAGER)
    assert approved.status_code == 200, approved.text
    assert (await raised_event(repairs_database, uprn))["tenancy_id"] == str(former)


async def test_a_former_tenant_moved_to_another_home_is_still_considered_here(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """A transfer: engagement re-announces the tenant's flag under the new home and
    tenancy, so only the tenancy's tenants tie it to the home they left."""
    uprn, elsewhere, former, person = a_home(), a_home(), uuid.uuid4(), uuid.uuid4()
    await run(
        repairs_database,
        started(former, uprn, london_day(TWO_YEARS_AGO), TWO_YEARS_AGO, tenants=(person,)),
    )
    await run(repairs_database, ended(former, uprn, london_day(LAST_WEEK), LAST_WEEK))
    await run(repairs_database, flagged(person, elsewhere, uuid.uuid4(), NOW - timedelta(hours=1)))

    held = await request(staff, uprn)
    assert (held["status"], held["vulnerability_flagged"]) == ("awaiting_approval", True)


async def test_a_former_tenant_whose_start_was_never_heard_of_still_holds_it_unnamed(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """A tenancy announced before repairs kept starts: repairs cannot tell whether a
    household it never heard of has moved in since, so the recharge is held for the
    manager and names no tenancy (income's rule picks the household on approval)."""
    uprn, former = a_home(), uuid.uuid4()
    await run(repairs_database, flagged(uuid.uuid4(), uprn, former, NOW - timedelta(days=60)))
    await run(repairs_database, ended(former, uprn, london_day(LAST_WEEK), LAST_WEEK))

    held = await request(staff, uprn)
    assert (held["status"], held["vulnerability_flagged"]) == ("awaiting_approval", True)
    approved = await staff.post(f"/v1/recharges/{held['id']}/approval", auth=MANAGER)
    assert approved.status_code == 200, approved.text
    assert (await raised_event(repairs_database, uprn))["tenancy_id"] is None


async def test_a_tenancy_starting_later_is_not_the_household_the_recharge_is_for(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """A tenancy recorded ahead (engagement knows its tenants from then) is not the
    household in the home today: its flag does not hold a recharge charged to the
    former tenant, who has none."""
    uprn, former, next_one = a_home(), uuid.uuid4(), uuid.uuid4()
    await run(repairs_database, started(former, uprn, london_day(TWO_YEARS_AGO), TWO_YEARS_AGO))
    await run(repairs_database, ended(former, uprn, london_day(LAST_WEEK), LAST_WEEK))
    await run(repairs_database, started(next_one, uprn, TODAY + timedelta(days=14), NOW))
    await run(repairs_database, flagged(uuid.uuid4(), uprn, next_one, NOW))

    raised = await request(staff, uprn)
    assert (raised["status"], raised["vulnerability_flagged"]) == ("raised", False)


async def test_the_same_tenancy_started_again_or_late_changes_nothing(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, former, current = a_home(), uuid.uuid4(), uuid.uuid4()
    await run(repairs_database, started(former, uprn, london_day(TWO_YEARS_AGO), TWO_YEARS_AGO))
    await run(repairs_database, flagged(uuid.uuid4(), uprn, former, NOW - timedelta(days=60)))
    await run(repairs_database, ended(former, uprn, london_day(LAST_WEEK), LAST_WEEK))
    await run(repairs_database, started(current, uprn, TODAY, NOW))
    # the former tenancy's start again, and an older copy of the new one's
    await run(repairs_database, started(former, uprn, london_day(TWO_YEARS_AGO), TWO_YEARS_AGO))
    await run(repairs_database, started(current, uprn, TODAY, NOW))
    await run(repairs_database, started(current, uprn, TODAY, LAST_WEEK))

    raised = await request(staff, uprn)
    assert (raised["status"], raised["vulnerability_flagged"]) == ("raised", False)

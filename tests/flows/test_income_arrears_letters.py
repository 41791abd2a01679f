"""The arrears ladder's letters, from income to engagement over a real broker (income,
engagement and the gateway running on real databases): a tenancy started at income
reaches engagement as tenancy-started v2 (person ids, no names); engagement records the
joint tenants' names and needs itself; rent owed for past weeks takes the account up
the ladder, and the step's arrears-stage-changed makes engagement write to each tenant
in their own language and format."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth import issue_development_token
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from hearth_kit.working_days import london_day
from income.accounts.rules import rent_week_of
from income.arrears.service import ArrearsService
from income.rent_run.service import RentRun
from income.settings import IncomeSettings
from tests.harness.events import eventually
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform

pytestmark = pytest.mark.integration

WEEKLY_RENT_PENCE = 9_500


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases, services=("income", "engagement")) as running:
        yield running


@pytest.fixture(scope="module")
async def staff(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    token = issue_development_token(role="staff", subject="income-officer-7")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def rent_run_for(rent_run: RentRun, week: date) -> ScheduledJob:
    """The rent run for one week, as `hearth rent-run --week` runs it."""

    async def charge(session: AsyncSession, now: datetime) -> int:
        return await rent_run.charge_batch(session, week, now)

    return ScheduledJob("rent-run", timedelta(minutes=15), charge)


async def run_job(platform: Platform, job: ScheduledJob, now: datetime) -> int:
    """Run one of income's scheduled jobs to the end on its database, as its scheduler
    (or `hearth rent-run --week`) would; the outbox relay of the running service
    publishes what it raised."""
    db = Database(platform.service("income").database_url)
    try:
        return await run_until_done(db, job, now)
    finally:
        await db.dispose()


async def test_an_arrears_step_sends_each_joint_tenant_the_letter_in_their_language_and_format(
    platform: Platform, staff: httpx.AsyncClient
) -> None:
    now = datetime.now(UTC)
    this_week = rent_week_of(london_day(now))
    started_on = this_week - timedelta(weeks=10)  # past the new-tenancy watch
    uprn = str(10**11 + uuid.uuid4().int % (9 * 10**11))
    welsh, large_print = str(uuid.uuid4()), str(uuid.uuid4())
    tenancy = await staff.post(
        "/v1/tenancies",
        json={
            "tenancy_reference": f"T{uprn[-9:]}",
            "uprn": uprn,
            "tenants": [
                {"full_name": "Ffion Pritchard", "person_id": welsh},
                {"full_name": "Tomasz Nowak", "person_id": large_print},
            ],
            "start_date": str(started_on),
            "tenancy_type": "secure",
            "weekly_rent_pence": WEEKLY_RENT_PENCE,
        },
    )
    assert tenancy.status_code == 201, tenancy.text
    tenancy_id = tenancy.json()["id"]
    account = tenancy.json()["rent_account_id"]

    # tenancy-started (v2) made both tenants residents under income's person ids,
    # their names not yet known to engagement.
    async def residents() -> dict[str, dict[str, Any]]:
        answer = await staff.get("/v1/residents", params={"uprn": uprn})
        items = answer.json().get("items", [])
        return {r["id"]: r for r in items} if len(items) == 2 else {}

    found = await eventually(residents, timeout=30)
    assert set(found) == {welsh, large_print}
    assert all(r["tenancy_id"] == tenancy_id and r["full_name"] == "" for r in found.values())

    # Engagement records each person's name and needs itself, under the same id.
    for person_id, full_name, language, formats in (
        (welsh, "Ffion Pritchard", "cy", []),
        (large_print, "Tomasz Nowak", "en", ["large_print"]),
    ):
        recorded = await staff.post(
            "/v1/residents",
            json={
                "person_id": person_id,
                "tenancy_id": tenancy_id,
                "uprn": uprn,
                "full_name": full_name,
                "preferred_channel": "letter",
                "language": language,
                "format_needs": formats,
            },
        )
        assert recorded.status_code == 201, recorded.text
        assert recorded.json()["id"] == person_id

    # Two past weeks charged and unpaid: well over letter 1's threshold.
    settings = IncomeSettings()
    rent_run = RentRun(settings)
    for week in (this_week - timedelta(weeks=2), this_week - timedelta(weeks=1)):
        assert await run_job(platform, rent_run_for(rent_run, week), now) >= 1
    summary = (await staff.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["arrears_pence"] == 2 * WEEKLY_RENT_PENCE

    ladder = ScheduledJob(
        "arrears-ladder", timedelta(minutes=15), ArrearsService(settings).run_ladder
    )
    looked_at = datetime.now(UTC)  # the case is due from the moment the tenancy started
    assert await run_job(platform, ladder, looked_at) >= 1
    case = (await staff.get(f"/v1/rent-accounts/{account}/arrears-case")).json()
    assert case["stage"] == "letter_1"

    async def letter_to(person_id: str) -> list[dict[str, Any]]:
        answer = await staff.get(f"/v1/residents/{person_id}/messages")
        return [m for m in answer.json().get("items", []) if m["template"] == "arrears_stage"]

    [to_welsh] = await eventually(lambda: letter_to(welsh), timeout=30)
    assert (to_welsh["channel"], to_welsh["language"], to_welsh["formats"]) == ("letter", "cy", [])
    assert to_welsh["body"].startswith("Annwyl Ffion Pritchard,")
    assert "£190.00" in to_welsh["body"]

    [to_large_print] = await eventually(lambda: letter_to(large_print), timeout=30)
    assert (to_large_print["channel"], to_large_print["language"]) == ("letter", "en")
    assert to_large_print["formats"] == ["large_print"]
    assert to_large_print["body"].startswith("Dear Tomasz Nowak,")
    # the print room's instruction travels with the letter, never in its body
    assert "large print" not in to_large_print["body"].lower()
    assert any("large print" in note.lower() for note in to_large_print["print_notes"])

    # The ladder looked at the case once: running it again sends nothing more.
    await run_job(platform, ladder, looked_at)
    assert len(await letter_to(welsh)) == 1

"""The date of issue on a possession claim, recorded with its hearing (ADR 0075): the day
proceedings were brought, which the trial rule reads. Optional (a relisting need not
repeat it); when given, not in the future, not before the notice the claim follows (or
the tenancy's start), not after the day the hearing is listed for. A refusal is a 422
naming claim_issued_on and keeps nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from hearth_kit.db import Database
from hearth_kit.problems import Unprocessable
from income.arrears.schemas import CourtHearingCreate
from income.arrears.service import ArrearsService
from income.settings import IncomeSettings
from services.income.tests.arrears.test_court_hearings import (
    case_of,
    hearings_path,
    serve_notice,
)


@pytest.mark.parametrize(
    ("notice", "listed_for", "claim_issued_on"),
    [
        (date(2026, 3, 2), "2026-04-20", "2026-03-01"),  # the day before the notice
        (None, "2025-06-02", "2025-04-06"),  # no notice: the day before the start
        (date(2026, 3, 2), "2026-04-20", "2026-04-21"),  # after the day listed for
        (date(2026, 3, 2), "2026-04-20", 20260310),  # not a day
    ],
)
async def test_a_claim_issued_out_of_its_window_is_refused_naming_it(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: Any,
    notice: date | None,
    listed_for: str,
    claim_issued_on: Any,
) -> None:
    account = (await start_tenancy(start_date="2025-04-07"))["rent_account_id"]
    if notice is not None:
        await serve_notice(income_database, account, notice)
    refused = await income.post(
        hearings_path(account), json={"listed_for": listed_for, "claim_issued_on": claim_issued_on}
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["claim_issued_on"]
    assert (await case_of(income, account))["court_hearings"] == []


async def test_a_claim_is_not_issued_in_the_future(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Recorded at midday on 1 December 2026 (London): issued that day is in time,
    issued on 2 December is refused, though the hearing is listed after it."""
    account = uuid.UUID((await start_tenancy(start_date="2025-04-07"))["rent_account_id"])
    service = ArrearsService(IncomeSettings())
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    async with income_database.sessionmaker() as session, session.begin():
        with pytest.raises(Unprocessable) as refused:
            await service.list_hearing(
                session,
                account,
                CourtHearingCreate(listed_for=date(2027, 1, 11), claim_issued_on=date(2026, 12, 2)),
                "officer-1",
                now,
            )
        assert refused.value.extensions["field"] == "claim_issued_on"
        listed = await service.list_hearing(
            session,
            account,
            CourtHearingCreate(listed_for=date(2027, 1, 11), claim_issued_on=date(2026, 12, 1)),
            "officer-1",
            now,
        )
    assert listed.claim_issued_on == date(2026, 12, 1)


async def test_a_claim_s_date_is_kept_and_shown_and_may_be_left_out(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Issued on the day the notice was served, the hearing listed that day too (the
    window's edges, both in). A relisting after an adjournment leaves it out: null."""
    account = (await start_tenancy(start_date="2025-04-07"))["rent_account_id"]
    await serve_notice(income_database, account, date(2026, 3, 2))
    first = await income.post(
        hearings_path(account), json={"listed_for": "2026-03-02", "claim_issued_on": "2026-03-02"}
    )
    assert first.status_code == 201, first.text
    assert (first.json()["claim_issued_on"], first.json()["trial_settled_on"]) == (
        "2026-03-02",
        None,
    )
    adjourned = await income.post(
        f"{hearings_path(account)}/{first.json()['id']}/outcome",
        json={"outcome": "adjourned", "decided_on": "2026-03-02"},
    )
    assert adjourned.status_code == 200, adjourned.text
    relisted = await income.post(hearings_path(account), json={"listed_for": "2026-05-11"})
    assert relisted.status_code == 201, relisted.text
    case = await case_of(income, account)
    assert [h["claim_issued_on"] for h in case["court_hearings"]] == ["2026-03-02", None]

"""Correcting a court hearing's recorded outcome (ADR 0086), through the API on the real
database: the corrected outcome replaces the recorded one, refused by the same rules as
a first recording; the one it replaced is kept with who corrected it, when and why; the
court's hold and the terms watched follow the corrected outcome. Refused (409 naming
the field) for a hearing not decided, one a later hearing follows, and a correction
that contradicts a trial the trial-end job settled on the strength of a dismissal."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from hearth_kit.db import Database
from income.models import CourtOutcomeCorrection
from services.income.tests.arrears.test_court_hearings import case_of, hearings_path, list_hearing
from services.income.tests.arrears.test_court_terms import (
    INSTALMENT,
    WEEKLY_RENT,
    look_on,
    suspended_order_with_terms,
)
from services.income.tests.tenancies.test_trial_end import run_on, serve_notice, tenancy_of
from tests.harness.days import london_today


def keyed() -> dict[str, str]:
    return {"Idempotency-Key": f"correction-{uuid.uuid4()}"}


def correction_path(account: str, hearing_id: str) -> str:
    return f"{hearings_path(account)}/{hearing_id}/outcome-correction"


async def decide(
    income: httpx.AsyncClient, account: str, hearing_id: str, outcome: str, on: date
) -> None:
    decided = await income.post(
        f"{hearings_path(account)}/{hearing_id}/outcome",
        json={"outcome": outcome, "decided_on": on.isoformat()},
    )
    assert decided.status_code == 200, decided.text


async def corrections_of(db: Database, hearing_id: str) -> list[CourtOutcomeCorrection]:
    async with db.sessionmaker() as session:
        query = (
            select(CourtOutcomeCorrection)
            .where(col(CourtOutcomeCorrection.hearing_id) == uuid.UUID(hearing_id))
            .order_by(col(CourtOutcomeCorrection.corrected_at))
        )
        return list((await session.execute(query)).scalars().all())


async def test_a_wrong_order_is_corrected_its_terms_watched_afresh_and_the_old_one_kept(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """A suspended order keyed for a postponed one, on the wrong day with the wrong
    terms, whose terms the ladder job found broken: corrected, the case is held by the
    postponed order, its terms are on the arrears of the corrected day and kept so far
    (the breach of the wrong terms does not carry over), and the suspended order is
    kept for audit. A retry with the same Idempotency-Key corrects nothing twice."""
    tenancy, decided = await suspended_order_with_terms(income, income_database, start_tenancy)
    account = tenancy["rent_account_id"]
    await look_on(income_database, account, decided + timedelta(days=4))
    case = await case_of(income, account)
    assert case["court_terms_broken_on"] == decided.isoformat()
    [hearing] = case["court_hearings"]
    today = london_today()
    body = {
        "outcome": "postponed_possession_order",
        "decided_on": today.isoformat(),
        "terms": {
            "arrears_instalment_pence": 2 * INSTALMENT,
            "frequency": "monthly",
            "first_instalment_on": (today + timedelta(days=7)).isoformat(),
        },
        "reason": "keyed_in_error",
    }
    key = keyed()
    corrected = await income.post(correction_path(account, hearing["id"]), json=body, headers=key)
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["outcome"], corrected.json()["decided_on"]) == (
        "postponed_possession_order",
        today.isoformat(),
    )
    terms = corrected.json()["terms"]
    assert (terms["arrears_instalment_pence"], terms["frequency"], terms["broken_on"]) == (
        2 * INSTALMENT,
        "monthly",
        None,
    )
    assert terms["arrears_pence"] > 4 * WEEKLY_RENT  # on today's arrears, not the order's day
    again = await income.post(correction_path(account, hearing["id"]), json=body, headers=key)
    assert (again.status_code, again.json()) == (200, corrected.json())

    await look_on(income_database, account, today)
    case = await case_of(income, account)
    assert case["before_the_court"] == "court_postponed_possession_order"
    assert case["court_terms_broken_on"] is None
    assert case["court_hearings"][0]["terms"]["broken_on"] is None

    [kept] = await corrections_of(income_database, hearing["id"])
    assert (kept.reason, kept.previous_outcome, kept.previous_decided_on) == (
        "keyed_in_error",
        "suspended_possession_order",
        decided,
    )
    assert (
        kept.previous_terms_arrears_instalment_pence,
        kept.previous_terms_frequency,
        kept.previous_terms_first_instalment_on,
        kept.previous_terms_arrears_pence,
        kept.previous_terms_broken_on,
    ) == (INSTALMENT, "weekly", decided, 4 * WEEKLY_RENT, decided)
    assert kept.corrected_by
    assert kept.previous_recorded_by
    assert kept.previous_recorded_at < kept.corrected_at


async def test_an_order_corrected_to_a_dismissal_ends_the_hold_and_its_terms(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy, decided = await suspended_order_with_terms(income, income_database, start_tenancy)
    account = tenancy["rent_account_id"]
    [hearing] = (await case_of(income, account))["court_hearings"]
    corrected = await income.post(
        correction_path(account, hearing["id"]),
        json={
            "outcome": "dismissed",
            "decided_on": decided.isoformat(),
            "reason": "court_amended_order",
        },
        headers=keyed(),
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["terms"] is None
    case = await case_of(income, account)
    assert (case["before_the_court"], case["court_terms_broken_on"]) == (None, None)
    [kept] = await corrections_of(income_database, hearing["id"])
    assert (kept.reason, kept.previous_outcome) == (
        "court_amended_order",
        "suspended_possession_order",
    )


async def test_a_correction_the_outcome_s_rules_refuse_is_a_422_and_changes_nothing(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """The rules of a first recording, shared: not in the future, no terms on a
    dismissal, an order not before the day listed for; and the reason one of the codes."""
    today = london_today()
    account = (await start_tenancy())["rent_account_id"]
    hearing = await list_hearing(income, account, today.isoformat())
    await decide(income, account, hearing["id"], "adjourned", today)
    path = correction_path(account, hearing["id"])
    refused = {
        "decided_on": {
            "outcome": "withdrawn",
            "decided_on": (today + timedelta(days=1)).isoformat(),
            "reason": "keyed_in_error",
        },
        "terms": {
            "outcome": "dismissed",
            "decided_on": today.isoformat(),
            "terms": {
                "arrears_instalment_pence": 100,
                "frequency": "weekly",
                "first_instalment_on": today.isoformat(),
            },
            "reason": "keyed_in_error",
        },
        "reason": {"outcome": "withdrawn", "decided_on": today.isoformat(), "reason": "typo"},
    }
    for field, body in refused.items():
        response = await income.post(path, json=body, headers=keyed())
        assert response.status_code == 422, response.text
        assert field in {error["field"] for error in response.json()["errors"]}, response.text
    before = await income.post(
        path,
        json={
            "outcome": "outright_possession_order",
            "decided_on": (today - timedelta(days=1)).isoformat(),
            "reason": "keyed_in_error",
        },
        headers=keyed(),
    )
    assert (before.status_code, before.json()["field"]) == (422, "decided_on")
    assert await corrections_of(income_database, hearing["id"]) == []
    [unchanged] = (await case_of(income, account))["court_hearings"]
    assert (unchanged["outcome"], unchanged["decided_on"]) == ("adjourned", today.isoformat())


async def test_an_undecided_hearing_or_one_a_later_hearing_follows_is_not_corrected(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """409 naming outcome for a hearing not decided (record its outcome instead), and
    hearing_id (in the path) for an earlier hearing: the later one was listed, and maybe
    decided, on the strength of it. 404 for no such hearing."""
    today = london_today()
    account = (await start_tenancy())["rent_account_id"]
    first = await list_hearing(income, account, (today - timedelta(days=14)).isoformat())
    body = {
        "outcome": "withdrawn",
        "decided_on": (today - timedelta(days=14)).isoformat(),
        "reason": "keyed_in_error",
    }
    undecided = await income.post(correction_path(account, first["id"]), json=body)
    assert (undecided.status_code, undecided.json()["field"]) == (409, "outcome")
    await decide(income, account, first["id"], "adjourned", today - timedelta(days=14))
    later = await list_hearing(income, account, today.isoformat())
    for decided in (False, True):  # the later one listed, then decided
        if decided:
            await decide(income, account, later["id"], "adjourned", today)
        earlier = await income.post(
            correction_path(account, first["id"]), json=body, headers=keyed()
        )
        assert earlier.status_code == 409, earlier.text
        assert earlier.json()["errors"][0] | {"message": ""} == {
            "field": "hearing_id",
            "location": "path",
            "message": "",
            "type": "conflict",
        }
    assert await corrections_of(income_database, first["id"]) == []
    missing = await income.post(
        correction_path(account, str(uuid.uuid4())), json=body, headers=keyed()
    )
    assert missing.status_code == 404, missing.text


async def test_a_dismissal_the_trial_end_job_settled_on_stays_a_dismissal_on_its_day(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """An introductory tenancy kept on trial by a notice served during it, and a claim
    dismissed 60 days ago: the trial-end job makes it secure. The dismissal cannot then
    be corrected to an order (409 naming outcome) nor to another day (decided_on),
    reason trial_settled; to a withdrawal on the same day it can, and still not on to
    an order after that."""
    today = london_today()
    tenancy = await start_tenancy(
        start_date=(today - timedelta(days=400)).isoformat(), tenancy_type="introductory"
    )
    account = tenancy["rent_account_id"]
    await serve_notice(income_database, tenancy, today - timedelta(days=100))
    dismissed_on = today - timedelta(days=60)
    listed = await income.post(
        hearings_path(account),
        json={
            "listed_for": dismissed_on.isoformat(),
            "claim_issued_on": (today - timedelta(days=90)).isoformat(),
        },
    )
    assert listed.status_code == 201, listed.text
    hearing_id = listed.json()["id"]
    await decide(income, account, hearing_id, "dismissed", dismissed_on)
    await run_on(income_database, today + timedelta(days=1))  # after the outcome, any hour
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    path = correction_path(account, hearing_id)

    def body(outcome: str, on: date) -> dict[str, Any]:
        return {"outcome": outcome, "decided_on": on.isoformat(), "reason": "keyed_in_error"}

    order = await income.post(
        path, json=body("outright_possession_order", dismissed_on), headers=keyed()
    )
    assert order.status_code == 409, order.text
    assert (order.json()["field"], order.json()["reason"]) == ("outcome", "trial_settled")
    another_day = await income.post(
        path, json=body("dismissed", dismissed_on + timedelta(days=1)), headers=keyed()
    )
    assert another_day.status_code == 409, another_day.text
    assert (another_day.json()["field"], another_day.json()["reason"]) == (
        "decided_on",
        "trial_settled",
    )
    withdrawn = await income.post(path, json=body("withdrawn", dismissed_on), headers=keyed())
    assert withdrawn.status_code == 200, withdrawn.text
    adjourned = await income.post(path, json=body("adjourned", dismissed_on), headers=keyed())
    assert (adjourned.status_code, adjourned.json()["field"]) == (409, "outcome")
    [kept] = await corrections_of(income_database, hearing_id)
    assert (kept.previous_outcome, kept.previous_decided_on) == ("dismissed", dismissed_on)
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"


async def test_an_order_recorded_before_the_job_settled_for_another_reason_is_corrected(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """The job settled the trial because the notice was withdrawn, while the hearing was
    on record as adjourned: the settlement did not rest on the outcome, which may be
    corrected to an order."""
    today = london_today()
    tenancy = await start_tenancy(
        start_date=(today - timedelta(days=400)).isoformat(), tenancy_type="introductory"
    )
    account = tenancy["rent_account_id"]
    await serve_notice(income_database, tenancy, today - timedelta(days=100))
    listed = await list_hearing(income, account, (today - timedelta(days=60)).isoformat())
    await decide(income, account, listed["id"], "adjourned", today - timedelta(days=60))
    notices = (await case_of(income, account))["notices"]
    withdrawn = await income.post(
        f"/v1/rent-accounts/{account}/arrears-case/notices/{notices[0]['id']}/withdrawal",
        json={"withdrawn_on": (today - timedelta(days=50)).isoformat()},
        headers=keyed(),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await run_on(income_database, today + timedelta(days=1))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    corrected = await income.post(
        correction_path(account, listed["id"]),
        json={
            "outcome": "outright_possession_order",
            "decided_on": (today - timedelta(days=60)).isoformat(),
            "reason": "keyed_in_error",
        },
        headers=keyed(),
    )
    assert corrected.status_code == 200, corrected.text

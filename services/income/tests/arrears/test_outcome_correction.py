"""Correcting a court hearing's recorded outcome (ADR 0086), through the API on the real
database: the corrected outcome replaces the recorded one, refused by the same rules as
a first recording; the one it replaced is kept with who corrected it, when and why; the
court's hold and the terms watched follow the corrected outcome. Refused (409 naming
the field) for a hearing not decided, one a later hearing follows, and a correction
that would date a trial the trial-end job settled on a dismissal earlier. A dismissal
the job settled the trial on, corrected to an order (or a later day), puts the trial
back, published, when the settlement no longer stands (ADR 0093)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from hearth_kit.db import Database
from income.models import CourtOutcomeCorrection, TrialReinstatement, TrialSettlement
from services.income.tests.arrears.test_court_hearings import case_of, hearings_path, list_hearing
from services.income.tests.arrears.test_court_terms import (
    INSTALMENT,
    WEEKLY_RENT,
    look_on,
    suspended_order_with_terms,
)
from services.income.tests.tenancies.test_trial_end import (
    run_on,
    serve_notice,
    tenancy_of,
    type_changes,
)
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


async def dismissed_and_settled(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: Any,
    *,
    listed_ago: int,
    dismissed_ago: int,
) -> tuple[dict[str, Any], str, date]:
    """An introductory tenancy started 400 days ago (its trial ended about 35 days ago),
    kept on trial by a notice served during it 100 days ago, its claim issued 90 days
    ago (in the notice's six months), listed for `listed_ago` days ago and dismissed
    `dismissed_ago` days ago; the trial-end job, run the day after, makes it secure (a
    tenancy-type-changed `confirmed`). Returns the tenancy, the hearing's id and the day
    it was dismissed."""
    today = london_today()
    tenancy = await start_tenancy(
        start_date=(today - timedelta(days=400)).isoformat(), tenancy_type="introductory"
    )
    account = tenancy["rent_account_id"]
    await serve_notice(income_database, tenancy, today - timedelta(days=100))
    dismissed_on = today - timedelta(days=dismissed_ago)
    listed = await income.post(
        hearings_path(account),
        json={
            "listed_for": (today - timedelta(days=listed_ago)).isoformat(),
            "claim_issued_on": (today - timedelta(days=90)).isoformat(),
        },
    )
    assert listed.status_code == 201, listed.text
    hearing_id = listed.json()["id"]
    await decide(income, account, hearing_id, "dismissed", dismissed_on)
    await run_on(income_database, today + timedelta(days=1))  # after the outcome, any hour
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    return tenancy, hearing_id, dismissed_on


def corrected_to(outcome: str, on: date) -> dict[str, Any]:
    return {"outcome": outcome, "decided_on": on.isoformat(), "reason": "keyed_in_error"}


async def reinstatements_of(db: Database, tenancy: dict[str, Any]) -> list[TrialReinstatement]:
    async with db.sessionmaker() as session:
        query = select(TrialReinstatement).where(
            col(TrialReinstatement.tenancy_id) == uuid.UUID(tenancy["id"])
        )
        return list((await session.execute(query)).scalars().all())


async def test_a_dismissal_the_job_settled_on_corrected_to_an_order_puts_the_trial_back(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """ADR 0093. The claim dismissed before the trial ended; the job made the tenancy
    secure from the trial's end. Corrected to a withdrawal on the same day, the
    settlement still rests on proceedings ended that day: nothing else changes. Then
    corrected to an outright order (the dismissal was keyed in error): the tenancy is
    introductory again with its trial's end, the settlement is undone and kept as a
    reinstatement naming the correction and the officer, a tenancy-type-changed
    (`other`, secure back to introductory, from the settlement's day) corrects the
    settlement's, the court holds the case (on the worklist), and the job then leaves the
    trial alone (the officer decides it). Both corrections are kept."""
    tenancy, hearing_id, dismissed_on = await dismissed_and_settled(
        income, income_database, start_tenancy, listed_ago=60, dismissed_ago=60
    )
    account = tenancy["rent_account_id"]
    path = correction_path(account, hearing_id)
    [settled] = await type_changes(income_database, tenancy["uprn"])
    assert settled["change"] == "confirmed"
    trial_ended_on = settled["effective_on"]  # the trial ended after the dismissal

    withdrawn = await income.post(
        path, json=corrected_to("withdrawn", dismissed_on), headers=keyed()
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    assert len(await type_changes(income_database, tenancy["uprn"])) == 1

    key = keyed()
    order = await income.post(
        path, json=corrected_to("outright_possession_order", dismissed_on), headers=key
    )
    assert order.status_code == 200, order.text
    assert order.json()["trial_settled_on"] is None
    again = await income.post(
        path, json=corrected_to("outright_possession_order", dismissed_on), headers=key
    )
    assert (again.status_code, again.json()) == (200, order.json())  # nothing twice
    put_back = await tenancy_of(income, tenancy)
    assert (put_back["tenancy_type"], put_back["introductory_ends_on"]) == (
        "introductory",
        trial_ended_on,
    )
    _, correction = await type_changes(income_database, tenancy["uprn"])
    assert (
        correction["change"],
        correction["previous_type"],
        correction["tenancy_type"],
        correction["effective_on"],
        correction["introductory_period_ends_on"],
    ) == ("other", "secure", "introductory", trial_ended_on, trial_ended_on)
    first, second = await corrections_of(income_database, hearing_id)
    assert (first.previous_outcome, second.previous_outcome) == ("dismissed", "withdrawn")
    [reinstated] = await reinstatements_of(income_database, tenancy)
    assert reinstated.correction_id == second.id
    assert reinstated.reinstated_by == second.corrected_by
    assert reinstated.reinstated_at == second.corrected_at
    assert reinstated.settled_on.isoformat() == trial_ended_on
    async with income_database.sessionmaker() as session:
        assert await session.get(TrialSettlement, uuid.UUID(tenancy["id"])) is None
    case = await case_of(income, account)
    assert case["before_the_court"] == "court_outright_possession_order"

    assert await run_on(income_database, london_today() + timedelta(days=2)) == 0
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "introductory"
    assert len(await type_changes(income_database, tenancy["uprn"])) == 2


async def test_a_dismissal_the_job_settled_on_corrected_to_a_later_day_is_settled_from_it(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """ADR 0093. The claim dismissed after the trial ended: the job made the tenancy
    secure from the dismissal. Corrected to an earlier day it would have been settled
    from: 409 naming decided_on, reason trial_settled (an earlier day cannot be
    published after a later one), nothing changed. Corrected to a later day: the trial
    is put back (`other`), and the job settles it again from that day (`confirmed`)."""
    tenancy, hearing_id, dismissed_on = await dismissed_and_settled(
        income, income_database, start_tenancy, listed_ago=30, dismissed_ago=20
    )
    path = correction_path(tenancy["rent_account_id"], hearing_id)
    [settled] = await type_changes(income_database, tenancy["uprn"])
    assert settled["effective_on"] == dismissed_on.isoformat()

    earlier = await income.post(
        path, json=corrected_to("dismissed", dismissed_on - timedelta(days=5)), headers=keyed()
    )
    assert earlier.status_code == 409, earlier.text
    assert (earlier.json()["field"], earlier.json()["reason"]) == ("decided_on", "trial_settled")
    assert await corrections_of(income_database, hearing_id) == []

    later = dismissed_on + timedelta(days=5)
    corrected = await income.post(path, json=corrected_to("dismissed", later), headers=keyed())
    assert corrected.status_code == 200, corrected.text
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "introductory"
    await run_on(income_database, london_today() + timedelta(days=2))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    changes = await type_changes(income_database, tenancy["uprn"])
    assert [(c["change"], c["effective_on"]) for c in changes] == [
        ("confirmed", dismissed_on.isoformat()),
        ("other", dismissed_on.isoformat()),
        ("confirmed", later.isoformat()),
    ]


async def test_a_settlement_that_stands_without_the_dismissal_is_left_as_it_is(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """ADR 0093. The notice was withdrawn before the claim was dismissed: the trial was
    settled rightly whatever the court decided (s.130(2)(a)). Corrected to an order, the
    outcome is corrected and the settlement stands: still secure, nothing published,
    no reinstatement."""
    today = london_today()
    tenancy = await start_tenancy(
        start_date=(today - timedelta(days=400)).isoformat(), tenancy_type="introductory"
    )
    account = tenancy["rent_account_id"]
    await serve_notice(income_database, tenancy, today - timedelta(days=100))
    listed = await income.post(
        hearings_path(account),
        json={
            "listed_for": (today - timedelta(days=60)).isoformat(),
            "claim_issued_on": (today - timedelta(days=90)).isoformat(),
        },
    )
    assert listed.status_code == 201, listed.text
    [notice] = (await case_of(income, account))["notices"]
    withdrawn = await income.post(
        f"/v1/rent-accounts/{account}/arrears-case/notices/{notice['id']}/withdrawal",
        json={"withdrawn_on": (today - timedelta(days=70)).isoformat()},
        headers=keyed(),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await decide(income, account, listed.json()["id"], "dismissed", today - timedelta(days=60))
    await run_on(income_database, today + timedelta(days=1))
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    corrected = await income.post(
        correction_path(account, listed.json()["id"]),
        json=corrected_to("suspended_possession_order", today - timedelta(days=60)),
        headers=keyed(),
    )
    assert corrected.status_code == 200, corrected.text
    assert (await tenancy_of(income, tenancy))["tenancy_type"] == "secure"
    assert len(await type_changes(income_database, tenancy["uprn"])) == 1
    assert await reinstatements_of(income_database, tenancy) == []


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

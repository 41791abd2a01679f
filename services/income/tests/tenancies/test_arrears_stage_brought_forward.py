"""ADR 0144: a tenancy loaded from the old system (ADR 0132) brings where its arrears
recovery stood, and the ladder goes on from that step. Before, every loaded case started
at none: one the old system had served a notice of seeking possession on went back to
letter 1 at the first look, and the household was written to as if its arrears were new
(and the notice, unknown to Hearth, kept no trial open and founded no court step)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from hearth_contracts.events.income import ArrearsStage
from hearth_kit.db import Database
from hearth_kit.problems import Unprocessable
from hearth_kit.working_days import london_day, start_of_london_day
from income.arrears import repository as cases
from income.settings import ArrearsLadder
from income.tenancies.rules import why_not_stage_brought_forward
from income.tenancies.schemas import TenancyPublic
from income.tenancies.service import tenancy_service
from services.income.tests.conftest import events_of, new_tenancy
from services.income.tests.tenancies.test_backdated_charge import NOW, look_at

STAGE_CHANGED = "uk.hearth.income.arrears-stage-changed.v1"
AS_AT = date(2026, 11, 29)
"""Sunday 29 November 2026, the end of the rent week before NOW's (Tuesday 1 December)."""
STARTED = date(2015, 4, 6)


def brought_forward(stage: str, reached_on: date, **more: Any) -> dict[str, Any]:
    step = {"stage": stage, "reached_on": reached_on.isoformat()}
    step |= {k: v.isoformat() for k, v in more.items()}
    return {
        "balance_brought_forward": {"amount_pence": 50_000, "as_at": AS_AT.isoformat()},
        "arrears_stage_brought_forward": step,
    }


async def load(db: Database, stage: str, reached_on: date, **more: Any) -> TenancyPublic:
    """A tenancy of years loaded at NOW owing 500.00 (about six weeks of its 84.00), its
    current week charged back, with the old system's step."""
    data = new_tenancy(STARTED, **brought_forward(stage, reached_on, **more))
    async with db.sessionmaker() as session, session.begin():
        return await tenancy_service.start(session, data, NOW)


async def stage_changes(db: Database, tenancy: TenancyPublic) -> list[dict[str, Any]]:
    return [p for t, p in await events_of(db, tenancy.uprn) if t == STAGE_CHANGED]


async def moves(db: Database, tenancy: TenancyPublic) -> list[tuple[str, str, bool]]:
    """Each arrears-stage-changed as (from, to, brought forward)."""
    return [
        (p["previous_stage"], p["stage"], p["brought_forward"])
        for p in await stage_changes(db, tenancy)
    ]


async def test_the_load_announces_the_step_brought_forward(income_database: Database) -> None:
    """At the load, in its transaction (the outbox), arrears-stage-changed from none to
    the step, `brought_forward` (engagement writes no letter for it), dated the day the
    old system reached it, not the load, with the tenants and the ladder's arrears:
    500.00 brought forward, the current week (charged back) not yet in arrears. Before,
    nothing was published and visits scored the home without the notice."""
    served = date(2026, 10, 5)
    tenancy = await load(income_database, "notice_of_seeking_possession", served)
    [announced] = await stage_changes(income_database, tenancy)
    assert announced["tenancy_id"] == str(tenancy.id)
    assert (announced["previous_stage"], announced["stage"]) == (
        "none",
        "notice_of_seeking_possession",
    )
    assert announced["brought_forward"] is True
    assert datetime.fromisoformat(announced["changed_at"]) == start_of_london_day(served)
    assert announced["arrears_pence"] == 50_000
    assert announced["person_ids"] == [str(t.person_id) for t in tenancy.tenants]
    assert announced["rent_account_id"] == str(tenancy.rent_account_id)


async def test_a_notice_served_by_the_old_system_goes_on_and_no_letter_1_is_written(
    income_database: Database,
) -> None:
    """The old system served its notice on 5 October: the case starts at the notice,
    the notice kept with the case's, live to 4 October 2027. At the first look the
    court warning is due (over 28 days on, 4 weeks of rent owed) and waits for the
    pre-action protocol, as for a notice the ladder served; nothing is written to the
    household (the load's own announcement aside). Without the stage brought forward,
    this case went to letter 1."""
    served = date(2026, 10, 5)
    tenancy = await load(income_database, "notice_of_seeking_possession", served)
    case = await look_at(income_database, tenancy, ArrearsLadder(), NOW)
    assert case.stage is ArrearsStage.NOTICE_OF_SEEKING_POSSESSION
    assert case.nosp_served_at == start_of_london_day(served)
    assert case.blocked_by == "tenant_contacted"
    assert (case.letter_1_at, case.letter_2_at) == (None, None)
    assert await moves(income_database, tenancy) == [("none", "notice_of_seeking_possession", True)]
    async with income_database.sessionmaker() as session:
        assert tenancy.rent_account_id is not None
        notices = await cases.notices_of(session, tenancy.rent_account_id)
    assert [n.served_at for n in notices] == [start_of_london_day(served)]


async def test_the_ladder_goes_on_from_letter_2_to_the_notice(income_database: Database) -> None:
    """Letter 2 sent by the old system eleven days before the load, six weeks of rent
    owed: the notice is due at the first look (letter 2 a week or more before), not
    letter 1."""
    tenancy = await load(income_database, "letter_2", date(2026, 11, 20))
    case = await look_at(income_database, tenancy, ArrearsLadder(), NOW)
    assert case.stage is ArrearsStage.NOTICE_OF_SEEKING_POSSESSION
    assert await moves(income_database, tenancy) == [
        ("none", "letter_2", True),
        ("letter_2", "notice_of_seeking_possession", False),
    ]


async def test_a_letter_1_sent_days_before_the_load_is_not_sent_again(
    income_database: Database,
) -> None:
    """Letter 1 sent six days before the load: letter 2 is not due for 14 days after it,
    and letter 1 is not written again; the case stays, nothing published
    but the load's announcement."""
    tenancy = await load(income_database, "letter_1", date(2026, 11, 25))
    case = await look_at(income_database, tenancy, ArrearsLadder(), NOW)
    assert (case.stage, case.letter_1_at) == (
        ArrearsStage.LETTER_1,
        start_of_london_day(date(2026, 11, 25)),
    )
    assert await moves(income_database, tenancy) == [("none", "letter_1", True)]


async def test_a_court_step_names_its_notice(income_database: Database) -> None:
    """At the court warning, the notice it stands on: kept with the case, its 12 months
    from its service; without its day, a 422 naming notice_served_on, nothing kept."""
    tenancy = await load(
        income_database, "court_warning", date(2026, 11, 9), notice_served_on=date(2026, 9, 7)
    )
    case = await look_at(income_database, tenancy, ArrearsLadder(), NOW)
    assert case.stage is ArrearsStage.COURT_WARNING
    assert case.nosp_served_at == start_of_london_day(date(2026, 9, 7))
    assert case.court_warning_at == start_of_london_day(date(2026, 11, 9))
    assert await moves(income_database, tenancy) == [("none", "court_warning", True)]
    with pytest.raises(Unprocessable) as refused:
        await load(income_database, "court_warning", date(2026, 11, 9))
    field = "arrears_stage_brought_forward.notice_served_on"
    assert refused.value.extensions["field"] == field


async def test_a_step_after_the_balance_or_before_the_tenancy_is_refused(
    income_database: Database,
) -> None:
    for reached_on in (date(2026, 11, 30), NOW.date() + timedelta(days=3), date(2015, 4, 5)):
        with pytest.raises(Unprocessable) as refused:
            await load(income_database, "letter_1", reached_on)
        field = "arrears_stage_brought_forward.reached_on"
        assert refused.value.extensions["field"] == field


def test_what_a_stage_brought_forward_needs() -> None:
    def why(stage: str, reached: date, notice: date | None = None, as_at: Any = AS_AT) -> Any:
        refused = why_not_stage_brought_forward(stage, reached, notice, STARTED, as_at)
        return None if refused is None else refused[0]

    assert why("letter_1", AS_AT) is None  # the day the balance was struck
    assert why("letter_1", STARTED) is None
    assert why("letter_1", AS_AT, as_at=None) == "arrears_stage_brought_forward"
    assert why("letter_1", AS_AT + timedelta(days=1)) == "arrears_stage_brought_forward.reached_on"
    served = date(2026, 9, 7)
    assert why("notice_of_seeking_possession", served) is None
    assert why("notice_of_seeking_possession", served, served) is None
    named = "arrears_stage_brought_forward.notice_served_on"
    assert why("notice_of_seeking_possession", served, served - timedelta(days=1)) == named
    assert why("letter_2", served, served) == named
    assert why("court_application", AS_AT, served) is None
    assert why("court_application", AS_AT) == named
    assert why("court_application", served, served + timedelta(days=1)) == named
    assert why("court_warning", AS_AT, STARTED - timedelta(days=1)) == named


async def test_the_api_takes_the_stage_and_the_case_shows_it(income: httpx.AsyncClient) -> None:
    """Through the API: the arrears case is at letter 2 from its day; `none` is not a
    stage brought forward (the schema's enum), and one without the balance is a 422
    naming the field, nothing kept."""
    today = london_day(datetime.now(UTC))
    as_at = today - timedelta(days=today.weekday() + 1)  # last Sunday
    body = new_tenancy(STARTED).model_dump(mode="json") | {
        "balance_brought_forward": {"amount_pence": 40_000, "as_at": as_at.isoformat()},
        "arrears_stage_brought_forward": {"stage": "letter_2", "reached_on": as_at.isoformat()},
    }
    made = await income.post(
        "/v1/tenancies", json=body, headers={"Idempotency-Key": f"stage-{uuid.uuid4()}"}
    )
    assert made.status_code == 201, made.text
    case = await income.get(f"/v1/rent-accounts/{made.json()['rent_account_id']}/arrears-case")
    assert (case.json()["stage"], case.json()["letter_2_at"][:10]) == (
        "letter_2",
        as_at.isoformat(),
    )
    for wrong, field in (
        ({"stage": "none", "reached_on": as_at.isoformat()}, None),
        ({"stage": "letter_1", "reached_on": as_at.isoformat()}, "arrears_stage_brought_forward"),
    ):
        refused_body = new_tenancy(STARTED).model_dump(mode="json") | {
            "arrears_stage_brought_forward": wrong
        }
        refused = await income.post(
            "/v1/tenancies", json=refused_body, headers={"Idempotency-Key": f"s-{uuid.uuid4()}"}
        )
        assert refused.status_code == 422, refused.text
        if field is not None:
            assert [e["field"] for e in refused.json()["errors"]] == [field]
        listed = await income.get("/v1/tenancies", params={"uprn": refused_body["uprn"]})
        assert listed.json()["items"] == []

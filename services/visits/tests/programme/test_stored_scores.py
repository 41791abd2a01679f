"""The programme ranks stored scores (docs/adr/0011): each home's score is stored when an
event or a visit changes one of its factors, the programme-rescore job works out again
the scores a date has moved or another configuration made, and the ranking pages by
keyset over them."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta

import httpx
from sqlalchemy import select, update

from hearth_kit.db import Database
from hearth_kit.pagination import encode_cursor
from hearth_kit.scheduler import ScheduledJob, run_until_done
from hearth_kit.working_days import london_day
from services.visits.tests.factories import a_completed_report, a_uprn, an_area
from services.visits.tests.programme.test_ranking import a_home
from services.visits.tests.test_handlers import handle, registered, started, type_changed
from visits.models import ProgrammeScore
from visits.programme.rules import add_months, configuration_fingerprint
from visits.programme.service import ProgrammeService
from visits.scheduled import scheduled_jobs
from visits.settings import RiskWeights, VisitIntervals, VisitsSettings


async def stored(db: Database, uprn: str) -> ProgrammeScore:
    async with db.sessionmaker() as session:
        row = (
            await session.execute(select(ProgrammeScore).where(ProgrammeScore.uprn == uprn))
        ).scalar_one()
        session.expunge(row)
        return row


def rescore_job(settings: VisitsSettings) -> ScheduledJob:
    (job,) = [job for job in scheduled_jobs(settings) if job.name == "programme-rescore"]
    return job


async def test_an_event_about_a_home_stores_its_score_with_the_explanation(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    area = an_area()
    uprn = await a_home(visits_database, area, gas=False, living_alone=True, contacts=14)
    row = await stored(visits_database, uprn)
    assert row.area == area
    assert row.score == 40
    assert {r["factor"] for r in row.reasons} == {
        "contact_very_high",
        "living_alone",
        "no_annual_gas_visit",
    }
    assert row.factors["living_alone"] is True
    ranked = (await visits.get("/v1/programme/homes", params={"area": area})).json()
    [home] = ranked["items"]
    live = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert home == live


async def test_the_programme_pages_by_keyset_in_ranking_order_without_repeats(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    area = an_area()
    for n in range(5):
        await a_home(visits_database, area, gas=n % 2 == 0, living_alone=n < 2, contacts=n * 3)
    whole = (await visits.get("/v1/programme/homes", params={"area": area, "limit": 10})).json()
    assert whole["next_cursor"] is None
    expected = [home["uprn"] for home in whole["items"]]
    scores = [home["score"] for home in whole["items"]]
    assert scores == sorted(scores, reverse=True)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"area": area, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await visits.get("/v1/programme/homes", params=params)).json()
        assert page["homes_ranked"] == (5 if cursor is None else None)
        seen += [home["uprn"] for home in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


async def test_a_cursor_the_api_did_not_issue_is_a_problem_naming_it(
    visits: httpx.AsyncClient,
) -> None:
    for cursor in (
        "bm90LWEtY3Vyc29y",
        encode_cursor("1", "2026-13-01", "1"),
        encode_cursor(str(10**20), "2026-01-01", "1"),
        encode_cursor("1", "2026-01-01"),
    ):
        response = await visits.get("/v1/programme/homes", params={"cursor": cursor})
        assert response.status_code == 422, cursor
        assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


async def test_a_home_never_visited_counts_its_interval_from_registration_or_tenancy(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """No visit recorded: the year runs from the later of the home's registration and
    its tenancy's start; past it, the home is beyond its interval and gets the points."""
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=800)
    registered_long_ago, new_tenancy, registered_lately = a_uprn(), a_uprn(), a_uprn()
    for uprn in (registered_long_ago, new_tenancy):
        await handle(visits_database, registered(uprn, registered_at=long_ago))
    await handle(visits_database, registered(registered_lately, registered_at=now))
    tenancy_start = (now - timedelta(days=90)).date()
    await handle(visits_database, started(new_tenancy, uuid.uuid4(), tenancy_start, "secure"))

    old = await stored(visits_database, registered_long_ago)
    assert old.beyond_interval is True
    assert {"factor": "beyond_interval", "points": RiskWeights().beyond_interval} in old.reasons
    assert old.next_visit_kind == "full"
    live = (await visits.get(f"/v1/programme/homes/{registered_long_ago}")).json()
    assert live["beyond_interval"] is True
    assert live["due_by"] == old.due_by.isoformat()

    tenancy = await stored(visits_database, new_tenancy)
    assert tenancy.beyond_interval is False
    assert tenancy.due_by.year == tenancy_start.year + 1
    assert (tenancy.due_by.month, tenancy.due_by.day) == (tenancy_start.month, tenancy_start.day)
    lately = await stored(visits_database, registered_lately)
    assert lately.beyond_interval is False
    assert lately.due_by > now.date()


async def test_a_visit_reported_rescores_its_home(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    await handle(visits_database, registered(uprn, registered_at=datetime.now(UTC)))
    assert (await stored(visits_database, uprn)).beyond_interval is False
    visit = (
        await visits.post(
            "/v1/visits",
            json={"uprn": uprn, "kind": "full", "scheduled_for": "2024-03-01T10:00:00+00:00"},
        )
    ).json()
    reported = await visits.post(
        f"/v1/visits/{visit['id']}/report",
        json={
            "outcome": "no_access",
            "no_access_reason": "no_answer",
            "visited_at": "2024-03-01T10:00:00+00:00",
        },
    )
    assert reported.status_code == 201, reported.text
    row = await stored(visits_database, uprn)
    assert row.factors["no_access_visits"] == 1
    assert {"factor": "no_access_history", "points": 10} in row.reasons


async def test_the_rescore_job_moves_a_home_past_its_due_date_and_applies_new_weights(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    await handle(visits_database, registered(uprn))
    # visited a month ago, not on a fixed day: a fixed visit is past its due date (and
    # `before` wrong) once a year has gone by
    visited_on = london_day(datetime.now(UTC)) - timedelta(days=30)
    visit = (
        await visits.post(
            "/v1/visits",
            json={
                "uprn": uprn,
                "kind": "full",
                "scheduled_for": datetime.combine(visited_on, time(10), UTC).isoformat(),
            },
        )
    ).json()
    reported = await visits.post(
        f"/v1/visits/{visit['id']}/report",
        json=a_completed_report(datetime.combine(visited_on, time(10, 30), UTC).isoformat()),
    )
    assert reported.status_code == 201, reported.text
    due_by = add_months(visited_on, 12)
    before = await stored(visits_database, uprn)
    assert (before.due_by, before.beyond_interval) == (due_by, False)
    assert before.rescore_on <= due_by + timedelta(days=1)

    settings = VisitsSettings(environment="development")
    two_days_past_due = due_by + timedelta(days=2)
    later = datetime.combine(two_days_past_due, time(9), UTC)
    await run_until_done(visits_database, rescore_job(settings), later)
    after = await stored(visits_database, uprn)
    assert (after.beyond_interval, after.scored_on) == (True, two_days_past_due)
    assert {"factor": "beyond_interval", "points": 100} in after.reasons

    heavier = VisitsSettings(environment="development", programme=RiskWeights(beyond_interval=150))
    await run_until_done(visits_database, rescore_job(heavier), later + timedelta(hours=1))
    reweighted = await stored(visits_database, uprn)
    assert {"factor": "beyond_interval", "points": 150} in reweighted.reasons
    assert reweighted.configuration != after.configuration
    # Nothing left to do: a second run re-scores nothing.
    again = await run_until_done(visits_database, rescore_job(heavier), later + timedelta(hours=1))
    assert again == 0


async def test_scores_stored_before_a_change_to_the_rules_are_worked_out_again(
    visits_database: Database,
) -> None:
    """A score stored before the survey made the visit it falls due at a full one (its
    fingerprint then was of the weights and intervals alone) showed the old next visit
    until a date or an event came: the job now works it out again, as after a changed
    weight, though nothing dates it."""
    uprn = a_uprn()
    await handle(visits_database, registered(uprn))
    settings = VisitsSettings(environment="development")
    before_the_change = hashlib.sha256(
        json.dumps(
            {
                "weights": settings.programme.model_dump(mode="json"),
                "intervals": settings.intervals.model_dump(mode="json"),
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()[:32]
    async with visits_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(ProgrammeScore)
            .where(ProgrammeScore.uprn == uprn)
            .values(configuration=before_the_change, rescore_on=date(2099, 1, 1))
        )
    await run_until_done(
        visits_database, rescore_job(settings), datetime(2026, 12, 1, 9, tzinfo=UTC)
    )
    after = await stored(visits_database, uprn)
    assert after.configuration != before_the_change
    assert after.configuration == configuration_fingerprint(settings.programme, settings.intervals)
    assert after.scored_on == date(2026, 12, 1)


async def test_a_trial_proceedings_keep_open_scores_introductory_until_income_ends_it(
    visits_database: Database,
) -> None:
    """An introductory tenancy of 1 January 2025, whose trial would end on 1 January
    2026 but possession proceedings keep open (income publishes nothing), is still
    introductory on 1 March 2026 and keeps the factor; income's confirmation, effective
    2 March 2026, takes it away, the event's handler re-scoring the home (ADR 0066, amended)."""
    uprn, tenancy = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy, date(2025, 1, 1)))
    programme = ProgrammeService(RiskWeights(), VisitIntervals())
    async with visits_database.sessionmaker() as session:
        kept_open = await programme.priority(session, uprn, datetime(2026, 3, 1, 9, tzinfo=UTC))
    assert kept_open.factors.new_or_introductory_tenancy is True
    points = RiskWeights().new_or_introductory_tenancy
    assert {"factor": "new_or_introductory_tenancy", "points": points} in (
        r.model_dump(mode="json") for r in kept_open.reasons
    )
    assert (await stored(visits_database, uprn)).factors["new_or_introductory_tenancy"] is True

    await handle(
        visits_database, type_changed(uprn, tenancy, "confirmed", "secure", date(2026, 3, 2))
    )
    settled = await stored(visits_database, uprn)
    assert settled.factors["new_or_introductory_tenancy"] is False
    assert "new_or_introductory_tenancy" not in {r["factor"] for r in settled.reasons}

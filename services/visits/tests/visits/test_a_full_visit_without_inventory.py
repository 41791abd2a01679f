"""A full visit completed with no room inventory (the one-shot report takes none) is
visible as such, and a stock condition survey completed so is not the survey: the
landlord holds no condition record from it, so the survey stays due, though the visit
still counts as the full visit (ADR 0098). Fixed past dates: a survey on 1 June 2021
(by draft, rooms rated), the next on 8 June 2026, five years on."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import update

from hearth_contracts.events.visits import VisitKind
from hearth_kit.db import Database
from hearth_kit.scheduler import run_until_done
from services.visits.tests.factories import a_completed_report, a_uprn, an_area
from services.visits.tests.programme.test_ranking import postcode_in
from services.visits.tests.programme.test_stored_scores import rescore_job, stored
from services.visits.tests.reports.test_drafts import piece, save, submit
from services.visits.tests.test_handlers import handle, registered
from visits.models import ProgrammeScore
from visits.settings import VisitsSettings

EARLIER_SURVEY = "2021-06-01T10:00:00+00:00"
SURVEY = "2026-06-08T10:00:00+00:00"
SURVEY_AGAIN = "2026-12-10T10:00:00+00:00"


async def booked(visits: httpx.AsyncClient, uprn: str, at: str, **overrides: Any) -> str:
    response = await visits.post(
        "/v1/visits", json={"uprn": uprn, "kind": "full", "scheduled_for": at, **overrides}
    )
    assert response.status_code == 201, response.text
    visit_id: str = response.json()["id"]
    return visit_id


async def by_one_shot(visits: httpx.AsyncClient, visit_id: str, at: str) -> dict[str, Any]:
    response = await visits.post(
        f"/v1/visits/{visit_id}/report",
        json=a_completed_report(at, household_confirmed=True),
    )
    assert response.status_code == 201, response.text
    reported: dict[str, Any] = response.json()
    return reported


async def by_draft(visits: httpx.AsyncClient, visit_id: str, at: str) -> dict[str, Any]:
    """The report in pieces, with the kitchen and bathroom rated."""
    pieces = [
        piece("visit", "visit", 1, {"visited_at": at}),
        piece("household", "household", 1, {"resident_id": str(uuid.uuid4()), "household_size": 2}),
        piece("room", "kitchen", 1, {"room": "kitchen", "condition": "fair", "photos": ["p1"]}),
        piece("room", "bathroom", 1, {"room": "bathroom", "condition": "good"}),
    ]
    assert (await save(visits, visit_id, pieces)).status_code == 200
    response = await submit(visits, visit_id, "submit-" + visit_id)
    assert response.status_code == 201, response.text
    reported: dict[str, Any] = response.json()
    return reported


async def a_home_surveyed_in_2021(visits: httpx.AsyncClient, db: Database, area: str) -> str:
    uprn = a_uprn()
    registered_at = datetime(2019, 1, 7, 9, tzinfo=UTC)
    await handle(db, registered(uprn, registered_at=registered_at, **postcode_in(area)))
    earlier = await booked(visits, uprn, EARLIER_SURVEY, stock_condition_survey=True)
    await by_draft(visits, earlier, EARLIER_SURVEY)
    return uprn


async def test_a_survey_completed_without_inventory_leaves_the_survey_due(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """The survey of 8 June 2026 reported by the one-shot report: the last survey is
    still 2021's, five years old, so the next visit (a year after this full visit) is a
    full one and the survey, live and in the stored ranking alike; the visit shows it
    recorded no inventory. Before ADR 0098 the survey counted and the next visit was a
    lite call, the survey not due until 2031."""
    area = an_area()
    uprn = await a_home_surveyed_in_2021(visits, visits_database, area)
    survey = await booked(visits, uprn, SURVEY)
    assert (await visits.get(f"/v1/visits/{survey}")).json()["stock_condition_survey"] is True

    reported = await by_one_shot(visits, survey, SURVEY)

    live = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert (live["next_visit_kind"], live["stock_condition_survey"], live["due_by"]) == (
        "full",
        True,
        "2027-06-08",
    )
    [ranked] = (await visits.get("/v1/programme/homes", params={"area": area})).json()["items"]
    assert ranked == live
    # booked with no kind, the next visit is the survey again, in the home
    again = (await visits.get(f"/v1/visits/{await booked(visits, uprn, SURVEY_AGAIN)}")).json()
    assert (again["kind"], again["stock_condition_survey"]) == ("full", True)
    assert (reported["status"], reported["inventory_recorded"]) == ("completed", False)


async def test_a_survey_with_its_room_inventory_counts_as_the_survey(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """The same survey reported from a draft with its rooms rated is the survey: the next
    visit is the lite call a year on."""
    area = an_area()
    uprn = await a_home_surveyed_in_2021(visits, visits_database, area)
    survey = await booked(visits, uprn, SURVEY, stock_condition_survey=True)

    reported = await by_draft(visits, survey, SURVEY)

    assert reported["inventory_recorded"] is True
    live = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert (live["next_visit_kind"], live["stock_condition_survey"], live["due_by"]) == (
        "lite",
        False,
        "2027-06-08",
    )


async def test_a_score_stored_under_the_rules_before_is_worked_out_again(
    visits: httpx.AsyncClient, visits_database: Database, visits_settings: VisitsSettings
) -> None:
    """A score stored under revision 4 of the rules, when the survey of 8 June 2026
    counted though it recorded no inventory (a lite call next, no survey), is worked out
    again by the programme-rescore job once this is deployed, though no date or event
    comes: the survey is due again (RULES_REVISION 5)."""
    uprn = await a_home_surveyed_in_2021(visits, visits_database, an_area())
    await by_one_shot(visits, await booked(visits, uprn, SURVEY), SURVEY)
    revision_4 = hashlib.sha256(
        json.dumps(
            {
                "weights": visits_settings.programme.model_dump(mode="json"),
                "intervals": visits_settings.intervals.model_dump(mode="json"),
                "rules": 4,
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()[:32]
    async with visits_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(ProgrammeScore)
            .where(ProgrammeScore.uprn == uprn)
            .values(
                configuration=revision_4,
                next_visit_kind=VisitKind.LITE,
                stock_condition_survey=False,
                rescore_on=date(2099, 1, 1),
            )
        )

    await run_until_done(
        visits_database, rescore_job(visits_settings), datetime(2026, 12, 1, 9, tzinfo=UTC)
    )

    after = await stored(visits_database, uprn)
    assert (after.next_visit_kind, after.stock_condition_survey) == (VisitKind.FULL, True)
    assert after.configuration != revision_4


async def test_a_full_visit_without_inventory_is_shown_and_counted(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """In the visit's view and the home's list, and in the figures of its area: of three
    full visits completed in March 2026 two recorded no inventory, one of them the
    survey; a lite call is no full visit."""
    area = an_area()
    uprn, other = a_uprn(), a_uprn()
    for home in (uprn, other):
        await handle(visits_database, registered(home, **postcode_in(area)))
    at = "2026-03-10T10:00:00+00:00"
    without = await booked(visits, uprn, at, stock_condition_survey=False)
    await by_one_shot(visits, without, at)
    with_rooms = await booked(visits, other, at, stock_condition_survey=False)
    await by_draft(visits, with_rooms, at)
    survey = await booked(visits, other, "2026-03-11T10:00:00+00:00", stock_condition_survey=True)
    await by_one_shot(visits, survey, "2026-03-11T10:00:00+00:00")
    lite = await booked(visits, other, "2026-03-12T10:00:00+00:00", kind="lite", channel="phone")
    await by_one_shot(visits, lite, "2026-03-12T10:00:00+00:00")

    shown = (await visits.get(f"/v1/visits/{without}")).json()
    assert (shown["inventory_recorded"], shown["rooms"]) == (False, [])
    listed = (await visits.get("/v1/visits", params={"uprn": other})).json()["items"]
    assert {v["id"]: v["inventory_recorded"] for v in listed} == {
        with_rooms: True,
        survey: False,
        lite: False,
    }
    figures = (
        await visits.get("/v1/visits/figures", params={"from": "2026-03-01", "to": "2026-03-31"})
    ).json()
    measures = {m["code"]: m for m in figures["breakdowns"][f"area:{area}"]}
    full = measures["visits.full_visits_without_inventory"]
    surveys = measures["visits.surveys_without_inventory"]
    assert (full["numerator"], full["denominator"]) == (2, 3)
    assert (surveys["numerator"], surveys["denominator"]) == (1, 1)
    assert "visits.full_visits_without_inventory" in {m["code"] for m in figures["measures"]}

"""A full visit completed by the one-shot report (which takes no rooms) is given its room
inventory afterwards by its officer, written up back at the office: once, whole, within
late_inventory_days (7) of visited_at (ADR 0113). A survey so completed then counts as
the survey (ADR 0098). Nobody else adds it, nor to a lite visit, nor later, nor twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import JUST_VISITED, a_uprn, an_area, visited_in_full
from services.visits.tests.visits.test_a_full_visit_without_inventory import (
    a_home_surveyed_in_2021,
    booked,
    by_one_shot,
)
from tests.harness.tokens import TEST_SUBJECT

ROOMS = [
    {"room": "kitchen", "condition": "poor", "photos": ["ph-1"], "notes": "Worktop lifting"},
    {"room": "bathroom", "condition": "good"},
]


async def add_rooms(
    visits: httpx.AsyncClient, visit_id: str, rooms: list[dict[str, Any]] = ROOMS
) -> httpx.Response:
    return await visits.post(
        f"/v1/visits/{visit_id}/report/rooms",
        json={"rooms": rooms},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


async def test_the_officer_adds_the_inventory_and_the_survey_then_counts(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = await a_home_surveyed_in_2021(visits, visits_database, an_area())
    survey = await booked(
        visits, uprn, JUST_VISITED, stock_condition_survey=True, officer=TEST_SUBJECT
    )
    assert (await by_one_shot(visits, survey, JUST_VISITED))["inventory_recorded"] is False
    before = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert (before["next_visit_kind"], before["stock_condition_survey"]) == ("full", True)

    response = await add_rooms(visits, survey)

    assert response.status_code == 201, response.text
    added = response.json()
    assert added["inventory_recorded"] is True
    assert added["inventory_added_at"] is not None
    assert [(r["room"], r["condition"], r["photos"]) for r in added["rooms"]] == [
        ("kitchen", "poor", ["ph-1"]),
        ("bathroom", "good", []),
    ]
    assert (await visits.get(f"/v1/visits/{survey}")).json()["rooms"] == added["rooms"]
    [listed] = (
        await visits.get("/v1/visits", params={"uprn": uprn, "status": "completed"})
    ).json()["items"][:1]
    assert listed["inventory_added_at"] == added["inventory_added_at"]
    after = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert (after["next_visit_kind"], after["stock_condition_survey"]) == ("lite", False)
    # the inventory is not rewritten
    again = await add_rooms(visits, survey, [{"room": "loft", "condition": "fair"}])
    assert again.status_code == 409, again.text
    assert len((await visits.get(f"/v1/visits/{survey}")).json()["rooms"]) == 2


async def test_only_the_visits_officer_adds_it(visits: httpx.AsyncClient) -> None:
    uprn = a_uprn()
    someone_elses = await booked(visits, uprn, JUST_VISITED, officer="officer-17")
    nobodys = await booked(visits, uprn, JUST_VISITED)
    for visit_id in (someone_elses, nobodys):
        await by_one_shot(visits, visit_id, JUST_VISITED)

        response = await add_rooms(visits, visit_id)

        assert response.status_code == 403, response.text
        assert response.json()["type"].endswith("/not-the-visits-officer")
        assert (await visits.get(f"/v1/visits/{visit_id}")).json()["rooms"] == []


async def test_not_to_a_lite_visit_a_booked_one_nor_twice_the_same_room(
    visits: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    await visited_in_full(visits, uprn)  # a lite visit is offered after a full one
    lite = await booked(
        visits, uprn, JUST_VISITED, kind="lite", channel="phone", officer=TEST_SUBJECT
    )
    await by_one_shot(visits, lite, JUST_VISITED)
    still_booked = await booked(visits, uprn, JUST_VISITED, officer=TEST_SUBJECT)
    full = await booked(visits, uprn, JUST_VISITED, officer=TEST_SUBJECT)
    await by_one_shot(visits, full, JUST_VISITED)

    refused_lite = await add_rooms(visits, lite)
    refused_booked = await add_rooms(visits, still_booked)
    twice = await add_rooms(visits, full, [ROOMS[0], {**ROOMS[0], "condition": "good"}])

    assert refused_lite.status_code == 422, refused_lite.text
    assert refused_lite.json()["errors"][0]["field"] == "rooms"
    assert refused_booked.status_code == 409, refused_booked.text
    assert twice.status_code == 422, twice.text
    assert twice.json()["errors"][0]["field"] == "rooms"


async def test_not_once_the_week_after_the_visit_is_over(visits: httpx.AsyncClient) -> None:
    """Eight days after visited_at (late_inventory_days is 7): the ratings would be a
    memory, not the home's condition on the day; a full visit is booked instead."""
    eight_days_ago = (datetime.now(UTC) - timedelta(days=8)).isoformat()
    six_days_ago = (datetime.now(UTC) - timedelta(days=6)).isoformat()
    uprn = a_uprn()
    late = await booked(visits, uprn, eight_days_ago, officer=TEST_SUBJECT)
    in_time = await booked(visits, uprn, six_days_ago, officer=TEST_SUBJECT)
    await by_one_shot(visits, late, eight_days_ago)
    await by_one_shot(visits, in_time, six_days_ago)

    refused = await add_rooms(visits, late)

    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "rooms"
    assert (await add_rooms(visits, in_time)).status_code == 201

"""A full visit's room inventory rates the room's components one by one (DOMAIN.md: a
room-by-room inventory of components with a condition rating and photo references), as a
stock condition survey does: the kitchen units poor, the worktops fair, each with its
photos. Before, a room took one rating and its photos, and a component sent was refused
(extra field), so the report held no component's condition. Each component once in a
room; the room's own rating stays."""

from __future__ import annotations

from typing import Any

import httpx

from services.visits.tests.factories import JUST_VISITED, a_uprn
from services.visits.tests.reports.test_drafts import complete_draft, piece, save, scheduled, submit
from services.visits.tests.reports.test_rooms_added_after_the_report import add_rooms
from services.visits.tests.visits.test_a_full_visit_without_inventory import booked, by_one_shot
from tests.harness.tokens import TEST_SUBJECT

KITCHEN = {
    "room": "kitchen",
    "condition": "poor",
    "photos": ["ph-1"],
    "components": [
        {"component": "kitchen_units", "condition": "poor", "photos": ["ph-2", "ph-3"]},
        {"component": "worktops", "condition": "fair"},
    ],
}
RATED = [
    {"component": "kitchen_units", "condition": "poor", "photos": ["ph-2", "ph-3"]},
    {"component": "worktops", "condition": "fair", "photos": []},
]


def kitchen_of(visit: dict[str, Any]) -> dict[str, Any]:
    [kitchen] = [room for room in visit["rooms"] if room["room"] == "kitchen"]
    return kitchen


async def test_a_drafts_room_rates_its_components_and_the_visit_shows_them(
    visits: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    draft = [p for p in complete_draft() if p["section"] != "room"]
    draft.append(piece("room", "kitchen", 1, KITCHEN))
    saved = await save(visits, visit_id, draft)
    assert saved.status_code == 200, saved.text

    reported = await submit(visits, visit_id, "k-" + visit_id)

    assert reported.status_code == 201, reported.text
    assert kitchen_of(reported.json())["components"] == RATED
    assert kitchen_of((await visits.get(f"/v1/visits/{visit_id}")).json())["components"] == RATED
    [listed] = (await visits.get("/v1/visits", params={"uprn": uprn})).json()["items"]
    assert kitchen_of(listed)["components"] == RATED


async def test_a_component_rated_twice_in_a_room_is_refused_and_nothing_is_saved(
    visits: httpx.AsyncClient,
) -> None:
    visit_id = await scheduled(visits, a_uprn())
    twice = {**KITCHEN, "components": [*KITCHEN["components"], KITCHEN["components"][0]]}
    refused = await save(visits, visit_id, [piece("room", "kitchen", 1, twice)])
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "pieces.0.room.content"
    draft = (await visits.get(f"/v1/visits/{visit_id}/report/draft")).json()
    assert draft["pieces"] == []


async def test_rooms_added_after_the_report_rate_their_components_too(
    visits: httpx.AsyncClient,
) -> None:
    visit_id = await booked(visits, a_uprn(), JUST_VISITED, officer=TEST_SUBJECT)
    await by_one_shot(visits, visit_id, JUST_VISITED)
    added = await add_rooms(visits, visit_id, [KITCHEN])
    assert added.status_code == 201, added.text
    assert kitchen_of(added.json())["components"] == RATED
    # a room rated whole, as before, holds none
    bathroom = await booked(visits, a_uprn(), JUST_VISITED, officer=TEST_SUBJECT)
    await by_one_shot(visits, bathroom, JUST_VISITED)
    whole = await add_rooms(visits, bathroom, [{"room": "bathroom", "condition": "good"}])
    assert whole.json()["rooms"][0]["components"] == []

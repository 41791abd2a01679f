"""The room-by-room inventory is the full visit's (ADR 0097): a lite visit, by phone or
video, records no room, on saving a piece or on submitting a draft kept before; it
records repairs and hazards the household describes like any visit."""

from __future__ import annotations

import httpx
import pytest

from hearth_contracts.events.visits import VisitKind
from services.visits.tests.factories import a_uprn, a_visit, visited_in_full
from services.visits.tests.reports.test_drafts import piece, save
from services.visits.tests.reports.test_rules import NOW, a_report_with
from visits.reports.rules import SavedPiece, assemble
from visits.reports.schemas import DraftSection
from visits.visits.rules import RuleBroken

KITCHEN = {"room": "kitchen", "condition": "good", "photos": ["ph-1"]}


def test_a_lite_visits_draft_with_a_room_is_refused_naming_it() -> None:
    kitchen = SavedPiece(DraftSection.ROOM, "kitchen", KITCHEN)
    with pytest.raises(RuleBroken, match="lite visit records no room") as broken:
        assemble(VisitKind.LITE, a_report_with(kitchen), NOW, window_years=10)
    assert broken.value.field == "draft.room"
    assert assemble(VisitKind.FULL, a_report_with(kitchen), NOW, window_years=10).rooms


@pytest.mark.parametrize("channel", ["phone", "video"])
async def test_a_room_piece_on_a_lite_visit_is_refused_and_nothing_is_saved(
    visits: httpx.AsyncClient, channel: str
) -> None:
    uprn = a_uprn()
    await visited_in_full(visits, uprn)  # a lite visit is offered after a full one
    booked = await visits.post("/v1/visits", json=a_visit(uprn, kind="lite", channel=channel))
    assert booked.status_code == 201, booked.text
    visit_id = booked.json()["id"]
    hazard = {
        "hazard_type": "damp_and_mould",
        "severity": "significant",
        "location": "bedroom",
        "description": "Mould the tenant describes on the bedroom wall",
    }

    refused = await save(
        visits, visit_id, [piece("hazard", "h1", 1, hazard), piece("room", "k", 1, KITCHEN)]
    )

    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "pieces.1.section"
    draft = (await visits.get(f"/v1/visits/{visit_id}/report/draft")).json()
    assert draft["pieces"] == []
    # what the household describes is recorded; removing a room is always taken
    taken = await save(
        visits, visit_id, [piece("hazard", "h1", 1, hazard), piece("room", "k", 2, None)]
    )
    assert taken.status_code == 200, taken.text
    assert [p["section"] for p in taken.json()["pieces"]] == ["hazard", "room"]

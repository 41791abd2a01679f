"""Significant damp and mould found on a visit (Awaab's Law: investigated within 10
working days of becoming aware, the clock from visited_at) reached repairs only when the
report was submitted, so each day the tablet held the report was a day of repairs'
investigation spent, and a report sent two weeks late opened a case already breached.
It is now sent as an emergency hazard is (ADR 0182): in the save that gives the draft it
and its visit piece, once, and it then stays as sent; the report keeps its id and sends
no second (ADR 0209)."""

from __future__ import annotations

from datetime import datetime

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn, outbox_rows
from services.visits.tests.reports.test_an_emergency_hazard_reaches_repairs_when_saved import (
    hazards_sent,
    sent_once_its_visit_piece_is_saved,
    submitted_sending_only_the_minor,
)
from services.visits.tests.reports.test_drafts import (
    VISITED_AT,
    complete_draft,
    piece,
    save,
    scheduled,
)

BLACK_MOULD = {
    "hazard_type": "damp_and_mould",
    "severity": "significant",
    "location": "bedroom_1",
    "description": "Black mould across the ceiling above the bed",
}


async def test_significant_damp_is_sent_when_its_piece_is_saved_and_stays_as_sent(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    saved = await save(visits, visit_id, [*complete_draft(), piece("hazard", "h2", 1, BLACK_MOULD)])
    assert saved.status_code == 200, saved.text
    [sent] = hazards_sent(await outbox_rows(visits_database, uprn))
    assert (sent["hazard_type"], sent["severity"]) == ("damp_and_mould", "significant")
    assert datetime.fromisoformat(sent["identified_at"]) == datetime.fromisoformat(VISITED_AT)
    [shown] = [p for p in saved.json()["pieces"] if p["piece_id"] == "h2"]
    assert shown["hazard_id"] == sent["hazard_id"]

    # repairs' investigation clock runs from it: recoded or re-dated, it is refused
    for field, pieces in {
        "pieces.0.hazard.content.severity": [
            piece("hazard", "h2", 2, {**BLACK_MOULD, "severity": "minor"})
        ],
        "pieces.0.visit.content.visited_at": [
            piece("visit", "visit", 2, {"visited_at": "2026-11-21T10:30:00+00:00"})
        ],
    }.items():
        response = await save(visits, visit_id, pieces)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field

    await submitted_sending_only_the_minor(visits, visits_database, uprn, visit_id, sent)


async def test_significant_damp_saved_before_the_visit_piece_is_sent_with_it(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    sent = await sent_once_its_visit_piece_is_saved(visits, visits_database, BLACK_MOULD)
    assert sent["severity"] == "significant"
    assert datetime.fromisoformat(sent["identified_at"]) == datetime.fromisoformat(VISITED_AT)

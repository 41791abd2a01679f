"""An emergency hazard found on a visit (Awaab's Law: made safe within 24 hours of
becoming aware) reached repairs only when the report was submitted, maybe days after the
visit, its case breached on arrival and nobody told meanwhile. It is now sent
(hazard-identified, through the outbox) in the save that gives the draft both it and its
visit piece, its clock visited_at; the submitted report keeps its hazard id and sends no
second. What repairs was told stays as told (no event takes it back): the piece is not
removed, nor its hazard_type or severity changed, nor the draft's visited_at (ADR 0182).
Significant damp and mould is sent so too (ADR 0209:
test_significant_damp_reaches_repairs_when_saved), and every other significant hazard
(ADR 0227: test_significant_hazards_reach_repairs_when_saved); minor ones wait for the
report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import (
    JUST_VISITED,
    a_completed_report,
    a_uprn,
    event_names,
    outbox_rows,
)
from services.visits.tests.reports.test_drafts import (
    VISITED_AT,
    complete_draft,
    piece,
    save,
    scheduled,
    submit,
)

SPARKING = {
    "hazard_type": "electrical",
    "severity": "emergency",
    "location": "kitchen",
    "description": "Exposed live wires behind the cooker",
}


def hazards_sent(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row["data"] for row in rows if row["event_type"].split(".")[3] == "hazard-identified"]


async def test_an_emergency_hazard_is_sent_when_its_piece_is_saved_and_once(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    saved = await save(visits, visit_id, [*complete_draft(), piece("hazard", "h2", 1, SPARKING)])
    assert saved.status_code == 200, saved.text
    [sent] = hazards_sent(await outbox_rows(visits_database, uprn))
    assert sent["severity"] == "emergency"
    assert sent["hazard_type"] == "electrical"
    assert sent["visit_id"] == visit_id
    assert datetime.fromisoformat(sent["identified_at"]) == datetime.fromisoformat(VISITED_AT)
    [shown] = [p for p in saved.json()["pieces"] if p["piece_id"] == "h2"]
    assert shown["hazard_id"] == sent["hazard_id"]
    # the minor damp of the same draft waits for the report
    assert all(p["hazard_id"] is None for p in saved.json()["pieces"] if p["piece_id"] != "h2")
    # resent, and its room corrected: nothing sent again
    moved = {**SPARKING, "location": "utility room"}
    for resent in ([piece("hazard", "h2", 1, SPARKING)], [piece("hazard", "h2", 2, moved)]):
        assert (await save(visits, visit_id, resent)).status_code == 200
    assert len(hazards_sent(await outbox_rows(visits_database, uprn))) == 1

    submitted = await submit(visits, visit_id, "k-" + visit_id)
    assert submitted.status_code == 201, submitted.text
    rows = await outbox_rows(visits_database, uprn)
    sent_all = hazards_sent(rows)
    # the damp sent now; the emergency not again, kept in the report under its id
    assert [h["severity"] for h in sent_all] == ["emergency", "minor"]
    found = {h["severity"]: h for h in submitted.json()["hazards_found"]}
    assert found["emergency"]["id"] == sent["hazard_id"]
    assert found["emergency"]["location"] == "utility room"
    assert found["minor"]["id"] == sent_all[1]["hazard_id"]
    [completed] = [row["data"] for row in rows if "visit-completed" in row["event_type"]]
    assert completed["hazards_found"] == 2


async def submitted_sending_only_the_minor(
    visits: httpx.AsyncClient,
    visits_database: Database,
    uprn: str,
    visit_id: str,
    sent: dict[str, Any],
) -> None:
    """The draft submitted: the complete draft's minor damp is sent now; the significant
    hazard sent at its save is not sent again, and the report keeps it under its id."""
    submitted = await submit(visits, visit_id, "k-" + visit_id)
    assert submitted.status_code == 201, submitted.text
    rows = await outbox_rows(visits_database, uprn)
    assert [h["severity"] for h in hazards_sent(rows)] == ["significant", "minor"]
    found = {h["severity"]: h for h in submitted.json()["hazards_found"]}
    assert found["significant"]["id"] == sent["hazard_id"]
    [completed] = [row["data"] for row in rows if "visit-completed" in row["event_type"]]
    assert completed["hazards_found"] == 2


async def sent_once_its_visit_piece_is_saved(
    visits: httpx.AsyncClient, visits_database: Database, hazard: dict[str, str]
) -> dict[str, Any]:
    """A draft given the hazard piece alone sends nothing (no clock yet); the visit
    piece saved next sends it: the one hazard-identified then in the outbox."""
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    saved = await save(visits, visit_id, [piece("hazard", "h2", 1, hazard)])
    assert saved.status_code == 200, saved.text
    assert hazards_sent(await outbox_rows(visits_database, uprn)) == []  # no clock yet
    visit_piece = piece("visit", "visit", 1, {"visited_at": VISITED_AT})
    assert (await save(visits, visit_id, [visit_piece])).status_code == 200
    [sent] = hazards_sent(await outbox_rows(visits_database, uprn))
    return sent


async def test_a_hazard_saved_before_the_visit_piece_is_sent_with_it(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    sent = await sent_once_its_visit_piece_is_saved(visits, visits_database, SPARKING)
    assert datetime.fromisoformat(sent["identified_at"]) == datetime.fromisoformat(VISITED_AT)


async def test_what_repairs_was_told_is_not_taken_back_in_the_draft(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    assert (
        await save(visits, visit_id, [*complete_draft(), piece("hazard", "h2", 1, SPARKING)])
    ).status_code == 200
    before = (await visits.get(f"/v1/visits/{visit_id}/report/draft")).json()
    refused = {
        "pieces.1.hazard.content": [
            piece("room", "loft", 1, {"room": "loft", "condition": "good"}),
            piece("hazard", "h2", 2, None),
        ],
        "pieces.0.hazard.content.severity": [
            piece("hazard", "h2", 2, {**SPARKING, "severity": "significant"})
        ],
        "pieces.0.hazard.content.hazard_type": [
            piece("hazard", "h2", 3, {**SPARKING, "hazard_type": "fire"})
        ],
        "pieces.0.visit.content.visited_at": [
            piece("visit", "visit", 2, {"visited_at": "2026-11-21T10:30:00+00:00"})
        ],
    }
    for field, pieces in refused.items():
        response = await save(visits, visit_id, pieces)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field
        assert "sent to repairs" in response.json()["detail"]
    # nothing of a refused save kept
    assert (await visits.get(f"/v1/visits/{visit_id}/report/draft")).json() == before
    # its room corrected (not in the event) is taken; a stale version arriving late is
    # passed over, as ever, not refused
    moved = piece("hazard", "h2", 4, {**SPARKING, "location": "utility room"})
    stale = piece("hazard", "h2", 3, {**SPARKING, "severity": "minor"})
    for pieces in ([moved], [stale]):
        assert (await save(visits, visit_id, pieces)).status_code == 200
    # the visit piece saved again with the same time is taken
    same = piece("visit", "visit", 3, {"visited_at": VISITED_AT, "notes": "Called back"})
    assert (await save(visits, visit_id, [same])).status_code == 200
    # the one-shot report would record it as another hazard: the draft is submitted
    one_shot = await visits.post(
        f"/v1/visits/{visit_id}/report", json=a_completed_report(JUST_VISITED)
    )
    assert one_shot.status_code == 409, one_shot.text
    assert "submit the draft" in one_shot.json()["detail"]
    assert len(hazards_sent(await outbox_rows(visits_database, uprn))) == 1


async def test_a_minor_hazard_waits_for_the_report(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """In no phase of Awaab's Law, it starts no clock anywhere: it waits for the report
    and stays free to change meanwhile (ADR 0227). A significant one of any kind is sent
    when saved (test_significant_hazards_reach_repairs_when_saved)."""
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    minor = {**SPARKING, "severity": "minor"}
    pieces = [
        *complete_draft(),
        piece("hazard", "h2", 1, minor),
        piece("hazard", "h3", 1, {**minor, "hazard_type": "falls"}),
    ]
    saved = await save(visits, visit_id, pieces)
    assert saved.status_code == 200, saved.text
    assert event_names(await outbox_rows(visits_database, uprn)) == ["visit-scheduled"]
    # not sent, so removed freely
    assert (await save(visits, visit_id, [piece("hazard", "h2", 2, None)])).status_code == 200
    assert (await submit(visits, visit_id, "k-" + visit_id)).status_code == 201
    sent = hazards_sent(await outbox_rows(visits_database, uprn))
    assert [(h["hazard_type"], h["severity"]) for h in sent] == [
        ("damp_and_mould", "minor"),
        ("falls", "minor"),
    ]

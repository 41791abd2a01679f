"""Reports a tablet sends in pieces: saved as they come (resent, reordered: the same
draft), submitted once, refused without their required parts, and what a submitted
report publishes, every clock dated visited_at."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import col, update

from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn, a_visit, event_names, outbox_rows
from visits.models import ReportDraftPiece

VISITED_AT = "2026-11-20T10:30:00+00:00"
RESIDENT = str(uuid.uuid4())


def piece(
    section: str, piece_id: str, version: int, content: dict[str, Any] | None
) -> dict[str, Any]:
    return {"section": section, "piece_id": piece_id, "version": version, "content": content}


def complete_draft() -> list[dict[str, Any]]:
    return [
        piece("visit", "visit", 1, {"visited_at": VISITED_AT}),
        piece(
            "household",
            "household",
            1,
            {
                "resident_id": RESIDENT,
                "household_size": 1,
                "corrected": ["language"],
                "vulnerability_consent": True,
            },
        ),
        piece("room", "kitchen", 1, {"room": "kitchen", "condition": "fair", "photos": ["ph-1"]}),
        piece("room", "bathroom", 1, {"room": "bathroom", "condition": "poor"}),
        piece(
            "repair",
            "r1",
            1,
            {
                "description": "Extractor fan not working",
                "location": "bathroom",
                "trade": "electrical",
                "severity": "serious",
            },
        ),
        piece(
            "repair",
            "r2",
            1,
            {
                "description": "Cupboard door hanging off",
                "location": "kitchen",
                "trade": "carpentry",
                "severity": "minor",
            },
        ),
        # minor: it waits for the report. Significant damp and mould is sent to repairs
        # when its piece is saved (ADR 0209), an emergency too (ADR 0182): their own tests
        piece(
            "hazard",
            "h1",
            1,
            {
                "hazard_type": "damp_and_mould",
                "severity": "minor",
                "location": "bathroom",
                "description": "Mould around the window",
            },
        ),
        piece("tenancy_concern", "c1", 1, {"concern": "hoarding"}),
        piece("communal_issue", "ci1", 1, {"issue": "lighting", "location": "stairwell"}),
        piece("customer_action", "a1", 1, {"description": "Chase the fan repair"}),
    ]


async def scheduled(visits: httpx.AsyncClient, uprn: str) -> str:
    response = await visits.post("/v1/visits", json=a_visit(uprn, kind="full"))
    assert response.status_code == 201, response.text
    visit_id: str = response.json()["id"]
    return visit_id


async def save(
    visits: httpx.AsyncClient, visit_id: str, pieces: list[dict[str, Any]]
) -> httpx.Response:
    return await visits.put(f"/v1/visits/{visit_id}/report/draft", json={"pieces": pieces})


async def submit(visits: httpx.AsyncClient, visit_id: str, key: str, **body: Any) -> httpx.Response:
    return await visits.post(
        f"/v1/visits/{visit_id}/report/submit", json=body, headers={"Idempotency-Key": key}
    )


async def repair_saved_before_the_rule(
    database: Database, visit_id: str, content: dict[str, Any]
) -> None:
    """The complete draft's repair (r1) given `content` straight in the database: a
    piece saved before a stricter rule, which a save now refuses."""
    async with database.sessionmaker() as session, session.begin():
        await session.execute(
            update(ReportDraftPiece)
            .where(col(ReportDraftPiece.visit_id) == uuid.UUID(visit_id))
            .where(col(ReportDraftPiece.piece_id) == "r1")
            .values(content=content)
        )


def contents(draft: dict[str, Any]) -> list[tuple[str, str, int, Any]]:
    return [(p["section"], p["piece_id"], p["version"], p["content"]) for p in draft["pieces"]]


async def test_pieces_resent_out_of_order_converge_on_the_same_draft(
    visits: httpx.AsyncClient,
) -> None:
    first, second = await scheduled(visits, a_uprn()), await scheduled(visits, a_uprn())
    fair = piece("room", "kitchen", 1, {"room": "kitchen", "condition": "fair"})
    poor = piece("room", "kitchen", 2, {"room": "kitchen", "condition": "poor", "photos": ["p9"]})
    gone = piece("room", "loft", 3, None)
    loft = piece("room", "loft", 2, {"room": "loft", "condition": "good"})
    for pieces in ([fair], [poor, loft], [gone], [fair]):  # the order it was written, and a resend
        assert (await save(visits, first, pieces)).status_code == 200
    for pieces in ([gone, poor], [loft], [fair, poor]):  # a tablet resending out of order
        assert (await save(visits, second, pieces)).status_code == 200
    one = (await visits.get(f"/v1/visits/{first}/report/draft")).json()
    other = (await visits.get(f"/v1/visits/{second}/report/draft")).json()
    assert contents(one) == contents(other)
    assert contents(one) == [
        ("room", "kitchen", 2, {"room": "kitchen", "condition": "poor", "photos": ["p9"]}),
        ("room", "loft", 3, None),
    ]
    assert one["missing"] == ["visit", "household"]


async def test_an_unknown_room_or_rating_is_refused_naming_the_field_and_nothing_is_saved(
    visits: httpx.AsyncClient,
) -> None:
    visit_id = await scheduled(visits, a_uprn())
    for content, field in (
        ({"room": "ballroom", "condition": "fair"}, "room"),
        ({"room": "kitchen", "condition": "splendid"}, "condition"),
    ):
        response = await save(visits, visit_id, [piece("room", "x", 1, content)])
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert error["field"].startswith("pieces.0")
        assert error["field"].endswith(field)
    assert (await visits.get(f"/v1/visits/{visit_id}/report/draft")).json()["pieces"] == []


async def test_visited_at_in_the_future_is_refused_and_nothing_is_saved(
    visits: httpx.AsyncClient,
) -> None:
    visit_id = await scheduled(visits, a_uprn())
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = await save(
        visits,
        visit_id,
        [
            piece("room", "kitchen", 1, {"room": "kitchen", "condition": "fair"}),
            piece("visit", "visit", 1, {"visited_at": tomorrow}),
        ],
    )
    assert response.status_code == 422
    assert response.json()["field"] == "pieces.1.visit.content.visited_at"
    assert (await visits.get(f"/v1/visits/{visit_id}/report/draft")).json()["pieces"] == []


async def test_visited_at_centuries_ago_is_a_typing_slip_refused_and_nothing_is_saved(
    visits: httpx.AsyncClient,
) -> None:
    visit_id = await scheduled(visits, a_uprn())
    response = await save(
        visits, visit_id, [piece("visit", "visit", 1, {"visited_at": "1066-10-14T10:00:00Z"})]
    )
    assert response.status_code == 422
    assert response.json()["field"] == "pieces.0.visit.content.visited_at"
    assert (await visits.get(f"/v1/visits/{visit_id}/report/draft")).json()["pieces"] == []


async def test_a_date_refused_by_the_schema_and_by_the_rule_is_named_the_same_way(
    visits: httpx.AsyncClient,
) -> None:
    visit_id = await scheduled(visits, a_uprn())
    room = piece("room", "kitchen", 1, {"room": "kitchen", "condition": "fair"})
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    naive = await save(
        visits, visit_id, [room, piece("visit", "v", 1, {"visited_at": "2026-11-20T10:30:00"})]
    )
    future = await save(visits, visit_id, [room, piece("visit", "v", 1, {"visited_at": tomorrow})])
    assert naive.status_code == future.status_code == 422
    [error] = naive.json()["errors"]
    assert error["field"] == future.json()["field"] == "pieces.1.visit.content.visited_at"


async def test_a_removed_piece_stays_listed_but_the_draft_says_submit_will_not_count_it(
    visits: httpx.AsyncClient,
) -> None:
    visit_id = await scheduled(visits, a_uprn())
    draft = complete_draft()
    assert (await save(visits, visit_id, draft)).json()["pieces_counted"] == len(draft)
    removed = await save(visits, visit_id, [piece("repair", "r2", 2, None)])
    assert removed.status_code == 200
    assert ("repair", "r2", 2, None) in contents(removed.json())
    listed = (await visits.get(f"/v1/visits/{visit_id}/report/draft")).json()
    assert (len(listed["pieces"]), listed["pieces_counted"]) == (len(draft), len(draft) - 1)
    refused = await submit(visits, visit_id, "all-" + visit_id, pieces_expected=len(draft))
    assert refused.status_code == 422
    assert refused.json()["field"] == "pieces_expected"
    counted = listed["pieces_counted"]
    accepted = await submit(visits, visit_id, "counted-" + visit_id, pieces_expected=counted)
    assert accepted.status_code == 201, accepted.text
    assert [r["severity"] for r in accepted.json()["repairs_found"]] == ["serious"]


async def test_a_submission_without_the_drafts_required_parts_is_refused_and_changes_nothing(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    without_household = [p for p in complete_draft() if p["section"] != "household"]
    assert (await save(visits, visit_id, without_household)).status_code == 200
    response = await submit(visits, visit_id, "k-" + visit_id)
    assert response.status_code == 422
    assert response.json()["field"] == "draft.household"
    response = await submit(visits, visit_id, "k2-" + visit_id, pieces_expected=99)
    assert response.status_code == 422
    assert response.json()["field"] == "pieces_expected"
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["status"] == "scheduled"
    assert event_names(await outbox_rows(visits_database, uprn)) == ["visit-scheduled"]


async def test_a_report_submitted_twice_with_one_key_has_one_effect(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    assert (await save(visits, visit_id, complete_draft())).status_code == 200
    first = await submit(visits, visit_id, "once-" + visit_id, pieces_expected=10)
    assert first.status_code == 201, first.text
    again = await submit(visits, visit_id, "once-" + visit_id, pieces_expected=10)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert (await submit(visits, visit_id, "another-" + visit_id)).status_code == 409
    assert event_names(await outbox_rows(visits_database, uprn)).count("visit-completed") == 1


async def test_a_submitted_report_publishes_its_findings_dated_when_the_officer_was_there(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    await save(visits, visit_id, complete_draft())
    response = await submit(visits, visit_id, "k-" + visit_id)
    assert response.status_code == 201, response.text
    visit = response.json()
    assert visit["status"] == "completed"
    assert visit["visited_at"] == "2026-11-20T10:30:00Z"
    assert [r["room"] for r in visit["rooms"]] == ["bathroom", "kitchen"]
    assert [r["severity"] for r in visit["repairs_found"]] == ["serious", "minor"]
    assert visit["communal_issues"][0]["issue"] == "lighting"
    assert (visit["resident_id"], visit["household_size"]) == (RESIDENT, 1)
    rows = await outbox_rows(visits_database, uprn)
    assert event_names(rows) == [
        "visit-scheduled",
        "visit-completed",
        "visit-found-repair",
        "visit-found-repair",
        "hazard-identified",
        "communal-issue-found",
        "tenancy-concern-raised",
        "resident-details-confirmed",
    ]
    by_name = {name: row["data"] for name, row in zip(event_names(rows), rows, strict=True)}
    communal = by_name["communal-issue-found"]
    assert (communal["issue"], communal["found_at"]) == ("lighting", "2026-11-20T10:30:00Z")
    assert set(communal) == {"issue_id", "visit_id", "uprn", "issue", "found_at"}
    assert by_name["visit-completed"]["completed_at"] == "2026-11-20T10:30:00Z"
    repair = by_name["visit-found-repair"]
    assert (repair["reported_at"], repair["visited_at"]) == ("2026-11-20T10:30:00Z",) * 2
    assert repair["repairs_found_on_visit"] == 2
    assert by_name["hazard-identified"]["identified_at"] == "2026-11-20T10:30:00Z"
    assert by_name["hazard-identified"]["hazard_type"] == "damp_and_mould"
    confirmed = by_name["resident-details-confirmed"]
    assert (confirmed["resident_id"], confirmed["household_size"]) == (RESIDENT, 1)
    assert confirmed["corrected"] == ["language"]
    assert confirmed["vulnerability_consent"] is True
    assert (await visits.get(f"/v1/visits/{visit_id}/report/draft")).json()["pieces"] == []


async def test_a_customer_action_promised_is_carried_to_the_next_visit_until_closed(
    visits: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    first = await scheduled(visits, uprn)
    await save(visits, first, complete_draft())
    promised = (await submit(visits, first, "k-" + first)).json()["customer_actions"]
    [action] = promised
    assert action["closed_at"] is None
    second = await scheduled(visits, uprn)
    briefing = (await visits.get(f"/v1/visits/{second}/briefing")).json()
    assert [a["id"] for a in briefing["customer_actions_outstanding"]] == [action["id"]]
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert {"factor": "customer_actions_outstanding", "points": 5} in priority["reasons"]
    draft = [p for p in complete_draft() if p["section"] != "customer_action"]
    draft.append(piece("action_closed", "done-1", 1, {"action_id": action["id"]}))
    await save(visits, second, draft)
    assert (await submit(visits, second, "k-" + second)).status_code == 201
    briefing = (await visits.get(f"/v1/visits/{second}/briefing")).json()
    assert briefing["customer_actions_outstanding"] == []


async def test_an_action_cannot_be_closed_by_a_visit_made_before_it_was_promised(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """Two visits reported out of order (the second made earlier, uploaded later): the
    earlier visit cannot close an action promised at the later one. Its closed_at (the
    visit's visited_at) would fall before its promised_at, an action done before it was
    promised. Refused naming the action, and the report changes nothing."""
    uprn = a_uprn()
    first = await scheduled(visits, uprn)
    await save(visits, first, complete_draft())
    [action] = (await submit(visits, first, "k-" + first)).json()["customer_actions"]
    assert action["promised_at"] == "2026-11-20T10:30:00Z"
    second = await scheduled(visits, uprn)
    draft = [p for p in complete_draft() if p["section"] not in ("customer_action", "visit")]
    draft += [
        piece("visit", "visit", 1, {"visited_at": "2026-11-19T10:30:00+00:00"}),
        piece("action_closed", "done-1", 1, {"action_id": action["id"]}),
    ]
    await save(visits, second, draft)
    before = await outbox_rows(visits_database, uprn)
    refused = await submit(visits, second, "k-" + second)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "draft.action_closed.action_id"
    assert (await visits.get(f"/v1/visits/{second}")).json()["status"] == "scheduled"
    briefing = (await visits.get(f"/v1/visits/{second}/briefing")).json()
    assert [a["id"] for a in briefing["customer_actions_outstanding"]] == [action["id"]]
    assert await outbox_rows(visits_database, uprn) == before
    # the same moment as the promise (or later) closes it
    await save(visits, second, [piece("visit", "visit", 2, {"visited_at": "2026-11-20T10:30:00Z"})])
    assert (await submit(visits, second, "k2-" + second)).status_code == 201

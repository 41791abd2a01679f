"""A text a report must give takes more than whitespace: a repair described as "   "
was kept and raised as a repair saying nothing. Refused when the piece is saved, naming
it; a piece saved before that rule is refused at submit, naming its section, not a 500
from the stored content failing the stricter model."""

from __future__ import annotations

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn, event_names, outbox_rows
from services.visits.tests.reports.test_drafts import (
    complete_draft,
    repair_saved_before_the_rule,
    save,
    scheduled,
    submit,
)


async def test_a_repair_described_with_whitespace_alone_is_refused_naming_it(
    visits: httpx.AsyncClient,
) -> None:
    visit_id = await scheduled(visits, a_uprn())
    pieces = complete_draft()
    [repair] = [p for p in pieces if p["piece_id"] == "r1"]
    repair["content"]["description"] = " \t "
    response = await save(visits, visit_id, pieces)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [
        "pieces.4.repair.content.description"
    ]
    assert (await visits.get(f"/v1/visits/{visit_id}/report/draft")).json()["pieces"] == []


async def test_a_piece_saved_under_laxer_rules_is_refused_at_submit_naming_its_section(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    assert (await save(visits, visit_id, complete_draft())).status_code == 200
    await repair_saved_before_the_rule(
        visits_database,
        visit_id,
        {
            "description": "   ",
            "location": "bathroom",
            "trade": "electrical",
            "severity": "serious",
        },
    )
    response = await submit(visits, visit_id, "k-" + visit_id)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "draft.repair"
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["status"] == "scheduled"
    assert event_names(await outbox_rows(visits_database, uprn)) == ["visit-scheduled"]

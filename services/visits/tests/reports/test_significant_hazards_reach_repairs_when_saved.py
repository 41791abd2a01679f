"""A significant hazard of a kind other than damp and mould waited for the report: the
landlord became aware of it at the visit, and other services heard of it only when the
tablet submitted, days or years later. Every significant hazard is now sent as an
emergency one and significant damp are (ADR 0182, 0209): in the save that gives the draft
it and its visit piece, once, staying as sent; the report keeps its id and sends no
second. Which of them open an Awaab's Law case stays repairs' rule. A minor hazard waits
for the report, and is sent at the save that grades it significant (ADR 0227)."""

from __future__ import annotations

from datetime import datetime

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn, outbox_rows
from services.visits.tests.reports.test_an_emergency_hazard_reaches_repairs_when_saved import (
    hazards_sent,
    submitted_sending_only_the_minor,
)
from services.visits.tests.reports.test_drafts import (
    VISITED_AT,
    complete_draft,
    piece,
    save,
    scheduled,
    submit,
)

LOOSE_BANISTER = {
    "hazard_type": "falls",
    "severity": "significant",
    "location": "hallway",
    "description": "Banister comes away from the wall at the top of the stairs",
}


async def test_a_significant_hazard_of_any_kind_is_sent_when_saved_and_once(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    pieces = [*complete_draft(), piece("hazard", "h2", 1, LOOSE_BANISTER)]
    saved = await save(visits, visit_id, pieces)
    assert saved.status_code == 200, saved.text
    [sent] = hazards_sent(await outbox_rows(visits_database, uprn))
    assert (sent["hazard_type"], sent["severity"]) == ("falls", "significant")
    assert datetime.fromisoformat(sent["identified_at"]) == datetime.fromisoformat(VISITED_AT)
    assert not {"description", "location"} & sent.keys()  # codes only (ADR 0071)
    [shown] = [p for p in saved.json()["pieces"] if p["piece_id"] == "h2"]
    assert shown["hazard_id"] == sent["hazard_id"]
    # resent whole: nothing sent again; re-graded, it is refused as sent
    assert (await save(visits, visit_id, pieces)).status_code == 200
    regraded = await save(
        visits, visit_id, [piece("hazard", "h2", 2, {**LOOSE_BANISTER, "severity": "minor"})]
    )
    assert regraded.status_code == 422, regraded.text
    assert regraded.json()["field"] == "pieces.0.hazard.content.severity"

    await submitted_sending_only_the_minor(visits, visits_database, uprn, visit_id, sent)


async def test_a_minor_hazard_is_sent_at_the_save_that_grades_it_significant(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    minor = {**LOOSE_BANISTER, "severity": "minor"}
    saved = await save(visits, visit_id, [*complete_draft(), piece("hazard", "h2", 1, minor)])
    assert saved.status_code == 200, saved.text
    assert hazards_sent(await outbox_rows(visits_database, uprn)) == []
    # minor: not sent, so the officer re-grades it freely
    assert (await save(visits, visit_id, [piece("hazard", "h2", 2, LOOSE_BANISTER)])).is_success
    [sent] = hazards_sent(await outbox_rows(visits_database, uprn))
    assert (sent["hazard_type"], sent["severity"]) == ("falls", "significant")

    submitted = await submit(visits, visit_id, "k-" + visit_id)
    assert submitted.status_code == 201, submitted.text
    first, damp = hazards_sent(await outbox_rows(visits_database, uprn))
    assert first["hazard_id"] == sent["hazard_id"]  # not sent again
    assert (damp["hazard_type"], damp["severity"]) == ("damp_and_mould", "minor")

"""A visit report holds non-emergency repairs found (DOMAIN.md): they wait for the report
and go together into the visit's one follow-on appointment. An emergency repair found
on a visit was taken all the same, reached repairs only when the report was submitted
and was grouped with the routine work. Now refused naming the field, with nothing kept
or published, telling the officer to report it to repairs at once (ADR 0166); an
emergency hazard is still recorded (its Awaab's Law case is opened on its own)."""

from __future__ import annotations

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import (
    JUST_VISITED,
    a_completed_report,
    a_hazard,
    a_repair,
    a_uprn,
    a_visit,
    event_names,
    outbox_rows,
)
from services.visits.tests.reports.test_drafts import (
    complete_draft,
    piece,
    repair_saved_before_the_rule,
    save,
    scheduled,
    submit,
)


def says_report_it_to_repairs_at_once(problem: dict[str, object]) -> None:
    detail = str(problem["detail"])
    assert "report it to repairs at once" in detail
    assert "POST /v1/repairs" in detail


async def test_the_one_shot_report_refuses_an_emergency_repair_naming_it(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    booked = await visits.post("/v1/visits", json=a_visit(uprn))
    assert booked.status_code == 201, booked.text
    visit_id = booked.json()["id"]
    emergency = {**a_repair(2, "electrical"), "severity": "emergency"}
    response = await visits.post(
        f"/v1/visits/{visit_id}/report",
        json=a_completed_report(JUST_VISITED, repairs_found=[a_repair(1), emergency]),
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "repairs_found.1.severity"
    says_report_it_to_repairs_at_once(problem)
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["status"] == "scheduled"
    assert event_names(await outbox_rows(visits_database, uprn)) == ["visit-scheduled"]


async def test_the_one_shot_report_takes_the_other_severities_and_an_emergency_hazard(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    booked = await visits.post("/v1/visits", json=a_visit(uprn))
    visit_id = booked.json()["id"]
    repairs = [
        {**a_repair(n), "severity": severity}
        for n, severity in enumerate(("serious", "moderate", "minor"))
    ]
    response = await visits.post(
        f"/v1/visits/{visit_id}/report",
        json=a_completed_report(
            JUST_VISITED,
            repairs_found=[*repairs, a_repair(9)],
            hazards_found=[a_hazard(severity="emergency", hazard_type="electrical")],
        ),
    )
    assert response.status_code == 201, response.text
    rows = await outbox_rows(visits_database, uprn)
    assert event_names(rows).count("visit-found-repair") == 4
    [hazard] = [row["data"] for row in rows if "hazard-identified" in row["event_type"]]
    assert hazard["severity"] == "emergency"


async def test_a_draft_piece_of_an_emergency_repair_is_refused_and_nothing_is_saved(
    visits: httpx.AsyncClient,
) -> None:
    visit_id = await scheduled(visits, a_uprn())
    pieces = complete_draft()
    [repair] = [p for p in pieces if p["piece_id"] == "r2"]
    repair["content"]["severity"] = "emergency"
    response = await save(visits, visit_id, pieces)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == f"pieces.{pieces.index(repair)}.repair.content.severity"
    says_report_it_to_repairs_at_once(problem)
    assert (await visits.get(f"/v1/visits/{visit_id}/report/draft")).json()["pieces"] == []
    # removing such a piece is always taken
    removed = await save(visits, visit_id, [piece("repair", "r2", 2, None)])
    assert removed.status_code == 200, removed.text


async def test_an_emergency_repair_saved_before_the_rule_is_refused_at_submit(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await scheduled(visits, uprn)
    assert (await save(visits, visit_id, complete_draft())).status_code == 200
    await repair_saved_before_the_rule(
        visits_database,
        visit_id,
        {
            "description": "Sparking socket",
            "location": "bathroom",
            "trade": "electrical",
            "severity": "emergency",
        },
    )
    response = await submit(visits, visit_id, "k-" + visit_id)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "draft.repair.severity"
    says_report_it_to_repairs_at_once(problem)
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["status"] == "scheduled"
    assert event_names(await outbox_rows(visits_database, uprn)) == ["visit-scheduled"]
    # reported to repairs, the officer removes the piece and the report goes in
    assert (await save(visits, visit_id, [piece("repair", "r1", 2, None)])).status_code == 200
    submitted = await submit(visits, visit_id, "k2-" + visit_id)
    assert submitted.status_code == 201, submitted.text
    assert event_names(await outbox_rows(visits_database, uprn)).count("visit-found-repair") == 1

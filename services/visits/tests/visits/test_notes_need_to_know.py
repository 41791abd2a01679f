"""The officer's notes (the visit's own, and each tenancy concern's: safeguarding,
support needs) are need to know: shown only to a caller holding visits:notes, as a
visit officer does. Anyone else with visits:read, the contact centre among them, gets
the concern codes with the notes withheld (null), on every route that shows a visit or
its draft. The service checks the caller's own token, not only the gateway."""

from __future__ import annotations

import httpx

from services.visits.tests.factories import JUST_VISITED, a_completed_report, a_uprn, a_visit
from tests.harness.tokens import InternalTokenAuth

CONTACT_CENTRE = InternalTokenAuth(
    "visits",
    scopes={"homes:read", "residents:read", "visits:read", "repairs:read", "repairs:write"},
    subject="contact-centre-7",
)
"""The contact centre's token as the gateway signs it: visits:read, no visits:notes."""
WRITER_WITHOUT_NOTES = InternalTokenAuth(
    "visits", scopes={"visits:read", "visits:write"}, subject="writer-9"
)
SAFEGUARDING = "Child at risk: referral made to children's services"


async def reported_visit(visits: httpx.AsyncClient, uprn: str) -> dict[str, object]:
    visit = (await visits.post("/v1/visits", json=a_visit(uprn))).json()
    response = await visits.post(
        f"/v1/visits/{visit['id']}/report",
        json=a_completed_report(
            JUST_VISITED,
            tenancy_concerns=[
                {"concern": "safeguarding", "notes": SAFEGUARDING},
                {"concern": "support_needs", "notes": "Struggles with stairs"},
            ],
            notes="Daughter present; mother hard of hearing",
        ),
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_caller_with_visits_notes_sees_the_officers_notes(
    visits: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    reported = await reported_visit(visits, uprn)
    shown = (await visits.get(f"/v1/visits/{reported['id']}")).json()
    assert shown["notes"] == "Daughter present; mother hard of hearing"
    assert [(c["concern"], c["notes"]) for c in shown["tenancy_concerns"]] == [
        ("safeguarding", SAFEGUARDING),
        ("support_needs", "Struggles with stairs"),
    ]
    [listed] = (await visits.get("/v1/visits", params={"uprn": uprn})).json()["items"]
    assert listed == shown == reported


async def test_the_contact_centre_sees_the_concern_codes_with_the_notes_withheld(
    visits: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    reported = await reported_visit(visits, uprn)
    concerns = reported["tenancy_concerns"]
    assert isinstance(concerns, list)
    concern_ids = [c["id"] for c in concerns]
    one = await visits.get(f"/v1/visits/{reported['id']}", auth=CONTACT_CENTRE)
    page = await visits.get("/v1/visits", params={"uprn": uprn}, auth=CONTACT_CENTRE)
    assert one.status_code == page.status_code == 200, (one.text, page.text)
    [listed] = page.json()["items"]
    for shown in (one.json(), listed):
        assert shown["notes"] is None
        assert [(c["concern"], c["notes"]) for c in shown["tenancy_concerns"]] == [
            ("safeguarding", None),
            ("support_needs", None),
        ]
        assert [c["id"] for c in shown["tenancy_concerns"]] == concern_ids
    assert SAFEGUARDING not in one.text + page.text


async def test_a_writer_without_visits_notes_gets_its_own_report_back_without_them(
    visits: httpx.AsyncClient,
) -> None:
    visit = (await visits.post("/v1/visits", json=a_visit(a_uprn()))).json()
    response = await visits.post(
        f"/v1/visits/{visit['id']}/report",
        json={
            "outcome": "no_access",
            "no_access_reason": "no_answer",
            "visited_at": JUST_VISITED,
            "tenancy_concerns": [{"concern": "safeguarding", "notes": SAFEGUARDING}],
        },
        auth=WRITER_WITHOUT_NOTES,
    )
    assert response.status_code == 201, response.text
    assert [c["notes"] for c in response.json()["tenancy_concerns"]] == [None]
    kept = (await visits.get(f"/v1/visits/{visit['id']}")).json()
    assert [c["notes"] for c in kept["tenancy_concerns"]] == [SAFEGUARDING]  # kept, shown


async def test_a_draft_shows_the_officers_notes_only_with_visits_notes(
    visits: httpx.AsyncClient,
) -> None:
    visit = (await visits.post("/v1/visits", json=a_visit(a_uprn()))).json()
    pieces = [
        {
            "section": "visit",
            "piece_id": "visit",
            "version": 1,
            "content": {"visited_at": JUST_VISITED, "notes": "Daughter present"},
        },
        {
            "section": "tenancy_concern",
            "piece_id": "c1",
            "version": 1,
            "content": {"concern": "safeguarding", "notes": SAFEGUARDING},
        },
        {
            "section": "room",
            "piece_id": "kitchen",
            "version": 1,
            "content": {"room": "kitchen", "condition": "poor", "notes": "Worktop loose"},
        },
    ]
    saved = await visits.put(f"/v1/visits/{visit['id']}/report/draft", json={"pieces": pieces})
    assert saved.status_code == 200, saved.text
    notes = {p["piece_id"]: p["content"].get("notes") for p in saved.json()["pieces"]}
    assert notes == {"visit": "Daughter present", "c1": SAFEGUARDING, "kitchen": "Worktop loose"}
    withheld = await visits.get(f"/v1/visits/{visit['id']}/report/draft", auth=CONTACT_CENTRE)
    assert withheld.status_code == 200, withheld.text
    by_piece = {p["piece_id"]: p["content"] for p in withheld.json()["pieces"]}
    as_saved = {p["piece_id"]: p["content"] for p in saved.json()["pieces"]}
    assert by_piece["visit"] == {**as_saved["visit"], "notes": None}
    assert (by_piece["c1"]["notes"], by_piece["c1"]["concern"]) == (None, "safeguarding")
    assert by_piece["kitchen"]["notes"] == "Worktop loose"  # the room's condition, not a person
    assert SAFEGUARDING not in withheld.text

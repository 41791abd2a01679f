"""The visits API: booking a visit, reporting it once, and what that publishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from hearth_kit.db import Database
from hearth_kit.outbox import outbox_headers
from hearth_kit.pagination import encode_cursor
from services.visits.tests.factories import (
    JUST_VISITED,
    a_completed_report,
    a_hazard,
    a_repair,
    a_uprn,
    a_visit,
    event_names,
    outbox_rows,
    visited_in_full,
)


async def schedule(visits: httpx.AsyncClient, uprn: str, **overrides: object) -> dict[str, object]:
    response = await visits.post("/v1/visits", json=a_visit(uprn, **overrides))
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def report_on_a_new_visit(
    visits: httpx.AsyncClient, report: dict[str, object]
) -> tuple[str, dict[str, object], httpx.Response]:
    """Book a visit at a new home and post `report` on it: the home, the visit as booked
    and the report's response (whatever its status)."""
    uprn = a_uprn()
    visit = await schedule(visits, uprn)
    response = await visits.post(f"/v1/visits/{visit['id']}/report", json=report)
    return uprn, visit, response


async def test_booking_a_visit_publishes_visit_scheduled_keyed_by_the_home(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    response = await visits.post(
        "/v1/visits", json=a_visit(uprn, scheduled_for="2026-06-01T10:00:00+01:00")
    )
    assert response.status_code == 201, response.text
    visit = response.json()
    assert response.headers["location"] == f"/v1/visits/{visit['id']}"
    assert visit["status"] == "scheduled"
    assert visit["channel"] == "in_home"
    assert visit["scheduled_for"] == "2026-06-01T09:00:00Z"
    assert visit["scheduled_end"] == "2026-06-01T10:00:00Z"
    assert visit["attempt_number"] == 1
    assert visit["repairs_found"] == visit["hazards_found"] == visit["tenancy_concerns"] == []
    [row] = await outbox_rows(visits_database, uprn)
    assert row["event_type"] == "uk.hearth.visits.visit-scheduled.v1"
    assert row["topic"] == "hearth.visits.events"
    assert outbox_headers(row)["ce_subject"] == visit["id"]
    assert row["data"]["visit_id"] == visit["id"]
    assert row["data"]["channel"] == "in_home"
    assert (await visits.get(f"/v1/visits/{visit['id']}")).json() == visit


async def test_a_completed_visit_publishes_visit_completed_and_one_found_repair_per_repair(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    repairs = [a_repair(1), a_repair(2, "electrical"), a_repair(3, "carpentry")]
    uprn, visit, response = await report_on_a_new_visit(
        visits,
        a_completed_report(JUST_VISITED, repairs_found=repairs, household_confirmed=True),
    )
    assert response.status_code == 201, response.text
    reported = response.json()
    assert reported["status"] == "completed"
    assert reported["household_confirmed"] is True
    assert [r["description"] for r in reported["repairs_found"]] == [
        "Dripping tap 1",
        "Dripping tap 2",
        "Dripping tap 3",
    ]
    rows = (await outbox_rows(visits_database, uprn))[1:]
    assert event_names(rows) == [
        "visit-completed",
        "visit-found-repair",
        "visit-found-repair",
        "visit-found-repair",
        "resident-details-confirmed",
    ]
    assert {row["message_key"] for row in rows} == {uprn}
    assert {row["data"]["visit_id"] for row in rows} == {visit["id"]}
    completed, *found = (row["data"] for row in rows[:-1])
    assert (completed["repairs_found"], completed["hazards_found"]) == (3, 0)
    assert [f["finding_id"] for f in found] == [r["id"] for r in reported["repairs_found"]]
    assert {f["repairs_found_on_visit"] for f in found} == {3}
    assert [f["trade"] for f in found] == ["plumbing", "electrical", "carpentry"]
    visit_time = reported["visited_at"].replace("Z", "+00:00")
    assert {f["reported_at"].replace("Z", "+00:00") for f in found} == {visit_time}
    assert (await visits.get(f"/v1/visits/{visit['id']}")).json() == reported


async def test_hazards_and_tenancy_concerns_are_published_without_the_officers_notes(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, visit, response = await report_on_a_new_visit(
        visits,
        a_completed_report(
            JUST_VISITED,
            hazards_found=[a_hazard()],
            tenancy_concerns=[{"concern": "hoarding", "notes": "Spare room full to ceiling"}],
        ),
    )
    assert response.status_code == 201, response.text
    reported = response.json()
    rows = (await outbox_rows(visits_database, uprn))[1:]
    assert event_names(rows) == [
        "visit-completed",
        "hazard-identified",
        "tenancy-concern-raised",
        "resident-details-confirmed",
    ]
    completed, hazard, concern, _ = (row["data"] for row in rows)
    assert completed["hazards_found"] == completed["tenancy_concerns_raised"] == 1
    assert hazard["hazard_id"] == reported["hazards_found"][0]["id"]
    assert hazard["hazard_type"] == "damp_and_mould"
    assert hazard["visit_id"] == visit["id"]
    # v2, codes only: where it is and the officer's words stay in the report (adr/0071)
    assert rows[1]["event_type"] == "uk.hearth.visits.hazard-identified.v2"
    assert set(hazard) == {
        "hazard_id",
        "uprn",
        "visit_id",
        "hazard_type",
        "severity",
        "identified_at",
    }
    assert "Black mould" not in rows[1]["payload"].decode()
    assert reported["hazards_found"][0]["location"] == "bedroom 1"
    assert concern["concern_type"] == "hoarding"
    assert "Spare room" not in rows[2]["payload"].decode()
    assert reported["tenancy_concerns"][0]["notes"] == "Spare room full to ceiling"


async def test_reporting_a_visit_twice_is_a_conflict_and_publishes_nothing_more(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit = await schedule(visits, uprn)
    report = a_completed_report(JUST_VISITED, repairs_found=[a_repair()])
    first = await visits.post(f"/v1/visits/{visit['id']}/report", json=report)
    assert first.status_code == 201
    published = len(await outbox_rows(visits_database, uprn))
    again = await visits.post(f"/v1/visits/{visit['id']}/report", json=report)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert len(await outbox_rows(visits_database, uprn)) == published
    assert len((await visits.get(f"/v1/visits/{visit['id']}")).json()["repairs_found"]) == 1


async def test_repairs_on_a_no_access_visit_are_rejected_naming_repairs_found_and_nothing_stored(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, visit, response = await report_on_a_new_visit(
        visits,
        {
            "outcome": "no_access",
            "no_access_reason": "no_answer",
            "visited_at": JUST_VISITED,
            "repairs_found": [a_repair()],
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "repairs_found"
    assert (await visits.get(f"/v1/visits/{visit['id']}")).json() == visit
    assert event_names(await outbox_rows(visits_database, uprn)) == ["visit-scheduled"]


async def test_hazards_on_a_declined_visit_are_rejected_naming_hazards_found(
    visits: httpx.AsyncClient,
) -> None:
    _, _, response = await report_on_a_new_visit(
        visits,
        {
            "outcome": "declined",
            "decline_reason": "not_wanted",
            "visited_at": JUST_VISITED,
            "hazards_found": [a_hazard()],
        },
    )
    assert response.status_code == 422
    assert response.json()["field"] == "hazards_found"


async def test_a_no_access_visit_must_say_why(visits: httpx.AsyncClient) -> None:
    _, _, response = await report_on_a_new_visit(
        visits, {"outcome": "no_access", "visited_at": JUST_VISITED}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "no_access_reason"


async def test_a_no_access_visit_publishes_visit_no_access_and_its_rebooking_is_the_next_attempt(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    first = await schedule(visits, uprn)
    no_access = {
        "outcome": "no_access",
        "no_access_reason": "no_answer",
        "visited_at": JUST_VISITED,
    }
    response = await visits.post(f"/v1/visits/{first['id']}/report", json=no_access)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "no_access"
    # rebooked for after the attempt (ADR 0076), and tried again after it
    again_on = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    rebooked = await schedule(
        visits, uprn, rebooked_from_visit_id=first["id"], scheduled_for=again_on
    )
    assert rebooked["attempt_number"] == 2
    assert (
        await visits.post(
            "/v1/visits",
            json=a_visit(uprn, rebooked_from_visit_id=first["id"], scheduled_for=again_on),
        )
    ).status_code == 409
    tried_again = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    second = await visits.post(
        f"/v1/visits/{rebooked['id']}/report", json=no_access | {"visited_at": tried_again}
    )
    assert second.status_code == 201, second.text
    rows = await outbox_rows(visits_database, uprn)
    assert event_names(rows) == [
        "visit-scheduled",
        "visit-no-access",
        "visit-scheduled",
        "visit-no-access",
    ]
    assert rows[2]["data"]["rebooked_from_visit_id"] == first["id"]
    assert [rows[1]["data"]["attempt_number"], rows[3]["data"]["attempt_number"]] == [1, 2]
    assert rows[3]["data"]["reason"] == "no_answer"


async def test_only_a_visit_that_got_no_access_is_rebooked(visits: httpx.AsyncClient) -> None:
    uprn = a_uprn()
    still_booked = await schedule(visits, uprn)
    response = await visits.post(
        "/v1/visits", json=a_visit(uprn, rebooked_from_visit_id=still_booked["id"])
    )
    assert response.status_code == 422
    assert response.json()["field"] == "rebooked_from_visit_id"


async def test_a_declined_visit_publishes_visit_declined_with_its_reason(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, _, response = await report_on_a_new_visit(
        visits,
        {
            "outcome": "declined",
            "decline_reason": "recently_in_contact",
            "visited_at": JUST_VISITED,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["decline_reason"] == "recently_in_contact"
    rows = await outbox_rows(visits_database, uprn)
    assert event_names(rows) == ["visit-scheduled", "visit-declined"]
    assert rows[1]["data"]["reason"] == "recently_in_contact"


async def test_a_malformed_uprn_is_rejected_naming_the_field_and_stores_nothing(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    response = await visits.post("/v1/visits", json=a_visit("12AB45"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["uprn"]
    assert await outbox_rows(visits_database, "12AB45") == []


async def test_a_visit_time_without_an_offset_is_rejected_naming_the_field(
    visits: httpx.AsyncClient,
) -> None:
    response = await visits.post(
        "/v1/visits", json=a_visit(a_uprn(), scheduled_for="2026-12-01T10:00:00")
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["scheduled_for"]


async def test_a_full_visit_is_made_in_the_home_only(visits: httpx.AsyncClient) -> None:
    response = await visits.post("/v1/visits", json=a_visit(a_uprn(), channel="phone"))
    assert response.status_code == 422
    assert response.json()["field"] == "channel"


async def test_a_lite_visit_is_by_phone_or_video_and_must_say_which(
    visits: httpx.AsyncClient,
) -> None:
    unsaid = await visits.post("/v1/visits", json=a_visit(a_uprn(), kind="lite"))
    assert unsaid.status_code == 422
    assert unsaid.json()["field"] == "channel"
    in_home = await visits.post(
        "/v1/visits", json=a_visit(a_uprn(), kind="lite", channel="in_home")
    )
    assert in_home.status_code == 422
    uprn = a_uprn()
    await visited_in_full(visits, uprn)  # a lite visit is offered after a full one
    lite = await schedule(visits, uprn, kind="lite", channel="video")
    assert (lite["channel"], lite["scheduled_end"]) == ("video", "2026-12-01T10:30:00Z")


async def test_a_booking_without_kind_that_the_programme_makes_lite_says_so(
    visits: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    full = await schedule(visits, uprn, scheduled_for="2026-11-02T10:00:00+00:00")
    report = a_completed_report("2026-11-02T10:05:00+00:00")
    reported = await visits.post(f"/v1/visits/{full['id']}/report", json=report)
    assert reported.is_success, reported.text
    booking = {key: value for key, value in a_visit(uprn).items() if key != "kind"}
    unsaid = await visits.post("/v1/visits", json=booking)
    assert unsaid.status_code == 422
    problem = unsaid.json()
    assert problem["field"] == "channel"
    assert "No kind given: the programme's next visit is lite. " in problem["detail"]
    assert "A lite visit is made by phone or video: say which" in problem["detail"]


async def test_a_retried_booking_with_the_same_idempotency_key_books_one_visit(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    headers = {"Idempotency-Key": f"book-{uprn}"}
    first = await visits.post("/v1/visits", json=a_visit(uprn), headers=headers)
    second = await visits.post("/v1/visits", json=a_visit(uprn), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    assert len(await outbox_rows(visits_database, uprn)) == 1
    other = await visits.post("/v1/visits", json=a_visit(uprn, officer="x"), headers=headers)
    assert other.status_code == 422


async def test_a_retried_report_with_the_same_idempotency_key_gets_the_first_answer(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit = await schedule(visits, uprn)
    report = a_completed_report(JUST_VISITED, repairs_found=[a_repair(1), a_repair(2)])
    headers = {"Idempotency-Key": f"report-{uprn}"}
    first = await visits.post(f"/v1/visits/{visit['id']}/report", json=report, headers=headers)
    second = await visits.post(f"/v1/visits/{visit['id']}/report", json=report, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert event_names(await outbox_rows(visits_database, uprn)) == [
        "visit-scheduled",
        "visit-completed",
        "visit-found-repair",
        "visit-found-repair",
        "resident-details-confirmed",
    ]


async def test_visits_are_listed_latest_scheduled_first_a_page_at_a_time(
    visits: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    times = ["2026-12-01T10:00:00Z", "2026-12-03T10:00:00Z", "2026-12-02T10:00:00Z"]
    booked = [await schedule(visits, uprn, scheduled_for=t) for t in times]
    await schedule(visits, uprn, scheduled_for=times[0])  # same time: the id breaks the tie
    await visits.post(
        f"/v1/visits/{booked[2]['id']}/report",
        json={"outcome": "declined", "decline_reason": "not_wanted", "visited_at": JUST_VISITED},
    )
    first = (await visits.get("/v1/visits", params={"uprn": uprn, "limit": 2})).json()
    assert first["next_cursor"]
    second = (
        await visits.get(
            "/v1/visits", params={"uprn": uprn, "limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    assert second["next_cursor"] is None
    listed = first["items"] + second["items"]
    assert len({v["id"] for v in listed}) == 4
    assert [v["scheduled_for"] for v in listed] == [
        "2026-12-03T10:00:00Z",
        "2026-12-02T10:00:00Z",
        "2026-12-01T10:00:00Z",
        "2026-12-01T10:00:00Z",
    ]
    assert listed[2]["id"] > listed[3]["id"]
    declined = (await visits.get("/v1/visits", params={"uprn": uprn, "status": "declined"})).json()
    assert [v["id"] for v in declined["items"]] == [booked[2]["id"]]


@pytest.mark.parametrize(
    "cursor",
    [
        "bm9wZQ",
        encode_cursor("2026-11-16T10:00:00", "00000000-0000-4000-8000-000000000000"),
        encode_cursor("2026-11-16T10:00:00+00:00", "someone"),
    ],
)
async def test_a_cursor_this_api_did_not_issue_is_rejected(
    visits: httpx.AsyncClient, cursor: str
) -> None:
    response = await visits.get("/v1/visits", params={"cursor": cursor})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("cursor", "query")


async def test_an_unknown_visit_is_a_404_problem(visits: httpx.AsyncClient) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await visits.get(f"/v1/visits/{unknown}")).status_code == 404
    response = await visits.post(
        f"/v1/visits/{unknown}/report", json=a_completed_report(JUST_VISITED)
    )
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


async def test_a_report_must_say_when_the_officer_was_there_and_nothing_changes_without(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, visit, response = await report_on_a_new_visit(
        visits, {"outcome": "completed", "repairs_found": [a_repair()]}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["visited_at"]
    assert (await visits.get(f"/v1/visits/{visit['id']}")).json() == visit
    assert event_names(await outbox_rows(visits_database, uprn)) == ["visit-scheduled"]


async def test_a_report_dated_centuries_ago_is_refused_naming_visited_at_and_publishes_nothing(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, visit, response = await report_on_a_new_visit(
        visits,
        a_completed_report(
            "1066-10-14T10:00:00+00:00",
            repairs_found=[a_repair()],
            hazards_found=[a_hazard(severity="emergency")],
        ),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "visited_at"
    assert (await visits.get(f"/v1/visits/{visit['id']}")).json() == visit
    assert event_names(await outbox_rows(visits_database, uprn)) == ["visit-scheduled"]

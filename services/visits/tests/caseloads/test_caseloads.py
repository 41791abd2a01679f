"""Officers' caseloads (the York pilot): placed by tenancy events, referred to the
sustainable tenancy caseload from a visit with a review date, and handed back."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.income import trial_ends_on
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from hearth_kit.working_days import london_day
from services.visits.tests.factories import a_household, a_uprn, event_names, outbox_rows
from services.visits.tests.reports.test_drafts import complete_draft, piece, save, submit
from services.visits.tests.test_handlers import (
    SETTINGS,
    consume,
    ended,
    handle,
    registered,
    started,
    type_changed,
)
from tests.harness.tokens import STAFF_SCOPES, InternalTokenAuth
from visits.models import CaseloadAssignment, CaseloadConcern
from visits.scheduled import scheduled_jobs

REVIEW_ON = (london_day(datetime.now(UTC)) + timedelta(days=90)).isoformat()
"""A referral's review date: after today, as every referral's must be."""


async def caseload_of(visits: httpx.AsyncClient, officer: str) -> dict[str, dict[str, object]]:
    response = await visits.get(f"/v1/caseloads/{officer}", params={"limit": 200})
    assert response.status_code == 200, response.text
    return {entry["tenancy_id"]: entry for entry in response.json()["items"]}


async def test_a_complex_case_is_referred_with_a_review_date_and_handed_back(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 6, 1), "secure"))
    assert str(tenancy_id) in await caseload_of(visits, "officer-e8")
    visit = (
        await visits.post(
            "/v1/visits", json={"uprn": uprn, "scheduled_for": "2026-11-01T10:00:00+00:00"}
        )
    ).json()
    draft = [p for p in complete_draft() if p["section"] != "tenancy_concern"]
    draft.append(
        piece(
            "tenancy_concern",
            "c1",
            1,
            {
                "concern": "hoarding",
                "refer_to_sustainable_tenancy": True,
                "review_on": REVIEW_ON,
            },
        )
    )
    await save(visits, visit["id"], draft)
    assert (await submit(visits, visit["id"], "k-" + visit["id"])).status_code == 201
    referred = (await caseload_of(visits, "officer-sustain"))[str(tenancy_id)]
    assert (referred["caseload"], referred["review_on"], referred["returns_to"]) == (
        "sustainable_tenancy",
        REVIEW_ON,
        "community",
    )
    assert str(tenancy_id) not in await caseload_of(visits, "officer-e8")
    back = await visits.post(f"/v1/caseloads/tenancies/{tenancy_id}/hand-back")
    assert back.status_code == 200, back.text
    assert (back.json()["caseload"], back.json()["officer"]) == ("community", "officer-e8")
    assert (await visits.post(f"/v1/caseloads/tenancies/{tenancy_id}/hand-back")).status_code == 409


async def test_a_referral_without_a_review_date_is_refused_naming_the_field(
    visits: httpx.AsyncClient,
) -> None:
    visit = (
        await visits.post(
            "/v1/visits", json={"uprn": a_uprn(), "scheduled_for": "2026-11-01T10:00:00+00:00"}
        )
    ).json()
    draft = [p for p in complete_draft() if p["section"] != "tenancy_concern"]
    draft.append(
        piece(
            "tenancy_concern",
            "c1",
            1,
            {"concern": "hoarding", "refer_to_sustainable_tenancy": True},
        )
    )
    await save(visits, visit["id"], draft)
    response = await submit(visits, visit["id"], "k-" + visit["id"])
    assert response.status_code == 422
    assert response.json()["field"] == "draft.tenancy_concern.review_on"


async def test_a_referral_from_a_visit_with_a_review_date_not_after_today_is_refused(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """As the direct referral route refuses one (422 review_on), so does a visit report."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 6, 1), "secure"))
    today = london_day(datetime.now(UTC))
    for review_on in (today - timedelta(days=30), today):
        visit = (
            await visits.post(
                "/v1/visits", json={"uprn": uprn, "scheduled_for": "2026-11-01T10:00:00+00:00"}
            )
        ).json()
        draft = [p for p in complete_draft() if p["section"] != "tenancy_concern"]
        concern = {
            "concern": "hoarding",
            "refer_to_sustainable_tenancy": True,
            "review_on": review_on.isoformat(),
        }
        draft.append(piece("tenancy_concern", "c1", 1, concern))
        await save(visits, visit["id"], draft)
        response = await submit(visits, visit["id"], "k-" + visit["id"])
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "draft.tenancy_concern.review_on"
        assert (await visits.get(f"/v1/visits/{visit['id']}")).json()["status"] == "scheduled"
    assert str(tenancy_id) not in await caseload_of(visits, "officer-sustain")


def job(name: str) -> ScheduledJob:
    (found,) = [j for j in scheduled_jobs(SETTINGS) if j.name == name]
    return found


async def referred_home(visits: httpx.AsyncClient, visits_database: Database) -> tuple[str, str]:
    """A secure tenancy referred to the sustainable tenancy caseload from a visit, its
    review date then reached (moved into the past, as time passing would)."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 6, 1), "secure"))
    visit = (
        await visits.post(
            "/v1/visits", json={"uprn": uprn, "scheduled_for": "2026-11-01T10:00:00+00:00"}
        )
    ).json()
    draft = [p for p in complete_draft() if p["section"] != "tenancy_concern"]
    draft.append(
        piece(
            "tenancy_concern",
            "c1",
            1,
            {
                "concern": "hoarding",
                "refer_to_sustainable_tenancy": True,
                "review_on": REVIEW_ON,
            },
        )
    )
    await save(visits, visit["id"], draft)
    assert (await submit(visits, visit["id"], "k-" + visit["id"])).status_code == 201
    async with visits_database.sessionmaker() as session, session.begin():
        held = await session.get(CaseloadAssignment, tenancy_id)
        assert held is not None
        held.review_on = date(2026, 11, 1)
    return uprn, str(tenancy_id)


async def test_a_referral_past_its_review_date_is_overdue_and_raised_once_across_replicas(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = await referred_home(visits, visits_database)
    entry = (await caseload_of(visits, "officer-sustain"))[tenancy_id]
    assert (entry["review_on"], entry["review_overdue"]) == ("2026-11-01", True)
    now = datetime.now(UTC)
    sweep = job("caseload-review-overdue")
    # Two replicas sweeping at the same moment: the row is raised by one of them.
    raised = await asyncio.gather(
        run_until_done(visits_database, sweep, now), run_until_done(visits_database, sweep, now)
    )
    assert sum(raised) == 1
    assert await run_until_done(visits_database, sweep, now) == 0
    rows = await outbox_rows(visits_database, uprn)
    overdue = [
        row
        for name, row in zip(event_names(rows), rows, strict=True)
        if name == "caseload-review-overdue"
    ]
    assert len(overdue) == 1
    assert overdue[0]["data"]["tenancy_id"] == tenancy_id
    assert overdue[0]["data"]["review_on"] == "2026-11-01"
    assert overdue[0]["data"]["officer"] == "officer-sustain"
    back = await visits.post(f"/v1/caseloads/tenancies/{tenancy_id}/hand-back")
    assert back.json()["review_overdue"] is False


async def run_every_job(visits_database: Database, now: datetime) -> None:
    for scheduled in scheduled_jobs(SETTINGS):
        await run_until_done(visits_database, scheduled, now)


async def test_the_introductory_caseload_waits_for_incomes_word_on_the_trial(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """The trial is the year beginning with 1 March 2025 (Housing Act 1996 s.125): on
    trial to the end of 28 February 2026, secure from 1 March 2026, the day
    `introductory_ends_on` names. Visits does not move the tenancy by that clock: income
    may keep it on trial (a notice of seeking possession live on the trial's last day,
    ADR 0059), so it stays on the introductory caseload until income's
    tenancy-type-changed says the trial ended, and moves from the day income gives
    (ADR 0066)."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2025, 3, 1), "introductory"))
    entry = (await caseload_of(visits, "officer-intro"))[str(tenancy_id)]
    assert entry["introductory_ends_on"] == "2026-03-01"  # the first day off trial
    # past the trial's end, every scheduled job run: income has said nothing yet
    await run_every_job(visits_database, datetime(2026, 3, 1, 9, tzinfo=UTC))
    await run_every_job(visits_database, datetime(2026, 4, 20, 9, tzinfo=UTC))
    still = (await caseload_of(visits, "officer-intro"))[str(tenancy_id)]
    assert (still["caseload"], still["since"]) == ("introductory", "2025-03-01")
    assert str(tenancy_id) not in await caseload_of(visits, "officer-e8")
    # proceedings decided, the officer confirms the tenancy on 20 April 2026
    await handle(
        visits_database,
        type_changed(uprn, tenancy_id, "confirmed", "secure", date(2026, 4, 20)),
    )
    assert str(tenancy_id) not in await caseload_of(visits, "officer-intro")
    community = (await caseload_of(visits, "officer-e8"))[str(tenancy_id)]
    assert (community["caseload"], community["since"]) == ("community", "2026-04-20")


async def test_incomes_trial_end_moves_the_tenancy_once_from_the_day_it_ends(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """income's trial-end job confirms an undecided trial from the day it ends, the day
    after its last day (tenancy-type-changed, effective_on): the tenancy moves to the
    community caseload from that day, and the event published again (a replay, under a
    new event id) changes nothing (ADR 0059, 0066). Started on 29 February 2024: the
    year beginning with it ends at the end of 28 February 2025, so secure from 1 March
    2025, not 28 February."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2024, 2, 29), "introductory"))
    settled_on = trial_ends_on(date(2024, 2, 29), 12)
    assert settled_on == date(2025, 3, 1)
    entry = (await caseload_of(visits, "officer-intro"))[str(tenancy_id)]
    assert entry["introductory_ends_on"] == "2025-03-01"
    await handle(visits_database, type_changed(uprn, tenancy_id, "confirmed", "secure", settled_on))
    await run_every_job(visits_database, datetime(2025, 3, 1, 9, tzinfo=UTC))
    await handle(visits_database, type_changed(uprn, tenancy_id, "confirmed", "secure", settled_on))
    assert str(tenancy_id) not in await caseload_of(visits, "officer-intro")
    community = (await caseload_of(visits, "officer-e8"))[str(tenancy_id)]
    assert (community["caseload"], community["since"]) == ("community", "2025-03-01")


async def test_handing_a_case_back_needs_the_caseloads_write_scope(
    visits: httpx.AsyncClient,
) -> None:
    response = await visits.post(
        f"/v1/caseloads/tenancies/{uuid.uuid4()}/hand-back",
        auth=InternalTokenAuth("visits", scopes=STAFF_SCOPES | {"caseloads:read"}),
    )
    assert response.status_code == 403
    assert "caseloads:write" in response.json()["detail"]


def in_a_month(days: int = 30) -> str:
    """A review date after today and well within the 24 months a review may be set
    ahead, whatever the time of day."""
    return (london_day(datetime.now(UTC)) + timedelta(days=days)).isoformat()


async def test_an_officer_refers_a_tenancy_with_a_review_date_after_today_within_24_months(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 6, 1), "secure"))
    url = f"/v1/caseloads/tenancies/{tenancy_id}/referral"
    past = await visits.post(url, json={"review_on": "2026-01-01"})
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "review_on"
    assert str(tenancy_id) in await caseload_of(visits, "officer-e8")
    beyond = london_day(datetime.now(UTC)) + timedelta(days=800)  # over 24 months ahead
    too_far = await visits.post(url, json={"review_on": beyond.isoformat()})
    assert too_far.status_code == 422, too_far.text
    assert too_far.json()["errors"][0]["field"] == "review_on"
    assert str(tenancy_id) in await caseload_of(visits, "officer-e8")
    referred = await visits.post(url, json={"review_on": in_a_month()})
    assert referred.status_code == 200, referred.text
    entry = referred.json()
    assert (entry["caseload"], entry["officer"], entry["returns_to"]) == (
        "sustainable_tenancy",
        "officer-sustain",
        "community",
    )
    unknown = await visits.post(
        f"/v1/caseloads/tenancies/{uuid.uuid4()}/referral", json={"review_on": in_a_month()}
    )
    assert unknown.status_code == 404


async def held_row(visits_database: Database, tenancy_id: uuid.UUID) -> dict[str, object]:
    async with visits_database.sessionmaker() as session:
        held = await session.get(CaseloadAssignment, tenancy_id)
        assert held is not None
        return held.model_dump()


async def test_a_retried_referral_or_hand_back_answers_as_the_first_and_changes_nothing(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """The gateway resends a keyed write once when a connection drops: a referral
    retried after the case was handed back must not refer it again, and a retried
    hand-back is the first answer, not a 409. Another body under a key is a 422."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 6, 1), "secure"))
    refer_path = f"/v1/caseloads/tenancies/{tenancy_id}/referral"
    back_path = f"/v1/caseloads/tenancies/{tenancy_id}/hand-back"
    refer_key = {"Idempotency-Key": f"refer-{tenancy_id}"}
    back_key = {"Idempotency-Key": f"back-{tenancy_id}"}
    referral = {"review_on": in_a_month()}

    referred = await visits.post(refer_path, json=referral, headers=refer_key)
    assert referred.status_code == 200, referred.text
    row = await held_row(visits_database, tenancy_id)
    again = await visits.post(refer_path, json=referral, headers=refer_key)
    assert again.status_code == 200, again.text
    assert again.json() == referred.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await held_row(visits_database, tenancy_id) == row
    other = await visits.post(refer_path, json={"review_on": in_a_month(31)}, headers=refer_key)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await held_row(visits_database, tenancy_id) == row

    back = await visits.post(back_path, headers=back_key)
    assert back.status_code == 200, back.text
    assert back.json()["caseload"] == "community"
    row = await held_row(visits_database, tenancy_id)
    back_again = await visits.post(back_path, headers=back_key)
    assert back_again.status_code == 200, back_again.text
    assert back_again.json() == back.json()
    assert back_again.headers["idempotent-replayed"] == "true"
    late_referral = await visits.post(refer_path, json=referral, headers=refer_key)
    assert late_referral.json() == referred.json()
    assert late_referral.headers["idempotent-replayed"] == "true"
    assert await held_row(visits_database, tenancy_id) == row  # still handed back
    # The hand-back takes no body, so a request with one under the same key is another.
    stray = await visits.post(back_path, json={"note": "again"}, headers=back_key)
    assert stray.status_code == 422
    assert stray.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await held_row(visits_database, tenancy_id) == row


async def a_visit_to(visits: httpx.AsyncClient, uprn: str) -> str:
    response = await visits.post(
        "/v1/visits",
        json={"uprn": uprn, "kind": "full", "scheduled_for": "2026-11-01T10:00:00+00:00"},
    )
    assert response.status_code == 201, response.text
    visit_id: str = response.json()["id"]
    return visit_id


async def test_a_concern_not_referred_is_open_on_the_caseload_entry_until_recorded_dealt_with(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """A concern not referred used to reach no caseload: it is now open on the tenancy's
    entry (codes and ids, never the notes) and in the next visit's briefing, until a
    later report records it dealt with."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 6, 1), "secure"))
    first = await a_visit_to(visits, uprn)
    draft = [p for p in complete_draft() if p["section"] != "tenancy_concern"]
    draft += [
        piece("tenancy_concern", "c1", 1, {"concern": "arrears", "notes": "Lost her job"}),
        piece(
            "tenancy_concern",
            "c2",
            1,
            {"concern": "hoarding", "refer_to_sustainable_tenancy": True, "review_on": REVIEW_ON},
        ),
    ]
    await save(visits, first, draft)
    reported = await submit(visits, first, "k-" + first)
    assert reported.status_code == 201, reported.text
    arrears = next(c for c in reported.json()["tenancy_concerns"] if c["concern"] == "arrears")
    entry = (await caseload_of(visits, "officer-sustain"))[str(tenancy_id)]
    assert entry["concerns_open"] == [
        {
            "concern_id": arrears["id"],
            "visit_id": first,
            "concern": "arrears",
            "raised_at": "2026-11-20T10:30:00Z",
        }
    ]
    second = await a_visit_to(visits, uprn)
    briefing = (await visits.get(f"/v1/visits/{second}/briefing")).json()
    assert [c["concern_id"] for c in briefing["tenancy_concerns_open"]] == [arrears["id"]]
    draft = [p for p in complete_draft() if p["section"] != "tenancy_concern"]
    unknown = piece("concern_dealt_with", "d1", 1, {"concern_id": str(uuid.uuid4())})
    await save(visits, second, [*draft, unknown])
    refused = await submit(visits, second, "k-" + second)
    assert refused.status_code == 422
    assert refused.json()["field"] == "draft.concern_dealt_with.concern_id"
    assert (await visits.get(f"/v1/visits/{second}")).json()["status"] == "scheduled"
    await save(
        visits, second, [piece("concern_dealt_with", "d1", 2, {"concern_id": arrears["id"]})]
    )
    assert (await submit(visits, second, "k2-" + second)).status_code == 201
    assert (await caseload_of(visits, "officer-sustain"))[str(tenancy_id)]["concerns_open"] == []


async def test_a_concern_from_a_one_shot_report_is_open_on_the_caseload_entry_until_it_ends(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 6, 1), "secure"))
    visit_id = await a_visit_to(visits, uprn)
    response = await visits.post(
        f"/v1/visits/{visit_id}/report",
        json={
            "outcome": "completed",
            "visited_at": "2026-11-20T10:30:00+00:00",
            "tenancy_concerns": [{"concern": "hoarding", "notes": "Spare room full"}],
            "household": a_household(),
        },
    )
    assert response.status_code == 201, response.text
    [concern] = (await caseload_of(visits, "officer-e8"))[str(tenancy_id)]["concerns_open"]
    assert (concern["concern"], concern["visit_id"]) == ("hoarding", visit_id)
    assert "notes" not in concern
    await handle(visits_database, ended(uprn, tenancy_id))
    async with visits_database.sessionmaker() as session:
        assert await session.get(CaseloadConcern, uuid.UUID(concern["concern_id"])) is None


async def test_a_replayed_start_does_not_undo_the_end_of_the_introductory_period(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """income's trial end moves the tenancy to the community caseload (as_of the day the
    trial ended): the tenancy-started delivered again through the inbox (a replayed dead
    letter, the same fact under a new event id) leaves it there (place_first)."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    start = started(uprn, tenancy_id, date(2025, 6, 1), "introductory")
    await consume(visits_database, [registered(uprn), start])
    await handle(
        visits_database, type_changed(uprn, tenancy_id, "confirmed", "secure", date(2026, 6, 1))
    )
    await consume(visits_database, [Envelope(data=start.data)])
    assert str(tenancy_id) not in await caseload_of(visits, "officer-intro")
    community = (await caseload_of(visits, "officer-e8"))[str(tenancy_id)]
    assert (community["caseload"], community["since"]) == ("community", "2026-06-01")


async def test_a_concern_cannot_be_dealt_with_at_a_visit_made_before_it_was_raised(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """Reports uploaded out of order: a visit made the day before a concern was raised
    cannot record it dealt with (dealt_with_at, its visited_at, before raised_at).
    Refused naming the concern; it stays open and the report changes nothing."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 6, 1), "secure"))
    first = await a_visit_to(visits, uprn)
    draft = [p for p in complete_draft() if p["section"] != "tenancy_concern"]
    draft.append(piece("tenancy_concern", "c1", 1, {"concern": "arrears"}))
    await save(visits, first, draft)
    reported = await submit(visits, first, "k-" + first)
    assert reported.status_code == 201, reported.text
    [concern] = reported.json()["tenancy_concerns"]
    second = await a_visit_to(visits, uprn)
    draft = [p for p in complete_draft() if p["section"] not in ("tenancy_concern", "visit")]
    draft += [
        piece("visit", "visit", 1, {"visited_at": "2026-11-19T10:30:00+00:00"}),
        piece("concern_dealt_with", "d1", 1, {"concern_id": concern["id"]}),
    ]
    await save(visits, second, draft)
    before = await outbox_rows(visits_database, uprn)
    refused = await submit(visits, second, "k-" + second)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "draft.concern_dealt_with.concern_id"
    assert (await visits.get(f"/v1/visits/{second}")).json()["status"] == "scheduled"
    entry = (await caseload_of(visits, "officer-e8"))[str(tenancy_id)]
    assert [c["concern_id"] for c in entry["concerns_open"]] == [concern["id"]]
    assert await outbox_rows(visits_database, uprn) == before
    await save(visits, second, [piece("visit", "visit", 2, {"visited_at": "2026-11-20T10:30:00Z"})])
    assert (await submit(visits, second, "k2-" + second)).status_code == 201
    assert (await caseload_of(visits, "officer-e8"))[str(tenancy_id)]["concerns_open"] == []

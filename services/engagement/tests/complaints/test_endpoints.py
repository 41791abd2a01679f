"""Complaints through the engagement API on a real database: the Code's deadlines,
extensions, escalation to a different handler, bad input changing nothing, and the
breach job raising complaint-deadline-breached once with no request arriving."""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from engagement.app import create_app
from engagement.complaints.service import ComplaintService
from engagement.settings import ComplaintTimescales, EngagementSettings
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from hearth_kit.working_days import ENGLAND_AND_WALES, london_day
from tests.harness.tokens import TEST_SUBJECT, InternalTokenAuth

Published = Callable[[str, str], Awaitable[list[dict[str, Any]]]]
"""The `published` fixture (conftest.py): events of a type in the outbox for a home."""


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def a_complaint(uprn: str, **overrides: object) -> dict[str, object]:
    return {
        "uprn": uprn,
        "category": "repairs",
        "medium": "phone",
        "summary": "The boiler was left unrepaired for three weeks",
        "received_at": datetime(2025, 12, 23, 10, tzinfo=UTC).isoformat(),
        **overrides,
    }


async def received(client: httpx.AsyncClient, uprn: str, **overrides: object) -> dict[str, Any]:
    response = await client.post("/v1/complaints", json=a_complaint(uprn, **overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_complaint_received_before_christmas_is_due_for_acknowledgement_after_new_year(
    engagement: httpx.AsyncClient, published: Published
) -> None:
    uprn = a_uprn()
    complaint = await received(engagement, uprn)
    assert complaint["stage"] == "stage_1"
    assert complaint["status"] == "open"
    assert complaint["next_deadline"]["deadline"] == "acknowledge"
    assert complaint["next_deadline"]["due_on"] == "2026-01-02"
    [event] = await published(uprn, "complaint-received")
    assert event["acknowledge_by"] == "2026-01-02"
    assert "summary" not in event


async def test_acknowledging_starts_the_ten_working_day_answer_clock(
    engagement: httpx.AsyncClient,
) -> None:
    complaint = await received(engagement, a_uprn(), received_at="2026-03-30T09:00:00+00:00")
    response = await engagement.post(
        f"/v1/complaints/{complaint['id']}/acknowledge",
        json={"acknowledged_at": "2026-04-01T09:00:00+00:00", "handler": "staff-1"},
    )
    assert response.status_code == 200, response.text
    # Easter 2026: Good Friday 3 and Easter Monday 6 April are not working days.
    assert response.json()["stages"][0]["respond_by"] == "2026-04-17"
    assert response.json()["next_deadline"]["deadline"] == "respond"


async def acknowledged(client: httpx.AsyncClient, when: datetime) -> dict[str, Any]:
    complaint = await received(client, a_uprn(), received_at=(when - timedelta(days=1)).isoformat())
    response = await client.post(
        f"/v1/complaints/{complaint['id']}/acknowledge",
        json={"acknowledged_at": when.isoformat(), "handler": "staff-1"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_extension_beyond_ten_working_days_is_refused_naming_the_date_and_changes_nothing(
    engagement: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    complaint = await acknowledged(engagement, now - timedelta(hours=1))
    respond_by = complaint["stages"][0]["respond_by"]
    too_far = ENGLAND_AND_WALES.add_working_days(datetime.fromisoformat(respond_by).date(), 11)
    response = await engagement.post(
        f"/v1/complaints/{complaint['id']}/extend",
        json={"reason": "Waiting for a surveyor's report", "new_respond_by": too_far.isoformat()},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "new_respond_by"
    after = (await engagement.get(f"/v1/complaints/{complaint['id']}")).json()
    assert after["stages"][0]["respond_by"] == respond_by
    assert after["stages"][0]["extended"] is False

    within = ENGLAND_AND_WALES.add_working_days(datetime.fromisoformat(respond_by).date(), 10)
    response = await engagement.post(
        f"/v1/complaints/{complaint['id']}/extend",
        json={"reason": "Waiting for a surveyor's report", "new_respond_by": within.isoformat()},
    )
    assert response.status_code == 200, response.text
    assert response.json()["stages"][0]["respond_by"] == within.isoformat()
    assert response.json()["stages"][0]["extended"] is True


@pytest.mark.parametrize("reason", [" ", "\t\n  "])
async def test_an_extension_without_a_reason_in_words_is_refused_naming_reason(
    engagement: httpx.AsyncClient, reason: str
) -> None:
    """DOMAIN.md: an extension needs a reason. Spaces alone are no reason (the schema
    refuses them before any date is judged, so fixed past dates do)."""
    complaint = await acknowledged(engagement, datetime(2025, 6, 3, 9, tzinfo=UTC))
    response = await engagement.post(
        f"/v1/complaints/{complaint['id']}/extend",
        json={
            "reason": reason,
            "new_respond_by": "2025-06-24",
            "agreed_at": "2025-06-04T09:00:00+00:00",
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "reason"


async def test_an_extension_after_the_deadline_has_passed_is_refused(
    engagement: httpx.AsyncClient,
) -> None:
    complaint = await acknowledged(engagement, datetime.now(UTC) - timedelta(days=40))
    response = await engagement.post(
        f"/v1/complaints/{complaint['id']}/extend",
        json={"reason": "Too late", "new_respond_by": "2099-01-01"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "agreed_at"


async def test_an_extension_backdated_to_before_a_deadline_that_has_passed_is_refused(
    engagement: httpx.AsyncClient,
) -> None:
    """agreed_at said to be the day after the acknowledgement, recorded long after the
    deadline: refused (it was accepted before), and nothing changes."""
    acknowledged_at = datetime.now(UTC) - timedelta(days=40)
    complaint = await acknowledged(engagement, acknowledged_at)
    respond_by = complaint["stages"][0]["respond_by"]
    new_date = ENGLAND_AND_WALES.add_working_days(datetime.fromisoformat(respond_by).date(), 5)
    for agreed_at in (acknowledged_at + timedelta(days=1), acknowledged_at - timedelta(hours=1)):
        response = await engagement.post(
            f"/v1/complaints/{complaint['id']}/extend",
            json={
                "reason": "Waiting for a surveyor's report",
                "new_respond_by": new_date.isoformat(),
                "agreed_at": agreed_at.isoformat(),
            },
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "agreed_at"
    after = (await engagement.get(f"/v1/complaints/{complaint['id']}")).json()
    assert after["stages"][0]["respond_by"] == respond_by
    assert after["stages"][0]["extended"] is False


async def test_a_complaint_received_in_the_future_is_refused(
    engagement: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    response = await engagement.post(
        "/v1/complaints",
        json=a_complaint(uprn, received_at=(datetime.now(UTC) + timedelta(days=1)).isoformat()),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "received_at"
    listed = await engagement.get("/v1/complaints", params={"uprn": uprn})
    assert listed.json()["items"] == []


async def test_a_complaint_for_an_unknown_resident_names_the_field(
    engagement: httpx.AsyncClient,
) -> None:
    response = await engagement.post(
        "/v1/complaints", json=a_complaint(a_uprn(), resident_id=str(uuid.uuid4()))
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "resident_id"


async def answered(client: httpx.AsyncClient) -> dict[str, Any]:
    now = datetime.now(UTC)
    complaint = await acknowledged(client, now - timedelta(hours=2))
    response = await client.post(
        f"/v1/complaints/{complaint['id']}/respond",
        json={
            "responded_at": (now - timedelta(hours=1)).isoformat(),
            "root_cause": "Parts ordered late",
            "learning": "Order parts at the first visit",
            "remedy": "Boiler replaced",
            "compensation_pence": 5000,
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_answer_records_root_cause_learning_remedy_and_compensation(
    engagement: httpx.AsyncClient,
) -> None:
    complaint = await answered(engagement)
    assert complaint["status"] == "closed"
    assert complaint["compensation_pence"] == 5000
    assert complaint["learning"] == "Order parts at the first visit"
    assert complaint["stages"][0]["answered_in_time"] is True
    assert complaint["next_deadline"] is None


def as_person(client: httpx.AsyncClient, subject: str) -> httpx.AsyncClient:
    """Another caller (token subject) on the same app."""
    return httpx.AsyncClient(
        transport=client._transport,
        base_url=str(client.base_url),
        auth=InternalTokenAuth("engagement", subject=subject),
    )


async def test_stage_2_by_the_stage_1_handler_is_refused_naming_the_handler(
    engagement: httpx.AsyncClient, published: Published
) -> None:
    complaint = await answered(engagement)
    requested = datetime.now(UTC).isoformat()
    response = await engagement.post(
        f"/v1/complaints/{complaint['id']}/escalate",
        json={"requested_at": requested, "handler": "staff-1"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "handler"
    after = (await engagement.get(f"/v1/complaints/{complaint['id']}")).json()
    assert after["stage"] == "stage_1"
    assert await published(complaint["uprn"], "complaint-escalated") == []

    response = await engagement.post(
        f"/v1/complaints/{complaint['id']}/escalate", json={"requested_at": requested}
    )
    assert response.status_code == 200, response.text
    assert response.json()["stage"] == "stage_2"
    assert response.json()["status"] == "open"
    async with as_person(engagement, "stage-2-person") as stage_2_person:
        response = await stage_2_person.post(
            f"/v1/complaints/{complaint['id']}/acknowledge",
            json={"acknowledged_at": requested, "handler": "staff-1"},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "handler"
        response = await stage_2_person.post(
            f"/v1/complaints/{complaint['id']}/acknowledge",
            json={"acknowledged_at": requested, "handler": "staff-2"},
        )
    assert response.status_code == 200, response.text
    stage_2 = response.json()["stages"][1]
    assert stage_2["handler"] == "staff-2"
    assert stage_2["acknowledged_by"] == "stage-2-person"
    respond_by = datetime.fromisoformat(stage_2["respond_by"]).date()
    acknowledged_on = london_day(datetime.fromisoformat(requested))
    assert ENGLAND_AND_WALES.working_days_between(acknowledged_on, respond_by) == 20
    assert len(await published(complaint["uprn"], "complaint-escalated")) == 1


async def test_the_person_who_handled_stage_1_may_not_handle_stage_2_whatever_handler_says(
    engagement: httpx.AsyncClient,
) -> None:
    """Whatever stage 2's handler is named, the caller who acknowledged or answered
    stage 1 (recorded from the token) is refused every stage 2 action, 403 saying why,
    and nothing changes."""
    complaint = await answered(engagement)
    assert complaint["stages"][0]["acknowledged_by"] == TEST_SUBJECT
    assert complaint["stages"][0]["responded_by"] == TEST_SUBJECT
    now = datetime.now(UTC)
    escalated = await engagement.post(
        f"/v1/complaints/{complaint['id']}/escalate", json={"requested_at": now.isoformat()}
    )
    assert escalated.status_code == 200, escalated.text
    refused = await engagement.post(
        f"/v1/complaints/{complaint['id']}/acknowledge",
        json={"acknowledged_at": now.isoformat(), "handler": "someone-else"},
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["reason"] == "stage_1_handler"
    assert "different person" in refused.json()["detail"]
    after = (await engagement.get(f"/v1/complaints/{complaint['id']}")).json()
    assert after["stages"][1]["acknowledged_at"] is None
    async with as_person(engagement, "stage-2-person") as stage_2_person:
        acknowledged = await stage_2_person.post(
            f"/v1/complaints/{complaint['id']}/acknowledge",
            json={"acknowledged_at": now.isoformat(), "handler": "someone-else"},
        )
        assert acknowledged.status_code == 200, acknowledged.text
    for action, body in (
        ("extend", {"reason": "More time", "new_respond_by": "2099-01-01"}),
        ("respond", {"responded_at": datetime.now(UTC).isoformat()}),
    ):
        refused = await engagement.post(f"/v1/complaints/{complaint['id']}/{action}", json=body)
        assert refused.status_code == 403, (action, refused.text)
    async with as_person(engagement, "stage-2-person") as stage_2_person:
        answered_2 = await stage_2_person.post(
            f"/v1/complaints/{complaint['id']}/respond",
            json={"responded_at": datetime.now(UTC).isoformat()},
        )
    assert answered_2.status_code == 200, answered_2.text
    assert answered_2.json()["stages"][1]["responded_by"] == "stage-2-person"


async def test_open_complaints_of_a_resident_and_home_are_listed_with_deadlines(
    engagement: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    await received(engagement, uprn)
    await answered(engagement)
    response = await engagement.get("/v1/complaints", params={"uprn": uprn, "status": "open"})
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["next_deadline"]["due_on"] == "2026-01-02"


async def a_service_request(
    engagement: httpx.AsyncClient, uprn: str, received_at: datetime
) -> httpx.Response:
    return await engagement.post(
        "/v1/service-requests",
        json={
            "uprn": uprn,
            "category": "estate_and_communal",
            "medium": "online",
            "summary": "Please cut the grass",
            "received_at": received_at.isoformat(),
        },
    )


async def test_a_service_request_is_recorded_apart_from_complaints(
    engagement: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    response = await a_service_request(engagement, uprn, datetime.now(UTC))
    assert response.status_code == 201, response.text
    assert (await engagement.get("/v1/complaints", params={"uprn": uprn})).json()["items"] == []
    listed = await engagement.get("/v1/service-requests", params={"uprn": uprn})
    assert len(listed.json()["items"]) == 1


async def test_a_service_request_more_than_the_report_window_ago_is_refused(
    engagement: httpx.AsyncClient,
) -> None:
    """As a complaint's received_at: 11 years ago is a typing slip, nothing kept."""
    uprn = a_uprn()
    response = await a_service_request(
        engagement, uprn, datetime.now(UTC) - timedelta(days=365 * 11)
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "received_at"
    listed = await engagement.get("/v1/service-requests", params={"uprn": uprn})
    assert listed.json()["items"] == []


async def test_a_missed_deadline_is_raised_once_by_the_scheduled_job(
    engagement: httpx.AsyncClient, engagement_database: Database, published: Published
) -> None:
    uprn = a_uprn()
    complaint = await received(
        engagement, uprn, received_at=(datetime.now(UTC) - timedelta(days=20)).isoformat()
    )
    service = ComplaintService(ComplaintTimescales().by_stage(), ENGLAND_AND_WALES)
    job = ScheduledJob("complaint-deadlines", timedelta(minutes=5), service.raise_breaches)
    now = datetime.now(UTC)
    assert await run_until_done(engagement_database, job, now) >= 1
    await run_until_done(engagement_database, job, now + timedelta(minutes=5))
    [breach] = await published(uprn, "complaint-deadline-breached")
    assert breach["complaint_id"] == complaint["id"]
    assert breach["deadline"] == "acknowledge"
    assert breach["stage"] == "stage_1"
    # Acknowledging late afterwards raises nothing more for the acknowledgement.
    response = await engagement.post(
        f"/v1/complaints/{complaint['id']}/acknowledge",
        json={"acknowledged_at": now.isoformat(), "handler": "staff-9"},
    )
    assert response.status_code == 200
    assert len(await published(uprn, "complaint-deadline-breached")) == 1


async def test_a_retried_complaint_action_with_the_same_key_gets_the_first_answer(
    engagement: httpx.AsyncClient,
) -> None:
    """The gateway resends a keyed write after a dropped connection: acknowledge,
    extend, respond and escalate replay the first 200 (Idempotent-Replayed) instead of a
    409 for a change already made; a different body under the key is a 422."""
    now = datetime.now(UTC)
    complaint = await received(
        engagement, a_uprn(), received_at=(now - timedelta(hours=3)).isoformat()
    )
    path = f"/v1/complaints/{complaint['id']}"
    new_date = ENGLAND_AND_WALES.add_working_days(london_day(now), 12).isoformat()
    actions: list[tuple[str, dict[str, object], dict[str, object]]] = [
        (
            "acknowledge",
            {"acknowledged_at": (now - timedelta(hours=2)).isoformat(), "handler": "s1"},
            {"handler": "s2"},
        ),
        ("extend", {"reason": "A surveyor is needed", "new_respond_by": new_date}, {"reason": "?"}),
        ("respond", {"responded_at": (now - timedelta(hours=1)).isoformat()}, {"remedy": "?"}),
        ("escalate", {"requested_at": now.isoformat()}, {"handler": "s9"}),
    ]
    for action, body, change in actions:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = await engagement.post(f"{path}/{action}", json=body, headers=key)
        assert first.status_code == 200, (action, first.text)
        again = await engagement.post(f"{path}/{action}", json=body, headers=key)
        assert again.status_code == 200, (action, again.text)
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.json() == first.json()
        other = await engagement.post(f"{path}/{action}", json={**body, **change}, headers=key)
        assert other.status_code == 422, (action, other.text)
        assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    unkeyed = await engagement.post(f"{path}/escalate", json={"requested_at": now.isoformat()})
    assert unkeyed.status_code == 409
    final = (await engagement.get(path)).json()
    assert final["stage"] == "stage_2"
    assert final["stages"][0]["extended"] is True


async def test_whoever_handled_stage_1_is_neither_named_for_nor_handles_stage_2(
    engagement: httpx.AsyncClient, published: Published
) -> None:
    """`handler` is a member of staff's id, as a token's subject is (docs/adr/0206).
    Stage 1 acknowledged and answered by TEST_SUBJECT, naming staff-1 its handler: stage
    2 naming TEST_SUBJECT its handler is refused (422 handler), and staff-1 calling to
    acknowledge, extend or answer stage 2 is refused (403 stage_1_handler), nothing
    changed. Both were taken: the handler was compared with stage 1's handler only, the
    caller with stage 1's callers only."""
    complaint = await answered(engagement)
    path = f"/v1/complaints/{complaint['id']}"
    now = datetime.now(UTC)
    refused = await engagement.post(
        f"{path}/escalate", json={"requested_at": now.isoformat(), "handler": TEST_SUBJECT}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "handler"
    assert await published(complaint["uprn"], "complaint-escalated") == []
    escalated = await engagement.post(f"{path}/escalate", json={"requested_at": now.isoformat()})
    assert escalated.status_code == 200, escalated.text

    async with as_person(engagement, "stage-2-person") as stage_2_person:
        refused = await stage_2_person.post(
            f"{path}/acknowledge",
            json={"acknowledged_at": now.isoformat(), "handler": f" {TEST_SUBJECT.upper()}"},
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "handler"
    async with as_person(engagement, "staff-1") as stage_1_handler:
        refused = await stage_1_handler.post(
            f"{path}/acknowledge", json={"acknowledged_at": now.isoformat(), "handler": "staff-2"}
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["reason"] == "stage_1_handler"
    assert (await engagement.get(path)).json()["stages"][1]["acknowledged_at"] is None

    async with as_person(engagement, "stage-2-person") as stage_2_person:
        acknowledged_2 = await stage_2_person.post(
            f"{path}/acknowledge", json={"acknowledged_at": now.isoformat(), "handler": "staff-2"}
        )
        assert acknowledged_2.status_code == 200, acknowledged_2.text
    async with as_person(engagement, "staff-1") as stage_1_handler:
        for action, body in (
            ("extend", {"reason": "More time", "new_respond_by": "2099-01-01"}),
            ("respond", {"responded_at": datetime.now(UTC).isoformat()}),
        ):
            refused = await stage_1_handler.post(f"{path}/{action}", json=body)
            assert refused.status_code == 403, (action, refused.text)
    assert (await engagement.get(path)).json()["stages"][1]["responded_at"] is None


def test_the_stage_2_actions_document_the_named_handler_refused_as_a_caller() -> None:
    """The 403 stage_1_handler each stage 2 action documents says whom it refuses: a
    caller who acknowledged or answered stage 1, or was named its handler (docs/adr/
    0206). It said only the first two, so a client reading the contract could not tell
    why stage 1's named handler was refused."""
    app = create_app(EngagementSettings(database_url="postgresql+asyncpg://unused/unused"))
    paths = app.openapi()["paths"]
    for action in ("acknowledge", "extend", "respond"):
        description = paths[f"/v1/complaints/{{complaint_id}}/{action}"]["post"]["responses"][
            "403"
        ]["description"]
        assert "acknowledged or answered stage 1" in description, action
        assert "named its handler" in description, action

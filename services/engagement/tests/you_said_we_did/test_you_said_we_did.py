"""You said, we did: items linked to the complaints and feedback behind them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from engagement.you_said_we_did.service import (
    refuse_published_ahead,
    refuse_published_before_what_led_to_it,
)
from hearth_kit.problems import Unprocessable
from hearth_kit.working_days import london_day
from services.engagement.tests.conftest import ClientWithScopes


async def a_complaint(engagement: httpx.AsyncClient, received_at: datetime | None = None) -> str:
    """A complaint received at `received_at` (None: now), for an item to link to; its
    id."""
    complaint = await engagement.post(
        "/v1/complaints",
        json={
            "uprn": "100023336956",
            "category": "communication",
            "medium": "online",
            "summary": "Nobody told me the repair was cancelled",
            "received_at": (received_at or datetime.now(UTC)).isoformat(),
        },
    )
    assert complaint.status_code == 201, complaint.text
    return str(complaint.json()["id"])


async def test_an_item_links_the_complaints_behind_it(engagement: httpx.AsyncClient) -> None:
    complaint_id = await a_complaint(engagement)
    response = await engagement.post(
        "/v1/you-said-we-did",
        json={
            "you_said": "You were not told when appointments changed",
            "we_did": "We now text every change to an appointment",
            "published_on": london_day(datetime.now(UTC)).isoformat(),
            "complaint_ids": [complaint_id],
        },
    )
    assert response.status_code == 201, response.text
    listed = (await engagement.get("/v1/you-said-we-did")).json()["items"]
    assert any(i["complaint_ids"] == [complaint_id] for i in listed)


async def test_an_item_linked_to_no_complaint_or_feedback_is_refused(
    engagement: httpx.AsyncClient,
) -> None:
    """DOMAIN.md: "you said, we did" publishes changes linked to the feedback and
    complaints that led to them; an item linked to neither says no resident said it."""
    for links in ({}, {"complaint_ids": [], "survey_response_ids": []}):
        response = await engagement.post(
            "/v1/you-said-we-did",
            json={
                "you_said": "Repairs took too long to book",
                "we_did": "Appointments are booked on the first call",
                "published_on": london_day(datetime.now(UTC)).isoformat(),
                **links,
            },
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "complaint_ids"


async def test_an_unknown_complaint_names_the_field(engagement: httpx.AsyncClient) -> None:
    response = await engagement.post(
        "/v1/you-said-we-did",
        json={
            "you_said": "x",
            "we_did": "y",
            "published_on": london_day(datetime.now(UTC)).isoformat(),
            "complaint_ids": [str(uuid.uuid4())],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "complaint_ids"


async def test_following_next_cursor_pages_through_every_item_once(
    engagement: httpx.AsyncClient,
) -> None:
    """Items page by their published day (a date in the cursor), latest first."""
    complaint_id = await a_complaint(engagement, datetime(2025, 6, 1, 12, tzinfo=UTC))
    made = []
    for day in (date(2025, 6, 2), date(2025, 6, 3), date(2025, 6, 3)):
        response = await engagement.post(
            "/v1/you-said-we-did",
            json={
                "you_said": "Repairs took too long to book",
                "we_did": "Appointments are booked on the first call",
                "published_on": day.isoformat(),
                "complaint_ids": [complaint_id],
            },
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await engagement.get("/v1/you-said-we-did", params=params)
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))  # none twice
    assert set(made) <= set(seen)  # none missed (other tests' items may be listed too)


async def test_an_item_published_on_a_day_to_come_is_refused(
    engagement: httpx.AsyncClient,
) -> None:
    """Dated ahead, an item would head the list (latest first) as published before it
    was; refused naming published_on, nothing kept. Two days ahead: ahead of London's
    day whatever the time of day."""
    complaint_id = await a_complaint(engagement)
    ahead = london_day(datetime.now(UTC)) + timedelta(days=2)
    response = await engagement.post(
        "/v1/you-said-we-did",
        json={
            "you_said": "Repairs took too long to book",
            "we_did": "Appointments are booked on the first call",
            "published_on": ahead.isoformat(),
            "complaint_ids": [complaint_id],
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "published_on"
    listed = (await engagement.get("/v1/you-said-we-did")).json()["items"]
    assert not any(i["complaint_ids"] == [complaint_id] for i in listed)


def test_the_day_it_was_published_is_today_at_the_latest() -> None:
    today = date(2026, 3, 29)  # the day the clocks go forward
    refuse_published_ahead(today, today)
    refuse_published_ahead(today - timedelta(days=400), today)
    with pytest.raises(Unprocessable) as refused:
        refuse_published_ahead(today + timedelta(days=1), today)
    assert refused.value.extensions["field"] == "published_on"


async def item(
    engagement: httpx.AsyncClient, published_on: date, **links: list[str]
) -> httpx.Response:
    return await engagement.post(
        "/v1/you-said-we-did",
        json={
            "you_said": "Repairs took too long to book",
            "we_did": "Appointments are booked on the first call",
            "published_on": published_on.isoformat(),
            **links,
        },
    )


async def test_an_item_published_before_what_led_to_it_is_refused(
    engagement: httpx.AsyncClient,
) -> None:
    """docs/adr/0135: a change is published on or after the London day of the latest
    complaint or response it links. Received at 23:30 UTC on 2 June 2025 is 3 June in
    London: an item dated 2 June is refused naming published_on, nothing kept; 3 June is
    taken. A survey response given on 10 June, linked beside it, moves the day to 10
    June."""
    complaint_id = await a_complaint(engagement, datetime(2025, 6, 2, 23, 30, tzinfo=UTC))
    refused = await item(engagement, date(2025, 6, 2), complaint_ids=[complaint_id])
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["published_on"]
    assert "Nobody told me" not in refused.text  # the link by id, never what it says
    listed = (await engagement.get("/v1/you-said-we-did")).json()["items"]
    assert not any(i["complaint_ids"] == [complaint_id] for i in listed)

    taken = await item(engagement, date(2025, 6, 3), complaint_ids=[complaint_id])
    assert taken.status_code == 201, taken.text

    response = await engagement.post(
        "/v1/surveys/responses",
        json={
            "survey": "perception",
            "uprn": "100023336956",
            "answers": [{"question": "tp01_overall", "rating": "very_dissatisfied"}],
            "responded_at": "2025-06-10T09:00:00+00:00",
        },
    )
    assert response.status_code == 201, response.text
    both = {"complaint_ids": [complaint_id], "survey_response_ids": [response.json()["id"]]}
    refused = await item(engagement, date(2025, 6, 9), **both)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["published_on"]
    assert (await item(engagement, date(2025, 6, 10), **both)).status_code == 201


def test_an_item_is_published_on_or_after_the_london_day_of_what_led_to_it() -> None:
    linked = [
        ("complaint x was received", uuid.uuid4(), datetime(2026, 3, 29, 22, 59, tzinfo=UTC)),
        ("survey response y was given", uuid.uuid4(), datetime(2026, 3, 28, 12, tzinfo=UTC)),
    ]
    refuse_published_before_what_led_to_it(date(2026, 3, 29), linked)  # 23:59 BST
    linked.append(("complaint z was received", uuid.uuid4(), datetime(2026, 3, 29, 23, tzinfo=UTC)))
    with pytest.raises(Unprocessable) as refused:
        refuse_published_before_what_led_to_it(date(2026, 3, 29), linked)  # 30 March there
    assert refused.value.extensions["field"] == "published_on"
    assert "complaint z" in str(refused.value)


async def test_publishing_needs_its_own_scope_not_the_survey_writers(
    engagement: httpx.AsyncClient, engagement_as: ClientWithScopes
) -> None:
    """docs/adr/0213: recording survey responses (surveys:write, the contact centre's)
    does not publish what the landlord changed; that is you-said-we-did:write, held by
    those who own the learning from complaints. A token that reaches the service
    directly does no more than through the gateway: 403 naming the scope, nothing
    kept; with the scope, 201."""
    complaint_id = await a_complaint(engagement)
    body = {
        "you_said": "Nobody rang back about the damp",
        "we_did": "Every damp report is now called back within a day",
        "published_on": london_day(datetime.now(UTC)).isoformat(),
        "complaint_ids": [complaint_id],
    }
    survey_writer = engagement_as(frozenset({"surveys:read", "surveys:write"}))
    refused = await survey_writer.post("/v1/you-said-we-did", json=body)
    assert refused.status_code == 403, refused.text
    assert "you-said-we-did:write" in refused.text
    listed = (await survey_writer.get("/v1/you-said-we-did")).json()["items"]
    assert not any(i["complaint_ids"] == [complaint_id] for i in listed)

    publisher = engagement_as(frozenset({"surveys:read", "you-said-we-did:write"}))
    published = await publisher.post("/v1/you-said-we-did", json=body)
    assert published.status_code == 201, published.text
    again = await publisher.get(published.headers["location"])
    assert again.status_code == 200, again.text

"""Staff's lists across residents of what is theirs to follow up (on a database of the
module's own, so each list holds only what the tests put in it): the residents flagged
with a person id to reconcile, perhaps a second record of a tenant (ADR 0118:
`GET /v1/residents?follow_up=person_id`), and the statutory messages written in English
for want of a translation (ADR 0119: `GET /v1/messages?untranslated=true`). Both were
only on each resident's own record, so nobody could find them; both are cursor-paged,
read with residents:read."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from engagement.handlers import on_tenancy_started
from hearth_contracts import Envelope
from hearth_kit.db import Database
from services.engagement.tests.conftest import ClientWithScopes
from services.engagement.tests.messages.test_extension_and_words import acknowledged_complaint
from services.engagement.tests.messages.test_pipeline import a_resident
from services.engagement.tests.residents.test_people import (
    a_tenant_unnamed,
    a_uprn,
    handle,
    tenancy_of,
)
from tests.harness.tokens import STAFF_SCOPES

WORKLIST_FIELDS = {
    "id",
    "resident_id",
    "template",
    "channel",
    "untranslated_from",
    "status",
    "created_at",
    "sent_at",
}
"""What the list of untranslated messages across residents shows of each."""


async def every_page(client: httpx.AsyncClient, path: str, **params: str) -> list[list[str]]:
    """The ids on each page, one to a page, following the cursors."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        response = await client.get(
            path, params={**params, "limit": "1", **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body.get("next_cursor")
        if cursor is None:
            return pages


async def flagged_resident(engagement: httpx.AsyncClient, db: Database) -> str:
    """A resident registered on a tenancy ahead of its announcement, under an id the
    announcement does not name: `person_id` to follow up (ADR 0118)."""
    tenancy = tenancy_of(a_uprn(), uuid.uuid4())
    registered = await engagement.post(
        "/v1/residents",
        json={**a_tenant_unnamed(tenancy, "Tenant 0"), "person_id": str(uuid.uuid4())},
    )
    assert registered.status_code == 201, registered.text
    await handle(db, on_tenancy_started, Envelope(data=tenancy))
    resident_id: str = registered.json()["id"]
    return resident_id


async def test_the_residents_with_a_person_id_to_follow_up_across_homes(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    first = await flagged_resident(engagement, engagement_database)
    await a_resident(engagement)  # nothing to follow up
    second = await flagged_resident(engagement, engagement_database)

    pages = await every_page(engagement, "/v1/residents", follow_up="person_id")
    assert pages == [[first], [second]]  # registration order, a page at a time
    listed = await engagement.get("/v1/residents", params={"follow_up": "person_id"})
    assert all("person_id" in r["details_to_follow_up"] for r in listed.json()["items"])
    # The filter goes with the others: the residents of one home with it.
    home = (await engagement.get(f"/v1/residents/{second}")).json()["uprn"]
    of_home = await engagement.get("/v1/residents", params={"follow_up": "person_id", "uprn": home})
    assert [r["id"] for r in of_home.json()["items"]] == [second]

    unknown = await engagement.get("/v1/residents", params={"follow_up": "email"})
    assert unknown.status_code == 422, unknown.text


async def test_the_statutory_messages_sent_in_english_for_want_of_a_translation(
    engagement: httpx.AsyncClient,
) -> None:
    somali = await a_resident(engagement, language="so")
    await acknowledged_complaint(engagement, somali)
    await acknowledged_complaint(engagement, await a_resident(engagement, language="cy"))
    farsi = await a_resident(engagement, language="fa")
    await acknowledged_complaint(engagement, farsi)

    pages = await every_page(engagement, "/v1/messages", untranslated="true")
    response = await engagement.get("/v1/messages", params={"untranslated": "true"})
    listed = response.json()["items"]
    assert pages == [[m["id"]] for m in listed]  # latest first, a page at a time
    assert [(m["resident_id"], m["template"], m["untranslated_from"]) for m in listed] == [
        (farsi, "complaint_acknowledged", "fa"),
        (somali, "complaint_acknowledged", "so"),
    ]
    # A worklist across every resident, so ids, codes and dates only: never the letter's
    # subject or body, its recipient or formats (need to know; the text is on the
    # resident's own list, opened one resident at a time).
    assert all(set(m) == WORKLIST_FIELDS for m in listed), listed
    own = await engagement.get(f"/v1/residents/{farsi}/messages")
    assert own.json()["items"][0]["body"]

    for params in ({"untranslated": "false"}, {}):
        refused = await engagement.get("/v1/messages", params=params)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["untranslated"]


async def test_both_lists_need_residents_read(engagement_as: ClientWithScopes) -> None:
    without = engagement_as(STAFF_SCOPES - {"residents:read"})
    for path, params in (
        ("/v1/residents", {"follow_up": "person_id"}),
        ("/v1/messages", {"untranslated": "true"}),
    ):
        refused = await without.get(path, params=params)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["missing_scopes"] == ["residents:read"]

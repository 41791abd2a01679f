"""A work order's status updates are listed a page at a time (`limit`, `cursor`), in
the order they happened, for staff and for the contractor: a work order told of every
step, with retries and late updates, kept growing one answer that carried them all. A
page continues exactly after the last update shown, even between two updates at the
same `at`; a cursor the API did not issue is a 422 naming `cursor`."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from hearth_kit.db import Database
from hearth_kit.pagination import encode_cursor
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_contractor_appointments import moment, tell_status
from services.repairs.tests.orders.test_late_status_updates import (
    minutes_ago,
    raised_an_hour_ago,
    told,
)

ROUTES = {
    "staff": ("/v1/work-orders/{id}/status-updates", None),
    "contractor": ("/v1/contractor/work-orders/{id}/status-updates", "plumbfast"),
}


async def all_pages(
    client: httpx.AsyncClient, path: str, who: str | None, limit: int
) -> list[list[tuple[str, Any]]]:
    pages: list[list[tuple[str, Any]]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await client.get(
            path, params=params, auth=contractor(who) if who else httpx.USE_CLIENT_DEFAULT
        )
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([(u["status"], moment(u["at"])) for u in body["items"]])
        cursor = body.get("next_cursor")
        if cursor is None:
            return pages


@pytest.mark.parametrize("side", sorted(ROUTES))
async def test_page_two_goes_on_after_the_last_update_shown(
    staff: httpx.AsyncClient, repairs_database: Database, side: str
) -> None:
    order = await raised_an_hour_ago(staff, repairs_database)
    on_the_way, arrived = minutes_ago(50), minutes_ago(40)
    for status, at in [
        ("in_progress", arrived),  # two at the same `at`: in the order they arrived
        ("operative_on_the_way", on_the_way),  # late
        ("variation_requested", arrived),
    ]:
        extra = {"variation_pence": 5_000} if status == "variation_requested" else {}
        sent = await tell_status(staff, order["id"], told(status, at, **extra))
        assert sent.status_code == 200, sent.text
    path, who = ROUTES[side]
    path = path.format(id=order["id"])

    first = await staff.get(
        path, params={"limit": 2}, auth=contractor(who) if who else httpx.USE_CLIENT_DEFAULT
    )

    assert first.status_code == 200, first.text
    assert [u["status"] for u in first.json()["items"]] == ["operative_on_the_way", "in_progress"]
    assert first.json()["next_cursor"]
    assert await all_pages(staff, path, who, limit=2) == [
        [("operative_on_the_way", on_the_way), ("in_progress", arrived)],
        [("variation_requested", arrived)],
    ]
    assert await all_pages(staff, path, who, limit=1) == [
        [("operative_on_the_way", on_the_way)],
        [("in_progress", arrived)],
        [("variation_requested", arrived)],
    ]
    whole = await staff.get(path, auth=contractor(who) if who else httpx.USE_CLIENT_DEFAULT)
    assert len(whole.json()["items"]) == 3
    assert whole.json().get("next_cursor") is None


def as_cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        as_cursor(["not a moment", "2026-11-30T10:00:00+00:00", "x"]),
        encode_cursor("00000000-0000-0000-0000-000000000000"),  # a work orders page's
        as_cursor({"at": "2026-11-30T10:00:00+00:00"}),
        "bm90IGpzb24",  # "not json"
    ],
    ids=["not-a-moment", "another-lists-cursor", "not-a-list", "not-json"],
)
@pytest.mark.parametrize("side", sorted(ROUTES))
async def test_a_cursor_the_api_did_not_issue_is_a_422_naming_cursor(
    staff: httpx.AsyncClient, repairs_database: Database, side: str, cursor: str
) -> None:
    order = await raised_an_hour_ago(staff, repairs_database)
    path, who = ROUTES[side]

    response = await staff.get(
        path.format(id=order["id"]),
        params={"cursor": cursor},
        auth=contractor(who) if who else httpx.USE_CLIENT_DEFAULT,
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]

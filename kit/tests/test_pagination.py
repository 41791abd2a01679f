"""Lists are cursor-paginated: opaque cursors, bounded page sizes."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st

from hearth_kit.pagination import Page, PageDep, PageParams, decode_cursor, encode_cursor
from hearth_kit.problems import Unprocessable, install_problem_handlers

STORED_TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]))
"""Text a sort key can hold: what the database stores (never NUL, nor a lone surrogate)."""


@given(st.lists(STORED_TEXT))
def test_a_cursor_decodes_to_the_values_it_was_made_from(values: list[str]) -> None:
    assert decode_cursor(encode_cursor(*values)) == values


@given(st.lists(st.integers() | STORED_TEXT))
def test_a_cursor_is_url_safe_without_padding(values: list[object]) -> None:
    cursor = encode_cursor(*values)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor) == [str(v) for v in values]


@given(st.text())
def test_any_text_as_a_cursor_decodes_or_is_refused_naming_cursor(cursor: str) -> None:
    refused: Unprocessable | None = None
    values: list[str] = []
    try:
        values = decode_cursor(cursor)
    except Unprocessable as exc:
        refused = exc
    assert refused is None or refused.extensions["field"] == "cursor"
    assert all(isinstance(v, str) for v in values)


def as_cursor(document: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "%%%",
        "A",
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
        as_cursor({"uprn": "1"}),
        as_cursor([1, 2]),
        as_cursor("100023336956"),
        # A value no sort key holds: the database cannot be asked about it (NUL is
        # refused by PostgreSQL's text, a lone surrogate by the driver's UTF-8: a 500).
        as_cursor(["T-\u0000"]),
        as_cursor(["\ud800"]),
        as_cursor(["T-1", "a\udfffb"]),
    ],
)
def test_a_cursor_this_api_did_not_issue_is_unprocessable_naming_cursor(cursor: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        decode_cursor(cursor)
    assert refused.value.status == 422
    assert refused.value.problem()["errors"][0]["field"] == "cursor"


def paged_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    uprns = [str(n) for n in range(1, 8)]

    @app.get("/homes")
    async def list_homes(page: PageDep) -> Page[str]:
        after = page.after_as(int)
        rows = [u for u in uprns if after is None or int(u) > after][: page.fetch]
        return Page.from_rows(rows, page.limit, cursor_of=lambda uprn: (int(uprn),))

    @app.get("/visits")
    async def list_visits(page: PageDep) -> dict[str, str | None]:
        after = page.after_as(datetime, uuid.UUID)
        if after is None:
            return {"scheduled_for": None, "id": None}
        scheduled_for, visit_id = after
        return {"scheduled_for": scheduled_for.isoformat(), "id": str(visit_id)}

    return app


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(paged_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        yield client


async def test_following_next_cursor_visits_every_item_once(client: httpx.AsyncClient) -> None:
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 3}
    while True:
        page = (await client.get("/homes", params=params)).json()
        seen.extend(page["items"])
        if page.get("next_cursor") is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [str(n) for n in range(1, 8)]


async def test_the_default_page_is_fifty_items(client: httpx.AsyncClient) -> None:
    page = (await client.get("/homes")).json()
    assert len(page["items"]) == 7
    assert page["next_cursor"] is None


@pytest.mark.parametrize("limit", [1, 200])
async def test_a_limit_from_1_to_200_is_accepted(client: httpx.AsyncClient, limit: int) -> None:
    assert (await client.get("/homes", params={"limit": limit})).status_code == 200


@pytest.mark.parametrize("limit", [0, -1, 201])
async def test_a_limit_outside_1_to_200_is_a_422_naming_limit(
    client: httpx.AsyncClient, limit: int
) -> None:
    response = await client.get("/homes", params={"limit": limit})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("limit", "query")


async def test_a_garbage_cursor_is_a_422_naming_cursor(client: httpx.AsyncClient) -> None:
    response = await client.get("/homes", params={"cursor": "garbage!"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "cursor"


@dataclass(frozen=True)
class Visit:
    scheduled_for: datetime
    id: uuid.UUID


def visits(count: int) -> list[Visit]:
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    return [Visit(start + timedelta(hours=n), uuid.UUID(int=n)) for n in range(count)]


def test_from_rows_with_an_extra_row_shows_a_page_and_a_cursor_after_its_last_item() -> None:
    rows = visits(4)
    page = Page.from_rows(rows, 3, cursor_of=lambda v: (v.scheduled_for, v.id))
    assert page.items == rows[:3]
    assert page.next_cursor is not None
    params = PageParams(cursor=page.next_cursor, limit=3)
    assert params.after_as(datetime, uuid.UUID) == (rows[2].scheduled_for, rows[2].id)


@pytest.mark.parametrize("count", [0, 1, 3])
def test_from_rows_without_an_extra_row_is_the_last_page(count: int) -> None:
    rows = visits(count)
    page = Page.from_rows(rows, 3, cursor_of=lambda v: (v.scheduled_for, v.id))
    assert page.items == rows
    assert page.next_cursor is None


def test_fetch_is_one_more_than_a_page() -> None:
    assert PageParams(limit=50).fetch == 51


@given(st.datetimes(timezones=st.just(UTC)), st.uuids())
def test_a_moment_and_an_id_come_back_as_they_went_in(
    moment: datetime, visit_id: uuid.UUID
) -> None:
    params = PageParams(cursor=encode_cursor(moment, visit_id))
    assert params.after_as(datetime, uuid.UUID) == (moment, visit_id)


def test_no_cursor_is_the_first_page() -> None:
    assert PageParams().after_as(datetime, uuid.UUID) is None
    assert PageParams().after_as(uuid.UUID) is None


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor("2026-03-29T00:30:00+00:00"),
        encode_cursor("2026-03-29T00:30:00+00:00", uuid.UUID(int=1), "extra"),
        encode_cursor("yesterday", uuid.UUID(int=1)),
        encode_cursor("2026-03-29T00:30:00", uuid.UUID(int=1)),
        encode_cursor("2026-03-29T00:30:00+00:00", "not-a-uuid"),
        encode_cursor(uuid.UUID(int=1), "2026-03-29T00:30:00+00:00"),
        encode_cursor("0001-01-01T00:00:00+14:00", uuid.UUID(int=1)),  # no UTC time
        encode_cursor("9999-12-31T23:00:00-14:00", uuid.UUID(int=1)),
    ],
)
def test_a_cursor_that_is_not_the_sort_keys_types_is_refused_naming_the_query_cursor(
    cursor: str,
) -> None:
    with pytest.raises(Unprocessable) as refused:
        PageParams(cursor=cursor).after_as(datetime, uuid.UUID)
    [error] = refused.value.problem()["errors"]
    assert (error["field"], error["location"]) == ("cursor", "query")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        encode_cursor("yesterday", uuid.UUID(int=1)),
        encode_cursor("2026-03-29"),
        encode_cursor("0001-01-01T00:00:00+14:00", uuid.UUID(int=1)),
    ],
)
async def test_a_cursor_of_the_wrong_types_is_a_query_422_through_the_api(
    client: httpx.AsyncClient, cursor: str
) -> None:
    response = await client.get("/visits", params={"cursor": cursor})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("cursor", "query")


async def test_a_cursor_longer_than_any_this_api_issues_is_a_query_422(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/visits", params={"cursor": "A" * 1001})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("cursor", "query")


@given(st.dates(), st.uuids())
def test_a_day_and_an_id_come_back_as_they_went_in(day: date, item_id: uuid.UUID) -> None:
    """A list ordered by a day (you said, we did: its published day) pages by it."""
    params = PageParams(cursor=encode_cursor(day, item_id))
    assert params.after_as(date, uuid.UUID) == (day, item_id)


def test_a_cursor_day_that_is_not_a_day_is_unprocessable_naming_cursor() -> None:
    params = PageParams(cursor=encode_cursor("2025-02-30", uuid.UUID(int=1)))
    with pytest.raises(Unprocessable) as refused:
        params.after_as(date, uuid.UUID)
    assert refused.value.problem()["errors"][0]["field"] == "cursor"

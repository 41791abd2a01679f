"""Lists are cursor-paginated: opaque cursors, bounded page sizes."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st

from hearth_kit.pagination import Page, PageDep, decode_cursor, encode_cursor
from hearth_kit.problems import Unprocessable, install_problem_handlers


@given(st.lists(st.text()))
def test_a_cursor_decodes_to_the_values_it_was_made_from(values: list[str]) -> None:
    assert decode_cursor(encode_cursor(*values)) == values


@given(st.lists(st.integers() | st.text()))
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
        after = page.after()
        remaining = [u for u in uprns if after is None or int(u) > int(after[0])]
        items = remaining[: page.limit]
        more = len(remaining) > page.limit
        return Page(items=items, next_cursor=encode_cursor(items[-1]) if more else None)

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

"""A cursor holding text no sort key can hold is a 422 naming cursor, not a 500: the
list of tenancies pages by reference (text), so a made-up cursor's value went to
PostgreSQL as it was, and a lone surrogate (base64 of `["\\ud800"]`) failed in the
driver's UTF-8 encoding."""

from __future__ import annotations

import httpx
import pytest

from hearth_kit.pagination import encode_cursor


@pytest.mark.parametrize("value", ["\ud800", "T-\udfff1", "T-\u00001"])
async def test_a_cursor_value_the_database_cannot_hold_is_refused_naming_cursor(
    income: httpx.AsyncClient, value: str
) -> None:
    response = await income.get("/v1/tenancies", params={"cursor": encode_cursor(value)})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("cursor", "query")

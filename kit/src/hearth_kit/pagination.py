"""Cursor pagination: opaque cursors over a stable sort key, never page numbers."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from hearth_kit.problems import Unprocessable

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of results; pass `next_cursor` back as `cursor` for the next page."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Absent on the last page")


def encode_cursor(*values: Any) -> str:
    raw = json.dumps([str(v) for v in values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, RecursionError) as exc:  # RecursionError: deeply nested JSON
        raise Unprocessable(
            "The cursor is not one this API issued", field="cursor", location="query"
        ) from exc
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise Unprocessable(
            "The cursor is not one this API issued", field="cursor", location="query"
        )
    return values


class PageParams(BaseModel):
    cursor: str | None = None
    limit: int = 50

    def after(self) -> list[str] | None:
        return decode_cursor(self.cursor) if self.cursor else None


def page_params(
    cursor: Annotated[str | None, Query(description="From a previous page's next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PageParams:
    return PageParams(cursor=cursor, limit=limit)


PageDep = Annotated[PageParams, Depends(page_params)]

"""Cursor pagination: opaque cursors over a stable sort key, never page numbers.

A list endpoint takes `PageDep`, hands it to its service, and the service answers
`Page.from_rows(rows, page.limit, cursor_of=...)` from at most `page.fetch` rows
(one more than a page, to know whether another page follows). The cursor is decoded
back into the sort key's own types with `page.after_as(...)`; a cursor that does not
decode to them is always a 422 naming the query parameter `cursor`. Cursors carry the
sort key only and are not signed (ADR 0078): every filter and authorisation rule is
applied again on each page, so a made-up position shows nothing a caller could not
page to.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar, overload

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from hearth_kit.problems import Unprocessable

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")

MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    """One page of results; pass `next_cursor` back as `cursor` for the next page."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Absent on the last page")

    @classmethod
    def from_rows(
        cls, rows: Sequence[T], limit: int, *, cursor_of: Callable[[T], tuple[object, ...]]
    ) -> Page[T]:
        """The page of the first `limit` rows; `rows` holds up to `limit + 1` rows, and an
        extra row means another page follows, starting after the last item shown
        (`cursor_of` gives that item's sort key)."""
        items = list(rows[:limit])
        more = len(rows) > limit and bool(items)
        return cls(items=items, next_cursor=encode_cursor(*cursor_of(items[-1])) if more else None)


def _cursor_text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def encode_cursor(*values: object) -> str:
    raw = json.dumps([_cursor_text(v) for v in values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"
"""What an issued cursor looks like: unpadded URL-safe base64."""


def _not_issued() -> Unprocessable:
    return Unprocessable("The cursor is not one this API issued", field="cursor", location="query")


def decode_cursor(cursor: str) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, RecursionError) as exc:  # RecursionError: deeply nested JSON
        raise _not_issued() from exc
    if not isinstance(values, list) or not all(map(_storable, values)):
        raise _not_issued()
    return values


def _storable(value: object) -> bool:
    """A cursor value the database can be asked about: text, with no NUL (PostgreSQL's
    text refuses it) and no lone surrogate (`"\\ud800"` decodes to one, which the driver
    cannot encode as UTF-8: a 500). Never in a cursor this API issued."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _parse(text: str, kind: type[Any]) -> Any:
    """One cursor value as the sort key's type (str, int, uuid.UUID, a date or an aware
    datetime)."""
    if kind is datetime:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError("a cursor moment carries its offset")
        try:
            moment.astimezone(UTC)  # what binding it does: a moment with no UTC time
        except OverflowError as exc:  # (0001-01-01T00:00:00+14:00) failed there, a 500
            raise ValueError("a cursor moment has a UTC time") from exc
        return moment
    if kind is date:  # a day, not a moment: 2025-06-03, never with a time
        return date.fromisoformat(text)
    if kind is uuid.UUID:
        return uuid.UUID(text)
    if kind is int:
        return int(text)
    if kind is str:
        return text
    raise TypeError(f"no cursor decoding for {kind!r}")


class PageParams(BaseModel):
    cursor: str | None = None
    limit: int = 50

    @property
    def fetch(self) -> int:
        """How many rows to read: one more than a page, to know if another follows."""
        return self.limit + 1

    @overload
    def after_as(self, first: type[A], /) -> A | None: ...

    @overload
    def after_as(self, first: type[A], second: type[B], /) -> tuple[A, B] | None: ...

    @overload
    def after_as(
        self, first: type[A], second: type[B], third: type[C], /
    ) -> tuple[A, B, C] | None: ...

    def after_as(self, *kinds: type[Any]) -> Any:
        """The sort key the cursor continues after, in its own types (one type: the
        value; two or three: a tuple), or None on the first page. A cursor that does not decode
        to exactly these types is a 422 naming the query parameter `cursor`."""
        if self.cursor is None:
            return None
        values = decode_cursor(self.cursor)
        if len(values) != len(kinds):
            raise _not_issued()
        try:
            parsed = tuple(_parse(text, kind) for text, kind in zip(values, kinds, strict=True))
        except ValueError as exc:
            raise _not_issued() from exc
        return parsed[0] if len(parsed) == 1 else parsed


async def page_params(
    cursor: Annotated[
        str | None,
        Query(
            max_length=1000,
            pattern=CURSOR_PATTERN,
            description="The next_cursor the previous page returned (a value that does not "
            "decode to this list's sort key is a 422 naming cursor)",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> PageParams:
    """The page asked for. A coroutine, though it awaits nothing: FastAPI runs a plain
    function dependency in a worker thread, a hop that costs more than the function."""
    return PageParams(cursor=cursor, limit=limit)


PageDep = Annotated[PageParams, Depends(page_params)]

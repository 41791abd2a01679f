"""All SQL about the homes income knows of (a projection of the asset register)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.projection import upsert_newer_columns
from income.models import Home


class RegisterEntry(NamedTuple):
    """The asset register's address of a home as of a moment (the event's own time).

    A named tuple, not a dataclass: the projection makes one per event while the
    register is loaded (tens of thousands a second), and `save_homes` turns a run of
    them into columns with one `zip`."""

    uprn: str
    postcode: str
    address_line_1: str
    as_of: datetime


async def save_homes(session: AsyncSession, entries: Sequence[RegisterEntry]) -> None:
    """Keep the asset register's view of each home, in the order given, unless a later
    one is already kept: one statement for them all."""
    if not entries:
        return
    uprns, postcodes, lines, as_ofs = zip(*entries, strict=True)
    await upsert_newer_columns(
        session,
        Home,
        key=["uprn"],
        columns={
            "uprn": uprns,
            "postcode": postcodes,
            "address_line_1": lines,
            "as_of": as_ofs,
        },
        version="as_of",
    )

"""All SQL about the homes income knows of (a projection of the asset register)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.projection import upsert_newer_many
from income.models import Home


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """The asset register's address of a home as of a moment (the event's own time)."""

    uprn: str
    postcode: str
    address_line_1: str
    as_of: datetime


async def save_homes(session: AsyncSession, entries: Iterable[RegisterEntry]) -> None:
    """Keep the asset register's view of each home, in the order given, unless a later
    one is already kept: one statement for them all."""
    await upsert_newer_many(
        session,
        Home,
        key=["uprn"],
        rows=[
            {
                "uprn": entry.uprn,
                "postcode": entry.postcode,
                "address_line_1": entry.address_line_1,
                "as_of": entry.as_of,
            }
            for entry in entries
        ],
        version="as_of",
    )

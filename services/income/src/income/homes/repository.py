"""All SQL about the homes income knows of (a projection of the asset register)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.projection import upsert_newer
from income.models import Home


async def save_home(
    session: AsyncSession, *, uprn: str, postcode: str, address_line_1: str, as_of: datetime
) -> None:
    """Keep the asset register's view of a home, unless a later one is already kept."""
    await upsert_newer(
        session,
        Home,
        key={"uprn": uprn},
        values={"postcode": postcode, "address_line_1": address_line_1, "as_of": as_of},
        version="as_of",
    )

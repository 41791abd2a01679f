"""All SQL about the Schedule of Rates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from repairs.models import ScheduleOfRatesItem
from repairs.sor.rules import SorRow


async def by_codes(session: AsyncSession, codes: set[str]) -> dict[str, ScheduleOfRatesItem]:
    if not codes:
        return {}
    query = select(ScheduleOfRatesItem).where(col(ScheduleOfRatesItem.code).in_(codes))
    return {item.code: item for item in (await session.execute(query)).scalars().all()}


async def save(session: AsyncSession, rows: Sequence[SorRow], now: datetime) -> tuple[int, int]:
    """Add new codes and update changed ones; an unchanged row is left alone (the same
    file twice changes nothing). Returns (added, updated)."""
    existing = await by_codes(session, {row.code for row in rows})
    added = updated = 0
    for row in rows:
        item = existing.get(row.code)
        values = {
            "schedule": row.schedule,
            "item_code": row.item_code,
            "description": row.description,
            "trade": row.trade,
            "unit": row.unit,
            "unit_price_pence": row.unit_price_pence,
            "whole_units": row.whole_units,
        }
        if item is None:
            item = ScheduleOfRatesItem(
                code=row.code,
                schedule=row.schedule,
                item_code=row.item_code,
                description=row.description,
                trade=row.trade,
                unit=row.unit,
                unit_price_pence=row.unit_price_pence,
                whole_units=row.whole_units,
                imported_at=now,
            )
            session.add(item)
            existing[row.code] = item
            added += 1
        elif any(getattr(item, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(item, key, value)
            item.imported_at = now
            updated += 1
    await session.flush()
    return added, updated

"""All SQL about report drafts: pieces saved as a tablet sends them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_kit.projection import upsert_newer_many
from visits.models import ReportDraftPiece


async def save_pieces(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Keep each piece unless a higher version of it is kept already (of equal versions
    the one saved later): one statement, so resent and reordered pieces converge."""
    await upsert_newer_many(
        session,
        ReportDraftPiece,
        key=["visit_id", "section", "piece_id"],
        rows=rows,
        version="version",
    )


async def pieces(session: AsyncSession, visit_id: uuid.UUID) -> list[ReportDraftPiece]:
    query = (
        select(ReportDraftPiece)
        .where(col(ReportDraftPiece.visit_id) == visit_id)
        .order_by(col(ReportDraftPiece.section), col(ReportDraftPiece.piece_id))
    )
    return list((await session.execute(query)).scalars().all())


async def discard(session: AsyncSession, visit_id: uuid.UUID) -> None:
    """Forget a draft once its report is recorded."""
    await session.execute(
        delete(ReportDraftPiece).where(col(ReportDraftPiece.visit_id) == visit_id)
    )

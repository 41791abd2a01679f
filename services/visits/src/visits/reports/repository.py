"""All SQL about report drafts: pieces saved as a tablet sends them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
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
    """The draft's pieces as stored now: read again after save_pieces (populate_existing),
    whose statement the pieces already loaded in the session do not see."""
    query = (
        select(ReportDraftPiece)
        .where(col(ReportDraftPiece.visit_id) == visit_id)
        .order_by(col(ReportDraftPiece.section), col(ReportDraftPiece.piece_id))
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(query)).scalars().all())


async def mark_hazard_sent(
    session: AsyncSession, piece: ReportDraftPiece, hazard_id: uuid.UUID, identified_at: datetime
) -> None:
    """Keep on a hazard piece the id and the clock it was sent to repairs with (ADR
    0182). Later versions of the piece leave them as they are (save_pieces sets only the
    columns a tablet sends)."""
    piece.hazard_id, piece.identified_at = hazard_id, identified_at
    await session.flush()


async def hazards_sent(session: AsyncSession, visit_id: uuid.UUID) -> int:
    """How many of the visit's draft pieces are hazards already sent to repairs."""
    query = (
        select(func.count())
        .select_from(ReportDraftPiece)
        .where(col(ReportDraftPiece.visit_id) == visit_id)
        .where(col(ReportDraftPiece.hazard_id).is_not(None))
    )
    return int((await session.execute(query)).scalar_one())


async def discard(session: AsyncSession, visit_id: uuid.UUID) -> None:
    """Forget a draft once its report is recorded."""
    await session.execute(
        delete(ReportDraftPiece).where(col(ReportDraftPiece.visit_id) == visit_id)
    )

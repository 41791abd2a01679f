"""Migration 0020: one repair per safety defect, held by a unique index. A database that
already holds two for one defect is not changed: the upgrade stops and says so."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hearth_contracts.events.repairs import RepairPriority, RepairSourceV2, Trade
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from repairs.models import RepairRequest
from repairs.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory

FOUND = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def a_repair_for(defect_id: uuid.UUID) -> RepairRequest:
    return RepairRequest(
        uprn="100023336956",
        description="Boiler flue not sealed",
        location="kitchen",
        trade=Trade.GAS,
        priority=RepairPriority.URGENT,
        source=RepairSourceV2.SAFETY_CHECK,
        reported_at=FOUND,
        target_at=FOUND + timedelta(days=7),
        created_at=FOUND,
        safety_defect_id=defect_id,
    )


async def test_a_second_repair_for_one_safety_defect_is_refused_and_old_pairs_stop_the_upgrade(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("repairs_0020")
    await upgrade(MIGRATIONS_DIR, url, "0019")
    db = Database(url)
    defect_id = uuid.uuid4()
    try:
        async with db.sessionmaker() as session, session.begin():
            session.add_all([a_repair_for(defect_id), a_repair_for(defect_id)])
        with pytest.raises(RuntimeError, match="1 safety defect"):
            await upgrade(MIGRATIONS_DIR, url)

        async with db.sessionmaker() as session, session.begin():
            [keep, *_] = (await session.scalars(select(RepairRequest))).all()
            await session.execute(delete(RepairRequest).where(col(RepairRequest.id) != keep.id))
        await upgrade(MIGRATIONS_DIR, url)
        with pytest.raises(IntegrityError):
            async with db.sessionmaker() as session, session.begin():
                session.add(a_repair_for(defect_id))
        async with db.sessionmaker() as session, session.begin():
            session.add(a_repair_for(uuid.uuid4()))  # another defect's repair goes in
    finally:
        await db.dispose()

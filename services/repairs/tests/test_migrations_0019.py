"""Migration 0019: an update kept twice before ADR 0057 (the same update sent again
under another Idempotency-Key) is kept once, and a `no_access` counted once per copy
counts one visit. Updates that differ in anything they say (another `at`, another
amount) all stay; a work order without copies keeps its count."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlmodel import col

from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from repairs.models import WorkOrder, WorkOrderStatus, WorkOrderStatusUpdate
from repairs.settings import MIGRATIONS_DIR
from services.repairs.tests.orders.test_late_status_updates import raised_an_hour_ago
from services.repairs.tests.orders.test_work_orders import a_uprn
from tests.harness.service import downgraded

RAISED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return RAISED + timedelta(minutes=minutes)


async def kept_as_before_0057(
    db: Database, order_id: str, updates: list[tuple[str, int, int, int | None]], visits: int
) -> None:
    """`updates` as the code before ADR 0057 kept them (status, minutes after the
    raising it happened, minutes after it arrived, amount), copies and all, and the
    work order's no-access count as it then stood."""
    async with db.sessionmaker() as session, session.begin():
        for status, happened, arrived, pence in updates:
            session.add(
                WorkOrderStatusUpdate(
                    work_order_id=uuid.UUID(order_id),
                    status=WorkOrderStatus(status),
                    at=at(happened),
                    received_at=at(arrived),
                    variation_pence=pence,
                )
            )
        await session.execute(
            update(WorkOrder)
            .where(col(WorkOrder.id) == uuid.UUID(order_id))
            .values(no_access_visits=visits)
        )


async def kept(db: Database, order_id: str) -> tuple[list[tuple[str, datetime, int | None]], int]:
    async with db.sessionmaker() as session:
        updates = (
            await session.scalars(
                select(WorkOrderStatusUpdate)
                .where(col(WorkOrderStatusUpdate.work_order_id) == uuid.UUID(order_id))
                .order_by(col(WorkOrderStatusUpdate.at), col(WorkOrderStatusUpdate.received_at))
            )
        ).all()
        visits = await session.scalar(
            select(col(WorkOrder.no_access_visits)).where(col(WorkOrder.id) == uuid.UUID(order_id))
        )
    return [(u.status.value, u.at, u.variation_pence) for u in updates], int(visits or 0)


async def test_copies_kept_before_0057_are_kept_once_and_a_visit_counts_once(
    staff: httpx.AsyncClient, repairs_database: Database, repairs_db_url: str
) -> None:
    twice, thrice, none = [
        await raised_an_hour_ago(staff, repairs_database, a_uprn()) for _ in range(3)
    ]
    await kept_as_before_0057(
        repairs_database,
        twice["id"],
        [
            ("no_access", 10, 11, None),
            ("no_access", 10, 14, None),  # the same visit sent again
            ("no_access", 30, 31, None),  # another visit
            ("in_progress", 40, 41, None),
            ("in_progress", 40, 45, None),
            ("variation_requested", 50, 51, 5_000),
            ("variation_requested", 50, 52, 6_000),  # another amount: another update
        ],
        visits=3,
    )
    await kept_as_before_0057(
        repairs_database,
        thrice["id"],
        [("no_access", 10, 11, None), ("no_access", 10, 11, None), ("no_access", 10, 12, None)],
        visits=3,
    )
    await kept_as_before_0057(
        repairs_database, none["id"], [("no_access", 10, 11, None)], visits=2
    )  # one visit told before updates were kept

    await downgraded(repairs_database, MIGRATIONS_DIR, "0018")
    await upgrade(MIGRATIONS_DIR, repairs_db_url)

    assert await kept(repairs_database, twice["id"]) == (
        [
            ("no_access", at(10), None),
            ("no_access", at(30), None),
            ("in_progress", at(40), None),
            ("variation_requested", at(50), 5_000),
            ("variation_requested", at(50), 6_000),
        ],
        2,
    )
    assert await kept(repairs_database, thrice["id"]) == ([("no_access", at(10), None)], 1)
    assert await kept(repairs_database, none["id"]) == ([("no_access", at(10), None)], 2)

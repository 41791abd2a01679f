"""All SQL about recharges and the vulnerability flags they consider."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_kit.projection import upsert_newer_many
from repairs.models import Recharge, RechargePayment, RechargeStatus, VulnerableResident


async def household_flagged(session: AsyncSession, uprn: str) -> bool:
    """Whether anyone at the home has a recorded vulnerability (a flag, never detail)."""
    query = select(VulnerableResident.resident_id).where(
        VulnerableResident.uprn == uprn, col(VulnerableResident.flagged).is_(True)
    )
    return (await session.execute(query.limit(1))).first() is not None


async def get(session: AsyncSession, recharge_id: uuid.UUID) -> Recharge | None:
    query = select(Recharge).where(Recharge.id == recharge_id).with_for_update()
    return (await session.execute(query)).scalars().first()


def add(session: AsyncSession, recharge: Recharge) -> None:
    session.add(recharge)


@dataclass(frozen=True, slots=True)
class VulnerabilityFlag:
    resident_id: uuid.UUID
    uprn: str
    tenancy_id: uuid.UUID | None
    flagged: bool
    as_of: datetime


async def save_flags(session: AsyncSession, flags: Iterable[VulnerabilityFlag]) -> None:
    """Keep whether each resident has a recorded vulnerability, newest record winning."""
    await upsert_newer_many(
        session,
        VulnerableResident,
        key=["resident_id"],
        rows=[
            {
                "resident_id": f.resident_id,
                "uprn": f.uprn,
                "tenancy_id": f.tenancy_id,
                "flagged": f.flagged,
                "as_of": f.as_of,
            }
            for f in flags
        ],
        version="as_of",
    )


@dataclass(frozen=True, slots=True)
class PaymentOnRecharge:
    """What one recharge-paid said about a recharge. `posted_at` is when income posted
    it, None on an event published before income sent it."""

    recharge_id: uuid.UUID
    repair_id: uuid.UUID
    uprn: str
    outstanding_pence: int
    paid_in_full: bool
    paid_at: datetime
    posted_at: datetime | None = None

    @property
    def version(self) -> datetime:
        """Where the event stands among the recharge's events: when income posted it.
        An event without `posted_at` counts as posted at its `paid_at` (the day's start
        for a payment received earlier, else the moment it was posted): never later than
        it really was, so it comes before every event that has `posted_at` (all posted
        after it), and such events among themselves keep their order by `paid_at`."""
        return self.paid_at if self.posted_at is None else self.posted_at


async def save_payments(session: AsyncSession, payments: Iterable[PaymentOnRecharge]) -> None:
    """Keep each recharge's latest payment by when income posted it (`version`: an
    earlier posting arriving late never overwrites it, and a cheque received yesterday
    but posted after today's payment does), then mark collected the raised recharges
    whose latest payment paid them in full, and raised again the collected ones whose
    latest payment (a correction: a payment or write-off reversed) left something owed:
    three statements for a run of events."""
    rows = [
        {
            "recharge_id": p.recharge_id,
            "repair_id": p.repair_id,
            "uprn": p.uprn,
            "outstanding_pence": p.outstanding_pence,
            "paid_in_full": p.paid_in_full,
            "paid_at": p.paid_at,
            "posted_at": p.version,
        }
        for p in payments
    ]
    if not rows:
        return
    await upsert_newer_many(
        session, RechargePayment, key=["recharge_id"], rows=rows, version="posted_at"
    )
    recharge_ids = {row["recharge_id"] for row in rows}
    for latest_paid_in_full, was, becomes in (
        (True, RechargeStatus.RAISED, RechargeStatus.COLLECTED),
        # a correction (a payment or write-off reversed) left something owed again
        (False, RechargeStatus.COLLECTED, RechargeStatus.RAISED),
    ):
        latest = (
            select(RechargePayment.recharge_id)
            .where(col(RechargePayment.paid_in_full).is_(latest_paid_in_full))
            .where(col(RechargePayment.recharge_id).in_(recharge_ids))
        )
        await session.execute(
            update(Recharge)
            .where(col(Recharge.id).in_(latest))
            .where(col(Recharge.status) == was)
            .values(status=becomes)
            .execution_options(synchronize_session=False)
        )

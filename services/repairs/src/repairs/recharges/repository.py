"""All SQL about recharges and the vulnerability flags they consider."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, not_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_kit.projection import upsert_newer_many
from hearth_kit.working_days import start_of_london_day
from repairs.models import (
    EndedTenancy,
    KnownHome,
    Recharge,
    RechargeDecline,
    RechargePayment,
    RechargeStatus,
    TenancyOfHome,
    TenantOfTenancy,
    VulnerableResident,
)


@dataclass(frozen=True, slots=True)
class HouseholdToConsider:
    """Whether the household a recharge at a home is charged to has a recorded
    vulnerability (the recharge is then held for a manager), and its tenancy when
    repairs can name it (recharge-raised names it on approval, docs/adr/0105)."""

    flagged: bool
    tenancy_id: uuid.UUID | None


async def household_to_consider(session: AsyncSession, uprn: str, day: date) -> HouseholdToConsider:
    """The household income charges a recharge raised on `day` to is the tenancy last in
    the home that day: the one in force, or, when the home stood empty, the one that
    ended most recently, the former tenant (docs/adr/0036). Its recorded vulnerability is
    considered whether or not its tenancy has ended since (docs/adr/0116): a flag naming
    that tenancy, or one of its tenants' flags wherever engagement now keeps it (a tenant
    moved to another home has it announced there). A flag naming no tenancy (old v1
    records) counts as household_flagged says.

    Repairs knows a tenancy's start only from tenancy-started handled since migration
    0027. With none known at the home by `day`, the household is read as before (the
    flags of tenancies not ended), and failing that the home's latest ended tenancy's
    flags hold the recharge without naming it: repairs cannot tell whether a household it
    never heard of has moved in since, so income's own rule picks the household when a
    manager approves."""
    known = await _household_on(session, uprn, day)
    if known is not None:
        if await _household_flagged(session, known, with_tenants=True):
            return HouseholdToConsider(flagged=True, tenancy_id=known)
        unnamed = select(VulnerableResident.resident_id).where(
            *_counted_flags(uprn), col(VulnerableResident.tenancy_id).is_(None)
        )
        flagged = (await session.execute(unnamed.limit(1))).first() is not None
        return HouseholdToConsider(flagged=flagged, tenancy_id=None)
    if await household_flagged(session, uprn):
        return HouseholdToConsider(flagged=True, tenancy_id=await flagged_tenancy(session, uprn))
    former = await _latest_ended(session, uprn, day)
    flagged = former is not None and await _household_flagged(session, former, with_tenants=False)
    return HouseholdToConsider(flagged=flagged, tenancy_id=None)


async def _household_on(session: AsyncSession, uprn: str, day: date) -> uuid.UUID | None:
    """The known tenancy with the latest start on or before `day` at the home (income's
    household_of_home_on), ended or not; a withdrawn one (kept as ended the day before
    its start) never was in the home. Tenancies of a home never overlap and are announced
    in order on one partition, so no tenancy repairs has not heard of started after it."""
    withdrawn = select(EndedTenancy.tenancy_id).where(
        EndedTenancy.tenancy_id == TenancyOfHome.tenancy_id,
        col(EndedTenancy.end_date) < col(TenancyOfHome.start_date),
    )
    query = (
        select(TenancyOfHome.tenancy_id)
        .where(
            TenancyOfHome.uprn == uprn,
            col(TenancyOfHome.start_date) <= day,
            ~withdrawn.exists(),
        )
        .order_by(col(TenancyOfHome.start_date).desc(), col(TenancyOfHome.as_of).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def _latest_ended(session: AsyncSession, uprn: str, day: date) -> uuid.UUID | None:
    """The home's tenancy that ended last, by `day` (its last day at the latest), and was
    not withdrawn (a withdrawal names its start, after the end kept for it)."""
    withdrawn = select(TenancyOfHome.tenancy_id).where(
        TenancyOfHome.tenancy_id == EndedTenancy.tenancy_id,
        col(TenancyOfHome.start_date) > col(EndedTenancy.end_date),
    )
    query = (
        select(EndedTenancy.tenancy_id)
        .where(EndedTenancy.uprn == uprn, col(EndedTenancy.end_date) <= day, ~withdrawn.exists())
        .order_by(col(EndedTenancy.end_date).desc(), col(EndedTenancy.as_of).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def _household_flagged(
    session: AsyncSession, tenancy_id: uuid.UUID, *, with_tenants: bool
) -> bool:
    """Whether a flag names the tenancy, or (`with_tenants`) is one of its tenants'."""
    named = col(VulnerableResident.tenancy_id) == tenancy_id
    if with_tenants:
        tenants = select(TenantOfTenancy.person_id).where(TenantOfTenancy.tenancy_id == tenancy_id)
        named = or_(named, col(VulnerableResident.resident_id).in_(tenants))
    query = select(VulnerableResident.resident_id).where(
        col(VulnerableResident.flagged).is_(True), named
    )
    return (await session.execute(query.limit(1))).first() is not None


async def household_flagged(session: AsyncSession, uprn: str) -> bool:
    """Whether anyone in the household living at the home now has a recorded
    vulnerability (a flag, never detail).

    A flag of a tenancy that has ended does not count: that household has left, and a
    manager's approval is not the new household's to wait for. Nor does a flag without
    a tenancy (old v1 records) recorded before a tenancy at the home was over (the
    start of the day after its end date): it belonged to a household that has left, or
    cannot be told from one; one recorded after that is someone living there since.
    Both are read here, not applied when an event arrives, so tenancy-ended and
    vulnerability-recorded (different topics, no order between them) give the same
    answer whichever arrives first, and a late record for the ended tenancy changes
    nothing."""
    query = select(VulnerableResident.resident_id).where(*_counted_flags(uprn))
    return (await session.execute(query.limit(1))).first() is not None


async def flagged_tenancy(session: AsyncSession, uprn: str) -> uuid.UUID | None:
    """The tenancy of the household whose recorded vulnerability counts at the home now
    (household_flagged's flags), when those flags name one and only one: a recharge held
    for it is that household's, whoever lives there when a manager decides. None when
    they name none (old v1 records) or more than one (a household repairs cannot tell)."""
    query = (
        select(VulnerableResident.tenancy_id)
        .where(*_counted_flags(uprn), col(VulnerableResident.tenancy_id).is_not(None))
        .distinct()
        .limit(2)
    )
    tenancies = list((await session.execute(query)).scalars().all())
    return tenancies[0] if len(tenancies) == 1 else None


def _counted_flags(uprn: str) -> list[ColumnElement[bool]]:
    """The flags that count for the household at `uprn` now (household_flagged)."""
    ended_by_id = select(EndedTenancy.tenancy_id).where(
        EndedTenancy.tenancy_id == VulnerableResident.tenancy_id
    )
    ended_after_recorded = select(EndedTenancy.tenancy_id).where(
        EndedTenancy.uprn == VulnerableResident.uprn,
        col(EndedTenancy.over_at) > col(VulnerableResident.as_of),
    )
    return [
        col(VulnerableResident.uprn) == uprn,
        col(VulnerableResident.flagged).is_(True),
        or_(
            and_(
                col(VulnerableResident.tenancy_id).is_not(None),
                ~ended_by_id.exists(),
            ),
            and_(
                col(VulnerableResident.tenancy_id).is_(None),
                ~ended_after_recorded.exists(),
            ),
        ),
    ]


@dataclass(frozen=True, slots=True)
class TenancyEnd:
    tenancy_id: uuid.UUID
    uprn: str
    end_date: date
    as_of: datetime

    @property
    def over_at(self) -> datetime:
        """The start of the London day after the tenancy's last day."""
        return start_of_london_day(self.end_date + timedelta(days=1))


@dataclass(frozen=True, slots=True)
class TenancyStart:
    tenancy_id: uuid.UUID
    uprn: str
    start_date: date
    as_of: datetime
    tenants: tuple[uuid.UUID, ...] = ()


async def save_tenancy_starts(session: AsyncSession, starts: Iterable[TenancyStart]) -> None:
    """Keep each tenancy's home and first day, and its tenants' person ids, the newest
    event winning (the same event again, or an older one arriving late, changes
    nothing)."""
    starts = list(starts)
    await upsert_newer_many(
        session,
        TenancyOfHome,
        key=["tenancy_id"],
        rows=[
            {
                "tenancy_id": s.tenancy_id,
                "uprn": s.uprn,
                "start_date": s.start_date,
                "as_of": s.as_of,
            }
            for s in starts
        ],
        version="as_of",
    )
    await upsert_newer_many(
        session,
        TenantOfTenancy,
        key=["tenancy_id", "person_id"],
        rows=[
            {"tenancy_id": s.tenancy_id, "person_id": person_id, "as_of": s.as_of}
            for s in starts
            for person_id in s.tenants
        ],
        version="as_of",
    )


async def save_tenancy_ends(session: AsyncSession, ends: Iterable[TenancyEnd]) -> None:
    """Keep each ended tenancy, the newest event winning (the same event again, or an
    older one arriving late, changes nothing)."""
    await upsert_newer_many(
        session,
        EndedTenancy,
        key=["tenancy_id"],
        rows=[
            {
                "tenancy_id": e.tenancy_id,
                "uprn": e.uprn,
                "end_date": e.end_date,
                "over_at": e.over_at,
                "as_of": e.as_of,
            }
            for e in ends
        ],
        version="as_of",
    )


async def get(session: AsyncSession, recharge_id: uuid.UUID) -> Recharge | None:
    query = select(Recharge).where(Recharge.id == recharge_id).with_for_update()
    return (await session.execute(query)).scalars().first()


async def find(session: AsyncSession, recharge_id: uuid.UUID) -> Recharge | None:
    """A recharge to read, unlocked (get locks it for a decision)."""
    return await session.get(Recharge, recharge_id)


def add(session: AsyncSession, recharge: Recharge) -> None:
    session.add(recharge)


async def decline_held_at_blocks(
    session: AsyncSession, uprns: Iterable[str], at: datetime
) -> list[uuid.UUID]:
    """Decline, with `communal_repair` and no manager named, every recharge held for
    approval at those of `uprns` that repairs' copy of the asset register now gives as
    some home's block: one statement, the ids it declined. A recharge already decided
    (raised, collected, declined) is left as it is, so running it again declines
    nothing. Row locks: an approval or decline holding the recharge is waited for, and
    the recharge it decided is then no longer held."""
    uprns = set(uprns)
    if not uprns:
        return []
    blocks = select(KnownHome.block_id).where(col(KnownHome.block_id).in_(uprns))
    declined = await session.execute(
        update(Recharge)
        .where(col(Recharge.status) == RechargeStatus.AWAITING_APPROVAL)
        .where(col(Recharge.uprn).in_(blocks))
        .values(
            status=RechargeStatus.DECLINED,
            declined_by=None,
            declined_at=at,
            decline_reason=RechargeDecline.COMMUNAL_REPAIR,
        )
        .returning(col(Recharge.id))
        .execution_options(synchronize_session=False)
    )
    return sorted(declined.scalars().all())


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
    it, None on an event published before income sent it. `written_off`: it was a
    write-off (`settled_by` write_off, not a write-off undone). `cancelled`: income
    cancelled the recharge itself (docs/adr/0176)."""

    recharge_id: uuid.UUID
    repair_id: uuid.UUID
    uprn: str
    outstanding_pence: int
    paid_in_full: bool
    paid_at: datetime
    posted_at: datetime | None = None
    written_off: bool = False
    cancelled: bool = False

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
    but posted after today's payment does), then mark collected the recharges whose
    latest payment paid them in full, written off those whose latest event is a
    write-off leaving nothing owed (never paid, so not collected: docs/adr/0179), and
    raised again the collected or written-off ones whose latest event (a correction: a
    payment or write-off reversed, or a write-off of part) left something owed: four
    statements for a run of events. Last, those income cancelled become cancelled, for
    good: a cancellation is income's last word on a recharge, never undone, so it needs
    no order among the events, and no status above overwrites it (docs/adr/0176)."""
    payments = list(payments)
    rows = [
        {
            "recharge_id": p.recharge_id,
            "repair_id": p.repair_id,
            "uprn": p.uprn,
            "outstanding_pence": p.outstanding_pence,
            "paid_in_full": p.paid_in_full,
            "paid_at": p.paid_at,
            "posted_at": p.version,
            "written_off": p.written_off,
        }
        for p in payments
    ]
    if not rows:
        return
    await upsert_newer_many(
        session, RechargePayment, key=["recharge_id"], rows=rows, version="posted_at"
    )
    recharge_ids = {row["recharge_id"] for row in rows}
    written_off = and_(
        col(RechargePayment.written_off).is_(True), col(RechargePayment.outstanding_pence) == 0
    )
    owed = and_(col(RechargePayment.paid_in_full).is_(False), not_(written_off))
    for latest, was, becomes in (
        (
            col(RechargePayment.paid_in_full).is_(True),
            (RechargeStatus.RAISED, RechargeStatus.WRITTEN_OFF),
            RechargeStatus.COLLECTED,
        ),
        (
            written_off,
            (RechargeStatus.RAISED, RechargeStatus.COLLECTED),
            RechargeStatus.WRITTEN_OFF,
        ),
        # a correction (a payment or write-off reversed) left something owed again
        (owed, (RechargeStatus.COLLECTED, RechargeStatus.WRITTEN_OFF), RechargeStatus.RAISED),
    ):
        await session.execute(
            update(Recharge)
            .where(
                col(Recharge.id).in_(
                    select(RechargePayment.recharge_id)
                    .where(latest)
                    .where(col(RechargePayment.recharge_id).in_(recharge_ids))
                )
            )
            .where(col(Recharge.status).in_(was))
            .values(status=becomes)
            .execution_options(synchronize_session=False)
        )
    if cancelled := {p.recharge_id for p in payments if p.cancelled}:
        await session.execute(
            update(Recharge)
            .where(col(Recharge.id).in_(cancelled))
            .where(
                col(Recharge.status).in_(
                    (RechargeStatus.RAISED, RechargeStatus.COLLECTED, RechargeStatus.WRITTEN_OFF)
                )
            )
            .values(status=RechargeStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )

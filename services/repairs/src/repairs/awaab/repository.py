"""All SQL about Awaab's Law cases and their clocks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_contracts.events.repairs import AwaabMilestone
from hearth_contracts.events.visits import HazardSeverity
from hearth_kit.db import hold_until_commit
from repairs.models import AwaabCase, AwaabCaseHazard, AwaabCaseStatus, AwaabClock


async def by_hazard(session: AsyncSession, hazard_id: uuid.UUID) -> AwaabCase | None:
    query = select(AwaabCase).where(AwaabCase.hazard_id == hazard_id)
    return (await session.execute(query)).scalars().first()


async def case_recording(session: AsyncSession, hazard_id: uuid.UUID) -> uuid.UUID | None:
    """The case a hazard was recorded on rather than opening its own (docs/adr/0193)."""
    query = select(AwaabCaseHazard.case_id).where(AwaabCaseHazard.hazard_id == hazard_id)
    return (await session.execute(query)).scalars().first()


async def hazards_recorded_on(
    session: AsyncSession, case_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[AwaabCaseHazard]]:
    grouped: dict[uuid.UUID, list[AwaabCaseHazard]] = {i: [] for i in case_ids}
    if not case_ids:
        return grouped
    query = (
        select(AwaabCaseHazard)
        .where(col(AwaabCaseHazard.case_id).in_(case_ids))
        .order_by(col(AwaabCaseHazard.recorded_at), col(AwaabCaseHazard.hazard_id))
    )
    for hazard in (await session.execute(query)).scalars().all():
        grouped[hazard.case_id].append(hazard)
    return grouped


async def move_hazards(session: AsyncSession, from_case: uuid.UUID, to_case: uuid.UUID) -> None:
    """The hazards recorded on `from_case` recorded on `to_case` instead: the same damp's
    evidence, kept with the case its clocks are (docs/adr/0236). Each keeps its hazard
    id, so its event replayed still finds the case it is on and changes nothing."""
    await session.execute(
        update(AwaabCaseHazard)
        .where(col(AwaabCaseHazard.case_id) == from_case)
        .values(case_id=to_case)
    )


async def by_complaint(session: AsyncSession, complaint_id: uuid.UUID) -> AwaabCase | None:
    query = select(AwaabCase).where(AwaabCase.complaint_id == complaint_id)
    return (await session.execute(query)).scalars().first()


COMPLAINT_CASE_LOCK_SPACE = 0x41574142  # "AWAB"
"""The first key of the two-key advisory lock held while a complaint's case is looked
for and opened (the second is a hash of the complaint id): a space of its own, apart
from hearth_kit's (KEYS, the Idempotency-Key claim) and the one-key locks (the relay,
bookings' slots)."""


async def hold_complaint(session: AsyncSession, complaint_id: uuid.UUID) -> None:
    """Hold the complaint's turn to have its Awaab's Law case opened until the
    transaction ends, so engagement's complaint-received and POST /v1/awaab-cases (or
    two requests with different Idempotency-Keys) for the same complaint at once take
    turns: the second waits here, before it looks for the case (by_complaint), and then
    finds the first's. Without it both looked, both found none (the other's case not yet
    committed) and both opened one: two sets of clocks for one hazard. No unique index
    on awaab_case.complaint_id does it instead: a migration adding one would fail on a
    database where the race has already left two. Different complaints whose hashes meet
    only wait for each other. On SQLite the transaction already holds the database's
    write lock."""
    await hold_until_commit(session, COMPLAINT_CASE_LOCK_SPACE, str(complaint_id))


HOME_DAMP_LOCK_SPACE = 0x44414D50  # "DAMP"
"""The first key of the two-key advisory lock held while a home's open damp and mould
case is looked for and opened from a reported repair (the second is a hash of the
UPRN): a space of its own, apart from the complaint's (COMPLAINT_CASE_LOCK_SPACE)."""


async def hold_home(session: AsyncSession, uprn: str) -> None:
    """Hold the home's damp until the transaction ends (HOME_DAMP_LOCK_SPACE): taken
    before any of its cases is locked or written, by every writer that looks for or
    changes the home's open damp case (open_damp_case_at), so none holds a case while
    waiting for its home. Held again in one transaction, it is the same hold."""
    await hold_until_commit(session, HOME_DAMP_LOCK_SPACE, uprn)


async def open_damp_case_at(
    session: AsyncSession, uprn: str, *, aware_at: datetime
) -> AwaabCase | None:
    """An open significant (damp and mould) case at the home, if any, looked for with the
    home held until the transaction ends: two damp repairs reported at once at one home
    take turns, and the second finds the first's case (ix_awaab_case_uprn).

    Only a case whose clock had started by `aware_at` (when the damp now reported,
    complained of or seen was: a hazard's identified_at, a complaint's received_at, a
    report's reported_at). An event arriving late, its damp seen before the open case
    began, would lose the earlier, lawful clock start if recorded on that case (Awaab's
    Law counts from becoming aware); it opens a case of its own from its own moment, as
    before docs/adr/0193. The open case's clocks are not moved back: rewriting a running
    clock's start is worse for the evidence trail (docs/adr/0193, 0192).

    Not a case whose investigation found none (investigation_found_none: open only for
    its written summary): damp reported, complained of or seen then is a new awareness
    and opens a case of its own (docs/adr/0193, 0192); taken by such a case it had no
    clock. With more than one open (that one, and the case damp since opened), the
    oldest of the others: the one dealing with the damp, not a third."""
    await hold_home(session, uprn)
    # Locked, and so read after a stop that holds it (AwaabService._running) commits: a
    # stop closing the case at that moment does not commit under a repair, complaint or
    # hazard just taken by it, which would then have no clock (docs/adr/0193). Lock
    # order: the home, then the case, as every taker; a stop holds the case only.
    query = (
        select(AwaabCase)
        .where(
            AwaabCase.uprn == uprn,
            AwaabCase.status == AwaabCaseStatus.OPEN,
            AwaabCase.severity == HazardSeverity.SIGNIFICANT,
        )
        .order_by(col(AwaabCase.opened_at), col(AwaabCase.id))
        .with_for_update()
    )
    for case in (await session.execute(query)).scalars().all():
        if case.became_aware_at > aware_at:
            continue  # its clock began after this damp was seen: not the earlier awareness
        if not await investigation_found_none(session, case.id):
            return case
    return None


async def investigation_found_none(session: AsyncSession, case_id: uuid.UUID) -> bool:
    """The case's investigation is done and found no hazard: stopped with no safety-work
    clock started after it (rules.clocks_after_investigation). Such a case stays open
    only for its written summary; damp then reported, complained of or seen is a new
    awareness, and opens a case of its own (docs/adr/0193)."""
    query = select(AwaabClock.milestone, AwaabClock.stopped_at).where(AwaabClock.case_id == case_id)
    clocks = {m: stopped for m, stopped in (await session.execute(query)).all()}
    investigated = clocks.get(AwaabMilestone.INVESTIGATE) is not None
    return investigated and AwaabMilestone.BEGIN_SAFETY_WORK not in clocks


async def get(
    session: AsyncSession, case_id: uuid.UUID, *, for_update: bool = False
) -> AwaabCase | None:
    """One case; `for_update` locks it and takes the row as it is once locked
    (populate_existing): a case this session read before the lock, unlocked, is not
    answered from its stale copy (close_as_duplicate reads the case to find its home,
    holds the home, then locks)."""
    query = select(AwaabCase).where(AwaabCase.id == case_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalars().first()


async def clocks_of(
    session: AsyncSession, case_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[AwaabClock]]:
    grouped: dict[uuid.UUID, list[AwaabClock]] = {i: [] for i in case_ids}
    if not case_ids:
        return grouped
    query = (
        select(AwaabClock)
        .where(col(AwaabClock.case_id).in_(case_ids))
        .order_by(col(AwaabClock.started_at), col(AwaabClock.milestone))
    )
    for clock in (await session.execute(query)).scalars().all():
        grouped[clock.case_id].append(clock)
    return grouped


async def clock(
    session: AsyncSession, case_id: uuid.UUID, milestone: AwaabMilestone
) -> AwaabClock | None:
    query = (
        select(AwaabClock)
        .where(AwaabClock.case_id == case_id, AwaabClock.milestone == milestone)
        .with_for_update()
    )
    return (await session.execute(query)).scalars().first()


async def page(
    session: AsyncSession,
    *,
    uprn: str | None,
    status: AwaabCaseStatus | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[AwaabCase]:
    query = select(AwaabCase).order_by(col(AwaabCase.id)).limit(limit)
    if uprn is not None:
        query = query.where(AwaabCase.uprn == uprn)
    if status is not None:
        query = query.where(AwaabCase.status == status)
    if after is not None:
        query = query.where(col(AwaabCase.id) > after)
    return list((await session.execute(query)).scalars().all())


def late(moment: Any) -> ColumnElement[bool]:
    """A clock's step at `moment` (a value, or a column such as stopped_at) is late:
    rules.met's two conventions in SQL. Make safe is late only after its 24-hour
    moment; a working-day or week clock from its first late moment on."""
    make_safe = col(AwaabClock.milestone) == AwaabMilestone.MAKE_SAFE
    return or_(
        and_(make_safe, col(AwaabClock.due_at) < moment),
        and_(~make_safe, col(AwaabClock.due_at) <= moment),
    )


async def run_out(session: AsyncSession, now: datetime, limit: int) -> list[AwaabClock]:
    """Running clocks past their deadline whose breach is not yet raised, locked for
    this transaction; rows another replica holds are skipped, so each is raised once.
    A paused clock is skipped (its deadline moves on when it resumes) unless it was
    paused at or after its first late moment: the deadline passed while it ran. The
    pause raises that breach itself; a clock paused late before it did is raised here
    (docs/adr/0010)."""
    query = (
        select(AwaabClock)
        .where(
            col(AwaabClock.stopped_at).is_(None),
            col(AwaabClock.breach_raised_at).is_(None),
            or_(col(AwaabClock.paused_at).is_(None), late(col(AwaabClock.paused_at))),
            late(now),
        )
        .order_by(col(AwaabClock.due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def severities(session: AsyncSession, case_ids: set[uuid.UUID]) -> dict[uuid.UUID, AwaabCase]:
    if not case_ids:
        return {}
    query = select(AwaabCase).where(col(AwaabCase.id).in_(case_ids))
    return {c.id: c for c in (await session.execute(query)).scalars().all()}


def add(session: AsyncSession, row: AwaabCase | AwaabClock | AwaabCaseHazard) -> None:
    session.add(row)

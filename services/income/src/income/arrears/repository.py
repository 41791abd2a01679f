"""All SQL about arrears cases and the vulnerability flags income keeps."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
    String,
    and_,
    bindparam,
    func,
    inspect,
    literal,
    or_,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from hearth_contracts.events.income import ArrearsStage
from hearth_kit.db import ReadConnection
from hearth_kit.projection import upsert_newer
from income.arrears.rules import COURT_ORDER_HOLDS
from income.models import (
    ArrearsCase,
    CourtHearing,
    CourtOutcomeCorrection,
    PossessionNotice,
    Tenancy,
    TenancyStatus,
    VulnerabilityFlag,
)


async def add(session: AsyncSession, case: ArrearsCase) -> None:
    session.add(case)
    await session.flush()


async def get(
    session: AsyncSession, account_id: uuid.UUID, *, for_update: bool = False
) -> ArrearsCase | None:
    query = select(ArrearsCase).where(ArrearsCase.account_id == account_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def due(
    session: AsyncSession, now: datetime, limit: int
) -> list[tuple[ArrearsCase, Tenancy]]:
    """Cases of current tenancies due a look at `now`, locked; rows another runner holds
    are skipped (FOR UPDATE SKIP LOCKED), so two replicas never take the same case."""
    query = (
        select(ArrearsCase, Tenancy)
        .join(Tenancy, col(Tenancy.id) == col(ArrearsCase.tenancy_id))
        .where(ArrearsCase.next_check_at <= now, Tenancy.status == TenancyStatus.CURRENT)
        .order_by(col(ArrearsCase.next_check_at), col(ArrearsCase.account_id))
        .limit(limit)
        .with_for_update(of=ArrearsCase, skip_locked=True)
    )
    return [(case, tenancy) for case, tenancy in (await session.execute(query)).all()]


async def stage_counts(session: AsyncSession) -> dict[ArrearsStage, int]:
    """How many current tenancies' cases stand at each step."""
    query = (
        select(ArrearsCase.stage, func.count())
        .join(Tenancy, col(Tenancy.id) == col(ArrearsCase.tenancy_id))
        .where(Tenancy.status == TenancyStatus.CURRENT)
        .group_by(col(ArrearsCase.stage))
    )
    return {stage: int(n) for stage, n in (await session.execute(query)).all()}


async def close_for_tenancy(session: AsyncSession, tenancy_id: uuid.UUID) -> None:
    """A tenancy ended: its case leaves the ladder (former tenant arrears are recovered
    apart), and with it what the ladder asked of the officer: the first weeks'
    personal-contact task, a court step's block and a pause for a vulnerability review.
    The ladder never looks at the case again, so left set they would stand for good.
    The case's ETag changes, as for any change of its task."""
    await session.execute(
        update(ArrearsCase)
        .where(col(ArrearsCase.tenancy_id) == tenancy_id)
        .values(
            stage=ArrearsStage.NONE,
            resume_at_next_step=False,
            personal_contact_needed_at=None,
            blocked_by=None,
            paused_for_review=False,
            version=col(ArrearsCase.version) + 1,
        )
    )


async def save_flag(session: AsyncSession, flag: VulnerabilityFlag) -> None:
    """Keep engagement's flag for a person unless a later one is already kept."""
    await upsert_newer(
        session,
        VulnerabilityFlag,
        key={"person_id": flag.person_id},
        values={
            "uprn": flag.uprn,
            "tenancy_id": flag.tenancy_id,
            "flagged": flag.flagged,
            "as_of": flag.as_of,
        },
        version="as_of",
    )


async def latest_flag(session: AsyncSession, person_ids: Sequence[uuid.UUID]) -> datetime | None:
    """When the newest vulnerability flag among these people was recorded (None when
    none of them is flagged)."""
    if not person_ids:
        return None
    query = select(func.max(VulnerabilityFlag.as_of)).where(
        col(VulnerabilityFlag.person_id).in_(person_ids), col(VulnerabilityFlag.flagged)
    )
    return (await session.execute(query)).scalar_one()


def add_hearing(session: AsyncSession, hearing: CourtHearing) -> None:
    session.add(hearing)


async def hearings_of(session: AsyncSession, account_id: uuid.UUID) -> list[CourtHearing]:
    """The case's hearings, oldest first (by the day listed for, then when recorded)."""
    query = (
        select(CourtHearing)
        .where(col(CourtHearing.account_id) == account_id)
        .order_by(col(CourtHearing.listed_for), col(CourtHearing.listed_at))
    )
    return list((await session.execute(query)).scalars().all())


async def latest_hearing(session: AsyncSession, account_id: uuid.UUID) -> CourtHearing | None:
    """The case's latest hearing (listed for the latest day), or None."""
    query = (
        select(CourtHearing)
        .where(col(CourtHearing.account_id) == account_id)
        .order_by(col(CourtHearing.listed_for).desc(), col(CourtHearing.listed_at).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def latest_decision(session: AsyncSession, account_id: uuid.UUID) -> CourtHearing | None:
    """The case's latest decided hearing (listed for the latest day), or None: the
    court's decision in force, whose terms the tenant keeps (ADR 0084). A hearing
    listed after it and not yet decided leaves it in force until it is decided."""
    query = (
        select(CourtHearing)
        .where(col(CourtHearing.account_id) == account_id, col(CourtHearing.outcome).is_not(None))
        .order_by(col(CourtHearing.listed_for).desc(), col(CourtHearing.listed_at).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def court_terms_broken(session: AsyncSession) -> int:
    """How many current tenancies' cases have broken the terms of the court's latest
    decision on them (a later decision replaces the terms, broken or not)."""
    later = aliased(CourtHearing)
    replaced = (
        select(later.id)
        .where(
            later.account_id == CourtHearing.account_id,
            col(later.outcome).is_not(None),
            or_(
                col(later.listed_for) > col(CourtHearing.listed_for),
                and_(
                    col(later.listed_for) == col(CourtHearing.listed_for),
                    col(later.listed_at) > col(CourtHearing.listed_at),
                ),
            ),
        )
        .exists()
    )
    query = (
        select(func.count())
        .select_from(CourtHearing)
        .join(ArrearsCase, col(ArrearsCase.account_id) == col(CourtHearing.account_id))
        .join(Tenancy, col(Tenancy.id) == col(ArrearsCase.tenancy_id))
        .where(
            Tenancy.status == TenancyStatus.CURRENT,
            col(CourtHearing.terms_broken_on).is_not(None),
            ~replaced,
        )
    )
    return int((await session.execute(query)).scalar_one())


async def get_hearing(
    session: AsyncSession, account_id: uuid.UUID, hearing_id: uuid.UUID
) -> CourtHearing | None:
    query = select(CourtHearing).where(
        col(CourtHearing.id) == hearing_id, col(CourtHearing.account_id) == account_id
    )
    return (await session.execute(query)).scalars().first()


def add_correction(session: AsyncSession, correction: CourtOutcomeCorrection) -> None:
    session.add(correction)


async def corrections_of(
    session: AsyncSession, hearing_id: uuid.UUID
) -> list[CourtOutcomeCorrection]:
    """The corrections of a hearing's outcome, oldest first (audit)."""
    query = (
        select(CourtOutcomeCorrection)
        .where(col(CourtOutcomeCorrection.hearing_id) == hearing_id)
        .order_by(col(CourtOutcomeCorrection.corrected_at))
    )
    return list((await session.execute(query)).scalars().all())


def add_notice(session: AsyncSession, notice: PossessionNotice) -> None:
    session.add(notice)


async def notices_of(session: AsyncSession, account_id: uuid.UUID) -> list[PossessionNotice]:
    """Every notice of seeking possession the case was served, oldest first."""
    query = (
        select(PossessionNotice)
        .where(col(PossessionNotice.account_id) == account_id)
        .order_by(col(PossessionNotice.served_at))
    )
    return list((await session.execute(query)).scalars().all())


async def latest_notice(session: AsyncSession, account_id: uuid.UUID) -> PossessionNotice | None:
    """The case's latest notice (the one its `nosp_served_at` names), or None: the one
    the ladder reads, with its withdrawal."""
    query = (
        select(PossessionNotice)
        .where(col(PossessionNotice.account_id) == account_id)
        .order_by(col(PossessionNotice.served_at).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def get_notice(
    session: AsyncSession, account_id: uuid.UUID, notice_id: uuid.UUID
) -> PossessionNotice | None:
    """One notice served on the case, locked (FOR UPDATE): a withdrawal is recorded once."""
    query = (
        select(PossessionNotice)
        .where(
            col(PossessionNotice.id) == notice_id, col(PossessionNotice.account_id) == account_id
        )
        .with_for_update()
    )
    return (await session.execute(query)).scalars().first()


_case = inspect(ArrearsCase).local_table
_hearing = inspect(CourtHearing).local_table
_tenancy = inspect(Tenancy).local_table

UNDECIDED = "undecided"
"""The worklist's word for a latest hearing with no outcome yet (never an outcome's)."""


def _worklist_statement(
    *, after: bool, stages: bool, before_the_court: bool | None, court_terms_broken: bool | None
) -> Any:
    latest_hearing = (
        core_select(func.coalesce(type_coerce(_hearing.c.outcome, String), literal(UNDECIDED)))
        .where(_hearing.c.account_id == _case.c.account_id)
        .order_by(_hearing.c.listed_for.desc(), _hearing.c.listed_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    terms_broken_on = (
        core_select(_hearing.c.terms_broken_on)
        .where(_hearing.c.account_id == _case.c.account_id, _hearing.c.outcome.is_not(None))
        .order_by(_hearing.c.listed_for.desc(), _hearing.c.listed_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    # the case's own tenancy by its key, row by row (an EXISTS under OR is planned as a
    # hash of every current tenancy)
    tenancy_current = (
        core_select(_tenancy.c.status).where(_tenancy.c.id == _case.c.tenancy_id).scalar_subquery()
        == TenancyStatus.CURRENT.value
    )
    held = latest_hearing.in_([UNDECIDED, *sorted(o.value for o in COURT_ORDER_HOLDS)])
    query = (
        core_select(
            _case.c.account_id,
            _case.c.tenancy_id,
            _case.c.stage,
            _case.c.stage_changed_at,
            latest_hearing.label("latest_hearing"),
            terms_broken_on.label("court_terms_broken_on"),
        )
        # the partial index's predicate (models.WORKLIST), said as it is so that the
        # planner proves the index serves it: open cases, and those the court holds
        .where(or_(_case.c.stage != ArrearsStage.NONE.value, _case.c.held_by_court))
        # a case held at none stays on the list while its tenancy is current (an ended
        # tenancy's case is closed; an open case's tenancy is always current)
        .where(or_(_case.c.stage != ArrearsStage.NONE.value, tenancy_current))
        # every move stamps stage_changed_at and a case is opened with it: the condition
        # drops no listed case, and keeps a row set by hand without one from the page's key
        .where(_case.c.stage_changed_at.is_not(None))
        .order_by(_case.c.stage_changed_at, _case.c.account_id)
        .limit(bindparam("limit"))
    )
    if after:
        query = query.where(
            tuple_(_case.c.stage_changed_at, _case.c.account_id)
            > tuple_(
                # typed as the columns: SQLite binds a UUID, and a moment in the form
                # the column stores it, only through the column's type
                bindparam("after_changed_at", type_=_case.c.stage_changed_at.type),
                bindparam("after_account_id", type_=_case.c.account_id.type),
            )
        )
    if stages:
        query = query.where(_case.c.stage.in_(bindparam("stages", expanding=True)))
    if before_the_court is not None:
        query = query.where(held if before_the_court else or_(latest_hearing.is_(None), ~held))
    if court_terms_broken is not None:
        query = query.where(
            terms_broken_on.is_not(None) if court_terms_broken else terms_broken_on.is_(None)
        )
    return query


_WORKLIST = {
    (after, stages, before, broken): _worklist_statement(
        after=after, stages=stages, before_the_court=before, court_terms_broken=broken
    )
    for after in (False, True)
    for stages in (False, True)
    for before in (None, False, True)
    for broken in (None, False, True)
}
"""Built once each (every filter and cursor combination): compiled SQL reused."""


async def worklist_rows(
    connection: ReadConnection,
    *,
    stages: Sequence[ArrearsStage],
    before_the_court: bool | None,
    court_terms_broken: bool | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Row[Any]]:
    """The worklist's arrears cases: open ones (a step of the ladder: stage not none; a
    tenancy's end or arrears cleared puts a case back to none) and those of current
    tenancies the court holds at none (`held_by_court`, ADR 0084, amended), longest at their
    step first (then by account), after the cursor's (stage_changed_at, account_id):
    each with its latest
    hearing's outcome (`UNDECIDED` while it waits for one; null: no hearing) and the
    day the terms of the court's latest decision were broken. One statement on a read
    connection; the partial index ix_arrears_case_worklist is its order, and each row's
    hearings are found by ix_court_hearing_account, its tenancy by tenancy's key."""
    key = (after is not None, bool(stages), before_the_court, court_terms_broken)
    values: dict[str, Any] = {"limit": limit}
    if stages:
        values["stages"] = [stage.value for stage in stages]
    if after is not None:
        values["after_changed_at"], values["after_account_id"] = after
    result = await connection.execute(_WORKLIST[key], values)
    return list(result.all())

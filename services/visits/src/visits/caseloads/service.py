"""Use cases for officers' caseloads: tenancies placed, moved and released by tenancy
events and by referrals from visits. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.income import TenancyType, TenancyTypeChange
from hearth_contracts.events.visits import Caseload, CaseloadReviewOverdue
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from hearth_kit.working_days import london_day, start_of_london_day
from visits.caseloads import repository, rules
from visits.caseloads.schemas import CaseloadEntryPublic, ConcernOpenPublic
from visits.metrics import REVIEWS_OVERDUE_RAISED
from visits.models import CaseloadAssignment, CaseloadConcern, VisitTenancyConcern
from visits.programme import repository as home_profiles
from visits.settings import CaseloadOfficers
from visits.visits import rules as visit_rules

SWEEP_BATCH = 500
"""Caseload rows a sweep handles per batch (one transaction each)."""


def to_public(
    held: CaseloadAssignment, today: date, concerns: Sequence[CaseloadConcern] = ()
) -> CaseloadEntryPublic:
    """A caseload entry as the API shows it; a referral past its review date is overdue;
    `concerns` are the tenancy's concerns still open."""
    return CaseloadEntryPublic.model_validate(
        {
            **held.model_dump(),
            "review_overdue": held.review_on is not None and held.review_on < today,
            "concerns_open": [ConcernOpenPublic.model_validate(c) for c in concerns],
        }
    )


async def _entry(
    session: AsyncSession, held: CaseloadAssignment, now: datetime
) -> CaseloadEntryPublic:
    await session.refresh(held)
    concerns = await repository.open_concerns(session, [held.tenancy_id])
    return to_public(held, london_day(now), concerns)


async def concerns_to_follow_up(
    session: AsyncSession,
    *,
    tenancy_id: uuid.UUID,
    uprn: str,
    concerns: Sequence[VisitTenancyConcern],
    raised_at: datetime,
) -> None:
    """Put tenancy concerns a visit raised and did not refer on the tenancy's caseload
    entry, open for its officer to follow up (kept by tenancy, so they show on whichever
    caseload holds it, now or once placed; never on a tenancy that has ended). Codes and
    ids only: the notes stay on the visit."""
    if not concerns or await _ended(session, tenancy_id):
        return
    repository.add_concerns(
        session,
        [
            CaseloadConcern(
                concern_id=concern.id,
                tenancy_id=tenancy_id,
                uprn=uprn,
                visit_id=concern.visit_id,
                concern=concern.concern,
                raised_at=raised_at,
            )
            for concern in concerns
        ],
    )


async def open_concerns(session: AsyncSession, tenancy_id: uuid.UUID) -> list[CaseloadConcern]:
    return await repository.open_concerns(session, [tenancy_id])


async def deal_with_concerns(
    session: AsyncSession,
    *,
    tenancy_id: uuid.UUID,
    concern_ids: Sequence[uuid.UUID],
    at: datetime,
    visit_id: uuid.UUID,
) -> None:
    """The officer recorded these open concerns dealt with (at a visit's report)."""
    await repository.deal_with_concerns(
        session, tenancy_id=tenancy_id, concern_ids=concern_ids, at=at, visit_id=visit_id
    )


async def _area(session: AsyncSession, uprn: str) -> str | None:
    profile = await home_profiles.get(session, uprn)
    return profile.area if profile else None


async def hold_tenancy(session: AsyncSession, tenancy_id: uuid.UUID) -> bool:
    """Hold the tenancy (see _ended) before anything of its caseload entry is read or
    changed: a report from a draft records concerns dealt with before it adds new
    ones, and tenancy-ended deletes them after taking the tenancy. Whether it has
    ended (a report's referral is refused then: check_referrals_have_a_tenancy)."""
    return await _ended(session, tenancy_id)


async def _ended(session: AsyncSession, tenancy_id: uuid.UUID) -> bool:
    """Whether the tenancy has ended, the tenancy held (FOR SHARE) until this
    transaction commits: what is put on its caseload entry next (concerns, a
    placement, a referral) is written before tenancy-ended clears the entry or after
    it, never between. Lock order: the visit (a report), then the tenancy, then its
    caseload entry and concerns, then the home's score; tenancy-ended takes the
    tenancy, then the entry, then the score."""
    tenancy = await home_profiles.tenancy(session, tenancy_id, lock=True)
    return tenancy is not None and tenancy.ended_on is not None


async def community_officers_follow_areas(
    session: AsyncSession, officers: CaseloadOfficers, uprns: Sequence[str]
) -> None:
    """The community caseload is by area (DOMAIN.md): each tenancy it holds at these
    homes is the officer's of the home's area as visits now keeps it. A tenancy placed
    before the home's register entry arrived (income's and compliance's topics keep no
    order between them) was placed with no area, so with no officer, and sat on nobody's
    caseload; a home whose postcode the register corrected stayed with the old area's
    officer (ADR 0211). Introductory and sustainable tenancy entries have one officer
    each, whatever the area, and are left as they are."""
    by_officer: dict[str | None, list[str]] = {}
    for uprn, area in (await home_profiles.areas_of(session, uprns)).items():
        officer = rules.officer_for(Caseload.COMMUNITY, area, officers)
        by_officer.setdefault(officer, []).append(uprn)
    for officer, homes in by_officer.items():
        await repository.community_officer_is(session, sorted(homes), officer)


async def tenancy_started(
    session: AsyncSession,
    officers: CaseloadOfficers,
    *,
    tenancy_id: uuid.UUID,
    uprn: str,
    tenancy_type: TenancyType,
    start_date: date,
) -> None:
    """Place a new tenancy: introductory or community (never one that has ended, nor
    one a caseload holds already: repository.place_first)."""
    if await _ended(session, tenancy_id):
        return
    placement = rules.on_start(tenancy_type, start_date, await _area(session, uprn), officers)
    await repository.place_first(
        session,
        tenancy_id,
        {
            "uprn": uprn,
            "caseload": placement.caseload,
            "officer": placement.officer,
            "since": start_date,
            "introductory_ends_on": placement.introductory_ends_on,
            "review_on": None,
            "returns_to": None,
            "as_of": start_of_london_day(start_date),
        },
    )


async def tenancy_type_changed(
    session: AsyncSession,
    officers: CaseloadOfficers,
    *,
    tenancy_id: uuid.UUID,
    uprn: str,
    change: TenancyTypeChange,
    tenancy_type: TenancyType,
    introductory_ends_on: date | None,
    effective_on: date,
) -> None:
    """Extended: introductory 6 months longer. Confirmed: to the community caseload
    (a tenancy on the sustainable tenancy caseload returns there when handed back)."""
    if await _ended(session, tenancy_id):
        return
    held = await repository.get(session, tenancy_id)
    tenancy = await home_profiles.tenancy(session, tenancy_id)
    placement = rules.on_type_change(
        change,
        tenancy_type,
        held.introductory_ends_on if held else None,
        introductory_ends_on,
        await _area(session, uprn),
        officers,
        start_date=tenancy.start_date if tenancy else None,
    )
    if placement is None:
        return
    if held is not None and held.caseload is Caseload.SUSTAINABLE_TENANCY:
        await repository.place(
            session,
            tenancy_id,
            {
                "uprn": uprn,
                "caseload": held.caseload,
                "officer": held.officer,
                "since": held.since,
                "returns_to": placement.caseload,
                "introductory_ends_on": placement.introductory_ends_on,
                "as_of": start_of_london_day(effective_on),
            },
        )
        return
    await repository.place(
        session,
        tenancy_id,
        {
            "uprn": uprn,
            "caseload": placement.caseload,
            "officer": placement.officer,
            "since": effective_on,
            "introductory_ends_on": placement.introductory_ends_on,
            "review_on": None,
            "returns_to": None,
            "as_of": start_of_london_day(effective_on),
        },
    )


async def tenancy_ended(session: AsyncSession, tenancy_id: uuid.UUID) -> None:
    await repository.release(session, tenancy_id)


async def refer(
    session: AsyncSession,
    officers: CaseloadOfficers,
    *,
    tenancy_id: uuid.UUID,
    uprn: str,
    review_on: date,
    concern_id: uuid.UUID | None,
    at: datetime,
) -> None:
    """A complex case referred to the sustainable tenancy caseload with a review date;
    it remembers where it came from, to be handed back.

    A visit's referral is dated `at`, its visited_at, and the report may come days later
    (a tablet offline), after the entry was placed again (the tenancy confirmed off its
    introductory year, a hand-back). Versioned by `at` alone, the referral was older
    than that placement and quietly not written, while the report was taken and
    tenancy-concern-raised announced it with its review date: no officer had the case
    and no review fell due (ADR 0210). The referral is the officer's decision, taken
    when the report arrives: it is kept as at least as new as the entry it moves."""
    if await _ended(session, tenancy_id):
        return
    held = await repository.get(session, tenancy_id)
    as_of = at if held is None else max(at, held.as_of)
    if held is not None and held.caseload is Caseload.SUSTAINABLE_TENANCY:
        returns_to = held.returns_to
    else:
        returns_to = held.caseload if held else Caseload.COMMUNITY
    await repository.place(
        session,
        tenancy_id,
        {
            "uprn": uprn,
            "caseload": Caseload.SUSTAINABLE_TENANCY,
            "officer": rules.officer_for(Caseload.SUSTAINABLE_TENANCY, None, officers),
            "since": london_day(at),
            "introductory_ends_on": held.introductory_ends_on if held else None,
            "review_on": review_on,
            "returns_to": returns_to,
            "concern_id": concern_id,
            "as_of": as_of,
            "review_overdue_raised_at": None,
        },
    )


async def refer_directly(
    session: AsyncSession, officers: CaseloadOfficers, tenancy_id: uuid.UUID, review_on: date
) -> CaseloadEntryPublic:
    """An officer refers a current tenancy to the sustainable tenancy caseload (not from
    a visit report); a referral already there gets the new review date."""
    now = datetime.now(UTC)
    if review_on <= london_day(now):
        raise Unprocessable("The review date must be after today", field="review_on")
    try:
        visit_rules.check_planned_day(review_on, london_day(now), "review_on", "The review date")
    except visit_rules.RuleBroken as broken:
        raise Unprocessable(broken.message, field=broken.field) from broken
    # held (see _ended) before its end is looked at: an end committed meanwhile is a 409
    tenancy = await home_profiles.tenancy(session, tenancy_id, lock=True)
    if tenancy is None or tenancy.start_date is None:
        raise NotFound(f"No tenancy {tenancy_id}")
    if tenancy.ended_on is not None:
        raise Conflict(f"Tenancy {tenancy_id} has ended")
    await refer(
        session,
        officers,
        tenancy_id=tenancy_id,
        uprn=tenancy.uprn,
        review_on=review_on,
        concern_id=None,
        at=now,
    )
    held = await repository.get(session, tenancy_id)
    assert held is not None  # just placed
    return await _entry(session, held, now)


async def hand_back(
    session: AsyncSession, officers: CaseloadOfficers, tenancy_id: uuid.UUID
) -> CaseloadEntryPublic:
    """The sustainable tenancy officer hands the case back to where it came from."""
    # The tenancy held first (lock order: the tenancy, then its caseload entry): read
    # unlocked, a referral tenancy-ended was clearing at the same moment was placed
    # back on a caseload once the end committed. Now an ended tenancy has no entry: 404.
    await hold_tenancy(session, tenancy_id)
    held = await repository.get(session, tenancy_id)
    if held is None:
        raise NotFound(f"No caseload holds tenancy {tenancy_id}")
    if held.caseload is not Caseload.SUSTAINABLE_TENANCY:
        raise Conflict(f"Tenancy {tenancy_id} is on the {held.caseload} caseload, not referred")
    back_to = held.returns_to or Caseload.COMMUNITY
    now = datetime.now(UTC)
    await repository.place(
        session,
        tenancy_id,
        {
            "uprn": held.uprn,
            "caseload": back_to,
            "officer": rules.officer_for(back_to, await _area(session, held.uprn), officers),
            "since": london_day(now),
            "review_on": None,
            "returns_to": None,
            "as_of": now,
            "review_overdue_raised_at": None,
        },
    )
    return await _entry(session, held, now)


async def page(
    session: AsyncSession, officer: str, params: PageParams
) -> Page[CaseloadEntryPublic]:
    rows = await repository.page(
        session, officer=officer, after=params.after_as(uuid.UUID), limit=params.fetch
    )
    today = london_day(datetime.now(UTC))
    concerns: dict[uuid.UUID, list[CaseloadConcern]] = {}
    for concern in await repository.open_concerns(session, [row.tenancy_id for row in rows]):
        concerns.setdefault(concern.tenancy_id, []).append(concern)
    return Page.from_rows(
        [to_public(row, today, concerns.get(row.tenancy_id, [])) for row in rows],
        params.limit,
        cursor_of=lambda entry: (entry.tenancy_id,),
    )


async def raise_overdue_reviews(session: AsyncSession, now: datetime) -> int:
    """One batch of the caseload-review sweep: each sustainable tenancy referral whose
    review date has passed raises caseload-review-overdue once (the row is locked, the
    event published through the outbox and the marker stamped in one transaction)."""
    overdue = await repository.reviews_overdue(session, today=london_day(now), limit=SWEEP_BATCH)
    for held in overdue:
        assert held.review_on is not None  # selected for its review date
        await publish(
            session,
            CaseloadReviewOverdue(
                tenancy_id=held.tenancy_id,
                uprn=held.uprn,
                caseload=held.caseload,
                officer=held.officer,
                review_on=held.review_on,
                concern_id=held.concern_id,
                raised_at=now,
            ),
        )
        held.review_overdue_raised_at = now
    REVIEWS_OVERDUE_RAISED.inc(len(overdue))
    return len(overdue)

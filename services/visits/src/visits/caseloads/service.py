"""Use cases for officers' caseloads: tenancies placed, moved and released by tenancy
events and by referrals from visits. Never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.income import TenancyType, TenancyTypeChange
from hearth_contracts.events.visits import Caseload
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound
from hearth_kit.working_days import start_of_london_day
from visits.caseloads import repository, rules
from visits.caseloads.schemas import CaseloadEntryPublic
from visits.programme import repository as home_profiles
from visits.settings import CaseloadOfficers


async def _area(session: AsyncSession, uprn: str) -> str | None:
    profile = await home_profiles.get(session, uprn)
    return profile.area if profile else None


async def _ended(session: AsyncSession, tenancy_id: uuid.UUID) -> bool:
    tenancy = await home_profiles.tenancy(session, tenancy_id)
    return tenancy is not None and tenancy.ended_on is not None


async def tenancy_started(
    session: AsyncSession,
    officers: CaseloadOfficers,
    *,
    tenancy_id: uuid.UUID,
    uprn: str,
    tenancy_type: TenancyType,
    start_date: date,
) -> None:
    """Place a new tenancy: introductory or community (never one that has ended)."""
    if await _ended(session, tenancy_id):
        return
    placement = rules.on_start(tenancy_type, start_date, await _area(session, uprn), officers)
    await repository.place(
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
    placement = rules.on_type_change(
        change,
        tenancy_type,
        held.introductory_ends_on if held else None,
        introductory_ends_on,
        await _area(session, uprn),
        officers,
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
    concern_id: uuid.UUID,
    at: datetime,
) -> None:
    """A complex case referred to the sustainable tenancy caseload with a review date;
    it remembers where it came from, to be handed back."""
    if await _ended(session, tenancy_id):
        return
    held = await repository.get(session, tenancy_id)
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
            "since": at.date(),
            "introductory_ends_on": held.introductory_ends_on if held else None,
            "review_on": review_on,
            "returns_to": returns_to,
            "concern_id": concern_id,
            "as_of": at,
        },
    )


async def hand_back(
    session: AsyncSession, officers: CaseloadOfficers, tenancy_id: uuid.UUID
) -> CaseloadEntryPublic:
    """The sustainable tenancy officer hands the case back to where it came from."""
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
            "since": now.date(),
            "review_on": None,
            "returns_to": None,
            "as_of": now,
        },
    )
    await session.refresh(held)
    return CaseloadEntryPublic.model_validate(held)


async def page(
    session: AsyncSession, officer: str, params: PageParams
) -> Page[CaseloadEntryPublic]:
    rows = await repository.page(
        session, officer=officer, after=params.after_as(uuid.UUID), limit=params.fetch
    )
    return Page.from_rows(
        [CaseloadEntryPublic.model_validate(row) for row in rows],
        params.limit,
        cursor_of=lambda entry: (entry.tenancy_id,),
    )

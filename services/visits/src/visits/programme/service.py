"""Use cases for the risk-based visit programme. Never commits."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.compliance import GasSupply
from hearth_contracts.events.engagement import AgeBand
from hearth_contracts.events.income import ArrearsStage, TenancyType
from hearth_kit.problems import NotFound
from visits.programme import repository, rules
from visits.programme.repository import LastVisits, Resident
from visits.programme.schemas import HomePriority, Programme
from visits.settings import RiskWeights, VisitIntervals

AGE_ORDER = list(AgeBand)
CONTACT_WINDOW = timedelta(days=365)


def eldest(residents: Sequence[Resident]) -> AgeBand | None:
    bands = [r.age_band for r in residents if r.age_band is not None]
    return max(bands, key=AGE_ORDER.index) if bands else None


def _priority(**facts: Any) -> HomePriority:
    """One home's full explanation."""
    return _explained(_ranked(**facts))


class _Ranked(NamedTuple):
    """A home as the ranking holds it: what it needs to sort, and to explain later."""

    score: int
    due_by: date
    uprn: str
    area: str | None
    factors: rules.HomeFacts
    earned: list[tuple[rules.Factor, int]]
    upcoming: rules.NextVisit


def _explained(home: _Ranked) -> HomePriority:
    return HomePriority(
        uprn=home.uprn,
        area=home.area,
        score=home.score,
        reasons=[rules.Reason(factor=factor, points=points) for factor, points in home.earned],
        factors=home.factors.model(),
        next_visit_kind=home.upcoming.kind,
        stock_condition_survey=home.upcoming.stock_condition_survey,
        due_by=home.upcoming.due_by,
        beyond_interval=home.upcoming.beyond_interval,
    )


def _ranked(
    *,
    uprn: str,
    area: str | None,
    gas_supply: GasSupply | None,
    tenancy: tuple[date | None, TenancyType | None, ArrearsStage | None] | None,
    residents: Sequence[Resident],
    contacts: int,
    actions: int,
    no_access: int,
    damp: bool,
    visits: LastVisits,
    weights: RiskWeights,
    intervals: VisitIntervals,
    today: date,
) -> _Ranked:
    upcoming = rules.next_visit(
        rules.VisitHistory(
            visits.last_visit, visits.last_full_visit, visits.last_stock_condition_survey
        ),
        today,
        intervals,
    )
    start, tenancy_type, arrears = tenancy or (None, None, None)
    factors = rules.HomeFacts(
        beyond_interval=upcoming.beyond_interval,
        contact_frequency=rules.contact_frequency(contacts, weights)
        if tenancy is not None
        else rules.ContactFrequency.USUAL,
        contacts_last_12_months=contacts,
        vulnerabilities_declared=sum(1 for r in residents if r.vulnerable),
        living_alone=any(r.lives_alone for r in residents) and len(residents) <= 1,
        age_band=eldest(residents),
        customer_actions_outstanding=actions,
        no_annual_gas_visit=gas_supply is not None and gas_supply is not GasSupply.LIVE,
        new_or_introductory_tenancy=tenancy is not None
        and rules.is_new_tenancy(start, tenancy_type, today),
        arrears_stage=arrears or ArrearsStage.NONE,
        damp_history=damp,
        no_access_visits=no_access,
    )
    earned = rules.points_earned(factors, weights)
    return _Ranked(
        sum(points for _, points in earned), upcoming.due_by, uprn, area, factors, earned, upcoming
    )


class ProgrammeService:
    async def rank(
        self,
        session: AsyncSession,
        *,
        area: str | None,
        limit: int,
        weights: RiskWeights,
        intervals: VisitIntervals,
        now: datetime,
        today: date,
    ) -> Programme:
        """Rank every home (in the area) by its explainable risk score: one grouped
        query per factor source, so the work grows with the number of homes."""
        homes = await repository.homes(session, area)
        tenancies = await repository.current_tenancies(session, area)
        households = await repository.households(session, area)
        contacts = await repository.contacts_since(session, area, now - CONTACT_WINDOW)
        actions = await repository.open_actions(session, area)
        no_access = await repository.no_access(session, area)
        damp = await repository.damp_homes(session, area)
        visits = await repository.last_visits(session, area)
        ranked = [
            _ranked(
                uprn=uprn,
                area=home_area,
                gas_supply=gas,
                tenancy=tenancies.get(uprn),
                residents=households.get(uprn, []),
                contacts=contacts.get(uprn, 0),
                actions=actions.get(uprn, 0),
                no_access=no_access.get(uprn, 0),
                damp=uprn in damp,
                visits=visits.get(uprn, LastVisits()),
                weights=weights,
                intervals=intervals,
                today=today,
            )
            for uprn, home_area, gas in homes
        ]
        top = heapq.nsmallest(limit, ranked, key=lambda home: (-home.score, home.due_by, home.uprn))
        return Programme(
            homes_ranked=len(ranked),
            beyond_interval=sum(1 for home in ranked if home.upcoming.beyond_interval),
            items=[_explained(home) for home in top],
        )

    async def priority(
        self,
        session: AsyncSession,
        uprn: str,
        weights: RiskWeights,
        intervals: VisitIntervals,
        now: datetime,
        today: date,
    ) -> HomePriority:
        """One home's score, the factors that made it, and its next visit."""
        profile = await repository.get(session, uprn)
        visits = await repository.visits_of(session, uprn)
        residents = await repository.residents_at(session, uprn)
        tenancy = await repository.current_tenancy(session, uprn)
        if profile is None and tenancy is None and not residents and visits.last_visit is None:
            raise NotFound(f"Nothing is known about home {uprn}")
        contacts = await repository.contacts_since(session, None, now - CONTACT_WINDOW, uprn)
        return _priority(
            uprn=uprn,
            area=profile.area if profile else None,
            gas_supply=profile.gas_supply if profile else None,
            tenancy=None
            if tenancy is None
            else (tenancy.start_date, tenancy.tenancy_type, tenancy.arrears_stage),
            residents=[Resident(r.age_band, r.lives_alone, r.vulnerable) for r in residents],
            contacts=contacts.get(uprn, 0),
            actions=(await repository.open_actions(session, None, uprn)).get(uprn, 0),
            no_access=(await repository.no_access(session, None, uprn)).get(uprn, 0),
            damp=uprn in await repository.damp_homes(session, None, uprn),
            visits=visits,
            weights=weights,
            intervals=intervals,
            today=today,
        )


programme_service = ProgrammeService()

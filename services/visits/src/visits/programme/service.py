"""Use cases for the risk-based visit programme. Never commits.

A home's score is worked out when something it depends on changes (an event about the
home, a visit reported, a date passing, the configuration changing) and stored with the
factors and reasons that made it (ProgrammeScore); ranking the programme is then an
indexed query over the stored scores, paged by keyset (docs/adr/0011)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.compliance import GasSupply
from hearth_contracts.events.engagement import AgeBand
from hearth_contracts.events.income import ArrearsStage
from hearth_kit.pagination import decode_cursor, encode_cursor
from hearth_kit.problems import NotFound, Unprocessable
from hearth_kit.working_days import london_day, start_of_london_day
from visits.models import ProgrammeScore
from visits.programme import repository, rules
from visits.programme.repository import CurrentTenancy, LastVisits, RankKey, Resident
from visits.programme.schemas import HomePriority, Programme
from visits.settings import RiskWeights, VisitIntervals

AGE_ORDER = list(AgeBand)
CONTACT_WINDOW_MONTHS = 12
"""Contacts "in the last 12 months" (DOMAIN.md) are counted: calendar months by London
day, so a contact on the same date a year ago counts whatever leap day lies between."""
RESCORE_BATCH = 500
"""Homes the re-scoring job works out per batch (one transaction each)."""


def contact_window_opens(today: date) -> datetime:
    """The moment the contacts counted on `today` start: midnight in London on the same
    day `CONTACT_WINDOW_MONTHS` earlier (the month's last day when it is shorter)."""
    return start_of_london_day(rules.add_months(today, -CONTACT_WINDOW_MONTHS))


def household_since(tenancies: Mapping[str, CurrentTenancy]) -> dict[str, datetime]:
    """Per home, the moment the household living there moved in: its current tenancy's
    first London day. Its contacts, its no-access history and the customer actions
    outstanding are counted from then (ADR 0096: the factors are the household's living
    there); a home with no current tenancy known counts all of them."""
    return {
        uprn: start_of_london_day(tenancy.start_date)
        for uprn, tenancy in tenancies.items()
        if tenancy.start_date is not None
    }


def eldest(residents: Sequence[Resident]) -> AgeBand | None:
    bands = [r.age_band for r in residents if r.age_band is not None]
    return max(bands, key=AGE_ORDER.index) if bands else None


class _Scored(NamedTuple):
    """A home's score as worked out: what it needs to be stored and explained."""

    score: int
    uprn: str
    area: str | None
    factors: rules.HomeFacts
    earned: list[tuple[rules.Factor, int]]
    upcoming: rules.NextVisit
    rescore_on: date


def _explained(home: _Scored, *, programmed: bool = True) -> HomePriority:
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
        in_programme=programmed,
    )


def _scored(
    *,
    uprn: str,
    area: str | None,
    gas_supply: GasSupply | None,
    needs_gas_safety_check: bool | None,
    tenancy: CurrentTenancy | None,
    next_tenancy_starts: date | None,
    residents: Sequence[Resident],
    contacts: tuple[int, datetime] | None,
    actions: int,
    no_access: int,
    damp: bool,
    visits: LastVisits,
    registered_on: date | None,
    officer_visit_asked_on: date | None,
    weights: RiskWeights,
    intervals: VisitIntervals,
    today: date,
) -> _Scored:
    history = rules.VisitHistory(
        visits.last_visit,
        visits.last_full_visit,
        visits.last_stock_condition_survey,
        counted_from=rules.counted_from(registered_on, tenancy.start_date if tenancy else None),
    )
    upcoming = rules.next_visit(history, today, intervals)
    officer_visit = rules.officer_visit_open(officer_visit_asked_on, visits.last_full_visit)
    if officer_visit:
        upcoming = rules.with_officer_visit(upcoming)
    contacted, oldest_contact = contacts or (0, None)
    moved_in = tenancy.start_date if tenancy is not None else None
    whole_window = moved_in is None or moved_in <= rules.add_months(today, -CONTACT_WINDOW_MONTHS)
    very_low_judged_on = (
        rules.whole_window_on(moved_in, CONTACT_WINDOW_MONTHS)
        if moved_in is not None
        and not whole_window
        and rules.contact_frequency(contacted, weights) is rules.ContactFrequency.VERY_LOW
        else None
    )
    introductory = tenancy is not None and tenancy.tenancy_type in rules.INTRODUCTORY_TYPES
    factors = rules.HomeFacts(
        beyond_interval=upcoming.beyond_interval,
        contact_frequency=rules.household_contact(contacted, weights, whole_window=whole_window)
        if tenancy is not None
        else rules.ContactFrequency.USUAL,
        contacts_last_12_months=contacted,
        vulnerabilities_declared=sum(1 for r in residents if r.vulnerable),
        living_alone=any(r.lives_alone for r in residents) and len(residents) <= 1,
        age_band=eldest(residents),
        customer_actions_outstanding=actions,
        no_annual_gas_visit=rules.no_annual_gas_visit(needs_gas_safety_check, gas_supply),
        new_or_introductory_tenancy=tenancy is not None
        and rules.is_new_tenancy(tenancy.start_date, tenancy.tenancy_type, today),
        arrears_stage=(tenancy.arrears_stage if tenancy else None) or ArrearsStage.NONE,
        damp_history=damp,
        no_access_visits=no_access,
        officer_visit_for_check_access=officer_visit,
    )
    earned = rules.points_earned(factors, weights)
    return _Scored(
        score=sum(points for _, points in earned),
        uprn=uprn,
        area=area,
        factors=factors,
        earned=earned,
        upcoming=upcoming,
        rescore_on=rules.rescore_on(
            today,
            history,
            upcoming,
            intervals,
            tenancy_start=tenancy.start_date if tenancy else None,
            introductory=introductory,
            next_tenancy_starts=next_tenancy_starts,
            oldest_contact_in_window=london_day(oldest_contact) if oldest_contact else None,
            contact_window_months=CONTACT_WINDOW_MONTHS,
            very_low_judged_on=very_low_judged_on,
        ),
    )


def _stored(home: _Scored, today: date, configuration: str) -> dict[str, Any]:
    return {
        "uprn": home.uprn,
        "area": home.area,
        "score": home.score,
        "due_by": home.upcoming.due_by,
        "beyond_interval": home.upcoming.beyond_interval,
        "next_visit_kind": home.upcoming.kind,
        "stock_condition_survey": home.upcoming.stock_condition_survey,
        "reasons": [{"factor": str(factor), "points": points} for factor, points in home.earned],
        "factors": home.factors.model().model_dump(mode="json"),
        "scored_on": today,
        "rescore_on": home.rescore_on,
        "configuration": configuration,
    }


def _from_store(row: ProgrammeScore) -> HomePriority:
    return HomePriority.model_validate(
        {
            "uprn": row.uprn,
            "area": row.area,
            "score": row.score,
            "reasons": row.reasons,
            "factors": row.factors,
            "next_visit_kind": row.next_visit_kind,
            "stock_condition_survey": row.stock_condition_survey,
            "due_by": row.due_by,
            "beyond_interval": row.beyond_interval,
        }
    )


def _rank_key(cursor: str | None) -> RankKey | None:
    """The (score, due_by, uprn) a next_cursor continues after; any other value is a
    422 naming the query parameter `cursor`."""
    if cursor is None:
        return None
    values = decode_cursor(cursor)
    try:
        score, due_by, uprn = values
        if not -(2**31) <= int(score) < 2**31:  # the score column's range
            raise ValueError("score out of range")
        return int(score), date.fromisoformat(due_by), uprn
    except ValueError as exc:
        raise Unprocessable(
            "The cursor is not one this API issued", field="cursor", location="query"
        ) from exc


class ProgrammeService:
    def __init__(self, weights: RiskWeights, intervals: VisitIntervals) -> None:
        self.weights = weights
        self.intervals = intervals
        self.configuration = rules.configuration_fingerprint(weights, intervals)

    async def _work_out(
        self, session: AsyncSession, uprns: Sequence[str], now: datetime
    ) -> tuple[list[_Scored], list[str]]:
        """The scores of the homes among `uprns` the asset register knows and the
        programme holds, from one grouped query per factor source; and those it knows
        but the programme leaves out (a leasehold or shared ownership home, ADR 0115)."""
        today = london_day(now)
        registered = await repository.homes(session, uprns)
        homes = [home for home in registered if rules.in_programme(home.tenure)]
        left_out = [home.uprn for home in registered if not rules.in_programme(home.tenure)]
        if not homes:
            return [], left_out
        known = [home.uprn for home in homes]
        tenancies = await repository.current_tenancies(session, known, today)
        starting = await repository.tenancies_starting(session, known, today)
        households = await repository.households(session, known, today)
        moved_in = household_since(tenancies)
        contacts = await repository.contacts_since(
            session, known, contact_window_opens(today), moved_in
        )
        actions = await repository.open_actions(session, known, moved_in)
        no_access = await repository.no_access(session, known, moved_in)
        damp = await repository.damp_homes(session, known)
        visits = await repository.last_visits(session, known)
        officer_visits = await repository.officer_visits_for_access(session, known)
        return [
            _scored(
                uprn=uprn,
                area=area,
                gas_supply=gas,
                needs_gas_safety_check=needs_gas_check,
                tenancy=tenancies.get(uprn),
                next_tenancy_starts=starting.get(uprn),
                residents=households.get(uprn, []),
                contacts=contacts.get(uprn),
                actions=actions.get(uprn, 0),
                no_access=no_access.get(uprn, 0),
                damp=uprn in damp,
                visits=visits.get(uprn, LastVisits()),
                registered_on=registered_on,
                officer_visit_asked_on=officer_visits.get(uprn),
                weights=self.weights,
                intervals=self.intervals,
                today=today,
            )
            for uprn, area, gas, needs_gas_check, registered_on, _ in homes
        ], left_out

    async def rescore(self, session: AsyncSession, uprns: Sequence[str], now: datetime) -> int:
        """Work out and store the scores of these homes (those on the asset register
        the programme holds; a leasehold or shared ownership home's stored score goes,
        ADR 0115): called whenever something a score depends on changes for them."""
        unique = sorted(set(uprns))
        if not unique:
            return 0
        # Lock, then read, then write: the homes' stored scores are locked (in UPRN
        # order) before their factors are read, so a transaction re-scoring the same home
        # at the same time (another partition's events, a visit report) waits here and
        # reads the factors once the first has committed. Read unlocked, the second's
        # score, worked out without the first's change, was stored over the first's.
        # The score row is the last lock every path takes (after the writes that changed
        # the factors), and the rescore job takes it first and nothing after it.
        held = await repository.lock_scores(session, unique)
        today = london_day(now)
        scored, left_out = await self._work_out(session, unique, now)
        await repository.drop_scores(session, left_out)
        found = await repository.save_scores(
            session, [_stored(home, today, self.configuration) for home in scored]
        )
        raced = sorted(found - held)
        if raced:
            # A home scored for the first time had no row to lock, and another
            # transaction inserted one meanwhile (this upsert waited for it and then
            # wrote over it): the row is held now, so its factors are read again and its
            # score stored as they now are.
            again, _ = await self._work_out(session, raced, now)
            await repository.save_scores(
                session, [_stored(home, today, self.configuration) for home in again]
            )
        return len(scored)

    async def rescore_due(self, session: AsyncSession, now: datetime) -> int:
        """One batch of the programme-rescore job: homes never scored, then homes a date
        has moved or that were scored under another configuration. Returns how many it
        re-scored (0: nothing left to do)."""
        uprns = await repository.never_scored(session, limit=RESCORE_BATCH)
        if not uprns:
            uprns = await repository.due_for_rescoring(
                session,
                today=london_day(now),
                configuration=self.configuration,
                limit=RESCORE_BATCH,
            )
        await self.rescore(session, uprns, now)
        return len(uprns)

    async def rank(
        self,
        session: AsyncSession,
        *,
        area: str | None,
        limit: int,
        cursor: str | None,
        today: date,
    ) -> Programme:
        """Every home (in the area) by its stored score, highest first, then the
        earliest due date; `limit` at a time, continued by `next_cursor`. The first
        page also counts the homes ranked and those beyond their interval (the counts
        read every home in the area; later pages stay an index range scan)."""
        after = _rank_key(cursor)
        rows = await repository.ranked(session, area=area, after=after, limit=limit + 1)
        homes_ranked: int | None = None
        beyond: int | None = None
        if after is None:
            homes_ranked, beyond = await repository.ranking_counts(session, area=area, today=today)
        items = [_from_store(row) for row in rows[:limit]]
        last = items[-1] if len(rows) > limit and items else None
        return Programme(
            homes_ranked=homes_ranked,
            beyond_interval=beyond,
            items=items,
            next_cursor=None
            if last is None
            else encode_cursor(last.score, last.due_by.isoformat(), last.uprn),
        )

    async def priority(self, session: AsyncSession, uprn: str, now: datetime) -> HomePriority:
        """One home's score, the factors that made it, and its next visit, worked out
        now (a home not on the asset register yet included). A leasehold or shared
        ownership home is worked out the same, for a visit on request, and said to be
        out of the programme (`in_programme` false, ADR 0115)."""
        today = london_day(now)
        profile = await repository.get(session, uprn)
        visits = await repository.visits_of(session, uprn)
        residents = await repository.residents_at(session, uprn, today)
        tenancy = await repository.current_tenancy(session, uprn, today)
        if profile is None and tenancy is None and not residents and visits.last_visit is None:
            raise NotFound(f"Nothing is known about home {uprn}")
        moved_in = (
            {}
            if tenancy is None or tenancy.start_date is None
            else {uprn: start_of_london_day(tenancy.start_date)}
        )
        contacts = await repository.contacts_since(
            session, [uprn], contact_window_opens(today), moved_in
        )
        return _explained(
            _scored(
                uprn=uprn,
                area=profile.area if profile else None,
                gas_supply=profile.gas_supply if profile else None,
                needs_gas_safety_check=profile.needs_gas_safety_check if profile else None,
                tenancy=None
                if tenancy is None
                else CurrentTenancy(
                    tenancy.start_date,
                    tenancy.tenancy_type,
                    tenancy.arrears_stage,
                ),
                next_tenancy_starts=(
                    await repository.tenancies_starting(session, [uprn], today)
                ).get(uprn),
                residents=[Resident(r.age_band, r.lives_alone, r.vulnerable) for r in residents],
                contacts=contacts.get(uprn),
                actions=(await repository.open_actions(session, [uprn], moved_in)).get(uprn, 0),
                no_access=(await repository.no_access(session, [uprn], moved_in)).get(uprn, 0),
                damp=uprn in await repository.damp_homes(session, [uprn]),
                visits=visits,
                registered_on=None
                if profile is None or profile.registered_at is None
                else london_day(profile.registered_at),
                officer_visit_asked_on=(
                    await repository.officer_visits_for_access(session, [uprn])
                ).get(uprn),
                weights=self.weights,
                intervals=self.intervals,
                today=today,
            ),
            programmed=rules.in_programme(profile.tenure if profile else None),
        )

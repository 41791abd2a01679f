"""Use cases for the risk-based visit programme. Never commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.compliance import HeatingFuel
from hearth_kit.problems import NotFound
from visits.programme import repository, rules
from visits.programme.schemas import HomePriority
from visits.settings import RiskWeights


class ProgrammeService:
    async def priority(
        self, session: AsyncSession, uprn: str, weights: RiskWeights, today: date
    ) -> HomePriority:
        """Score a home from what visits knows of it so far: the asset register's heating
        fuel, the current tenancy, and the home's own visit history. Factors not yet
        projected here (contact frequency, vulnerabilities, household make-up, customer
        actions, arrears) count as absent."""
        profile = await repository.get(session, uprn)
        if profile is None and not await repository.has_visits(session, uprn):
            raise NotFound(f"Nothing is known about home {uprn}")
        factors = rules.HomeRiskFactors(
            electric_heating=profile is not None and profile.heating_fuel is HeatingFuel.ELECTRIC,
            new_or_introductory_tenancy=profile is not None
            and rules.is_new_tenancy(profile.tenancy_start_date, profile.tenancy_type, today),
            damp_history=await repository.has_damp_history(session, uprn),
            no_access_visits=await repository.no_access_visits(session, uprn),
        )
        score = rules.visit_priority(factors, weights)
        return HomePriority(uprn=uprn, score=score.score, reasons=score.reasons, factors=factors)


programme_service = ProgrammeService()

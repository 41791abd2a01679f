"""Engagement's figures for a period: the regulator's CH01 and CH02 (complaints per
1,000 homes, and answered within the Code's timescales, not a landlord's stricter
ones), TP01 to TP12 from the perception survey (its respondents in homes let to
tenants, the homes CH01 counts: a leaseholder's or shared owner's answers are left
out, each by the home's tenure when it was given; CH01's homes as at the period's end,
docs/adr/0085), and overall satisfaction (TP01) by diversity strand, for a caller with
diversity:read only, with groups under the minimum size (and any that would give them
away by subtraction) suppressed together.

Beside them, the shared owners' own measures (low cost home ownership, reported apart
by the regulator: CH01, CH02, TP01 and TP05 to TP12, docs/adr/0091), by the same rules
over the shared ownership homes, their complaints and their respondents. A complaint,
like a response, counts in the stock of its home's tenure when it was made; a
leasehold home's are in neither."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.complaints import repository as complaints
from engagement.complaints import rules as code
from engagement.diversity.rules import Strand
from engagement.figures.schemas import EngagementFigures, LowCostHomeOwnershipFigures
from engagement.models import SurveyResponse
from engagement.residents import repository as residents
from engagement.residents import rules as resident_rules
from engagement.residents.rules import Stock
from engagement.surveys import rules as survey_rules
from engagement.surveys.service import SurveyService, period_bounds
from hearth_contracts.events.engagement import ComplaintStage, Rating, SurveyKind, SurveyQuestion
from hearth_kit.figures import Measure, Period
from hearth_kit.working_days import ENGLAND_AND_WALES, WorkingDayCalendar

STAGE_CODES = {ComplaintStage.STAGE_1: "1", ComplaintStage.STAGE_2: "2"}

QUESTIONS: dict[Stock, tuple[SurveyQuestion, ...]] = {
    Stock.LOW_COST_RENTAL: survey_rules.PERCEPTION_QUESTIONS,
    Stock.LOW_COST_HOME_OWNERSHIP: survey_rules.SHARED_OWNERS_QUESTIONS,
}
"""The perception measures each stock reports: TP01 to TP12 for homes let to tenants,
TP01 and TP05 to TP12 for shared owners."""

HOMES: dict[Stock, str] = {
    Stock.LOW_COST_RENTAL: "homes",
    Stock.LOW_COST_HOME_OWNERSHIP: "shared ownership homes",
}
"""CH01's homes as its description names them."""

FROM: dict[Stock, str] = {
    Stock.LOW_COST_RENTAL: "",
    Stock.LOW_COST_HOME_OWNERSHIP: " from shared owners",
}


class FiguresService:
    def __init__(
        self, surveys: SurveyService, calendar: WorkingDayCalendar = ENGLAND_AND_WALES
    ) -> None:
        """`calendar` counts the Code's working days for CH02 (docs/adr/0041: weekends
        and bank holidays in England and Wales, never the landlord's closure days)."""
        self.surveys = surveys
        self.calendar = calendar

    async def figures(
        self, session: AsyncSession, period: Period, *, with_strands: bool
    ) -> EngagementFigures:
        """The period's measures, for homes let to tenants and, apart, for shared
        owners; TP01 by each diversity strand (the breakdowns, of tenants' answers) only
        `with_strands`, which the caller's diversity:read decides."""
        start, end = period_bounds(period.first, period.last)
        responses = await self.surveys.responses(session, SurveyKind.PERCEPTION, start, end)
        tenures = await residents.tenure_histories(session, (r.uprn for r in responses))
        respondents: dict[Stock, list[SurveyResponse]] = {stock: [] for stock in Stock}
        for response in responses:
            stock = resident_rules.stock_of(
                resident_rules.tenure_as_at(tenures.get(response.uprn, ()), response.responded_at)
            )
            if stock is not None:
                respondents[stock].append(response)
        measures = {
            stock: [
                *await self._complaints(session, stock, start, end),
                *self._perception(stock, respondents[stock]),
            ]
            for stock in Stock
        }
        breakdowns: dict[str, list[Measure]] = {}
        for strand in Strand if with_strands else ():
            groups = await self.surveys.by_group(
                session, respondents[Stock.LOW_COST_RENTAL], [SurveyQuestion.TP01_OVERALL], strand
            )
            breakdowns[f"TP01.by_{strand.value}"] = [
                Measure.ratio(
                    f"TP01.{strand.value}.suppressed",
                    f"Groups of fewer than {self.surveys.minimum_group_size} respondents, "
                    "and any that would give them away by subtraction, together: suppressed",
                    0,
                    0,
                )
                if group.suppressed
                else Measure.ratio(
                    f"TP01.{strand.value}.{group.value}",
                    f"Satisfied with the overall service ({strand.value}: {group.value})",
                    group.questions[0].satisfied or 0,
                    group.questions[0].answered or 0,
                )
                for group in groups
            ]
        return EngagementFigures(
            from_=period.first,
            to=period.last,
            measures=measures[Stock.LOW_COST_RENTAL],
            breakdowns=breakdowns,
            low_cost_home_ownership=LowCostHomeOwnershipFigures(
                measures=measures[Stock.LOW_COST_HOME_OWNERSHIP]
            ),
        )

    async def _complaints(
        self, session: AsyncSession, stock: Stock, start: datetime, end: datetime
    ) -> list[Measure]:
        """CH01.1, CH01.2 (stages requested in the period per 1,000 of the stock's homes
        as at its end) and CH02.1, CH02.2 (stages answered in the period, and how many
        within the Code's timescales), of the complaints made from the stock's homes."""
        homes = await residents.homes_count(session, registered_before=end, stock=stock)
        measures: list[Measure] = []
        for stage, n in STAGE_CODES.items():
            received = await complaints.received_between(session, stage, start, end, stock=stock)
            measures.append(
                Measure.ratio(
                    f"CH01.{n}",
                    f"Stage {n} complaints{FROM[stock]} received per 1,000 {HOMES[stock]}",
                    received,
                    homes,
                    per=1000,
                )
            )
        for stage, n in STAGE_CODES.items():
            answered = await complaints.answered_between(session, stage, start, end, stock=stock)
            in_time = sum(
                1
                for s in answered
                if s.responded_at is not None
                and s.acknowledged_at is not None
                and s.respond_by is not None
                and code.answered_within_the_code(
                    stage=s.stage,
                    acknowledged_at=s.acknowledged_at,
                    deadline=s.respond_by,
                    responded_at=s.responded_at,
                    calendar=self.calendar,
                )
            )
            measures.append(
                Measure.ratio(
                    f"CH02.{n}",
                    f"Stage {n} complaints{FROM[stock]} answered within the Code's timescales",
                    in_time,
                    len(answered),
                )
            )
        return measures

    @staticmethod
    def _perception(stock: Stock, responses: list[SurveyResponse]) -> list[Measure]:
        """The stock's perception measures over its respondents (one voice per
        household in the period, docs/adr/0122; not applicable left out)."""
        measures = []
        for question in QUESTIONS[stock]:
            satisfied, answered_count = survey_rules.satisfaction(
                Rating(r.answers[question.value]) for r in responses if question.value in r.answers
            )
            measures.append(
                Measure.ratio(
                    survey_rules.tsm_code(question),
                    survey_rules.TSM_DESCRIPTIONS[question],
                    satisfied,
                    answered_count,
                )
            )
        return measures

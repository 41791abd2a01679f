"""Engagement's figures for a period: the regulator's CH01 and CH02 (complaints per
1,000 homes, and answered within the Code's timescales, not a landlord's stricter
ones), TP01 to TP12 from the perception survey (its respondents in homes let to
tenants, the homes CH01 counts: a leaseholder's or shared owner's answers are left
out, each by the home's tenure when it was given; CH01's homes as at the period's end,
docs/adr/0085), and overall satisfaction (TP01) by diversity strand, for a caller with
diversity:read only, with groups under the minimum size (and any that would give them
away by subtraction) suppressed together."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.complaints import repository as complaints
from engagement.complaints import rules as code
from engagement.diversity.rules import Strand
from engagement.residents import repository as residents
from engagement.residents import rules as resident_rules
from engagement.surveys import rules as survey_rules
from engagement.surveys.service import SurveyService, period_bounds
from hearth_contracts.events.engagement import ComplaintStage, Rating, SurveyKind, SurveyQuestion
from hearth_kit.figures import Figures, Measure, Period
from hearth_kit.working_days import ENGLAND_AND_WALES, WorkingDayCalendar

STAGE_CODES = {ComplaintStage.STAGE_1: "1", ComplaintStage.STAGE_2: "2"}


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
    ) -> Figures:
        """The period's measures; TP01 by each diversity strand (the breakdowns) only
        `with_strands`, which the caller's diversity:read decides."""
        start, end = period_bounds(period.first, period.last)
        homes = await residents.homes_count(session, registered_before=end)
        measures: list[Measure] = []
        for stage, n in STAGE_CODES.items():
            received = await complaints.received_between(session, stage, start, end)
            measures.append(
                Measure.ratio(
                    f"CH01.{n}",
                    f"Stage {n} complaints received per 1,000 homes",
                    received,
                    homes,
                    per=1000,
                )
            )
        for stage, n in STAGE_CODES.items():
            answered = await complaints.answered_between(session, stage, start, end)
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
                    f"Stage {n} complaints answered within the Code's timescales",
                    in_time,
                    len(answered),
                )
            )
        responses = await self.surveys.responses(session, SurveyKind.PERCEPTION, start, end)
        tenures = await residents.tenure_histories(session, (r.uprn for r in responses))
        responses = [
            r
            for r in responses
            if resident_rules.let_to_tenants(
                resident_rules.tenure_as_at(tenures.get(r.uprn, ()), r.responded_at)
            )
        ]
        for question in survey_rules.PERCEPTION_QUESTIONS:
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
        breakdowns: dict[str, list[Measure]] = {}
        for strand in Strand if with_strands else ():
            groups = await self.surveys.by_group(
                session, responses, [SurveyQuestion.TP01_OVERALL], strand
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
        return period.figures(measures, breakdowns)

"""Use cases for surveys: transactional invitations after a repair, a safety check or
a visit (sent through the message pipeline), responses with reasons and operative
feedback, and results by diversity strand with small groups suppressed. Never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.complaints.rules import earliest_receipt
from engagement.diversity import repository as diversity
from engagement.diversity import rules as diversity_rules
from engagement.diversity.rules import Strand
from engagement.diversity.service import require_diversity_read
from engagement.messages.service import MessageService
from engagement.messages.templates import Wording
from engagement.models import SurveyResponse
from engagement.residents import repository as residents
from engagement.residents.service import require_of_the_home
from engagement.surveys import repository, rules
from engagement.surveys.schemas import (
    Answer,
    GroupResult,
    QuestionResult,
    ReasonCounts,
    SurveyResponseCreate,
    SurveyResponsePublic,
    SurveyResults,
)
from hearth_contracts.events.engagement import (
    Rating,
    SurveyAnswer,
    SurveyKind,
    SurveyQuestion,
    SurveyResponded,
)
from hearth_kit.auth import Caller
from hearth_kit.figures import to_four_places
from hearth_kit.outbox import publish
from hearth_kit.problems import NotFound, Unprocessable
from hearth_kit.working_days import london_day, start_of_london_day

SURVEY_WORDS: dict[SurveyKind, Wording] = {
    SurveyKind.REPAIR: Wording({"en": "repair", "cy": "atgyweiriad", "pl": "naprawa"}),
    SurveyKind.GAS_CHECK: Wording(
        {
            "en": "gas safety check",
            "cy": "gwiriad diogelwch nwy",
            "pl": "kontrola bezpieczeństwa instalacji gazowej",
        }
    ),
    SurveyKind.HOME_VISIT: Wording(
        {"en": "home visit", "cy": "ymweliad cartref", "pl": "wizyta domowa"}
    ),
    SurveyKind.COMPLAINT: Wording({"en": "complaint", "cy": "cwyn", "pl": "skarga"}),
    SurveyKind.COMMUNAL_REPAIR: Wording(
        {
            "en": "communal repair",
            "cy": "atgyweiriad i'r mannau cymunedol",
            "pl": "naprawa części wspólnych",
        }
    ),
    SurveyKind.PERCEPTION: Wording(
        {"en": "annual survey", "cy": "arolwg blynyddol", "pl": "coroczna ankieta"}
    ),
}
"""What a survey invitation calls the piece of work, in the letter's language (the
Welsh and Polish templates put it in brackets, so it needs no mutation or case)."""


def to_public(response: SurveyResponse) -> SurveyResponsePublic:
    return SurveyResponsePublic(
        id=response.id,
        survey=response.survey,
        uprn=response.uprn,
        resident_id=response.resident_id,
        about_id=response.about_id,
        answers=[
            Answer(question=SurveyQuestion(q), rating=Rating(r))
            for q, r in response.answers.items()
        ],
        reasons=response.reasons,
        operative_feedback=response.operative_feedback,
        responded_at=response.responded_at,
    )


def question_results(
    responses: list[SurveyResponse], questions: list[SurveyQuestion], *, suppressed: bool = False
) -> list[QuestionResult]:
    """Each question's satisfaction, and how many of those satisfied and of those
    dissatisfied gave their reasons (rules.reasons_given: counts only, never the words,
    docs/adr/0178). A suppressed group's are all null."""
    results = []
    for question in questions:
        if suppressed:
            results.append(
                QuestionResult(
                    question=question,
                    satisfied=None,
                    answered=None,
                    share=None,
                    reasons=None,
                )
            )
            continue
        rated = [
            (Rating(r.answers[question.value]), r.reasons)
            for r in responses
            if question.value in r.answers
        ]
        satisfied, answered = rules.satisfaction(rating for rating, _ in rated)
        share = to_four_places(Fraction(satisfied, answered)) if answered else None
        with_satisfied, with_dissatisfied = rules.reasons_given(rated)
        results.append(
            QuestionResult(
                question=question,
                satisfied=satisfied,
                answered=answered,
                share=share,
                reasons=ReasonCounts(satisfied=with_satisfied, dissatisfied=with_dissatisfied),
            )
        )
    return results


BLOCK_BATCH = 200
"""Homes of a block asked about a communal repair in one batch (invite_block)."""


class SurveyService:
    def __init__(
        self, messages: MessageService, minimum_group_size: int, report_window_years: int
    ) -> None:
        self.messages = messages
        self.minimum_group_size = minimum_group_size
        self.report_window_years = report_window_years

    async def invite(
        self,
        session: AsyncSession,
        *,
        uprn: str,
        survey: SurveyKind,
        about_id: uuid.UUID,
        done_on: date,
        now: datetime,
    ) -> int:
        """Invite the home's residents to a transactional survey about a piece of work
        (once per resident and piece of work), through the message pipeline: those who
        lived there on the London day the work was done, `done_on` (repository.
        residents_on: not a household that moved in after it, when the event is handled
        late; a tenant who has moved within the landlord's homes since answers for the
        home they lived in: docs/adr/0114)."""
        invited = 0
        for resident in await repository.residents_on(session, uprn, done_on):
            invitation_id = await repository.invite_once(
                session,
                resident_id=resident.id,
                uprn=uprn,
                survey=survey,
                about_id=about_id,
                invited_at=now,
                done_on=done_on,
            )
            if invitation_id is None:
                continue
            await self.messages.queue(
                session,
                resident,
                "survey_invitation",
                about_id,
                {"survey": SURVEY_WORDS[survey], "invitation_id": str(invitation_id)},
                now,
            )
            invited += 1
        return invited

    async def invite_block(
        self,
        session: AsyncSession,
        *,
        block_id: str,
        survey: SurveyKind,
        about_id: uuid.UUID,
        done_on: date,
        now: datetime,
    ) -> int:
        """Invite the block's households to a survey about work to the block's communal
        areas (DOMAIN.md: "feedback from the whole block"): in every home engagement
        knows is in the block now (`home.block_id`), one resident of the household that
        lived there on the London day the work was done, `done_on` (the first of them:
        repository.households_to_ask; a tenant who has moved within the landlord's homes
        since, or is moving, answers for the home they lived in: docs/adr/0114), through
        the message pipeline as `invite` does (their language, formats, preferred
        channel, to the home they live in now). Once per household and piece of work,
        however often the event comes. A block has hundreds of homes: BLOCK_BATCH homes
        at a time, three statements a batch (who to ask, the invitations, the messages),
        never one per home."""
        invited = 0
        after = ""
        while True:
            chosen = await repository.households_to_ask(
                session,
                block_id=block_id,
                survey=survey,
                about_id=about_id,
                after_uprn=after,
                limit=BLOCK_BATCH,
                day=done_on,
            )
            new = await repository.invite_many(
                session,
                residents=[(resident.id, home) for resident, home in chosen],
                survey=survey,
                about_id=about_id,
                invited_at=now,
                done_on=done_on,
            )
            await self.messages.queue_many(
                session,
                "survey_invitation",
                about_id,
                [
                    (
                        resident,
                        {"survey": SURVEY_WORDS[survey], "invitation_id": str(new[resident.id])},
                        home,
                    )
                    for resident, home in chosen
                    if resident.id in new
                ],
                now,
            )
            invited += len(new)
            if len(chosen) < BLOCK_BATCH:
                return invited
            after = chosen[-1][1]

    @staticmethod
    async def get(session: AsyncSession, response_id: uuid.UUID) -> SurveyResponsePublic:
        """One response as it was recorded, reasons and operative feedback included
        (what `POST /v1/surveys/responses` answered and its Location names; scope
        surveys:read, docs/adr/0177). Kept, not counted, responses are shown too: the
        figures' one voice per household is a rule of the counts, not of the record."""
        response = await repository.get(session, response_id)
        if response is None:
            raise NotFound(f"No survey response {response_id}")
        return to_public(response)

    async def respond(
        self, session: AsyncSession, data: SurveyResponseCreate
    ) -> SurveyResponsePublic:
        """Record a response (publishes survey-responded: codes and ratings only). A
        response counts in the period of its `responded_at` (the TSM figures), so a
        mistyped date moves it into another period's: one in the future, more than
        `report_window_years` ago (the typing-slip window complaints use), or before
        the invitation it answers was sent (to the resident or their home, about this
        piece of work) is refused, nothing kept or published. A response to no
        invitation (the perception survey, a paper survey) has the window only. A
        resident named answers about a home of theirs (require_of_the_home): a response
        counts in the figures of its home's stock, by that home's tenure, and once per
        household: a second member's answer is kept, not counted (`responses`,
        docs/adr/0122). A perception survey's resident lived at the home on the day they
        answered (`_lived_there`, docs/adr/0134); a resident on no tenancy answers no
        other survey for a home with a household then, nor does one who had not moved in
        by that day (`_not_a_stranger`, docs/adr/0164, 0204), unless it is the survey of
        their own complaint about the home (`_their_own_complaint`, docs/adr/0207). For a
        piece of work the home was invited to survey, "that day" is the day of the work,
        not the day answered, and a resident invited about it for the home answers it
        (`_day_of_the_work`, docs/adr/0225)."""
        now = datetime.now(UTC)
        if data.responded_at > now:
            raise Unprocessable("responded_at is in the future", field="responded_at")
        if data.responded_at < earliest_receipt(now, self.report_window_years):
            raise Unprocessable(
                f"responded_at is more than {self.report_window_years} years ago",
                field="responded_at",
            )
        await require_of_the_home(session, data.resident_id, data.uprn)
        if data.survey == SurveyKind.PERCEPTION and data.resident_id is not None:
            await self._lived_there(session, data.resident_id, data.uprn, data.responded_at)
        elif data.resident_id is not None and not await self._their_own_complaint(session, data):
            work_day, asked = await self._day_of_the_work(session, data)
            if not asked:
                await self._not_a_stranger(
                    session, data.resident_id, data.uprn, work_day or london_day(data.responded_at)
                )
        if data.survey == SurveyKind.PERCEPTION and any(
            a.question not in rules.PERCEPTION_QUESTIONS for a in data.answers
        ):
            raise Unprocessable("The perception survey asks TP01 to TP12 only", field="answers")
        if data.about_id is not None:
            invited_at = await repository.first_invited_at(
                session,
                survey=data.survey,
                about_id=data.about_id,
                resident_id=data.resident_id,
                uprn=data.uprn,
            )
            if invited_at is not None and data.responded_at < invited_at:
                raise Unprocessable(
                    "responded_at is before the survey invitation was sent",
                    field="responded_at",
                )
        response = SurveyResponse(
            id=uuid.uuid4(),
            survey=data.survey,
            about_id=data.about_id,
            resident_id=data.resident_id,
            uprn=data.uprn,
            answers={a.question.value: a.rating.value for a in data.answers},
            reasons=data.reasons,
            operative_feedback=data.operative_feedback,
            responded_at=data.responded_at,
        )
        repository.add(session, response)
        await session.flush()
        await publish(
            session,
            SurveyResponded(
                response_id=response.id,
                uprn=response.uprn,
                resident_id=response.resident_id,
                survey=response.survey,
                about_id=response.about_id,
                answers=[SurveyAnswer(question=a.question, rating=a.rating) for a in data.answers],
                responded_at=response.responded_at,
            ),
        )
        return to_public(response)

    @staticmethod
    async def _lived_there(
        session: AsyncSession, resident_id: uuid.UUID, uprn: str, responded_at: datetime
    ) -> None:
        """The perception survey is the tenants' view of their landlord, counted by the
        household living in the home when it was given (TP01 to TP12, by the home's
        tenure then, one voice per household: docs/adr/0122): a resident named answers
        for the home they lived in on the London day they answered (docs/adr/0134). A
        former tenant naming the home they left was counted as the voice of the
        household living there now, ahead of its own tenant; a tenant who moved, naming
        their old home, was counted in that home's stock and household. A 422 naming
        resident_id otherwise, which never says where they do live. A paper form given
        while they lived there and typed in after they left is taken (the day is
        `responded_at`'s). A resident engagement knows no home or tenancy of (a shared
        owner income holds no tenancy of) answers only for a home with no household
        engagement knows of then: held on a long lease, no tenancy of it running
        (repository.answers_for, docs/adr/0162); for a home let to tenants they are of
        none of its households, and were counted as one, ahead of its tenant."""
        day = london_day(responded_at)
        if not await repository.answers_for(session, resident_id, uprn, responded_at):
            raise Unprocessable(
                f"Resident {resident_id} did not live at {uprn} on {day.isoformat()}: the "
                "perception survey counts the household living in the home when it answered",
                field="resident_id",
            )

    @staticmethod
    async def _their_own_complaint(session: AsyncSession, data: SurveyResponseCreate) -> bool:
        """A complaint survey (`about_id` the complaint) answered by the resident who made
        the complaint, about the home it is about. Its piece of work is their complaint:
        no other household was asked about it or has an answer to silence, so the day
        they answered is not judged against who lived there then (_not_a_stranger). A
        newcomer who complained about the home they were moving into (a move-in date put
        back, the state it was let in) and answered before their tenancy began was
        refused their own complaint's survey (docs/adr/0207, amends 0204)."""
        return (
            data.survey == SurveyKind.COMPLAINT
            and data.about_id is not None
            and data.resident_id is not None
            and await repository.their_own_complaint(
                session, data.about_id, data.resident_id, data.uprn
            )
        )

    @staticmethod
    async def _day_of_the_work(
        session: AsyncSession, data: SurveyResponseCreate
    ) -> tuple[date | None, bool]:
        """(the London day the work surveyed was done, whether the resident named was
        asked about it for this home), as the invitations about it say
        (rules.day_of_the_work, docs/adr/0225): the household living there that day is
        the one asked, and the one whose answer it is. (None, False) for a response
        about no piece of work, or one the home was asked about on no known day."""
        if data.about_id is None:
            return None, False
        invited = await repository.invited_about(session, [(data.survey, data.about_id)])
        return rules.day_of_the_work(
            invited.get((data.survey, data.about_id), ()), data.resident_id, data.uprn
        )

    @staticmethod
    async def _not_a_stranger(
        session: AsyncSession, resident_id: uuid.UUID, uprn: str, day: date
    ) -> None:
        """A transactional survey is counted once per household and piece of work, the
        first of the household to answer its voice (docs/adr/0122), the household being
        the tenancy running on `day`: the London day the work was done when the
        invitations about it say (docs/adr/0225), else that of `responded_at`. Someone
        who had not moved into the home by that day, while a household engagement knows
        of lived there (a tenancy of it running), is of none of its households, never
        asked (invitations go to the residents living there), and answering first
        silenced the household the work was done for, whose own answer was kept but not
        counted. A resident asked about the work for this home is not judged here: the
        invitation says whose household they answer for.
        So a 422 naming resident_id, as a resident of another home is: a resident
        engagement knows no home or tenancy of (docs/adr/0164), and a newcomer at the
        home keying in a form dated while the household before them still lived there
        (their tenancy starting after that day, or no start known: docs/adr/0204). At a
        home with no household then (a shared owner's, one empty) they are taken as
        before (residents.of_no_household_there). A resident who lived there by then
        answers: a former tenant about the work done while they lived there, a mover
        about the home they left (docs/adr/0114)."""
        if await residents.of_no_household_there(session, resident_id, uprn, day):
            raise Unprocessable(
                f"Resident {resident_id} did not live at {uprn} by {day.isoformat()}: a "
                "survey about work in the home counts the household living there then",
                field="resident_id",
            )

    async def responses(
        self, session: AsyncSession, survey: SurveyKind, first: datetime, last: datetime
    ) -> list[SurveyResponse]:
        """The period's responses that count (rules.counted_once: one per household, or
        per household and piece of work, the first to answer's latest: docs/adr/0122). A
        response's household is its home's and the tenancy there on the London day of
        the work it answers about when its invitations keep that day (`_day_of`, docs/
        adr/0225), else on the London day it was given (a household moving out and the
        next moving in are two), or the home alone when engagement knows no tenancy of
        it then."""
        given = await repository.responses(session, survey, first, last)
        tenancies = await repository.tenancies_of(session, (r.uprn for r in given))
        invited = await repository.invited_about(
            session, ((r.survey, r.about_id) for r in given if r.about_id is not None)
        )
        households = {
            r.id: (r.uprn, rules.household_on(tenancies.get(r.uprn, ()), self._day_of(r, invited)))
            for r in given
        }
        return rules.counted_once(given, households=households)

    @staticmethod
    def _day_of(
        response: SurveyResponse,
        invited: dict[tuple[SurveyKind, uuid.UUID], list[rules.Invited]],
    ) -> date:
        """The London day whose household a response is: the day the work it answers
        about was done, when its invitations say (rules.day_of_the_work: the household
        asked, docs/adr/0225; a former tenant answering after leaving is their own
        household's voice, not the next one's), else the day it was given."""
        work_day, _ = (
            rules.day_of_the_work(
                invited.get((response.survey, response.about_id), ()),
                response.resident_id,
                response.uprn,
            )
            if response.about_id is not None
            else (None, False)
        )
        return work_day or london_day(response.responded_at)

    async def results(
        self,
        session: AsyncSession,
        *,
        survey: SurveyKind,
        start: datetime,
        end: datetime,
        strand: Strand | None,
        caller: Caller,
    ) -> SurveyResults:
        """Satisfaction per question asked, overall and by the strand's groups (groups
        under the minimum size, and any that would give them away, suppressed). A strand
        needs diversity:read (403 naming `strand` otherwise)."""
        if strand is not None:
            require_diversity_read(caller, field="strand")
        responses = await self.responses(session, survey, start, end)
        asked = sorted(
            {SurveyQuestion(q) for r in responses for q in r.answers},
            key=list(SurveyQuestion).index,
        )
        results = SurveyResults(
            survey=survey,
            respondents=rules.respondents(responses),
            questions=question_results(responses, asked),
            strand=strand.value if strand else None,
            minimum_group_size=self.minimum_group_size,
        )
        if strand is not None:
            results.groups = await self.by_group(session, responses, asked, strand)
        return results

    async def by_group(
        self,
        session: AsyncSession,
        responses: list[SurveyResponse],
        questions: list[SurveyQuestion],
        strand: Strand,
    ) -> list[GroupResult]:
        """Responses grouped by the respondent's answer in a strand (not_stated when no
        profile or no resident); the groups of fewer than the minimum of people (distinct
        respondents, never responses), and any that would give them away by subtraction,
        suppressed together as one unlabelled entry."""
        groups_of = await diversity.strand_of(
            session, strand, [r.resident_id for r in responses if r.resident_id is not None]
        )
        grouped: dict[str, list[SurveyResponse]] = {}
        for response in responses:
            value = (
                groups_of.get(response.resident_id, "not_stated")
                if response.resident_id
                else "not_stated"
            )
            grouped.setdefault(value, []).append(response)
        hidden = diversity_rules.suppressed_values(
            {value: rules.respondents(members) for value, members in grouped.items()},
            self.minimum_group_size,
        )
        groups = [
            GroupResult(
                value=value,
                respondents=rules.respondents(grouped[value]),
                suppressed=False,
                questions=question_results(grouped[value], questions),
            )
            for value in sorted(grouped)
            if value not in hidden
        ]
        if hidden:
            groups.append(
                GroupResult(
                    value=None,
                    respondents=None,
                    suppressed=True,
                    questions=question_results([], questions, suppressed=True),
                )
            )
        return groups


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) of a period of London days, both days included."""
    return start_of_london_day(first), start_of_london_day(last + timedelta(days=1))

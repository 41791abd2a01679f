"""Pure rules for survey results: who counts as satisfied, and the share."""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import NamedTuple, Protocol, TypeVar

from hearth_contracts.events.engagement import Rating, SurveyKind, SurveyQuestion

SATISFIED = frozenset({Rating.VERY_SATISFIED, Rating.FAIRLY_SATISFIED})
DISSATISFIED = frozenset({Rating.FAIRLY_DISSATISFIED, Rating.VERY_DISSATISFIED})

PERCEPTION_QUESTIONS: tuple[SurveyQuestion, ...] = (
    SurveyQuestion.TP01_OVERALL,
    SurveyQuestion.TP02_REPAIRS,
    SurveyQuestion.TP03_TIME_TAKEN,
    SurveyQuestion.TP04_WELL_MAINTAINED,
    SurveyQuestion.TP05_SAFE_HOME,
    SurveyQuestion.TP06_LISTENED_TO,
    SurveyQuestion.TP07_KEPT_INFORMED,
    SurveyQuestion.TP08_TREATED_FAIRLY,
    SurveyQuestion.TP09_COMPLAINTS,
    SurveyQuestion.TP10_COMMUNAL_AREAS,
    SurveyQuestion.TP11_NEIGHBOURHOOD,
    SurveyQuestion.TP12_ANTI_SOCIAL_BEHAVIOUR,
)
"""The Tenant Satisfaction Measures TP01 to TP12, in order."""

SHARED_OWNERS_QUESTIONS: tuple[SurveyQuestion, ...] = tuple(
    q
    for q in PERCEPTION_QUESTIONS
    if q
    not in (
        SurveyQuestion.TP02_REPAIRS,
        SurveyQuestion.TP03_TIME_TAKEN,
        SurveyQuestion.TP04_WELL_MAINTAINED,
    )
)
"""The perception measures the regulator asks of low cost home ownership, reported
apart: TP01 and TP05 to TP12. Not TP02 to TP04: a shared owner repairs and keeps up
their own home (docs/adr/0091)."""

TSM_DESCRIPTIONS: dict[SurveyQuestion, str] = {
    SurveyQuestion.TP01_OVERALL: "Satisfied with the overall service",
    SurveyQuestion.TP02_REPAIRS: "Satisfied with the overall repairs service",
    SurveyQuestion.TP03_TIME_TAKEN: "Satisfied with the time taken on the last repair",
    SurveyQuestion.TP04_WELL_MAINTAINED: "Satisfied that the home is well maintained",
    SurveyQuestion.TP05_SAFE_HOME: "Satisfied that the home is safe",
    SurveyQuestion.TP06_LISTENED_TO: "Satisfied that the landlord listens and acts",
    SurveyQuestion.TP07_KEPT_INFORMED: "Satisfied that the landlord keeps them informed",
    SurveyQuestion.TP08_TREATED_FAIRLY: "Agree the landlord treats them fairly and with respect",
    SurveyQuestion.TP09_COMPLAINTS: "Satisfied with the landlord's approach to complaints",
    SurveyQuestion.TP10_COMMUNAL_AREAS: "Satisfied communal areas are clean and well kept",
    SurveyQuestion.TP11_NEIGHBOURHOOD: "Satisfied the landlord contributes to the neighbourhood",
    SurveyQuestion.TP12_ANTI_SOCIAL_BEHAVIOUR: "Satisfied with anti-social behaviour handling",
}


def tsm_code(question: SurveyQuestion) -> str:
    """tp01_overall -> TP01."""
    return question.value.split("_")[0].upper()


def satisfaction(ratings: Iterable[Rating]) -> tuple[int, int]:
    """(satisfied, answered): not applicable answers are left out of both, as the
    regulator's measures leave them out."""
    satisfied = answered = 0
    for rating in ratings:
        if rating == Rating.NOT_APPLICABLE:
            continue
        answered += 1
        satisfied += rating in SATISFIED
    return satisfied, answered


def reasons_given(rated: Iterable[tuple[Rating, str | None]]) -> tuple[int, int]:
    """(satisfied with a reason, dissatisfied with a reason) of (rating, reasons)
    answers to one question: how many of those satisfied, and of those dissatisfied,
    said why (DOMAIN.md: results "with reasons for satisfaction and dissatisfaction").
    Reasons are the resident's own words, one text per response: blank words are no
    reason, and neither, not applicable answers are in neither count (docs/adr/0178)."""
    satisfied = dissatisfied = 0
    for rating, reasons in rated:
        if reasons is None or not reasons.strip():
            continue
        satisfied += rating in SATISFIED
        dissatisfied += rating in DISSATISFIED
    return satisfied, dissatisfied


class Response(Protocol):
    """What the respondent rules read of a survey response."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def survey(self) -> SurveyKind: ...
    @property
    def resident_id(self) -> uuid.UUID | None: ...
    @property
    def about_id(self) -> uuid.UUID | None: ...
    @property
    def responded_at(self) -> datetime: ...


R = TypeVar("R", bound=Response)


def respondent_of(response: Response) -> uuid.UUID:
    """Who gave the response: the resident, or, for a response with no resident, the
    response itself (an anonymous respondent can only be counted once per response)."""
    return response.resident_id if response.resident_id is not None else response.id


def household_on(
    tenancies: Iterable[tuple[uuid.UUID, date, date | None]], day: date
) -> uuid.UUID | None:
    """The tenancy of a home on a London day, of its (tenancy, start, end) known to
    engagement: the latest started by then and not ended before it (a re-let arranged
    while the outgoing household is still there starts later). None when none was: the
    home is then its household."""
    live = [
        (start, str(t), t)
        for t, start, end in tenancies
        if start <= day and (end is None or end >= day)
    ]
    return max(live)[2] if live else None


class Invited(NamedTuple):
    """An invitation to a transactional survey, as the respondent rules read it."""

    resident_id: uuid.UUID
    uprn: str
    done_on: date
    invited_at: datetime


def day_of_the_work(
    invited: Iterable[Invited], resident_id: uuid.UUID | None, uprn: str
) -> tuple[date | None, bool]:
    """(the London day of the work a response about it is judged and counted by, whether
    the resident named was asked about it for this home), from the invitations about
    that piece of work (docs/adr/0225). Those asked are the household living there on
    the day the work was done (repository.living_on), so a response is that household's
    whenever it is given: the day of the resident's own invitation for this home, or
    else of the home's first invitation. None when the home was asked about it on no
    known day (no invitation, or one made before the day was kept): the day answered
    is the response's, as before."""
    at_home = sorted(
        (i for i in invited if i.uprn == uprn), key=lambda i: (i.invited_at, str(i.resident_id))
    )
    own = next(
        (i for i in at_home if resident_id is not None and i.resident_id == resident_id), None
    )
    if own is not None:
        return own.done_on, True
    return (at_home[0].done_on if at_home else None), False


def counted_once(
    responses: Sequence[R], *, households: Mapping[uuid.UUID, Hashable] | None = None
) -> list[R]:
    """The responses results and figures count: one per household, as the regulator's
    Tenant Satisfaction Measures count one response per household (docs/adr/0122), and
    for a transactional survey one per household and piece of work (each repair, check
    or visit is asked about once). `households` gives each response's household by its
    id (its home and the tenancy there when it was given); a response not in it is a
    household of its own.

    Responses of one household, or of one resident (who answers for one household,
    even giving another home), are one voice: the first to answer of them is the one
    counted, by their latest answer (a resident answering again corrects their own
    answer; a second member of the household answering later is kept, not counted)."""
    households = households or {}
    parent: dict[Hashable, Hashable] = {}

    def root(node: Hashable) -> Hashable:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def about_of(response: R) -> uuid.UUID | None:
        return None if response.survey == SurveyKind.PERCEPTION else response.about_id

    for response in responses:
        about = about_of(response)
        person = root(("respondent", respondent_of(response), about))
        home = root(("household", households.get(response.id, response.id), about))
        parent[home] = person
    first_of: dict[tuple[Hashable, uuid.UUID], tuple[datetime, str]] = {}
    for response in responses:
        group = root(("respondent", respondent_of(response), about_of(response)))
        key = (group, respondent_of(response))
        answered = (response.responded_at, str(response.id))
        first_of[key] = min(first_of.get(key, answered), answered)
    voice: dict[Hashable, tuple[tuple[datetime, str], uuid.UUID]] = {}
    for (group, person), first in first_of.items():
        if group not in voice or (first, str(person)) < (voice[group][0], str(voice[group][1])):
            voice[group] = (first, person)
    latest: dict[Hashable, R] = {}
    for response in responses:
        group = root(("respondent", respondent_of(response), about_of(response)))
        if respondent_of(response) != voice[group][1]:
            continue
        kept = latest.get(group)
        if kept is None or (response.responded_at, str(response.id)) > (
            kept.responded_at,
            str(kept.id),
        ):
            latest[group] = response
    return list(latest.values())


def respondents(responses: Iterable[Response]) -> int:
    """How many people gave these responses (a resident with several counts once)."""
    return len({respondent_of(r) for r in responses})

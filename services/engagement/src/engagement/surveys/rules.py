"""Pure rules for survey results: who counts as satisfied, and the share."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from hearth_contracts.events.engagement import Rating, SurveyKind, SurveyQuestion

SATISFIED = frozenset({Rating.VERY_SATISFIED, Rating.FAIRLY_SATISFIED})

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


def counted_once(responses: Sequence[R]) -> list[R]:
    """The responses results and figures count: the latest of each resident's
    perception responses in the period (the perception survey asks each resident once:
    a second answer replaces the first), and the latest of each resident's responses
    about one piece of work in a transactional survey (each repair, check or visit is
    asked about once). Responses with no resident all count."""
    latest: dict[tuple[uuid.UUID, uuid.UUID | None], R] = {}
    for response in responses:
        about = None if response.survey == SurveyKind.PERCEPTION else response.about_id
        key = (respondent_of(response), about)
        kept = latest.get(key)
        if kept is None or (response.responded_at, str(response.id)) > (
            kept.responded_at,
            str(kept.id),
        ):
            latest[key] = response
    return list(latest.values())


def respondents(responses: Iterable[Response]) -> int:
    """How many people gave these responses (a resident with several counts once)."""
    return len({respondent_of(r) for r in responses})

"""Pure rules for survey results: who counts as satisfied, and the share."""

from __future__ import annotations

from collections.abc import Iterable

from hearth_contracts.events.engagement import Rating, SurveyQuestion

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

"""Request and response models for surveys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engagement.surveys.rules import PERCEPTION_QUESTIONS
from hearth_contracts.events.engagement import Rating, SurveyKind, SurveyQuestion
from hearth_contracts.values import Uprn
from hearth_kit.strict_types import StrictMoment


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: SurveyQuestion
    rating: Rating


def _questions_follow_survey(schema: dict[str, Any]) -> None:
    """The rule the service applies, stated in the schema: the perception survey asks
    TP01 to TP12 only (rules.PERCEPTION_QUESTIONS)."""
    perception = {"enum": [question.value for question in PERCEPTION_QUESTIONS]}
    answers = {"items": {"properties": {"question": perception}}}
    schema["allOf"] = [
        {
            "if": {
                "properties": {"survey": {"const": SurveyKind.PERCEPTION.value}},
                "required": ["survey"],
            },
            "then": {"properties": {"answers": answers}},
        }
    ]


class SurveyResponseCreate(BaseModel):
    """A resident's answers to a survey, with their reasons and feedback on the operative."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_questions_follow_survey)

    survey: SurveyKind
    uprn: Uprn
    resident_id: uuid.UUID | None = None
    about_id: uuid.UUID | None = Field(
        default=None, description="The repair, check, visit or complaint surveyed"
    )
    answers: list[Answer] = Field(min_length=1, max_length=len(SurveyQuestion))
    reasons: str | None = Field(
        default=None, max_length=4000, description="Why they are satisfied or dissatisfied"
    )
    operative_feedback: str | None = Field(default=None, max_length=4000)
    responded_at: StrictMoment = Field(
        description="When the resident answered (the period it counts in): not in the "
        "future, nor more than the typing-slip window (10 years by default) ago, nor "
        "before the invitation it answers was sent"
    )

    @field_validator("answers")
    @classmethod
    def _each_question_once(cls, answers: list[Answer]) -> list[Answer]:
        if len({a.question for a in answers}) != len(answers):
            raise ValueError("each question is answered once")
        return answers


class SurveyResponsePublic(BaseModel):
    id: uuid.UUID
    survey: SurveyKind
    uprn: str
    resident_id: uuid.UUID | None
    about_id: uuid.UUID | None
    answers: list[Answer]
    reasons: str | None
    operative_feedback: str | None
    responded_at: datetime


class ReasonCounts(BaseModel):
    """How many respondents gave their reasons, by how they answered the question:
    counts only, never the reasons' words (those are read one response at a time,
    `GET /v1/surveys/responses/{response_id}`: docs/adr/0178)."""

    satisfied: int = Field(description="Of those satisfied, how many said why")
    dissatisfied: int = Field(description="Of those fairly or very dissatisfied, how many said why")


class QuestionResult(BaseModel):
    question: SurveyQuestion
    satisfied: int | None = Field(description="Null when suppressed")
    answered: int | None = Field(description="Null when suppressed")
    share: float | None = Field(description="satisfied / answered; null when none or suppressed")
    reasons: ReasonCounts | None = Field(
        description="Respondents who gave reasons for their satisfaction or "
        "dissatisfaction with this; null when suppressed"
    )


class GroupResult(BaseModel):
    value: str | None = Field(
        description="The group's answer; null for the one entry standing for every "
        "suppressed group together (their labels are never shown)"
    )
    respondents: int | None = Field(description="Null when suppressed")
    suppressed: bool
    questions: list[QuestionResult]


class SurveyResults(BaseModel):
    """Satisfaction per question, overall and (with `strand`, which needs the scope
    diversity:read) by diversity group. Groups under the minimum size are suppressed, and
    so is the smallest other group while the respondents left out could be worked out by
    subtraction; the suppressed groups are one entry, without labels or counts."""

    survey: SurveyKind
    respondents: int
    questions: list[QuestionResult]
    strand: str | None = None
    minimum_group_size: int
    groups: list[GroupResult] = Field(default_factory=list)

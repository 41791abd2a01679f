"""Request and response models for arrangements."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict

from hearth_contracts.events.income import InstalmentFrequency
from hearth_contracts.values import MAX_PENCE, UPRN_PATTERN
from hearth_kit.strict_types import WHOLE_NUMBER, StrictDay, StrictMoment
from income.models import ArrangementStatus, ReviewOutcome

StrictPence = Annotated[int, Field(ge=0, le=MAX_PENCE), WHOLE_NUMBER]


class IncomeAndExpenditure(BaseModel):
    """The household's income and expenditure statement, as pence a week."""

    model_config = ConfigDict(extra="forbid")

    weekly_income_pence: StrictPence
    weekly_expenditure_pence: StrictPence


ReviewInMonths = Annotated[int, Field(ge=3, le=6), WHOLE_NUMBER]
"""DOMAIN.md: an arrangement is reviewed every 3 to 6 months."""


class ArrangementCreate(BaseModel):
    """An arrangement to pay the arrears by instalments, on income and expenditure."""

    model_config = ConfigDict(extra="forbid")

    income_and_expenditure: IncomeAndExpenditure
    instalment_pence: Annotated[
        int,
        Field(
            gt=0,
            le=MAX_PENCE,
            strict=True,
            description="At most the weekly income less expenditure (as pence a week), and "
            "enough to clear the arrears within the configured longest arrangement "
            "(HEARTH_INCOME_ARRANGEMENT_MAX_WEEKS, default 104 weeks); else a 422 naming "
            "this field. The account must be a current tenancy's with arrears and no live "
            "arrangement (else 409).",
        ),
    ]
    frequency: InstalmentFrequency
    first_instalment_on: StrictDay = Field(
        description="Today (London) or later, and within "
        "HEARTH_INCOME_ARRANGEMENT_FIRST_INSTALMENT_WITHIN_DAYS (default 31) of today; "
        "else a 422 naming this field. The longest arrangement counts from today."
    )
    review_in_months: ReviewInMonths | None = Field(
        default=None, description="Reviewed every 3 to 6 months (default: configured)"
    )


class ArrangementPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    tenancy_id: uuid.UUID
    status: ArrangementStatus
    weekly_income_pence: int
    weekly_expenditure_pence: int
    instalment_pence: int
    frequency: InstalmentFrequency
    first_instalment_on: date
    arrears_pence: int
    review_on: date
    made_at: datetime
    ended_at: datetime | None
    missed_instalment_on: date | None


CHANGING_ONLY = ("instalment_pence", "first_instalment_on", "income_and_expenditure")
"""The fields of a change of instalment, refused with the other outcomes."""


def _fields_follow_the_outcome(schema: dict[str, Any]) -> None:
    """The rule the service enforces (ArrangementService._refuse_fields_not_of_the_outcome),
    stated in the schema: a change of instalment names the new amount and its first
    instalment; continue and end name neither (nor a statement); end no next review."""
    absent = {"type": "null"}

    def outcome_is(*outcomes: ReviewOutcome) -> dict[str, Any]:
        return {
            "required": ["outcome"],
            "properties": {"outcome": {"enum": [o.value for o in outcomes]}},
        }

    schema["allOf"] = [
        {
            "if": outcome_is(ReviewOutcome.CHANGE_INSTALMENT),
            "then": {
                "required": ["instalment_pence", "first_instalment_on"],
                "properties": {
                    "instalment_pence": {"not": absent},
                    "first_instalment_on": {"not": absent},
                },
            },
        },
        {
            "if": outcome_is(ReviewOutcome.CONTINUE, ReviewOutcome.END),
            "then": {"properties": {name: absent for name in CHANGING_ONLY}},
        },
        {
            "if": outcome_is(ReviewOutcome.END),
            "then": {"properties": {"review_in_months": absent}},
        },
    ]


class ArrangementReviewCreate(BaseModel):
    """A review of a live arrangement, as the officer held it with the household."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_fields_follow_the_outcome)

    reviewed_at: StrictMoment = Field(
        description="When the review was held: not in the future, not before the "
        "arrangement was made, nor before its last review recorded; else a 422 naming "
        "this field"
    )
    outcome: ReviewOutcome
    instalment_pence: (
        Annotated[
            int,
            Strict(),  # not Field(strict=True): inside a union that stays in a FieldInfo
            Field(
                gt=0,
                le=MAX_PENCE,
                description="change_instalment only (and then required): the new instalment, "
                "checked as making an arrangement checks it: at most the weekly income less "
                "expenditure (the statement given here, else the arrangement's), and clearing "
                "the arrears now within the longest arrangement counted from today; else a "
                "422 naming this field",
            ),
        ]
        | None
    ) = None
    first_instalment_on: StrictDay | None = Field(
        default=None,
        description="change_instalment only (and then required): the first instalment at "
        "the new amount, today (London) or later and within "
        "HEARTH_INCOME_ARRANGEMENT_FIRST_INSTALMENT_WITHIN_DAYS of today",
    )
    income_and_expenditure: IncomeAndExpenditure | None = Field(
        default=None,
        description="change_instalment only: a new statement taken at the review (else "
        "the arrangement's own is used and kept)",
    )
    review_in_months: ReviewInMonths | None = Field(
        default=None,
        description="The next review, 3 to 6 months from the review's London day "
        "(default: configured); not with end",
    )


class ArrangementReviewPublic(BaseModel):
    """A review recorded, and the arrangement as it stands after it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    arrangement_id: uuid.UUID
    reviewed_at: datetime
    outcome: ReviewOutcome
    arrears_pence: int = Field(description="Arrears (rent week under way left out) when recorded")
    instalment_pence_before: int
    instalment_pence: int | None
    first_instalment_on: date | None
    review_on_before: date
    next_review_on: date | None
    recorded_at: datetime
    arrangement: ArrangementPublic


class ReviewDuePublic(BaseModel):
    """A live arrangement whose review has come: ids and figures, no personal data."""

    arrangement_id: uuid.UUID
    account_id: uuid.UUID
    tenancy_id: uuid.UUID
    uprn: str = Field(pattern=UPRN_PATTERN)
    review_on: date
    instalment_pence: int
    frequency: InstalmentFrequency
    arrears_pence: int = Field(
        description="Arrears now (the rent week under way left out, as everywhere)"
    )

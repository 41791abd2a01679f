"""Request and response models for arrangements."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.income import InstalmentFrequency
from hearth_contracts.values import MAX_PENCE
from hearth_kit.strict_types import WHOLE_NUMBER, StrictDay
from income.models import ArrangementStatus

StrictPence = Annotated[int, Field(ge=0, le=MAX_PENCE), WHOLE_NUMBER]


class IncomeAndExpenditure(BaseModel):
    """The household's income and expenditure statement, as pence a week."""

    model_config = ConfigDict(extra="forbid")

    weekly_income_pence: StrictPence
    weekly_expenditure_pence: StrictPence


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
    review_in_months: Annotated[int, Field(ge=3, le=6), WHOLE_NUMBER] | None = Field(
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

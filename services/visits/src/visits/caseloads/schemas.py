"""Response models for officers' caseloads."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.visits import Caseload, TenancyConcernType
from hearth_kit.strict_types import StrictDay


class ConcernOpenPublic(BaseModel):
    """A tenancy concern raised at a visit and not referred, for the officer to follow
    up: its code and where it was raised. The officer's notes on it are on the visit
    (GET /v1/visits/{visit_id}), shown only with the need-to-know scope visits:notes."""

    model_config = ConfigDict(from_attributes=True)

    concern_id: uuid.UUID
    visit_id: uuid.UUID
    concern: TenancyConcernType
    raised_at: datetime = Field(description="When the officer was there (visited_at)")


class CaseloadEntryPublic(BaseModel):
    """A tenancy an officer holds, on which caseload, since when and until when."""

    model_config = ConfigDict(from_attributes=True)

    tenancy_id: uuid.UUID
    uprn: str
    caseload: Caseload
    officer: str | None
    since: date
    introductory_ends_on: date | None
    review_on: date | None
    review_overdue: bool = Field(
        default=False, description="A referral whose review date has passed (not yet reviewed)"
    )
    returns_to: Caseload | None
    as_of: datetime
    concerns_open: list[ConcernOpenPublic] = Field(
        default_factory=list,
        description="Tenancy concerns raised at visits and not referred, oldest first: the "
        "officer follows each up and records it dealt with in a later visit's report "
        "(draft section concern_dealt_with)",
    )


class ReferralCreate(BaseModel):
    """A tenancy referred to the sustainable tenancy caseload by an officer (a complex
    case: persistent arrears, anti-social behaviour, hoarding, vulnerability), with the
    date it is to be reviewed by."""

    model_config = ConfigDict(extra="forbid")

    review_on: StrictDay = Field(
        description="The review date: after today, and no more than 24 months ahead"
    )

"""Request and response models for vulnerabilities (need to know: scope
vulnerabilities:read to see them, every read audited)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.engagement import Adjustment, VulnerabilityCategory
from hearth_kit.strict_types import StrictDay, StrictMoment


class VulnerabilityCreate(BaseModel):
    """A vulnerability recorded with the resident's consent, to be reviewed."""

    model_config = ConfigDict(extra="forbid")

    category: VulnerabilityCategory
    detail: str | None = Field(default=None, max_length=2000)
    adjustments: list[Adjustment] = Field(default_factory=list, max_length=len(Adjustment))
    consent: Literal[True] = Field(description="The resident consented to it being recorded")
    consent_given_at: StrictMoment = Field(
        description="When the resident consented and the need was recorded with them "
        "(not when it was typed in): not in the future"
    )
    review_on: StrictDay = Field(
        description="When it is next reviewed with the resident: after the London day of "
        "consent_given_at (one typed in late may set a date already past, and is then due), "
        "and no more than 2 years after today"
    )


class VulnerabilityReview(BaseModel):
    """A vulnerability reviewed with the resident: still right, with the next review's
    date (and the detail or adjustments as they now stand)."""

    model_config = ConfigDict(extra="forbid")

    reviewed_at: StrictMoment = Field(
        description="When the review was held with the resident (kept): not in the "
        "future, nor before consent was given to record the vulnerability "
        "(consent_given_at), nor before the latest review already kept"
    )
    review_on: StrictDay = Field(
        description="The next review's date: after the London day of reviewed_at (a "
        "review typed in late may set one already past, and is then due), and no more than "
        "2 years after today"
    )
    detail: str | None = Field(default=None, max_length=2000)
    adjustments: list[Adjustment] | None = Field(default=None, max_length=len(Adjustment))


class VulnerabilityReceipt(BaseModel):
    """What recording or reviewing answers: the record's id and next review, never the
    vulnerability itself (seeing it needs vulnerabilities:read, and is audited)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    resident_id: uuid.UUID
    review_on: date
    recorded_at: datetime
    reviewed_at: datetime | None = Field(
        description="When the latest review was held with the resident; null until one"
    )


class VulnerabilityPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    resident_id: uuid.UUID
    category: VulnerabilityCategory
    detail: str | None
    adjustments: list[Adjustment]
    consent_given_at: datetime
    review_on: date
    recorded_by: str
    recorded_at: datetime
    reviewed_at: datetime | None = Field(
        description="When the latest review was held with the resident; null until one"
    )


class VulnerabilityReadPublic(BaseModel):
    """One audited read of a resident's vulnerabilities."""

    model_config = ConfigDict(from_attributes=True)

    reader: str
    read_at: datetime
    records_shown: int


class ReviewDuePublic(BaseModel):
    """One vulnerability whose review has come: what the reviewer needs to arrange it
    with the resident, never the category or the detail (those are the need-to-know
    read, vulnerabilities:read, audited)."""

    resident_id: uuid.UUID
    vulnerability_id: uuid.UUID
    uprn: str | None = Field(
        description="The resident's home (their last, if their tenancy has ended); null "
        "for a resident not yet on a tenancy"
    )
    review_on: date
    days_overdue: int = Field(
        description="Days since review_on, by London's today: 0 on the day itself, and "
        "for one not yet due (due_by ahead of today)"
    )

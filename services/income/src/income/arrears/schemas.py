"""Request and response models for arrears cases."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.income import ArrearsStage
from hearth_kit.strict_types import StrictBoolean, StrictMoment


class ProtocolUpdate(BaseModel):
    """Pre-action protocol steps done, each with when it was done (not in the future).
    A step left out is left as it was."""

    model_config = ConfigDict(extra="forbid")

    tenant_contacted_at: StrictMoment | None = None
    arrangement_offered_at: StrictMoment | None = None
    statements_given_at: StrictMoment | None = None
    benefit_issues_pursued_at: StrictMoment | None = None
    vulnerability_considered_at: StrictMoment | None = None
    benefit_claim_pending: StrictBoolean | None = Field(
        default=None, description="A fully evidenced benefit claim is pending (blocks court)"
    )


class CasePublic(BaseModel):
    """Where a rent account stands on the arrears ladder."""

    model_config = ConfigDict(from_attributes=True)

    account_id: uuid.UUID
    tenancy_id: uuid.UUID
    stage: ArrearsStage
    stage_changed_at: datetime | None
    next_check_at: datetime
    letter_1_at: datetime | None
    letter_2_at: datetime | None
    nosp_served_at: datetime | None
    court_warning_at: datetime | None
    court_application_at: datetime | None
    paused_for_review: bool
    personal_contact_needed_at: datetime | None
    blocked_by: str | None = Field(
        description="The pre-action protocol condition a court step waits for"
    )
    tenant_contacted_at: datetime | None
    arrangement_offered_at: datetime | None
    statements_given_at: datetime | None
    benefit_issues_pursued_at: datetime | None
    benefit_claim_pending: bool
    vulnerability_considered_at: datetime | None
    version: int = Field(
        description="The version of the pre-action protocol steps: the case's ETag is "
        '`"<version>"` (If-Match on PATCH .../arrears-case/protocol)'
    )

"""Request and response models for Awaab's Law cases."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.repairs import AwaabMilestone, AwarenessSource
from hearth_contracts.events.visits import HazardSeverity
from hearth_contracts.values import Uprn
from hearth_kit.strict_types import StrictBoolean, StrictDay, StrictMoment
from hearth_kit.text_patterns import HAS_WORDS
from repairs.models import AwaabCaseStatus

DAMP_OR_MOULD = "[dD][aA][mM][pP]|[mM][oO][uU][lL][dD]"
"""A hazard type that names damp or mould, in any case (`rules.under_awaabs_law`)."""


def _under_awaabs_law(schema: dict[str, Any]) -> None:
    """The rule `rules.under_awaabs_law` applies, stated in the schema: an emergency
    hazard of any kind, or a significant one that is damp or mould (the default type)."""
    schema["anyOf"] = [
        {"properties": {"severity": {"const": HazardSeverity.EMERGENCY.value}}},
        {
            "properties": {
                "severity": {"const": HazardSeverity.SIGNIFICANT.value},
                "hazard_type": {"pattern": DAMP_OR_MOULD},
            }
        },
    ]


class AwaabCaseCreate(BaseModel):
    """A hazard reported by a contact or a complaint (visits' hazards arrive as events)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_under_awaabs_law)

    uprn: Uprn
    severity: HazardSeverity
    hazard_type: str = Field(
        default="damp_and_mould", min_length=1, pattern=HAS_WORDS, max_length=64
    )
    source: AwarenessSource = AwarenessSource.CONTACT_CENTRE
    became_aware_at: StrictMoment = Field(
        description="When the landlord became aware (the clocks start here); not in the "
        "future, nor before Awaab's Law was in force (27 October 2025, London time)"
    )
    complaint_id: uuid.UUID | None = None


class ClockPause(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        pattern=HAS_WORDS,
        max_length=64,
        examples=["tenant_refused_access", "specialist_survey"],
    )
    at: StrictMoment | None = Field(default=None, description="Default now; not in the future")


class ClockResume(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: StrictMoment | None = None


EvidenceReference = Annotated[str, Field(min_length=1, max_length=2000, pattern=HAS_WORDS)]
"""A document or photo reference (a path, a URL): something besides whitespace, so a
clock is never stopped on evidence of nothing."""


class ClockStop(BaseModel):
    """The step was done: when, and the evidence (document or photo references). The
    written summary tells the tenant when the work will be finished: `finish_work_by`
    starts the complete_work clock (DOMAIN.md: finish within a reasonable period)."""

    model_config = ConfigDict(extra="forbid")

    at: StrictMoment
    evidence: list[EvidenceReference] = Field(min_length=1, max_length=20)
    finish_work_by: StrictDay | None = Field(
        default=None,
        description="Only when stopping written_summary: the last day of the reasonable "
        "period the summary sets for finishing the work, not before the summary's London "
        "day. Starts the complete_work clock, late from the start of the London day after",
    )
    hazard_found: StrictBoolean | None = Field(
        default=None,
        description="Only when stopping investigate: whether the investigation found the "
        "significant hazard. false: only the written_summary clock starts (the tenant is "
        "told the findings within its working days), no safety work is due and the case "
        "closes when the summary is given. Left out, true: written_summary, "
        "begin_safety_work and start_further_work start (docs/adr/0108)",
    )


class CaseDuplicate(BaseModel):
    """The case is the same damp as another at the home, whose clocks began first: a
    case opened before an earlier awareness was known (a complaint's receipt, a hazard
    seen before the case began: docs/adr/0193, 0216) beside the case that awareness
    opened. The kept case's clocks are the law's for the damp (docs/adr/0236)."""

    model_config = ConfigDict(extra="forbid")

    duplicate_of: uuid.UUID = Field(
        description="The case kept: at the same home, of the same severity, not itself a "
        "duplicate, and its landlord aware no later than this case's (its clocks began "
        "first)"
    )


class RevisedSummary(BaseModel):
    """A revised written summary given to the tenant, setting or moving the last day to
    finish the work (docs/adr/0092): it starts the complete_work clock when none runs
    (the written summary was stopped without the day), or re-dues the running one."""

    model_config = ConfigDict(extra="forbid")

    at: StrictMoment = Field(
        description="When the revised summary was given to the tenant: not in the future, "
        "not before the written summary, nor before the complete_work clock's last record"
    )
    finish_work_by: StrictDay = Field(
        description="The last day of the reasonable period the revised summary sets, not "
        "before its London day; the clock is late from the start of the London day after"
    )
    evidence: list[EvidenceReference] = Field(
        min_length=1, max_length=20, description="The revised summary as given (references)"
    )


class RevisedSummaryRecord(BaseModel):
    """A revised written summary as kept on the complete_work clock: the day it set,
    and the day and deadline it replaced (none when it started the clock)."""

    at: datetime
    finish_work_by: date
    evidence: list[str]
    recorded_by: str
    recorded_at: datetime
    earlier_finish_work_by: date | None = None
    earlier_due_at: datetime | None = None


class ClockPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    milestone: AwaabMilestone
    started_at: datetime
    due_at: datetime = Field(
        description="The deadline, after any pauses: for make_safe the 24-hour moment (made "
        "safe at it is in time), for a working-day or week clock the start of the London day "
        "after the due day (the first late moment)"
    )
    paused_at: datetime | None
    pauses: list[dict[str, str]]
    stopped_at: datetime | None
    met: bool | None = Field(
        description="Stopped in time: make_safe at or before due_at, any other clock before "
        "it (None while running)"
    )
    evidence: list[str]
    breached: bool = Field(
        description="A breach was raised, or the clock stopped late; a breach stays "
        "breached when a revised summary moves the day later"
    )
    breached_due_at: datetime | None = Field(
        default=None,
        description="The deadline it breached (the due_at hazard-deadline-breached named): "
        "kept when a revised summary or a pause moves due_at later; the figures count the "
        "breach in this deadline's period. None while the clock is not breached",
    )
    finish_work_by: date | None = Field(
        default=None, description="complete_work only: the last day set to finish the work"
    )
    withdrawn: bool = Field(
        default=False,
        description="Stopped because the case is the same damp as another (status "
        "duplicate): no step done, so `met` is None and it is not late; a breach raised "
        "before stays `breached` (docs/adr/0236)",
    )
    revised_summaries: list[RevisedSummaryRecord] = Field(
        default_factory=list,
        description="complete_work only: the revised written summaries that set or moved "
        "the day, oldest first",
    )


class HazardRecordedPublic(BaseModel):
    """A hazard a home visit or a safety check reported at the home while this case was
    open, recorded on it instead of opening a second case (docs/adr/0193)."""

    hazard_id: uuid.UUID
    source: AwarenessSource = Field(description="home_visit or safety_check")
    identified_at: datetime = Field(description="When the officer or engineer saw it")
    recorded_at: datetime


class AwaabCasePublic(BaseModel):
    id: uuid.UUID
    uprn: str
    severity: HazardSeverity
    source: AwarenessSource
    hazard_id: uuid.UUID | None
    complaint_id: uuid.UUID | None
    became_aware_at: datetime
    opened_at: datetime
    status: AwaabCaseStatus
    duplicate_of: uuid.UUID | None = Field(
        default=None,
        description="With status duplicate: the case kept, whose clocks are the law's for "
        "this damp (docs/adr/0236)",
    )
    clocks: list[ClockPublic]
    hazards_recorded: list[HazardRecordedPublic] = Field(
        default_factory=list,
        description="Significant damp and mould a home visit or a safety check reported at "
        "the home while the case was open: recorded here, its clocks unchanged, no second "
        "case opened (docs/adr/0193). Oldest first",
    )

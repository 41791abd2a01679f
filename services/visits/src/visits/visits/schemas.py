"""Request and response models for home visits and their reports."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from hearth_contracts.events.visits import (
    CommunalIssueType,
    DeclineReason,
    HazardSeverity,
    HazardType,
    NoAccessReason,
    RepairSeverity,
    ResidentDetail,
    TenancyConcernType,
    Trade,
    VisitChannel,
    VisitKind,
)
from hearth_contracts.values import Uprn
from hearth_kit.strict_types import (
    WHOLE_NUMBER,
    StrictBoolean,
    StrictDay,
    StrictMoment,
    WholeNumber,
)
from hearth_kit.text_patterns import HAS_WORDS
from visits.models import VisitStatus

MAX_REPAIRS_PER_VISIT = 50
MAX_HAZARDS_PER_VISIT = 50
MAX_CONCERNS_PER_VISIT = 20
MAX_COMMUNAL_ISSUES_PER_VISIT = 20
MAX_ACTIONS_PER_VISIT = 20
MAX_CLOSURES_PER_VISIT = 100
"""Earlier actions closed, or concerns dealt with, in one one-shot report."""


class VisitOutcome(StrEnum):
    COMPLETED = "completed"
    NO_ACCESS = "no_access"
    DECLINED = "declined"


def _channel_follows_kind(schema: dict[str, Any]) -> None:
    """The rule `rules.channel_for` applies, stated in the schema: a lite visit is made by
    phone or video and must say which; a full visit is in the home. (With no kind, the
    programme chooses it, so a missing channel is refused only when it chooses lite.)"""
    from visits.visits.rules import CHANNELS  # the rules import these schemas

    rules: list[dict[str, Any]] = []
    for kind in VisitKind:
        channels: list[Any] = sorted(c.value for c in CHANNELS[kind])
        then: dict[str, Any]
        if len(channels) == 1:  # the default: it may be left out, or null
            then = {"properties": {"channel": {"enum": [*channels, None]}}}
        else:  # the booking must say which
            then = {"properties": {"channel": {"enum": channels}}, "required": ["channel"]}
        rules.append(
            {
                "if": {"properties": {"kind": {"const": kind.value}}, "required": ["kind"]},
                "then": then,
            }
        )
    schema["allOf"] = rules


class VisitCreate(BaseModel):
    """A home visit to book with the household."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_channel_follows_kind)

    uprn: Uprn
    kind: VisitKind | None = Field(
        default=None,
        description="full or lite; default: the kind the programme says is next for the home. "
        "lite only where that is lite (offered in the year between full visits, ADR 0131): "
        "else a 422 naming kind",
    )
    stock_condition_survey: StrictBoolean | None = Field(
        default=None,
        description="A full visit as the stock condition survey; default: when it is due",
    )
    pair_with_gas_check: StrictBoolean = Field(
        default=True,
        description="Pair a full visit with a gas safety check due near it (one trip)",
    )
    channel: VisitChannel | None = Field(
        default=None,
        description="in_home for a full visit (the default); phone or video for a lite visit",
    )
    scheduled_for: StrictMoment = Field(
        description="When the visit starts, with its offset: its London day no more than 24 "
        "months after today; in the past (a visit already made, booked to be reported) no "
        "further back than a report may be dated (the report window, 10 years by default); "
        "a rebooking after the attempt that got no access"
    )
    duration_minutes: Annotated[int, Field(ge=10, le=480), WHOLE_NUMBER] | None = Field(
        default=None, description="Default: 60 for a full visit, 30 for a lite one"
    )
    officer: str | None = Field(
        default=None,
        min_length=1,
        pattern=HAS_WORDS,
        max_length=64,
        description="The visit officer's staff id",
    )
    rebooked_from_visit_id: uuid.UUID | None = Field(
        default=None, description="The earlier visit at this home that got no access"
    )


FoundRepairSeverity = Annotated[
    RepairSeverity,
    WithJsonSchema(
        {
            "type": "string",
            "enum": [s.value for s in RepairSeverity if s is not RepairSeverity.EMERGENCY],
        }
    ),
]
"""The severity of a repair a report records: the schema states every severity but
emergency. An emergency sent all the same is refused by rules.check_repair_not_emergency
(a 422 naming the field, telling the officer to report it to repairs at once, ADR 0166)
rather than by the model, so the refusal says what to do instead. Repairs and events keep
RepairSeverity whole: findings reported before the rule may carry emergency."""


class RepairFound(BaseModel):
    """A non-emergency repair found on the visit (an emergency is reported to repairs at
    once, not held for the report: ADR 0166)."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1, pattern=HAS_WORDS, max_length=2000)
    location: str = Field(min_length=1, pattern=HAS_WORDS, max_length=100, examples=["kitchen"])
    trade: Trade
    severity: FoundRepairSeverity | None = Field(
        default=None,
        description="The officer's judgement: serious, moderate or minor (repairs sets urgent, "
        "routine, planned). Not emergency: an emergency repair is reported to repairs at once "
        "as a first contact (POST /v1/repairs), a 422 naming this field here (ADR 0166)",
    )


class HazardFound(BaseModel):
    """A hazard found on the visit."""

    model_config = ConfigDict(extra="forbid")

    hazard_type: HazardType
    severity: HazardSeverity
    location: str = Field(min_length=1, pattern=HAS_WORDS, max_length=100)
    description: str = Field(min_length=1, pattern=HAS_WORDS, max_length=2000)


def _review_with_a_referral(schema: dict[str, Any]) -> None:
    """The rule `rules.check_referral` applies, stated in the schema: a referral names
    its review date (that it is after today and within 24 months JSON Schema cannot say)."""
    schema["if"] = {
        "properties": {"refer_to_sustainable_tenancy": {"const": True}},
        "required": ["refer_to_sustainable_tenancy"],
    }
    schema["then"] = {
        "properties": {"review_on": {"not": {"type": "null"}}},
        "required": ["review_on"],
    }


class TenancyConcernFound(BaseModel):
    """A tenancy concern raised at the visit, referred to the sustainable tenancy caseload
    or put on the tenancy's caseload entry for its officer to follow up, as a draft's."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_review_with_a_referral)

    concern: TenancyConcernType
    notes: str | None = Field(default=None, max_length=2000)
    refer_to_sustainable_tenancy: StrictBoolean = Field(
        default=False, description="Refer the tenancy to the sustainable tenancy caseload"
    )
    review_on: StrictDay | None = Field(
        default=None,
        description="Required with a referral: after today and no more than 24 months "
        "ahead (checked when the report is submitted)",
    )


class CommunalIssueFinding(BaseModel):
    """A communal or estate issue noticed on the visit (a draft's piece, or the one-shot
    report's)."""

    model_config = ConfigDict(extra="forbid")

    issue: CommunalIssueType
    location: str = Field(min_length=1, pattern=HAS_WORDS, max_length=100)
    description: str | None = Field(default=None, max_length=2000)


class CustomerActionPromised(BaseModel):
    """Something the officer promised the household at the visit (a draft's piece, or the
    one-shot report's): carried to the next visit, open until closed."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1, pattern=HAS_WORDS, max_length=2000)
    due_on: StrictDay | None = Field(
        default=None,
        description="Not before the visit's London day (visited_at) nor more than 24 months "
        "after today (checked when the report is submitted)",
    )


class CustomerActionClosed(BaseModel):
    """An action promised at an earlier visit that the officer closed at this one (a
    draft's action_closed piece, or the one-shot report's `actions_closed`)."""

    model_config = ConfigDict(extra="forbid")

    action_id: uuid.UUID = Field(description="An open action promised at an earlier visit")


class TenancyConcernDealtWith(BaseModel):
    """A concern open on the tenancy's caseload entry that the officer dealt with at this
    visit (a draft's concern_dealt_with piece, or the one-shot report's
    `concerns_dealt_with`)."""

    model_config = ConfigDict(extra="forbid")

    concern_id: uuid.UUID = Field(
        description="A concern open on the tenancy's caseload entry (raised at an earlier "
        "visit and not referred): the officer has dealt with it"
    )


class HouseholdDetails(BaseModel):
    """The household's details checked with a resident: confirmed, or corrected where
    `corrected` lists what was wrong (engagement follows corrections up). The same in a
    draft's household piece and in the one-shot report."""

    model_config = ConfigDict(extra="forbid")

    resident_id: uuid.UUID = Field(
        description="The resident who confirmed them: one of the home's residents (the "
        "briefing lists them); a resident of another home is refused"
    )
    household_size: WholeNumber = Field(ge=1, le=30)
    corrected: list[ResidentDetail] = Field(default_factory=list, max_length=8)
    vulnerability_consent: StrictBoolean | None = Field(
        default=None, description="Consent to record vulnerabilities; null when not asked"
    )


def _reasons_follow_outcome(schema: dict[str, Any]) -> None:
    """The rules `rules.check_report` applies, stated in the schema: repairs, hazards,
    communal issues, customer actions (promised or closed), concerns dealt with and the
    household's details are recorded only on a completed visit, and a completed visit's
    report holds the household's details (ADR 0146); a visit with no access says why,
    and a declined one says why, each with the reason for its own outcome only;
    household details given are confirmed (household_confirmed not false)."""
    null = {"type": "null"}
    given = {"not": null}
    reason_of = {
        VisitOutcome.NO_ACCESS: "no_access_reason",
        VisitOutcome.DECLINED: "decline_reason",
    }
    rules: list[dict[str, Any]] = []
    for outcome in VisitOutcome:
        properties: dict[str, Any] = {
            reason: given if outcome is owner else null for owner, reason in reason_of.items()
        }
        then: dict[str, Any] = {"properties": properties}
        if outcome in reason_of:
            then["required"] = [reason_of[outcome]]
        if outcome is VisitOutcome.COMPLETED:
            properties["household"] = given
            then["required"] = ["household"]
        else:
            properties |= {
                "repairs_found": {"maxItems": 0},
                "hazards_found": {"maxItems": 0},
                "communal_issues": {"maxItems": 0},
                "customer_actions": {"maxItems": 0},
                "actions_closed": {"maxItems": 0},
                "concerns_dealt_with": {"maxItems": 0},
                "household": null,
            }
        when = {"properties": {"outcome": {"const": outcome.value}}, "required": ["outcome"]}
        rules.append({"if": when, "then": then})
    rules.append(
        {
            "if": {"properties": {"household": {"type": "object"}}, "required": ["household"]},
            "then": {"properties": {"household_confirmed": {"const": True}}},
        }
    )
    schema["allOf"] = rules


class VisitReport(BaseModel):
    """What happened at a booked visit, and what it found."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_reasons_follow_outcome)

    outcome: VisitOutcome
    visited_at: StrictMoment = Field(
        description="When the officer was there, or tried to be (required: never in the "
        "future, nor more than the report window, 10 years by default, ago; a rebooking's "
        "after the attempt it follows). Every clock the report starts counts from it, never "
        "from the upload"
    )
    repairs_found: list[RepairFound] = Field(
        default_factory=list, max_length=MAX_REPAIRS_PER_VISIT, description="Completed only"
    )
    hazards_found: list[HazardFound] = Field(
        default_factory=list, max_length=MAX_HAZARDS_PER_VISIT, description="Completed only"
    )
    tenancy_concerns: list[TenancyConcernFound] = Field(
        default_factory=list,
        max_length=MAX_CONCERNS_PER_VISIT,
        description="Each referred (a review date after today, within 24 months) or put on "
        "the tenancy's caseload entry, as a draft's",
    )
    communal_issues: list[CommunalIssueFinding] = Field(
        default_factory=list,
        max_length=MAX_COMMUNAL_ISSUES_PER_VISIT,
        description="Completed only; each published as communal-issue-found (its code only)",
    )
    customer_actions: list[CustomerActionPromised] = Field(
        default_factory=list,
        max_length=MAX_ACTIONS_PER_VISIT,
        description="Completed only: promised to the household, carried to the next visit "
        "and open until closed",
    )
    actions_closed: list[CustomerActionClosed] = Field(
        default_factory=list,
        max_length=MAX_CLOSURES_PER_VISIT,
        description="Completed only: open customer actions promised at an earlier visit to "
        "the home (the briefing's customer_actions_outstanding) that the officer closed, as "
        "a draft's action_closed pieces; one not open at the home by visited_at, or "
        "promised after it, is refused naming actions_closed.action_id",
    )
    concerns_dealt_with: list[TenancyConcernDealtWith] = Field(
        default_factory=list,
        max_length=MAX_CLOSURES_PER_VISIT,
        description="Completed only: tenancy concerns open on the visit's tenancy's caseload "
        "entry (the briefing's tenancy_concerns_open) the officer dealt with, as a draft's "
        "concern_dealt_with pieces; one not open on the tenancy, or raised after visited_at, "
        "is refused naming concerns_dealt_with.concern_id",
    )
    no_access_reason: NoAccessReason | None = Field(
        default=None, description="Required when the outcome is no_access"
    )
    decline_reason: DeclineReason | None = Field(
        default=None, description="Required when the outcome is declined"
    )
    household_confirmed: StrictBoolean = Field(
        default=False,
        description="The household's details were checked with a resident (true whenever "
        "`household` is given: false with it is refused)",
    )
    household: HouseholdDetails | None = Field(
        default=None,
        description="Required when the outcome is completed, and only then (ADR 0146): the "
        "household's details confirmed or corrected with a resident of the home, as a "
        "draft's household piece (published as resident-details-confirmed, with the visit's "
        "tenancy)",
    )
    notes: str | None = Field(default=None, max_length=4000)


class RepairFindingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    description: str
    location: str
    trade: Trade
    severity: RepairSeverity | None


class HazardFindingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    hazard_type: str
    severity: HazardSeverity
    location: str
    description: str


NOTES_WITHHELD = (
    "The officer's notes; withheld (null) unless the caller holds the need-to-know scope "
    "visits:notes (visit officers do; the contact centre does not)"
)


class TenancyConcernPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    concern: TenancyConcernType = Field(description="The concern's code, shown to every reader")
    notes: str | None = Field(description=NOTES_WITHHELD)


class ComponentPublic(BaseModel):
    component: str
    condition: str
    photos: list[str]


class RoomPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    room: str
    condition: str
    photos: list[str]
    notes: str | None
    components: list[ComponentPublic] = Field(
        default_factory=list,
        description="The room's components rated one by one (none for a room rated whole)",
    )


class CommunalIssuePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    issue: str
    location: str
    description: str | None


class CustomerActionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    """Closed at a visit (closed_at, closed_at_visit_id)."""
    LAPSED = "lapsed"
    """The household it was promised to left (its tenancy ended or was withdrawn,
    lapsed_at): owed to nobody living there, and not outstanding."""


class CustomerActionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    uprn: str
    visit_id: uuid.UUID
    description: str
    due_on: date | None
    promised_at: datetime
    closed_at: datetime | None
    closed_at_visit_id: uuid.UUID | None
    lapsed_at: datetime | None = Field(
        default=None,
        description="When the household it was promised to left (the start of the day after "
        "its tenancy's last, or when the tenancy was withdrawn); null while owed or once closed",
    )
    status: CustomerActionStatus = Field(
        default=CustomerActionStatus.OPEN,
        description="open, closed (closed_at), or lapsed (lapsed_at): worked out from those",
    )

    @model_validator(mode="after")
    def _status_from_its_moments(self) -> CustomerActionPublic:
        """The status says what closed_at and lapsed_at say, whatever was passed."""
        self.status = (
            CustomerActionStatus.CLOSED
            if self.closed_at is not None
            else CustomerActionStatus.LAPSED
            if self.lapsed_at is not None
            else CustomerActionStatus.OPEN
        )
        return self


class VisitPublic(BaseModel):
    """A home visit and, once reported, what it found."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    uprn: str
    kind: VisitKind
    channel: VisitChannel
    status: VisitStatus
    scheduled_for: datetime
    scheduled_end: datetime
    officer: str | None
    tenancy_id: uuid.UUID | None
    rebooked_from_visit_id: uuid.UUID | None
    attempt_number: int
    reported_at: datetime | None
    household_confirmed: bool | None
    no_access_reason: NoAccessReason | None
    decline_reason: DeclineReason | None
    notes: str | None = Field(description=NOTES_WITHHELD)
    stock_condition_survey: bool
    paired_check_id: uuid.UUID | None
    visited_at: datetime | None
    resident_id: uuid.UUID | None
    household_size: int | None
    details_corrected: list[str]
    vulnerability_consent: bool | None
    repairs_found: list[RepairFindingPublic]
    hazards_found: list[HazardFindingPublic]
    tenancy_concerns: list[TenancyConcernPublic]
    rooms: list[RoomPublic]
    inventory_recorded: bool = Field(
        description="The report holds a room-by-room inventory (`rooms`: a condition rating "
        "and photos, room by room). False on a full visit completed by the one-shot report, "
        "which takes no rooms, until its officer adds them (ADR 0113): a stock condition "
        "survey completed so does not count as the survey until then (ADR 0098). A lite "
        "visit records none (ADR 0097)"
    )
    inventory_added_at: datetime | None = Field(
        default=None,
        description="When the visit's officer added the room inventory after the report "
        "(POST /v1/visits/{visit_id}/report/rooms, ADR 0113); null when the report held it, "
        "or holds none",
    )
    communal_issues: list[CommunalIssuePublic]
    customer_actions: list[CustomerActionPublic] = Field(
        description="Actions promised at this visit, open or closed"
    )

"""Visits tables: home visits, what each visit found, and the per-home projection the
visit programme ranks homes from."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Text, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hearth_contracts.events.compliance import CheckType, GasSupply, HeatingFuel, Tenure
from hearth_contracts.events.engagement import AgeBand, ContactChannel
from hearth_contracts.events.income import ArrearsStage, TenancyType
from hearth_contracts.events.visits import (
    Caseload,
    DeclineReason,
    HazardSeverity,
    NoAccessReason,
    RepairSeverity,
    TenancyConcernType,
    Trade,
    VisitChannel,
    VisitKind,
)
from hearth_kit.db import AwareDateTime, text_enum


class VisitsModel(SQLModel, registry=registry()):
    """Base of every visits table (its own metadata: its own database)."""


class VisitStatus(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    NO_ACCESS = "no_access"
    DECLINED = "declined"


class Visit(VisitsModel, table=True):
    """A home visit: booked, then reported once (completed, no access or declined)."""

    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_scheduled_for", "scheduled_for", "id"),
        Index("ix_visit_uprn_scheduled_for", "uprn", "scheduled_for", "id"),
        Index("ix_visit_visited_at", "visited_at"),
        # the visits a merged resident's duplicate id confirmed (resident-merged, ADR 0142)
        Index("ix_visit_resident_id", "resident_id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    kind: VisitKind = Field(sa_type=text_enum(VisitKind))
    channel: VisitChannel = Field(sa_type=text_enum(VisitChannel))
    status: VisitStatus = Field(sa_type=text_enum(VisitStatus), index=True)
    scheduled_for: datetime = Field(sa_type=AwareDateTime)
    scheduled_end: datetime = Field(sa_type=AwareDateTime)
    officer: str | None = Field(default=None, max_length=64)
    tenancy_id: uuid.UUID | None = Field(default=None)
    rebooked_from_visit_id: uuid.UUID | None = Field(
        default=None, foreign_key="visit.id", unique=True
    )
    attempt_number: int = Field(default=1, description="1, or one more than the visit rebooked")
    scheduled_at: datetime = Field(sa_type=AwareDateTime)
    reported_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    household_confirmed: bool | None = Field(default=None)
    no_access_reason: NoAccessReason | None = Field(default=None, sa_type=text_enum(NoAccessReason))
    decline_reason: DeclineReason | None = Field(default=None, sa_type=text_enum(DeclineReason))
    notes: str | None = Field(default=None, sa_type=Text)
    version: int = Field(default=1)
    stock_condition_survey: bool = Field(default=False)
    paired_check_id: uuid.UUID | None = Field(
        default=None, description="The gas safety check booked into the same trip"
    )
    visited_at: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When the officer was there (every clock the report starts counts from it)",
    )
    resident_id: uuid.UUID | None = Field(default=None, description="Who confirmed the details")
    household_size: int | None = Field(default=None)
    details_corrected: list[str] = Field(default_factory=list, sa_type=JSON)
    vulnerability_consent: bool | None = Field(default=None)
    inventory_added_at: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When its officer added the room inventory after the report (ADR 0113)",
    )


class VisitRepairFinding(VisitsModel, table=True):
    """A non-emergency repair found on a visit (each becomes a repair request)."""

    __tablename__ = "visit_repair_finding"

    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    position: int = Field(description="Its place in the report, from 0")
    description: str = Field(sa_type=Text)
    location: str = Field(max_length=100)
    trade: Trade = Field(sa_type=text_enum(Trade))
    severity: RepairSeverity | None = Field(default=None, sa_type=text_enum(RepairSeverity))


class VisitHazardFinding(VisitsModel, table=True):
    """A hazard found on a visit (damp and mould above all)."""

    __tablename__ = "visit_hazard_finding"

    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    position: int = Field(description="Its place in the report, from 0")
    hazard_type: str = Field(max_length=64, index=True)
    severity: HazardSeverity = Field(sa_type=text_enum(HazardSeverity))
    location: str = Field(max_length=100)
    description: str = Field(sa_type=Text)


class VisitTenancyConcern(VisitsModel, table=True):
    """A tenancy concern raised at a visit; the notes never leave this service."""

    __tablename__ = "visit_tenancy_concern"

    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    position: int = Field(description="Its place in the report, from 0")
    concern: TenancyConcernType = Field(sa_type=text_enum(TenancyConcernType))
    notes: str | None = Field(default=None, sa_type=Text)


class RoomInspected(VisitsModel, table=True):
    """One room of a full visit's inventory: its condition rating and photo references,
    and its components', each rated."""

    __tablename__ = "visit_room"

    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    position: int
    room: str = Field(max_length=32)
    condition: str = Field(max_length=32)
    photos: list[str] = Field(default_factory=list, sa_type=JSON)
    notes: str | None = Field(default=None, sa_type=Text)
    components: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_type=JSON,
        description="Its components rated one by one: component, condition, photos "
        "(migration 0019; rooms inspected before hold none)",
    )


class CommunalIssue(VisitsModel, table=True):
    """A communal or estate issue noticed on a visit."""

    __tablename__ = "visit_communal_issue"

    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    position: int
    issue: str = Field(max_length=32)
    location: str = Field(max_length=100)
    description: str | None = Field(default=None, sa_type=Text)


class CustomerAction(VisitsModel, table=True):
    """Something the officer promised the household at a visit: carried to the next
    visit and outstanding until closed, or until the household leaves (its tenancy ended
    or withdrawn): then it lapses, owed to nobody living there."""

    __tablename__ = "customer_action"
    __table_args__ = (Index("ix_customer_action_uprn_open", "uprn", "closed_at"),)

    id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    description: str = Field(sa_type=Text)
    due_on: date | None = Field(default=None)
    promised_at: datetime = Field(sa_type=AwareDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    closed_at_visit_id: uuid.UUID | None = Field(default=None)
    lapsed_at: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When the household it was promised to left (the start of the day after "
        "its tenancy's last, or when the tenancy was withdrawn): no longer outstanding",
    )
    lapsed_with_tenancy_id: uuid.UUID | None = Field(
        default=None, description="The tenancy whose end (or withdrawal) lapsed it"
    )


class ReportDraftPiece(VisitsModel, table=True):
    """One piece of a report a tablet is still writing: keyed by section and the
    tablet's own piece id; the highest version wins, so pieces resent out of order
    converge. Content null: the piece was removed."""

    __tablename__ = "report_draft_piece"

    visit_id: uuid.UUID = Field(foreign_key="visit.id", primary_key=True)
    section: str = Field(primary_key=True, max_length=32)
    piece_id: str = Field(primary_key=True, max_length=64)
    version: int
    content: dict[str, object] | None = Field(default=None, sa_type=JSON)
    saved_at: datetime = Field(sa_type=AwareDateTime)
    hazard_id: uuid.UUID | None = Field(
        default=None,
        description="A hazard piece sent to repairs when it was saved (ADR 0182, 0209, "
        "0227: an emergency or significant one): the hazard id hazard-identified "
        "carried, which the report's hazard keeps at submit (null: not sent; submit "
        "publishes it)",
    )
    identified_at: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="The clock hazard-identified carried (the draft's visited_at then); "
        "the draft's visited_at stays so while the piece is there",
    )


class HomeProfile(VisitsModel, table=True):
    """What visits knows about a home from the asset register (a projection): heating
    fuel, gas supply, whether compliance gives it an annual gas safety check (if not:
    no annual gas visit), area, and tenure (a leasehold or shared ownership home is not
    in the visit programme, ADR 0115)."""

    __tablename__ = "home_profile"

    uprn: str = Field(primary_key=True, max_length=12)
    heating_fuel: HeatingFuel | None = Field(default=None, sa_type=text_enum(HeatingFuel))
    gas_supply: GasSupply | None = Field(default=None, sa_type=text_enum(GasSupply))
    needs_gas_safety_check: bool | None = Field(
        default=None,
        description="Compliance's decision: the home gets an annual gas safety check (null: "
        "not said, an event from before compliance said it; the gas supply decides then)",
    )
    postcode: str | None = Field(default=None, max_length=8)
    area: str | None = Field(
        default=None, max_length=8, index=True, description="The postcode district, e.g. YO10"
    )
    tenure: Tenure | None = Field(
        default=None,
        sa_type=text_enum(Tenure),
        description="The register's tenure (null: not heard since visits kept it, migration "
        "0016; the home stays in the programme until compliance announces it again)",
    )
    property_as_of: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When the asset register said so (an older event never overwrites it)",
    )
    registered_at: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When the home joined the asset register (property-registered): with "
        "no visit recorded, its visit intervals run from then (or its tenancy's start)",
    )


SINCE_EVER = datetime(1, 1, 1, tzinfo=UTC)
"""`HomeTenure.effective_from` of a tenure held since before anything visits knows: the
tenure each home had when migration 0018 began the history (ADR 0130; engagement's
SINCE_EVER, ADR 0085)."""


class HomeTenure(VisitsModel, table=True):
    """A home's tenure from a moment on: one row per property-registered or
    property-updated, at the event's own moment (registered_at, updated_at). The tenure in
    force at a moment is the row with the latest moment not after it (before a home's
    first row, that first one's), whatever order the events came in: the figures of a
    past period count a home and its visits by the tenure then, not today's (ADR 0130).
    Keyed by home and moment: the same event again adds nothing. The ranking reads
    home_profile.tenure, today's."""

    __tablename__ = "home_tenure"

    uprn: str = Field(primary_key=True, max_length=12)
    effective_from: datetime = Field(primary_key=True, sa_type=AwareDateTime)
    """When the register's entry with this tenure took effect; SINCE_EVER for a tenure
    kept before the history was (migration 0018: the moment it began is not known)."""
    tenure: Tenure = Field(sa_type=text_enum(Tenure))


class TenancyRecord(VisitsModel, table=True):
    """A tenancy as income's events told it. Each part has its own version column; an
    ended tenancy keeps its end date for good, so a late or replayed start never brings
    it back."""

    __tablename__ = "tenancy"
    __table_args__ = (Index("ix_tenancy_uprn", "uprn", "start_date"),)

    tenancy_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    start_date: date | None = Field(default=None)
    tenancy_type: TenancyType | None = Field(default=None, sa_type=text_enum(TenancyType))
    type_as_of: date | None = Field(default=None)
    introductory_ends_on: date | None = Field(default=None)
    ended_on: date | None = Field(default=None)
    arrears_stage: ArrearsStage | None = Field(default=None, sa_type=text_enum(ArrearsStage))
    arrears_as_of: datetime | None = Field(default=None, sa_type=AwareDateTime)


class ResidentProfile(VisitsModel, table=True):
    """What engagement's events say about a resident that bears on visits: age band,
    living alone, language and format and access needs, and whether a vulnerability is
    recorded (a flag, never the detail)."""

    __tablename__ = "resident_profile"
    __table_args__ = (Index("ix_resident_profile_uprn", "uprn"),)

    resident_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    tenancy_id: uuid.UUID | None = Field(default=None)
    age_band: AgeBand | None = Field(default=None, sa_type=text_enum(AgeBand))
    lives_alone: bool | None = Field(default=None)
    language: str | None = Field(default=None, max_length=35)
    preferred_channel: ContactChannel | None = Field(
        default=None, sa_type=text_enum(ContactChannel)
    )
    format_needs: list[str] | None = Field(default=None, sa_type=JSON)
    details_as_of: datetime | None = Field(default=None, sa_type=AwareDateTime)
    vulnerable: bool | None = Field(default=None, description="Null: nothing recorded yet")
    adjustments: list[str] | None = Field(default=None, sa_type=JSON)
    vulnerability_as_of: datetime | None = Field(default=None, sa_type=AwareDateTime)


class TenancyMember(VisitsModel, table=True):
    """A person of a tenancy's household, by person id, as visits heard it: a tenant
    income named at tenancy-started, or a resident engagement registered (or updated) on
    the tenancy. Kept for good, so a household's contacts are known to be its own after
    a member's profile moves on to a later tenancy (ADR 0151)."""

    __tablename__ = "tenancy_member"
    __table_args__ = (Index("ix_tenancy_member_resident", "resident_id"),)

    tenancy_id: uuid.UUID = Field(primary_key=True)
    resident_id: uuid.UUID = Field(primary_key=True)


class MergedPerson(VisitsModel, table=True):
    """A person id engagement retired by merging its record into another's
    (resident-merged), and the id kept: what the merge handler re-keyed, remembered so
    that a later merge into the retired id, or a late event naming it, reaches the person
    kept (docs/adr/0172). Re-pointed at each merge of the kept id, as engagement re-points
    `merged_into`, so `kept_person_id` is never itself retired: one lookup, one step."""

    __tablename__ = "merged_person"
    __table_args__ = (Index("ix_merged_person_kept", "kept_person_id"),)

    duplicate_person_id: uuid.UUID = Field(primary_key=True)
    kept_person_id: uuid.UUID


class HouseholdContact(VisitsModel, table=True):
    """A contact engagement logged with a household (only when, where and, when
    engagement named one, who: the resident's person id, ADR 0151)."""

    __tablename__ = "household_contact"
    __table_args__ = (Index("ix_household_contact_uprn", "uprn", "contacted_at"),)

    contact_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    contacted_at: datetime = Field(sa_type=AwareDateTime)
    resident_id: uuid.UUID | None = Field(
        default=None, description="Who made it; null: none named, or kept before visits 0021"
    )


class AccessFailure(VisitsModel, table=True):
    """A compliance check attempt that got no access (no-access history)."""

    __tablename__ = "access_failure"

    attempt_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    attempted_at: datetime = Field(sa_type=AwareDateTime)


class DampCase(VisitsModel, table=True):
    """A damp and mould case repairs opened at a home (damp history)."""

    __tablename__ = "damp_case"

    case_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    became_aware_at: datetime = Field(sa_type=AwareDateTime)


class OfficerVisitForAccess(VisitsModel, table=True):
    """A safety check's no-access procedure reached its housing officer visit step
    (compliance's access-escalated): the home needs a visit officer in person to get the
    household to give access. Open until the check is completed (gas_check_due) or a
    full visit to the home is completed on or after the day it was asked for."""

    __tablename__ = "officer_visit_for_access"

    check_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    check_type: CheckType = Field(sa_type=text_enum(CheckType))
    asked_at: datetime = Field(
        sa_type=AwareDateTime, description="When compliance escalated to the officer visit"
    )


class GasCheckDue(VisitsModel, table=True):
    """A safety check compliance says is due at a home, until it is completed: a visit
    booked near its due date is paired with it."""

    __tablename__ = "gas_check_due"
    __table_args__ = (Index("ix_gas_check_due_uprn", "uprn", "due_by"),)

    check_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    check_type: CheckType = Field(sa_type=text_enum(CheckType))
    due_by: date | None = Field(default=None)
    raised_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class CaseloadAssignment(VisitsModel, table=True):
    """Which tenancy sustainment caseload (and officer) holds a tenancy."""

    __tablename__ = "caseload_assignment"
    __table_args__ = (
        Index("ix_caseload_assignment_officer", "officer", "tenancy_id"),
        # The daily review sweep (caseloads.repository.reviews_overdue): only the
        # referrals whose caseload-review-overdue is still to raise, in its order.
        Index(
            "ix_caseload_assignment_review_due",
            "caseload",
            "review_on",
            "tenancy_id",
            postgresql_where=text("review_overdue_raised_at IS NULL AND review_on IS NOT NULL"),
            sqlite_where=text("review_overdue_raised_at IS NULL AND review_on IS NOT NULL"),
        ),
    )

    tenancy_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    caseload: Caseload = Field(sa_type=text_enum(Caseload))
    officer: str | None = Field(default=None, max_length=64)
    since: date
    introductory_ends_on: date | None = Field(default=None)
    review_on: date | None = Field(default=None)
    returns_to: Caseload | None = Field(
        default=None,
        sa_type=text_enum(Caseload),
        description="Where a sustainable tenancy referral is handed back to",
    )
    concern_id: uuid.UUID | None = Field(default=None)
    as_of: datetime = Field(sa_type=AwareDateTime)
    review_overdue_raised_at: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When caseload-review-overdue was raised for this referral's review date "
        "(the sweep's marker: raised once; cleared by a new referral)",
    )


class CaseloadConcern(VisitsModel, table=True):
    """A tenancy concern raised at a visit and not referred: open on the tenancy's
    caseload entry, for its officer to follow up, until an officer records it dealt
    with. Codes and ids only: the concern's notes stay on the visit (visits:notes)."""

    __tablename__ = "caseload_concern"
    __table_args__ = (Index("ix_caseload_concern_tenancy_open", "tenancy_id", "dealt_with_at"),)

    concern_id: uuid.UUID = Field(primary_key=True, description="The visit's concern")
    tenancy_id: uuid.UUID
    uprn: str = Field(max_length=12)
    visit_id: uuid.UUID = Field(foreign_key="visit.id")
    concern: TenancyConcernType = Field(sa_type=text_enum(TenancyConcernType))
    raised_at: datetime = Field(sa_type=AwareDateTime, description="The visit's visited_at")
    dealt_with_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    dealt_with_at_visit_id: uuid.UUID | None = Field(default=None)


class ProgrammeScore(VisitsModel, table=True):
    """A home's place in the visit programme as last worked out: its score, the factors
    and reasons that made it, and its next visit. Recomputed for one home whenever an
    event or a visit changes one of its factors, and by the programme-rescore job when a
    date moves a factor (`rescore_on`) or the configuration changed
    (`configuration`), so the ranking is an indexed query (docs/adr/0011)."""

    __tablename__ = "programme_score"
    __table_args__ = (
        Index("ix_programme_score_area_rank", "area", text("score DESC"), "due_by", "uprn"),
        Index("ix_programme_score_rank", text("score DESC"), "due_by", "uprn"),
        Index("ix_programme_score_rescore_on", "rescore_on"),
        # The re-score job's "scored under another configuration" (before or after it).
        Index("ix_programme_score_configuration", "configuration"),
    )

    uprn: str = Field(primary_key=True, max_length=12)
    area: str | None = Field(default=None, max_length=8)
    score: int
    due_by: date = Field(description="The last day within its maximum visit interval")
    beyond_interval: bool
    next_visit_kind: VisitKind = Field(sa_type=text_enum(VisitKind))
    stock_condition_survey: bool
    reasons: list[dict[str, object]] = Field(default_factory=list, sa_type=JSON)
    factors: dict[str, object] = Field(default_factory=dict, sa_type=JSON)
    scored_on: date = Field(description="The London day the score was worked out for")
    rescore_on: date = Field(description="The first day a date-driven factor may change it")
    configuration: str = Field(
        max_length=64, description="Fingerprint of the weights and intervals that scored it"
    )

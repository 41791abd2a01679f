"""Events published by the visits service (topic hearth.visits.events).

Visits owns the annual home visit (the full HomePlan visit in the home, the lite visit
by phone or video, and every fifth year a fuller stock condition survey), the visit
report and its findings, the risk-based visit programme and the tenancy sustainment
caseloads. Every event here is keyed by the home's UPRN.

What a visit finds about a person (support needs, vulnerabilities, household
circumstances) is never published as free text: only codes and counts travel, and the
detail stays in the visit report.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, Field

from hearth_contracts.events.base import Event
from hearth_contracts.values import Uprn


class VisitKind(StrEnum):
    FULL = "full"
    """In the home, about an hour, inventory-style report."""
    LITE = "lite"
    """By phone or video, offered every other year."""


class Trade(StrEnum):
    CARPENTRY = "carpentry"
    PLUMBING = "plumbing"
    ELECTRICAL = "electrical"
    PLASTERING = "plastering"
    ROOFING = "roofing"
    GLAZING = "glazing"
    DECORATING = "decorating"
    GAS = "gas"
    GENERAL = "general"
    DAMP_AND_MOULD = "damp_and_mould"


class RepairSeverity(StrEnum):
    """How bad a repair found on a visit is, in the officer's judgement (repairs sets
    the priority from it: emergency, urgent, routine, planned)."""

    EMERGENCY = "emergency"
    SERIOUS = "serious"
    MODERATE = "moderate"
    MINOR = "minor"


class HazardType(StrEnum):
    """The fixed list of hazards a visit records (after the HHSRS hazard groups).
    hazard-identified v1 carries the code as a string; visits only sends these."""

    DAMP_AND_MOULD = "damp_and_mould"
    EXCESS_COLD = "excess_cold"
    EXCESS_HEAT = "excess_heat"
    FALLS = "falls"
    ELECTRICAL = "electrical"
    FIRE = "fire"
    GAS_OR_CARBON_MONOXIDE = "gas_or_carbon_monoxide"
    STRUCTURAL = "structural"
    PESTS = "pests"
    ASBESTOS = "asbestos"
    CROWDING = "crowding"
    OTHER = "other"


class HazardSeverity(StrEnum):
    EMERGENCY = "emergency"
    SIGNIFICANT = "significant"
    MINOR = "minor"


class VisitChannel(StrEnum):
    """How the visit is made: a full visit is in the home; a lite visit by phone or video."""

    IN_HOME = "in_home"
    PHONE = "phone"
    VIDEO = "video"


class NoAccessReason(StrEnum):
    """Why the visit officer could not get in or get through."""

    NO_ANSWER = "no_answer"
    RESIDENT_AWAY = "resident_away"
    ENTRY_REFUSED_ON_THE_DAY = "entry_refused_on_the_day"
    APPOINTMENT_CANCELLED_LATE = "appointment_cancelled_late"
    UNSAFE_TO_ENTER = "unsafe_to_enter"
    OTHER = "other"


class DeclineReason(StrEnum):
    """Why the resident declined the visit (recorded as a code, never in their words)."""

    NOT_WANTED = "not_wanted"
    RECENTLY_IN_CONTACT = "recently_in_contact"
    HEALTH = "health"
    PREFERS_LITE_VISIT = "prefers_lite_visit"
    NO_REASON_GIVEN = "no_reason_given"
    OTHER = "other"


class TenancyConcernType(StrEnum):
    """The kind of tenancy concern a visit raised."""

    ARREARS = "arrears"
    HOARDING = "hoarding"
    NEIGHBOUR_NUISANCE = "neighbour_nuisance"
    ANTI_SOCIAL_BEHAVIOUR = "anti_social_behaviour"
    SUPPORT_NEEDS = "support_needs"
    SAFEGUARDING = "safeguarding"
    UNAUTHORISED_OCCUPANCY = "unauthorised_occupancy"
    PROPERTY_CONDITION = "property_condition"
    OTHER = "other"


class Caseload(StrEnum):
    """The tenancy sustainment caseloads a tenancy can be held on."""

    INTRODUCTORY = "introductory"
    """New tenants: the first 12 months, which can be extended by 6."""
    COMMUNITY = "community"
    """Most secure tenancies, by area."""
    SUSTAINABLE_TENANCY = "sustainable_tenancy"
    """Complex cases: persistent arrears, anti-social behaviour, hoarding, vulnerability."""


class CommunalIssueType(StrEnum):
    """A communal or estate issue noticed on the way in."""

    CLEANING = "cleaning"
    LIGHTING = "lighting"
    DOOR_ENTRY = "door_entry"
    LIFT = "lift"
    FIRE_SAFETY = "fire_safety"
    FLY_TIPPING = "fly_tipping"
    GRAFFITI = "graffiti"
    GROUNDS_MAINTENANCE = "grounds_maintenance"
    PARKING = "parking"
    OTHER = "other"


class ResidentDetail(StrEnum):
    """A group of resident or household details a visit confirmed or corrected."""

    HOUSEHOLD_MEMBERS = "household_members"
    CONTACT_DETAILS = "contact_details"
    PREFERRED_CHANNEL = "preferred_channel"
    LANGUAGE = "language"
    FORMAT_NEEDS = "format_needs"
    ACCESSIBILITY_NEEDS = "accessibility_needs"
    VULNERABILITIES = "vulnerabilities"
    EMERGENCY_CONTACT = "emergency_contact"


class VisitScheduled(
    Event, service="visits", name="visit-scheduled", key="uprn", subject="visit_id"
):
    """A home visit was booked with the household, for a given time.

    A visit booked with the gas safety check names the check (`paired_check_id`), so
    one trip covers both; a visit rebooked after no access names the earlier visit.
    """

    visit_id: uuid.UUID
    uprn: Uprn
    tenancy_id: uuid.UUID | None = None
    kind: VisitKind
    channel: VisitChannel
    stock_condition_survey: bool = Field(
        default=False, description="The fuller stock condition survey (every fifth year)"
    )
    scheduled_start: AwareDatetime
    scheduled_end: AwareDatetime
    paired_check_id: uuid.UUID | None = Field(
        default=None, description="The compliance check (e.g. gas safety) done on the same trip"
    )
    rebooked_from_visit_id: uuid.UUID | None = None
    scheduled_at: AwareDatetime


class VisitCompleted(
    Event, service="visits", name="visit-completed", key="uprn", subject="visit_id"
):
    """A home visit was carried out and its report recorded."""

    visit_id: uuid.UUID
    uprn: Uprn
    kind: VisitKind
    completed_at: AwareDatetime
    repairs_found: int = Field(ge=0)
    hazards_found: int = Field(ge=0)
    tenancy_concerns_raised: int = Field(default=0, ge=0)


class VisitNoAccess(
    Event, service="visits", name="visit-no-access", key="uprn", subject="visit_id"
):
    """A booked home visit could not go ahead because nobody gave access.

    The visit is rebooked; the no-access rate is a headline figure to push down.
    """

    visit_id: uuid.UUID
    uprn: Uprn
    kind: VisitKind
    attempted_at: AwareDatetime
    reason: NoAccessReason
    attempt_number: int = Field(ge=1, description="1 for the first failed attempt at this visit")
    rebooked_visit_id: uuid.UUID | None = None


class VisitDeclined(Event, service="visits", name="visit-declined", key="uprn", subject="visit_id"):
    """The household declined the home visit."""

    visit_id: uuid.UUID
    uprn: Uprn
    kind: VisitKind
    reason: DeclineReason
    declined_at: AwareDatetime


class VisitFoundRepair(
    Event, service="visits", name="visit-found-repair", key="uprn", subject="visit_id"
):
    """A non-emergency repair found on a visit; repairs raises a repair request for it.

    All repairs found on one visit share `visit_id` and `repairs_found_on_visit`, so the
    repairs service can offer them in one appointment.
    """

    visit_id: uuid.UUID
    finding_id: uuid.UUID
    uprn: Uprn
    description: str = Field(min_length=1, max_length=2000)
    location: str = Field(min_length=1, max_length=100, description="Room or area, e.g. kitchen")
    trade: Trade
    reported_at: AwareDatetime = Field(
        description="When the officer saw it (the visit's visited_at): the repair's clock"
    )
    repairs_found_on_visit: int = Field(ge=1)
    severity: RepairSeverity | None = Field(
        default=None, description="The officer's judgement; null on reports before it was asked"
    )
    visited_at: AwareDatetime | None = Field(
        default=None, description="When the officer was in the home (equals reported_at)"
    )


class HazardIdentified(
    Event, service="visits", name="hazard-identified", key="uprn", subject="hazard_id"
):
    """A hazard (damp and mould above all) was found in a home. Superseded by v2, which
    carries no free text: visits publishes v2 alone; v1 events still on the topic carry
    the officer's location and description."""

    hazard_id: uuid.UUID
    uprn: Uprn
    visit_id: uuid.UUID | None = None
    hazard_type: str = Field(min_length=1, max_length=64, examples=["damp_and_mould"])
    severity: HazardSeverity
    location: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=2000)
    identified_at: AwareDatetime


class HazardIdentifiedV2(
    Event,
    service="visits",
    name="hazard-identified",
    version=2,
    key="uprn",
    subject="hazard_id",
):
    """A hazard (damp and mould above all) was found in a home on a visit: repairs opens
    an Awaab's Law case for an emergency hazard or significant damp and mould, its clock
    from when the officer saw it (`identified_at`); significant damp and mould at a home
    whose damp already has an open case is recorded on that case (ADR 0193). Codes only,
    as compliance's hazard-found: the room and the officer's description (which can name
    the people living with the hazard) stay in the visit report, GET
    /v1/visits/{visit_id} (docs/adr/0071)."""

    hazard_id: uuid.UUID
    uprn: Uprn
    visit_id: uuid.UUID | None = None
    hazard_type: HazardType
    severity: HazardSeverity
    identified_at: AwareDatetime = Field(
        description="When the officer saw it (the visit's time): the Awaab's Law clock"
    )


class TenancyConcernRaised(
    Event, service="visits", name="tenancy-concern-raised", key="uprn", subject="concern_id"
):
    """A tenancy concern (arrears, hoarding, neighbour nuisance, support needs and the
    like) was raised about a household, and the tenancy may be referred to another
    caseload. Only the concern's code travels; the officer's notes stay in visits."""

    concern_id: uuid.UUID
    uprn: Uprn
    tenancy_id: uuid.UUID | None = None
    visit_id: uuid.UUID | None = None
    concern_type: TenancyConcernType
    referred_to: Caseload | None = Field(
        default=None, description="The caseload the tenancy was referred to, if any"
    )
    review_on: date | None = None
    raised_at: AwareDatetime


class ResidentDetailsConfirmed(
    Event, service="visits", name="resident-details-confirmed", key="uprn", subject="visit_id"
):
    """At a visit, the household's details were checked with a resident: confirmed, or
    corrected where `corrected` lists what changed (engagement, which owns the details,
    follows the corrections up). Carries no contact details themselves."""

    visit_id: uuid.UUID
    uprn: Uprn
    resident_id: uuid.UUID
    tenancy_id: uuid.UUID | None = None
    household_size: int = Field(ge=1, description="People living in the home, as confirmed")
    corrected: list[ResidentDetail] = Field(
        default_factory=list, description="Details found wrong; empty when all were confirmed"
    )
    vulnerability_consent: bool | None = Field(
        default=None,
        description="Whether the resident consented to vulnerabilities being recorded; "
        "null when not asked",
    )
    confirmed_at: AwareDatetime


class CommunalIssueFound(
    Event, service="visits", name="communal-issue-found", key="uprn", subject="issue_id"
):
    """A communal or estate issue (a broken door entry, lighting, fly-tipping) was noticed
    on a visit to a home in the block or estate. Only its code travels, with the visit and
    the home it was noticed from; where exactly and the officer's description stay in the
    visit report (GET /v1/visits/{visit_id}). Repairs records it, once per `issue_id`, as a
    communal report awaiting a manager's triage (GET /v1/communal-issues), who raises a
    repair at the communal area's UPRN or closes it: the home visited is not the
    communal area."""

    issue_id: uuid.UUID
    visit_id: uuid.UUID
    uprn: Uprn = Field(description="The home visited when the issue was noticed")
    issue: CommunalIssueType
    found_at: AwareDatetime = Field(description="The visit's visited_at")


class CaseloadReviewOverdue(
    Event, service="visits", name="caseload-review-overdue", key="uprn", subject="tenancy_id"
):
    """A tenancy referred to the sustainable tenancy caseload has passed its review date
    without being reviewed (handed back or re-referred with a new date). Raised once per
    review date by visits' caseload-review sweep."""

    tenancy_id: uuid.UUID
    uprn: Uprn
    caseload: Caseload
    officer: str | None = Field(
        default=None, max_length=64, description="The staff id of the officer holding the case"
    )
    review_on: date
    concern_id: uuid.UUID | None = Field(
        default=None, description="The tenancy concern the referral came from"
    )
    raised_at: AwareDatetime

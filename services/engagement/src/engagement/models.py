"""Engagement tables: residents and what engagement keeps about them (needs,
vulnerabilities, a diversity profile kept apart), contacts, complaints on the Code's
clocks, service requests, messages, surveys, "you said, we did", and the homes and
tenancies engagement knows of from other services' events."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Index, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hearth_contracts.events.compliance import Tenure
from hearth_contracts.events.engagement import (
    Adjustment,
    AgeBand,
    ComplaintCategory,
    ComplaintStage,
    ContactChannel,
    ContactDirection,
    ContactMedium,
    ContactReason,
    FormatNeed,
    SurveyKind,
    VulnerabilityCategory,
)
from hearth_kit.db import AwareDateTime, text_enum

PERSON_ID_TO_FOLLOW_UP_SQL = """CAST(details_to_follow_up AS TEXT) LIKE '%"person_id"%'"""
"""A resident whose `details_to_follow_up` lists `person_id` (ADR 0118), in SQL both
databases run: the list is JSON, so its text holds the quoted entry. The list's query
states it word for word, so PostgreSQL's planner matches the partial index on it."""

UNTRANSLATED_SQL = "untranslated_from IS NOT NULL"
"""A message written in English for want of a template in the resident's language
(ADR 0119)."""


class EngagementModel(SQLModel, registry=registry()):
    """Base of every engagement table (its own metadata: its own database)."""


class Resident(EngagementModel, table=True):
    """A person the landlord deals with, by the one id the platform gives them (income's
    tenancy-started names it; engagement mints it for someone not yet on a tenancy),
    with their contact details and communication needs. Contact details never leave
    engagement."""

    __tablename__ = "resident"
    __table_args__ = (
        # A home's residents in registration order (the home overview).
        Index("ix_resident_uprn_registered_at_id", "uprn", "registered_at", "id"),
        # The residents with a person id to follow up (ADR 0118), in registration order:
        # GET /v1/residents?follow_up=person_id, read off this partial index alone.
        Index(
            "ix_resident_person_id_to_follow_up",
            "registered_at",
            "id",
            postgresql_where=text(PERSON_ID_TO_FOLLOW_UP_SQL),
            sqlite_where=text(PERSON_ID_TO_FOLLOW_UP_SQL),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    tenancy_id: uuid.UUID | None = Field(default=None, index=True)
    uprn: str | None = Field(default=None, max_length=12)
    tenancy_started_on: date | None = Field(
        default=None,
        description="The start date of the tenancy they are on (the version of which "
        "tenancy that is: a tenancy that started earlier, arriving late, never moves them "
        "back); None while income has not announced it",
    )
    tenancy_ended_on: date | None = Field(
        default=None,
        description="The tenancy they are on ended (income's tenancy-ended): they no longer "
        "live at `uprn`, which is kept as their last home",
    )
    full_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    preferred_channel: ContactChannel = Field(sa_type=text_enum(ContactChannel))
    language: str = Field(max_length=35)
    format_needs: list[FormatNeed] = Field(default_factory=list, sa_type=JSON)
    accessibility_needs: list[Adjustment] = Field(default_factory=list, sa_type=JSON)
    accessibility_notes: str | None = Field(default=None, max_length=1000)
    age_band: AgeBand | None = Field(default=None, sa_type=text_enum(AgeBand))
    lives_alone: bool | None = None
    household_size: int | None = None
    details_confirmed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    details_to_follow_up: list[str] = Field(default_factory=list, sa_type=JSON)
    registered_at: datetime = Field(sa_type=AwareDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    version: int = Field(default=1)
    merged_into: uuid.UUID | None = Field(
        default=None,
        description="A second record of one person, merged into this resident (ADR "
        "0124): nothing is kept under this id any more; requests naming it are told this one",
    )
    merged_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class Tenancy(EngagementModel, table=True):
    """What engagement knows of a tenancy, projected from income's tenancy-started."""

    __tablename__ = "tenancy"

    tenancy_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    tenancy_reference: str = Field(max_length=32)
    start_date: date
    as_of: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When income announced it (an older event never overwrites it)",
    )


class TenancyTenant(EngagementModel, table=True):
    """A person engagement knows was a tenant of a tenancy, kept after they move on: a
    resident's tenancy history (a former tenant may still complain about a home they
    left). Written when income names them on a tenancy (tenancy-started, even an older
    one arriving late) and when a resident is registered on one."""

    __tablename__ = "tenancy_tenant"
    __table_args__ = (Index("ix_tenancy_tenant_resident_id_uprn", "resident_id", "uprn"),)

    tenancy_id: uuid.UUID = Field(primary_key=True)
    resident_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12, description="The tenancy's home")


class TenancyEnd(EngagementModel, table=True):
    """A tenancy income said ended (tenancy-ended), kept apart from `tenancy` so the end
    is known even when it is handled before the start (a replayed dead letter): a
    tenancy-started of an ended tenancy never makes its tenants current residents."""

    __tablename__ = "tenancy_end"

    tenancy_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    end_date: date
    as_of: datetime = Field(
        sa_type=AwareDateTime,
        description="When income announced it (an older event never overwrites it)",
    )


class Home(EngagementModel, table=True):
    """A home in the asset register (compliance's property-registered and -updated):
    the homes CH01 counts complaints per 1,000 of (those let to tenants, registered by
    the period's end: residents.repository.homes_count), and the block each is in (a
    communal repair's survey asks the block's households)."""

    __tablename__ = "home"

    uprn: str = Field(primary_key=True, max_length=12)
    as_of: datetime = Field(sa_type=AwareDateTime)
    tenure: Tenure | None = Field(default=None, sa_type=text_enum(Tenure))
    """Its tenure by the newest event; None for a home kept before engagement read it
    (counted as let until compliance's republish-homes tells it). The figures read the
    tenure at the time from `HomeTenure` instead (docs/adr/0085)."""
    registered_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    """When compliance registered it (property-registered); None when engagement only
    heard of it from property-updated (counted in every period)."""
    block_id: str | None = Field(default=None, max_length=64, index=True)
    """The block's UPRN the home is in, versioned with its tenure (the register's whole
    entry: null is a house or a home given no block); a communal repair's survey goes
    to the households of the homes whose block is the repair's UPRN (docs/adr/0044).
    None for a home kept before engagement read it, until compliance's republish-homes."""


class HomeTenure(EngagementModel, table=True):
    """A home's tenure from a moment on: one row per property-registered or
    property-updated, at the event's own moment (registered_at, updated_at), never when
    engagement read it. The tenure as at a moment is the row with the latest moment not
    after it (residents.rules.tenure_as_at), so CH01 counts the homes let at a period's
    end and TP01 to TP12 judge a response by its home's tenure when it was given
    (docs/adr/0085). Keyed by home and moment: the same event again adds nothing, and
    one arriving late takes its place in the history whatever the order."""

    __tablename__ = "home_tenure"

    uprn: str = Field(primary_key=True, max_length=12)
    effective_from: datetime = Field(primary_key=True, sa_type=AwareDateTime)
    """When the register's entry with this tenure took effect; SINCE_EVER for a tenure
    kept before the history was (migration 0020: the moment it began is not known)."""
    tenure: Tenure = Field(sa_type=text_enum(Tenure))


SINCE_EVER = datetime(1, 1, 1, tzinfo=UTC)
"""The moment of a tenure that held before anything engagement knows (migration 0020's
backfill of the tenure each home had then)."""


class Vulnerability(EngagementModel, table=True):
    """A vulnerability recorded with the resident's consent. The detail is need-to-know
    (scope vulnerabilities:read, every read audited); other services get a flag and the
    adjustments only (vulnerability-recorded v2)."""

    __tablename__ = "vulnerability"
    __table_args__ = (
        # Vulnerabilities not removed by review date: GET /v1/vulnerabilities/reviews-due
        # pages through them by (review_on, id).
        Index(
            "ix_vulnerability_review_due",
            "review_on",
            "id",
            postgresql_where=text("removed_at IS NULL"),
            sqlite_where=text("removed_at IS NULL"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    resident_id: uuid.UUID = Field(index=True)
    category: VulnerabilityCategory = Field(sa_type=text_enum(VulnerabilityCategory))
    detail: str | None = Field(default=None, max_length=2000)
    adjustments: list[Adjustment] = Field(default_factory=list, sa_type=JSON)
    consent_given_at: datetime = Field(sa_type=AwareDateTime)
    review_on: date
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(sa_type=AwareDateTime)
    reviewed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    """When the latest review was held with the resident (not when it was typed in);
    None until the first."""
    removed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class VulnerabilityRead(EngagementModel, table=True):
    """The audit of who read a resident's vulnerabilities, and when."""

    __tablename__ = "vulnerability_read"

    id: uuid.UUID = Field(primary_key=True)
    resident_id: uuid.UUID = Field(index=True)
    reader: str = Field(max_length=200)
    read_at: datetime = Field(sa_type=AwareDateTime)
    records_shown: int


class DiversityProfile(EngagementModel, table=True):
    """An optional diversity profile, kept apart from operational data and read only as
    aggregates (scope diversity:read)."""

    __tablename__ = "diversity_profile"

    resident_id: uuid.UUID = Field(primary_key=True)
    ethnicity: str | None = Field(default=None, max_length=64)
    disability: str | None = Field(default=None, max_length=64)
    sex: str | None = Field(default=None, max_length=64)
    religion: str | None = Field(default=None, max_length=64)
    sexual_orientation: str | None = Field(default=None, max_length=64)
    recorded_at: datetime = Field(sa_type=AwareDateTime)


class Contact(EngagementModel, table=True):
    """A contact with a household, from any channel."""

    __tablename__ = "contact"
    # A home's and a resident's contacts in the list's cursor order (GET /v1/contacts
    # ?uprn= or ?resident_id=).
    __table_args__ = (
        Index("ix_contact_uprn_contacted_at_id", "uprn", "contacted_at", "id"),
        Index("ix_contact_resident_id_contacted_at_id", "resident_id", "contacted_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    resident_id: uuid.UUID | None = None
    direction: ContactDirection = Field(sa_type=text_enum(ContactDirection))
    medium: ContactMedium = Field(sa_type=text_enum(ContactMedium))
    reason: ContactReason = Field(sa_type=text_enum(ContactReason))
    notes: str | None = Field(default=None, max_length=4000)
    contacted_at: datetime = Field(sa_type=AwareDateTime)
    logged_by: str = Field(max_length=200)


class ComplaintStatus(StrEnum):
    OPEN = "open"
    """The current stage is not answered yet."""
    CLOSED = "closed"
    """The current stage was answered (a stage 1 answer can still be escalated)."""


class Complaint(EngagementModel, table=True):
    """A complaint under the Complaint Handling Code, with what was learnt from it."""

    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_received_at_id", "received_at", "id"),)

    id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    resident_id: uuid.UUID | None = Field(default=None, index=True)
    category: ComplaintCategory = Field(sa_type=text_enum(ComplaintCategory))
    medium: ContactMedium = Field(sa_type=text_enum(ContactMedium))
    summary: str = Field(max_length=4000)
    repair_id: uuid.UUID | None = None
    received_at: datetime = Field(sa_type=AwareDateTime)
    stage: ComplaintStage = Field(sa_type=text_enum(ComplaintStage))
    status: ComplaintStatus = Field(sa_type=text_enum(ComplaintStatus), index=True)
    root_cause: str | None = Field(default=None, max_length=2000)
    learning: str | None = Field(default=None, max_length=2000)
    remedy: str | None = Field(default=None, max_length=2000)
    compensation_pence: int = Field(default=0, sa_type=BigInteger)


class ComplaintStageRecord(EngagementModel, table=True):
    """One stage of a complaint and its clocks. The breach markers are stamped in the
    transaction that publishes complaint-deadline-breached, so each breach is raised
    once."""

    __tablename__ = "complaint_stage"
    __table_args__ = (
        # Partial: the sweep reads only stages still waiting, so stamped and done rows
        # never slow it down (each batch is found from the index alone).
        Index(
            "ix_complaint_stage_unacknowledged",
            "acknowledge_by",
            postgresql_where=text(
                "acknowledged_at IS NULL AND acknowledge_breach_raised_at IS NULL"
            ),
            sqlite_where=text("acknowledged_at IS NULL AND acknowledge_breach_raised_at IS NULL"),
        ),
        Index(
            "ix_complaint_stage_unanswered",
            "respond_by",
            postgresql_where=text("responded_at IS NULL AND respond_breach_raised_at IS NULL"),
            sqlite_where=text("responded_at IS NULL AND respond_breach_raised_at IS NULL"),
        ),
        # The figures of a period (CH01, CH02): the stages of one stage requested, or
        # answered, in it; the primary key's stage is its second column, so without
        # these every complaint ever made was read (migration 0021). Answered ones only
        # in the second (partial): an open stage is never counted by its answer.
        Index("ix_complaint_stage_stage_requested_at", "stage", "requested_at"),
        Index(
            "ix_complaint_stage_stage_responded_at",
            "stage",
            "responded_at",
            postgresql_where=text("responded_at IS NOT NULL"),
            sqlite_where=text("responded_at IS NOT NULL"),
        ),
    )

    complaint_id: uuid.UUID = Field(primary_key=True)
    stage: ComplaintStage = Field(primary_key=True, sa_type=text_enum(ComplaintStage))
    requested_at: datetime = Field(sa_type=AwareDateTime)
    acknowledge_by: date
    acknowledged_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    acknowledged_by: str | None = Field(default=None, max_length=200)
    """The caller (the token's subject) who recorded the acknowledgement."""
    handler: str | None = Field(default=None, max_length=64)
    code_respond_by: date | None = None
    respond_by: date | None = None
    extension_reason: str | None = Field(default=None, max_length=1000)
    extension_agreed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    responded_by: str | None = Field(default=None, max_length=200)
    """The caller (the token's subject) who recorded the answer."""
    acknowledge_breach_raised_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    respond_breach_raised_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    superseded_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    """When the resident asked for the next stage, when that was before this stage was
    answered and before its answer's day was over (stage 1 escalated while its
    acknowledgement was late, acknowledged before the escalation was recorded): its
    answer is owed no more, so no breach of it is raised (docs/adr/0205)."""


class ServiceRequest(EngagementModel, table=True):
    """A request for a service (not a complaint): recorded apart, on no Code clock."""

    __tablename__ = "service_request"
    # A home's and a resident's requests in the list's cursor order (GET
    # /v1/service-requests?uprn= or ?resident_id=).
    __table_args__ = (
        Index("ix_service_request_uprn_received_at_id", "uprn", "received_at", "id"),
        Index("ix_service_request_resident_id_received_at_id", "resident_id", "received_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    resident_id: uuid.UUID | None = None
    category: ComplaintCategory = Field(sa_type=text_enum(ComplaintCategory))
    medium: ContactMedium = Field(sa_type=text_enum(ContactMedium))
    summary: str = Field(max_length=4000)
    received_at: datetime = Field(sa_type=AwareDateTime)


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Message(EngagementModel, table=True):
    """A letter, email or text to a resident, rendered from a template in their language
    and format, sent by the message job with back-off (sent once: the row is stamped
    sent in the job's transaction)."""

    __tablename__ = "message"
    __table_args__ = (
        Index(
            "uq_message_resident_template_source",
            "resident_id",
            "template",
            "source_id",
            unique=True,
        ),
        Index("ix_message_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_message_resident_created_at", "resident_id", "created_at", "id"),
        # Statutory messages written in English for want of a translation (ADR 0119),
        # latest first: GET /v1/messages?untranslated=true, off this partial index.
        Index(
            "ix_message_untranslated_created_at",
            "created_at",
            "id",
            postgresql_where=text(UNTRANSLATED_SQL),
            sqlite_where=text(UNTRANSLATED_SQL),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    resident_id: uuid.UUID
    uprn: str | None = Field(default=None, max_length=12)
    template: str = Field(max_length=64)
    source_id: uuid.UUID = Field(description="The event or record that triggered it")
    language: str = Field(max_length=35)
    formats: list[FormatNeed] = Field(default_factory=list, sa_type=JSON)
    channel: ContactChannel = Field(sa_type=text_enum(ContactChannel))
    recipient: str | None = Field(default=None, max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=8000)
    status: MessageStatus = Field(sa_type=text_enum(MessageStatus))
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_type=AwareDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    outcome_unknown: bool = Field(
        default=False,
        description="The last attempt got no answer (a timeout, a dropped connection, a "
        "5xx): the provider may have taken it, so the next attempt asks first (ADR 0080)",
    )
    provider_message_id: str | None = Field(
        default=None,
        max_length=100,
        description="The provider's id for the message it took (Notify's notification id)",
    )
    untranslated_from: str | None = Field(
        default=None,
        max_length=35,
        description="The resident's language, which no template of this statutory "
        "message is written in: written in English instead, for staff to follow up with "
        "a translation (ADR 0119)",
    )


class SurveyInvitation(EngagementModel, table=True):
    """A resident was invited to a transactional survey about a piece of work."""

    __tablename__ = "survey_invitation"
    __table_args__ = (
        Index(
            "uq_survey_invitation_resident_survey_about",
            "resident_id",
            "survey",
            "about_id",
            unique=True,
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    resident_id: uuid.UUID
    uprn: str = Field(max_length=12, index=True)
    survey: SurveyKind = Field(sa_type=text_enum(SurveyKind))
    about_id: uuid.UUID = Field(index=True)
    invited_at: datetime = Field(sa_type=AwareDateTime)
    done_on: date | None = Field(
        default=None,
        description="The London day the work was done: the household living there then "
        "is the one asked, and its answers count as that household's (docs/adr/0225). "
        "Null for invitations made before migration 0026",
    )


class SurveyResponse(EngagementModel, table=True):
    """A resident's answers to a survey, with their reasons and feedback on the operative."""

    __tablename__ = "survey_response"
    __table_args__ = (Index("ix_survey_response_survey_responded_at", "survey", "responded_at"),)

    id: uuid.UUID = Field(primary_key=True)
    survey: SurveyKind = Field(sa_type=text_enum(SurveyKind))
    about_id: uuid.UUID | None = None
    resident_id: uuid.UUID | None = Field(default=None, index=True)
    uprn: str = Field(max_length=12)
    answers: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    reasons: str | None = Field(default=None, max_length=4000)
    operative_feedback: str | None = Field(default=None, max_length=4000)
    responded_at: datetime = Field(sa_type=AwareDateTime)


class YouSaidWeDid(EngagementModel, table=True):
    """A published change, linked to the complaints and survey responses behind it."""

    __tablename__ = "you_said_we_did"
    __table_args__ = (Index("ix_you_said_we_did_published_on_id", "published_on", "id"),)

    id: uuid.UUID = Field(primary_key=True)
    you_said: str = Field(max_length=2000)
    we_did: str = Field(max_length=2000)
    published_on: date
    complaint_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    survey_response_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(sa_type=AwareDateTime)

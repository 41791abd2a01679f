"""Compliance tables: the asset register (estates, blocks, homes, appliances), the
programme's checks, gas safety records, defects and access attempts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hearth_contracts.events.compliance import (
    AlarmKind,
    CheckOutcome,
    CheckType,
    DefectClassification,
    GasSupply,
    HeatingFuel,
    PropertyType,
    Tenure,
)
from hearth_contracts.events.repairs import RepairPriority
from hearth_kit.db import AwareDateTime, text_enum


class ComplianceModel(SQLModel, registry=registry()):
    """Base of every compliance table (its own metadata: its own database)."""


class ApplianceType(StrEnum):
    """The fixed list of appliances the register and a gas safety record name."""

    BOILER = "boiler"
    COMBI_BOILER = "combi_boiler"
    BACK_BOILER = "back_boiler"
    GAS_FIRE = "gas_fire"
    GAS_COOKER = "gas_cooker"
    GAS_HOB = "gas_hob"
    WATER_HEATER = "water_heater"
    WARM_AIR_UNIT = "warm_air_unit"
    COMMUNAL_BOILER = "communal_boiler"
    SOLID_FUEL_STOVE = "solid_fuel_stove"
    OIL_BOILER = "oil_boiler"
    ELECTRIC_STORAGE_HEATER = "electric_storage_heater"


class Subject(StrEnum):
    """What a check is of: a home, or a block's communal parts."""

    HOME = "home"
    BLOCK = "block"


class Estate(ComplianceModel, table=True):
    """An estate: homes and blocks managed together."""

    __tablename__ = "estate"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)


class Block(ComplianceModel, table=True):
    """A block of homes, with its own UPRN; its communal parts have their own checks."""

    __tablename__ = "block"

    uprn: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=200)
    estate_id: str | None = Field(default=None, max_length=64, index=True)
    communal_boiler: bool = False
    has_lift: bool = False
    registered_at: datetime = Field(sa_type=AwareDateTime)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    """The block's ETag (If-Match on PATCH), as a home's (migration 0021)."""
    updated_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class HomeBase(SQLModel):
    uprn: str = Field(primary_key=True, max_length=12)
    address_line_1: str = Field(max_length=200)
    address_line_2: str | None = Field(default=None, max_length=200)
    town: str = Field(max_length=100)
    postcode: str = Field(max_length=8, index=True)
    property_type: PropertyType = Field(sa_type=text_enum(PropertyType))
    tenure: Tenure = Field(sa_type=text_enum(Tenure))
    heating_fuel: HeatingFuel = Field(sa_type=text_enum(HeatingFuel))
    gas_supply: GasSupply = Field(sa_type=text_enum(GasSupply))
    block_id: str | None = Field(default=None, max_length=64, index=True)
    """The block's UPRN (property-registered calls it block_id)."""


class Home(ComplianceModel, HomeBase, table=True):
    """A home in the asset register, identified by its UPRN."""

    __tablename__ = "home"
    __table_args__ = (
        # The homes the register shows missing a required alarm, for the figures and
        # the idle sweep's gauge: a count that reads only those homes.
        Index(
            "ix_home_alarms_missing",
            "tenure",
            postgresql_where=text("alarms_missing > 0"),
            sqlite_where=text("alarms_missing > 0"),
        ),
    )

    registered_at: datetime = Field(sa_type=AwareDateTime)
    version: int = Field(default=1)
    estate_id: str | None = Field(default=None, max_length=64, index=True)
    storeys_with_living_space: int | None = None
    smoke_alarm_storeys: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    co_alarm_rooms: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    alarms_missing: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """How many alarms the register shows missing (storeys with living space without a
    smoke alarm, rooms with a fixed combustion appliance without a CO alarm: the home's
    read's two lists), kept whenever they change so the figures count homes missing
    one without reading every home's lists."""
    alarms_noted_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    """When the register was last told what alarms the home has: a PATCH or import of
    the lists (the change's moment), or a gas engineer's alarm tests (the visit's). A
    record of a visit before it leaves the lists as they are (ADR 0121, migration
    0024); None when never told since the migration."""
    no_access_history: bool = False
    """A failure to give access was ever noted here (kept as it was; whose it is, the
    household's living there or the one before, is no_access_noted_on's)."""
    no_access_noted_on: date | None = None
    """The London day of the latest failure to give access noted (a failed attempt at a
    check, a full visit not let into): the household living there has a no-access
    history when it is on or after its tenancy's first day
    (rules.household_no_access_history, migration 0023)."""
    tenancy_start_date: date | None = None
    """The first day of the home's newest tenancy not withdrawn (income's tenancy-started;
    the newest of the home's tenancies in tenancy_start once one is withdrawn, ADR 0111):
    the household living there since, whose no-access history counts from it."""
    tenancy_end_date: date | None = None
    """The last day of the home's latest tenancy to end (income's tenancy-ended), None
    when none is known to have ended (migration 0022): a record made after it, with no
    newer tenancy known, finds no household to owe a copy (rules.household_owed_copy)."""
    updated_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class MissingAlarm(ComplianceModel, table=True):
    """A required alarm the register shows a let home without (a storey with living
    space without a smoke alarm, a room with a fixed combustion appliance without a CO
    alarm), from when it was first seen missing until the register shows it fitted or
    no longer required (`cleared_at`). One open row per alarm: its repair is raised once
    (required-alarm-missing, under this row's id), and again only for a new row after
    this one was cleared (docs/adr/0109)."""

    __tablename__ = "missing_alarm"
    __table_args__ = (
        Index(
            "uq_missing_alarm_open",
            "uprn",
            "kind",
            "place",
            unique=True,
            postgresql_where=text("cleared_at IS NULL"),
            sqlite_where=text("cleared_at IS NULL"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    kind: AlarmKind = Field(sa_type=text_enum(AlarmKind))
    place: str = Field(max_length=100)
    """The storey's number (a smoke alarm) or the room as compared (stripped, lower
    case: a CO alarm)."""
    found_at: datetime = Field(sa_type=AwareDateTime)
    cleared_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    repaired_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    """When its repair was completed (repair-completed under this id): a gas engineer
    who finds it missing after that found it gone again, a new row and a new repair
    (ADR 0120, migration 0025). The row stays open until the register shows it fitted."""


class Appliance(ComplianceModel, table=True):
    """An appliance in a home (or a block's plant room), and whether the landlord owns it."""

    __tablename__ = "appliance"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    appliance_type: ApplianceType = Field(sa_type=text_enum(ApplianceType))
    location: str = Field(max_length=100)
    landlord_owned: bool = True


class Check(ComplianceModel, table=True):
    """One cycle of a safety check of a home or block: open until its record arrives,
    then the next cycle starts as a new row. The marker columns (`due_raised_at`,
    `expired_raised_at`, `escalated_at`) make the sweep raise each event once."""

    __tablename__ = "compliance_check"
    __table_args__ = (
        Index(
            "uq_compliance_check_open",
            "uprn",
            "check_type",
            unique=True,
            postgresql_where=text("completed_at IS NULL"),
            sqlite_where=text("completed_at IS NULL"),
        ),
        Index(
            "ix_compliance_check_due_sweep",
            "due_from",
            postgresql_where=text("completed_at IS NULL AND due_raised_at IS NULL"),
            sqlite_where=text("completed_at IS NULL AND due_raised_at IS NULL"),
        ),
        Index(
            "ix_compliance_check_expiry_sweep",
            "due_by",
            postgresql_where=text("completed_at IS NULL AND expired_raised_at IS NULL"),
            sqlite_where=text("completed_at IS NULL AND expired_raised_at IS NULL"),
        ),
        Index(
            "ix_compliance_check_escalation_sweep",
            "escalate_on",
            postgresql_where=text("completed_at IS NULL AND escalated_at IS NULL"),
            sqlite_where=text("completed_at IS NULL AND escalated_at IS NULL"),
        ),
        Index(
            "ix_compliance_check_ladder",
            "ladder_next_step_on",
            postgresql_where=text("completed_at IS NULL AND ladder_next_step_on IS NOT NULL"),
            sqlite_where=text("completed_at IS NULL AND ladder_next_step_on IS NOT NULL"),
        ),
        Index("ix_compliance_check_open_type_due", "check_type", "completed_at", "due_by"),
        # A home's checks of every cycle (its compliance read; when a cycle began).
        Index("ix_compliance_check_home", "uprn", "check_type", "completed_on"),
        # GET /v1/checks in its cursor's order, and a contractor's checks in it.
        Index(
            "ix_compliance_check_open_due",
            "due_by",
            "id",
            postgresql_where=text("completed_at IS NULL"),
            sqlite_where=text("completed_at IS NULL"),
        ),
        Index(
            "ix_compliance_check_contractor_due",
            "contractor_id",
            "due_by",
            "id",
            postgresql_where=text("completed_at IS NULL AND contractor_id IS NOT NULL"),
            sqlite_where=text("completed_at IS NULL AND contractor_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    uprn: str = Field(max_length=12)
    subject: Subject = Field(sa_type=text_enum(Subject))
    check_type: CheckType = Field(sa_type=text_enum(CheckType))
    due_by: date
    """The day the check must be done by: the certificate's expiry, or for a first
    check the day it became needed."""
    due_from: date
    """The day it is raised as due (lead time before due_by)."""
    escalate_on: date
    certificate_expires_on: date | None = None
    last_certificate_reference: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=AwareDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    completed_on: date | None = None
    record_id: uuid.UUID | None = None
    due_raised_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    expired_raised_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    escalated_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    access_attempts: int = 0
    no_access_attempts: int = 0
    ladder_started_on: date | None = None
    ladder_steps_taken: int = 0
    ladder_next_step_on: date | None = None
    contractor_id: str | None = Field(default=None, max_length=64)
    paired_visit_id: uuid.UUID | None = None
    appointment_start: datetime | None = Field(default=None, sa_type=AwareDateTime)
    """The slot of the home visit the check is combined with (visit-scheduled)."""
    appointment_end: datetime | None = Field(default=None, sa_type=AwareDateTime)
    version: int = Field(default=1)
    """The version of the contractor assignment, the check's ETag (If-Match on PUT
    .../contractor)."""


class GasSafetyRecord(ComplianceModel, table=True):
    """A landlord gas safety record (LGSR, CP12), kept at least 2 years."""

    __tablename__ = "gas_safety_record"
    __table_args__ = (
        # GET /v1/gas-safety-records in its cursor's order (recorded_at DESC, id DESC,
        # read backwards), and the contractor's own records in it.
        Index("ix_gas_safety_record_recorded", "recorded_at", "id"),
        Index(
            "ix_gas_safety_record_contractor",
            "contractor_id",
            "recorded_at",
            "id",
            postgresql_where=text("contractor_id IS NOT NULL"),
            sqlite_where=text("contractor_id IS NOT NULL"),
        ),
        # the records a correction names, left out of the home's latest (ADR 0174)
        Index(
            "ix_gas_safety_record_corrects",
            "corrects_id",
            postgresql_where=text("corrects_id IS NOT NULL"),
            sqlite_where=text("corrects_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    check_id: uuid.UUID = Field(index=True)
    uprn: str = Field(max_length=12, index=True)
    check_date: date
    checked_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    """When the engineer did the check, as the record said (on `check_date` in London);
    None when it gave no time, or was kept before migration 0015: its findings then
    count from the start of `check_date` (ADR 0039, 0040)."""
    engineer_name: str = Field(max_length=200)
    gas_safe_number: str = Field(max_length=7)
    certificate_reference: str = Field(max_length=64)
    contractor_id: str | None = Field(default=None, max_length=64)
    outcome: CheckOutcome = Field(sa_type=text_enum(CheckOutcome))
    appliances: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    alarm_tests: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    hazards: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    """Hazards the engineer saw (damp and mould above all), each with its id (published
    as hazard-found); null on records kept before migration 0009."""
    previous_expiry: date | None = None
    expires_on: date
    copy_to_tenant_by: date
    recorded_at: datetime = Field(sa_type=AwareDateTime)
    recorded_by: str = Field(max_length=200)
    superseded: bool = False
    """Dated on or before the latest record held when it arrived: kept as history, it
    closed no check and gave the home no expiry (migration 0012)."""
    corrects_id: uuid.UUID | None = None
    """The record this one corrects (`corrects` when it was recorded: it replaced that
    record on its cycle whatever its day, ADR 0158); None for any other, and for a
    same-day re-test recorded without it (ADR 0139). Migration 0027. The record it names
is no longer the home's latest, whatever the two days (ADR 0174)."""


class CertificateRecord(ComplianceModel, table=True):
    """The record of any other check (EICR, fire risk, asbestos, water, lift, alarms),
    kept like the gas records."""

    __tablename__ = "certificate_record"
    __table_args__ = (
        # the certificates a correction names, left out of the latest (ADR 0174)
        Index(
            "ix_certificate_record_corrects",
            "corrects_id",
            postgresql_where=text("corrects_id IS NOT NULL"),
            sqlite_where=text("corrects_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    check_id: uuid.UUID = Field(index=True)
    uprn: str = Field(max_length=12, index=True)
    check_type: CheckType = Field(sa_type=text_enum(CheckType))
    done_on: date
    checked_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    """When the check was done, as the certificate said (on `done_on` in London); None
    when it gave no time, or was kept before migration 0015 (ADR 0040)."""
    certificate_reference: str = Field(max_length=64)
    outcome: CheckOutcome = Field(sa_type=text_enum(CheckOutcome))
    contractor_id: str | None = Field(default=None, max_length=64)
    expires_on: date | None = None
    copy_to_tenant_by: date
    recorded_at: datetime = Field(sa_type=AwareDateTime)
    recorded_by: str = Field(max_length=200)
    corrects_id: uuid.UUID | None = None
    """The certificate this one corrects (`corrects` when it was recorded, ADR 0158), as
    GasSafetyRecord.corrects_id. Migration 0027."""


class TenancyStart(ComplianceModel, table=True):
    """A tenancy income announced at a home (tenancy-started), by its id, and when it was
    withdrawn before its first day (tenancy-withdrawn, ADR 0111; migration 0026). A
    start of a withdrawn tenancy handled late (a dead letter replayed) changes nothing,
    and a withdrawal gives the home back the start of its newest tenancy not withdrawn
    (Home.tenancy_start_date), whose household's no-access history counts from it.
    Tenancies announced before migration 0026 are not here."""

    __tablename__ = "tenancy_start"

    tenancy_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12, index=True)
    start_date: date
    withdrawn_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class TenantCopy(ComplianceModel, table=True):
    """The tenant's copy of a safety record, and its deadline: within 28 days of a gas
    check or an EICR for the household of the day, and before moving in for a new
    tenancy's tenants. Engagement sends it and says so (tenant-copy-sent); `sent_at` is
    the first copy that went out."""

    __tablename__ = "tenant_copy"
    __table_args__ = (
        # GET /v1/compliance/tenant-copies in its cursor's order (every copy, sent on
        # time or late), and the figures' copies due in a period.
        Index("ix_tenant_copy_deadline", "copy_by", "id"),
        # The copies not sent (owed, overdue) in that order, and the overdue count the
        # sweep and the figures take: a few, however many were ever sent.
        Index(
            "ix_tenant_copy_unsent_deadline",
            "copy_by",
            "id",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
        # The household's copy of a record (tenant-copy-sent, a same-day re-test).
        Index("ix_tenant_copy_record", "record_id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    """The household's copy, one per record: the check id for the check's first record,
    retest_copy_id(check id, reference) (hearth_contracts) for a same-day re-test's; for
    a new tenancy's, uuid5(check id, tenancy id) (named in tenant-copy-requested)."""
    check_id: uuid.UUID
    record_id: uuid.UUID
    uprn: str = Field(max_length=12, index=True)
    check_type: CheckType = Field(sa_type=text_enum(CheckType))
    tenancy_id: uuid.UUID | None = None
    """The new tenancy it is for; None for the household at the time of the check."""
    copy_by: date
    owed_from: datetime = Field(sa_type=AwareDateTime)
    """When the copy became owed (the record arrived, the tenancy was announced)."""
    sent_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    sent_on_time: bool | None = None
    """Sent on or before `copy_by` (London days); None until sent."""
    message_id: uuid.UUID | None = None


class SafetyDefect(ComplianceModel, table=True):
    """A defect found at a check, with its classification and the repair priority asked for."""

    __tablename__ = "safety_defect"
    __table_args__ = (
        # repair-completed finds a gas record's alarm finding by the register's row
        Index(
            "ix_safety_defect_missing_alarm_id",
            "missing_alarm_id",
            postgresql_where=text("missing_alarm_id IS NOT NULL"),
            sqlite_where=text("missing_alarm_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    record_id: uuid.UUID = Field(index=True)
    check_id: uuid.UUID
    uprn: str = Field(max_length=12, index=True)
    classification: DefectClassification = Field(sa_type=text_enum(DefectClassification))
    location: str = Field(max_length=100)
    description: str = Field(max_length=2000)
    made_safe: bool = False
    priority: RepairPriority | None = Field(default=None, sa_type=text_enum(RepairPriority))
    found_at: datetime = Field(sa_type=AwareDateTime)
    remedy_by: datetime | None = Field(default=None, sa_type=AwareDateTime)
    repair_id: uuid.UUID | None = None
    remedied_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    """When repairs completed the repair that remedied it (repair-completed)."""
    missing_alarm_id: uuid.UUID | None = None
    """A gas record's missing or faulty alarm whose one repair is the register's missing
    alarm's (that MissingAlarm's id, its repair's safety defect): no repair of its own,
    remedied with that one (ADR 0120, migration 0025)."""


class AccessOutcome(StrEnum):
    ACCESS_GAINED = "access_gained"
    NO_ACCESS = "no_access"
    REFUSED = "refused"
    NO_ACCESS_NOT_HOUSEHOLD = "no_access_not_household"
    """No way in for a reason that was not the household's: at a combined appointment,
    the visit officer found it unsafe to enter, or gave another reason (visits'
    unsafe_to_enter, other); an engineer may record one too. A failed attempt in
    `no_access_attempts` and the first-time access figure, but no access-failed, no
    no-access history for the household and no ladder (ADR 0197)."""


HELD_AGAINST_THE_HOUSEHOLD = frozenset({AccessOutcome.NO_ACCESS, AccessOutcome.REFUSED})
"""The failed attempts that are the household not giving access: they start the
no-access ladder, give the household a no-access history and publish access-failed."""


class AccessAttempt(ComplianceModel, table=True):
    """One attempt to get into a home for a check (every attempt is recorded)."""

    __tablename__ = "access_attempt"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    check_id: uuid.UUID = Field(index=True)
    uprn: str = Field(max_length=12)
    attempt_number: int
    attempted_at: datetime = Field(sa_type=AwareDateTime)
    attempted_by: str = Field(max_length=64)
    outcome: AccessOutcome = Field(sa_type=text_enum(AccessOutcome))
    card_left: bool = False
    recorded_at: datetime = Field(sa_type=AwareDateTime)
    recorded_by: str | None = Field(default=None, max_length=200)
    """Who typed the attempt in (the caller's token subject); None for one taken from
    visits' visit-no-access (`attempted_by` names the visit) or kept before migration
    0031. `attempted_by` is only what the caller said (ADR 0198)."""
    contractor_id: str | None = Field(default=None, max_length=64)
    """The contractor whose token recorded it (None for staff and visits): a contractor's
    no_access_not_household publishes nothing, so this is the trace that the outcome was
    the contractor's word (ADR 0197, 0198; migration 0031)."""

"""Request and response models for landlord gas safety records (LGSR, CP12)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from compliance.homes.schemas import Storey
from compliance.models import ApplianceType
from hearth_contracts.events.compliance import CheckOutcome
from hearth_contracts.events.visits import HazardSeverity, HazardType
from hearth_contracts.values import Uprn
from hearth_kit.strict_types import WHOLE_NUMBER, StrictBoolean, StrictDay, StrictMoment
from hearth_kit.text_patterns import HAS_WORDS

GAS_SAFE_NUMBER = r"^[0-9]{7}$"
"""A Gas Safe registration number: 7 ASCII digits."""


class ApplianceOutcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_TESTED = "not_tested"


class GasDefectClassification(StrEnum):
    """The Gas Industry Unsafe Situations Procedure's classes."""

    IMMEDIATELY_DANGEROUS = "immediately_dangerous"
    AT_RISK = "at_risk"
    NOT_TO_CURRENT_STANDARD = "not_to_current_standard"


class AlarmKind(StrEnum):
    SMOKE = "smoke"
    CARBON_MONOXIDE = "carbon_monoxide"


class AlarmResult(StrEnum):
    WORKING = "working"
    FAULTY = "faulty"
    MISSING = "missing"


class ApplianceChecked(BaseModel):
    """An appliance the engineer checked: its type from the fixed list, and the outcome."""

    model_config = ConfigDict(extra="forbid")

    appliance_type: ApplianceType
    location: str = Field(min_length=1, pattern=HAS_WORDS, max_length=100, examples=["kitchen"])
    landlord_owned: StrictBoolean = True
    outcome: ApplianceOutcome
    safe_to_use: StrictBoolean


class DefectIn(BaseModel):
    """A defect found, classified; `description` is about the installation, never the
    household."""

    model_config = ConfigDict(extra="forbid")

    appliance_index: Annotated[int, Field(ge=0), WHOLE_NUMBER] | None = Field(
        default=None, description="The appliance (its position in `appliances`), if any"
    )
    location: str = Field(min_length=1, pattern=HAS_WORDS, max_length=100)
    classification: GasDefectClassification
    description: str = Field(min_length=1, pattern=HAS_WORDS, max_length=2000)
    made_safe: StrictBoolean = Field(description="Disconnected or turned off on the spot")


class AlarmTest(BaseModel):
    """A smoke or CO alarm tested at the visit (a storey or a room)."""

    model_config = ConfigDict(extra="forbid")

    kind: AlarmKind
    location: str = Field(
        min_length=1,
        pattern=HAS_WORDS,
        max_length=100,
        examples=["ground floor hall"],
        description="Where it is (or should be). A CO alarm's is its room, as the register "
        "names rooms (compared without case or surrounding spaces): the register's CO "
        "alarm rooms follow the test",
    )
    storey: Storey | None = Field(
        default=None,
        description="A smoke alarm's storey (0 = ground floor), as the register numbers "
        "them: with it, the register's smoke alarm storeys follow the test (a tested alarm "
        "is fitted, a missing one is not) and a missing alarm the register already has "
        "a repair for raises no second one. Without it, a home with one storey with living "
        "space takes it as 0 (ADR 0123); at a home of several, a smoke alarm found faulty "
        "or missing without it is refused, 422 naming it (which alarm it is cannot be "
        "told, ADR 0126), and a working one leaves the register as it is",
    )
    result: AlarmResult


class HazardSeen(BaseModel):
    """A hazard the engineer saw in the home at the check (damp and mould above all:
    every visit counts). An emergency hazard, or significant damp and mould, opens an
    Awaab's Law case in repairs whose clock starts when the check was done. `description` is
    about the home, never the household, and stays in compliance."""

    model_config = ConfigDict(extra="forbid")

    hazard_type: HazardType
    severity: HazardSeverity
    location: str = Field(
        min_length=1, pattern=HAS_WORDS, max_length=100, examples=["back bedroom"]
    )
    description: str | None = Field(default=None, min_length=1, pattern=HAS_WORDS, max_length=2000)


class HazardPublic(HazardSeen):
    id: uuid.UUID = Field(description="The hazard's id (hazard-found's hazard_id)")
    # As stored: one kept before whitespace alone was refused is still shown.
    location: str = Field(min_length=1, max_length=100, examples=["back bedroom"])
    description: str | None = Field(default=None, min_length=1, max_length=2000)


class GasSafetyRecordCreate(BaseModel):
    """A landlord gas safety record as the engineer made it."""

    model_config = ConfigDict(extra="forbid")

    uprn: Uprn
    check_date: StrictDay = Field(
        description="The day of the check: never in the future, nor further back than the "
        "register goes for gas (24 months by default, the 2 years a record is kept; "
        "configuration)"
    )
    checked_at: StrictMoment | None = Field(
        default=None,
        description="When the engineer did the check, on `check_date` in London and never "
        "in the future: its defects' and hazards' clocks and check-completed's "
        "`completed_at` start here; without it, at the start of `check_date` in London "
        "(never the upload)",
    )
    engineer_name: str = Field(min_length=1, pattern=HAS_WORDS, max_length=200)
    gas_safe_number: str = Field(pattern=GAS_SAFE_NUMBER, description="7 digits")
    certificate_reference: str = Field(min_length=1, pattern=HAS_WORDS, max_length=64)
    appliances: list[ApplianceChecked] = Field(min_length=1, max_length=30)
    defects: list[DefectIn] = Field(default_factory=list, max_length=30)
    alarm_tests: list[AlarmTest] = Field(
        default_factory=list,
        max_length=60,
        description="The smoke and CO alarms tested at the visit (result `missing` for one "
        "not there): a home's record needs at least one, else 422 naming `alarm_tests` "
        "(the alarms are checked at each gas visit); a block's communal boiler record "
        "none",
    )
    hazards: list[HazardSeen] = Field(
        default_factory=list,
        max_length=20,
        description="Hazards seen in the home (damp and mould above all): each published as "
        "hazard-found, dated when the check was done (`checked_at`, else the start of "
        "`check_date`)",
    )
    visit_id: uuid.UUID | None = Field(
        default=None, description="The home visit the check was combined with, if any"
    )
    corrects: uuid.UUID | None = Field(
        default=None,
        description="The id of the gas safety record this one corrects (a corrected CP12), "
        "when it is dated another day than that one (a mistyped day): it replaces that "
        "record on the cycle it completed, for the expiry (the 2-month rule from the "
        "expiry before it) and the programme, and is not a new annual check (ADR 0158). "
        "The record named must be the home's latest, not corrected already, and done no "
        "later than `check_date`; else 422 naming `corrects` (unknown, or another home's; "
        "`check_date` when dated before it) or 409 (corrected already, or a newer record "
        "held). Without it, a record dated the latest one's day replaces it as well (a "
        "re-test, ADR 0139)",
    )


class DefectPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    classification: str
    location: str
    description: str
    made_safe: bool
    priority: str | None
    found_at: datetime = Field(
        description="When it was found: the record's `checked_at`, else the start of "
        "`check_date` in London; its repair clock runs from here"
    )
    repair_id: uuid.UUID | None
    remedied_at: datetime | None = Field(description="When the repair that remedied it was done")
    missing_alarm_id: uuid.UUID | None = Field(
        default=None,
        description="A missing or faulty alarm whose one repair is the register's missing "
        "alarm's (required-alarm-missing's `alarm_id`): it raised none of its own, and is "
        "remedied with that repair (ADR 0120); null otherwise",
    )


class GasSafetyRecordPublic(BaseModel):
    """A gas safety record, kept at least 2 years, with the expiry it gave."""

    id: uuid.UUID
    check_id: uuid.UUID
    uprn: str
    check_date: date
    checked_at: datetime | None = Field(
        description="When the engineer did the check, as the record said; null when it "
        "gave no time (its findings count from the start of `check_date` in London)"
    )
    engineer_name: str
    gas_safe_number: str
    certificate_reference: str
    contractor_id: str | None
    outcome: CheckOutcome
    appliances: list[ApplianceChecked]
    alarm_tests: list[AlarmTest]
    defects: list[DefectPublic]
    hazards: list[HazardPublic] = Field(default_factory=list)
    previous_expiry: date | None
    expires_on: date = Field(description="The new expiry (the 2-month rule)")
    copy_to_tenant_by: date
    tenant_copy_sent_at: datetime | None = Field(
        default=None,
        description="When engagement sent the household its copy (tenant-copy-sent); null "
        "until then",
    )
    tenant_copy_sent_on_time: bool | None = Field(
        default=None, description="Sent on or before `copy_to_tenant_by`; null until sent"
    )
    recorded_at: datetime
    superseded: bool = Field(
        default=False,
        description="Dated on or before the latest record the home held when it arrived: "
        "kept as history, it completed no check and changed no expiry (its `expires_on` is "
        "the one it gave by itself; the home's is the latest record's), and no tenant copy "
        "is owed for it",
    )
    corrects_id: uuid.UUID | None = Field(
        default=None, description="The record it corrects, when sent with `corrects`"
    )

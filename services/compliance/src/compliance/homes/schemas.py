"""Request and response models for the asset register: homes, blocks, estates,
appliances and alarms."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from compliance.checks.rules import GasStatus
from compliance.checks.schemas import HomeCompliance
from compliance.models import ApplianceType
from hearth_contracts.events.compliance import GasSupply, HeatingFuel, PropertyType, Tenure
from hearth_contracts.values import Uprn
from hearth_kit.strict_types import WHOLE_NUMBER, StrictBoolean, StrictDay
from hearth_kit.text_patterns import HAS_WORDS

# The shape of a UK postcode (outward code, space optional, inward code).
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")

POSTCODE_AS_SENT = r"^ *[A-Za-z]{1,2}[0-9][A-Za-z0-9]? *[0-9][A-Za-z]{2} *$"
"""What the schema says a postcode may look like when sent (any case, spaces optional)."""

MAX_APPLIANCES = 30
MAX_STOREYS = 60

Room = Annotated[str, Field(min_length=1, max_length=100, pattern=HAS_WORDS)]
"""A room with a CO alarm: 1 to 100 characters, not only spaces."""

Storey = Annotated[int, Field(ge=0, lt=MAX_STOREYS), WHOLE_NUMBER]
"""A storey with a smoke alarm (0 = ground floor)."""


def normalise_postcode(value: str) -> str:
    """A UK postcode in capitals with one space before the inward code."""
    normalised = " ".join(value.upper().split())
    if not POSTCODE.match(normalised):
        raise ValueError("not a UK postcode")
    compact = normalised.replace(" ", "")
    return f"{compact[:-3]} {compact[-3:]}"


class ApplianceIn(BaseModel):
    """An appliance in the home: its type from the fixed list, where it is, who owns it."""

    model_config = ConfigDict(extra="forbid")

    appliance_type: ApplianceType
    location: str = Field(min_length=1, pattern=HAS_WORDS, max_length=100, examples=["kitchen"])
    landlord_owned: StrictBoolean = True


class AppliancePublic(ApplianceIn):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    # As stored: one kept before whitespace alone was refused is still shown.
    location: str = Field(min_length=1, max_length=100, examples=["kitchen"])


class HomeCreate(BaseModel):
    """A home to add to the asset register."""

    model_config = ConfigDict(extra="forbid")

    uprn: Uprn
    address_line_1: str = Field(min_length=1, pattern=HAS_WORDS, max_length=200)
    address_line_2: str | None = Field(default=None, max_length=200)
    town: str = Field(min_length=1, pattern=HAS_WORDS, max_length=100)
    postcode: str = Field(max_length=16, pattern=POSTCODE_AS_SENT, examples=["E8 1DY"])
    property_type: PropertyType
    tenure: Tenure = Tenure.GENERAL_NEEDS
    heating_fuel: HeatingFuel
    gas_supply: GasSupply
    block_id: Uprn | None = Field(
        default=None, description="The UPRN of the block the home is in (a registered block)"
    )
    estate_id: str | None = Field(default=None, min_length=1, pattern=HAS_WORDS, max_length=64)
    storeys_with_living_space: Annotated[int, Field(ge=1, le=MAX_STOREYS), WHOLE_NUMBER] | None = (
        None
    )
    smoke_alarm_storeys: list[Storey] = Field(
        default_factory=list,
        max_length=MAX_STOREYS,
        description="Storeys (0 = ground floor) with a smoke alarm",
    )
    co_alarm_rooms: list[Room] = Field(
        default_factory=list, max_length=MAX_APPLIANCES, description="Rooms with a CO alarm"
    )
    appliances: list[ApplianceIn] = Field(default_factory=list, max_length=MAX_APPLIANCES)
    gas_certificate_expires_on: StrictDay | None = Field(
        default=None,
        description="The current gas safety record's expiry, when there is one: not later "
        "than one held today can run to, nor further back than the register goes for gas "
        "(24 months by default; configuration)",
    )
    electrical_certificate_expires_on: StrictDay | None = Field(
        default=None,
        description="The current EICR's expiry, when there is one: not later than one held "
        "today can run to, nor further back than the register goes for an EICR (60 months "
        "by default; configuration)",
    )

    @field_validator("postcode")
    @classmethod
    def _uk_postcode(cls, value: str) -> str:
        return normalise_postcode(value)

    @field_validator("co_alarm_rooms")
    @classmethod
    def _rooms(cls, rooms: list[str]) -> list[str]:
        if any(not room.strip() or len(room) > 100 for room in rooms):
            raise ValueError("a room is 1 to 100 characters")
        return rooms

    @field_validator("smoke_alarm_storeys")
    @classmethod
    def _storeys(cls, storeys: list[int]) -> list[int]:
        if any(not 0 <= storey < MAX_STOREYS for storey in storeys):
            raise ValueError(f"a storey is 0 to {MAX_STOREYS - 1}")
        return sorted(set(storeys))


class HomeUpdate(BaseModel):
    """A change to a home's entry: only the fields sent change; a list sent replaces the
    list held (appliances, smoke alarm storeys, CO alarm rooms)."""

    model_config = ConfigDict(extra="forbid")

    address_line_1: str | None = Field(
        default=None, min_length=1, pattern=HAS_WORDS, max_length=200
    )
    address_line_2: str | None = Field(default=None, max_length=200)
    town: str | None = Field(default=None, min_length=1, pattern=HAS_WORDS, max_length=100)
    postcode: str | None = Field(default=None, max_length=16, pattern=POSTCODE_AS_SENT)
    property_type: PropertyType | None = None
    tenure: Tenure | None = None
    heating_fuel: HeatingFuel | None = None
    gas_supply: GasSupply | None = None
    block_id: Uprn | None = None
    estate_id: str | None = Field(default=None, min_length=1, pattern=HAS_WORDS, max_length=64)
    storeys_with_living_space: Annotated[int, Field(ge=1, le=MAX_STOREYS), WHOLE_NUMBER] | None = (
        None
    )
    smoke_alarm_storeys: list[Storey] | None = Field(default=None, max_length=MAX_STOREYS)
    co_alarm_rooms: list[Room] | None = Field(default=None, max_length=MAX_APPLIANCES)
    appliances: list[ApplianceIn] | None = Field(default=None, max_length=MAX_APPLIANCES)

    @field_validator("postcode")
    @classmethod
    def _uk_postcode(cls, value: str | None) -> str | None:
        return None if value is None else normalise_postcode(value)

    @field_validator("smoke_alarm_storeys")
    @classmethod
    def _storeys(cls, storeys: list[int] | None) -> list[int] | None:
        if storeys is None:
            return None
        if any(not 0 <= storey < MAX_STOREYS for storey in storeys):
            raise ValueError(f"a storey is 0 to {MAX_STOREYS - 1}")
        return sorted(set(storeys))

    @field_validator("co_alarm_rooms")
    @classmethod
    def _rooms(cls, rooms: list[str] | None) -> list[str] | None:
        if rooms is not None and any(not room.strip() or len(room) > 100 for room in rooms):
            raise ValueError("a room is 1 to 100 characters")
        return rooms


class HomePublic(BaseModel):
    """A home in the asset register."""

    uprn: str
    address_line_1: str
    address_line_2: str | None
    town: str
    postcode: str
    property_type: PropertyType
    tenure: Tenure
    heating_fuel: HeatingFuel
    gas_supply: GasSupply
    block_id: str | None
    estate_id: str | None
    storeys_with_living_space: int | None
    smoke_alarm_storeys: list[int]
    co_alarm_rooms: list[str]
    appliances: list[AppliancePublic]
    registered_at: datetime
    updated_at: datetime | None
    version: int = Field(description="The entry's version; the ETag of GET and If-Match of PATCH")
    gas_status: GasStatus = Field(
        description="annual (a landlord gas appliance, or in a home let to a tenant a live "
        "supply), capped, leaseholder (a leasehold or shared ownership home with gas and no "
        "landlord gas appliance: the leaseholder's own, no landlord check), or none"
    )
    needs_gas_safety_check: bool = Field(
        description="gas_status is annual: a landlord gas appliance, or in a home let to a "
        "tenant a live gas supply, needs an annual gas safety record"
    )
    storeys_missing_smoke_alarm: list[int]
    rooms_missing_co_alarm: list[str]


class HomeWithComplianceStatus(HomePublic):
    """A home in the asset register; asked with `include=compliance_status`, it carries
    its compliance status too (what `GET /v1/compliance/homes/{uprn}` answers), so the
    gateway's home composite asks compliance once, not twice."""

    compliance_status: HomeCompliance | None = Field(
        default=None,
        description="Only with `include=compliance_status` (absent otherwise): every "
        "check of the home, its status and expiry, as GET /v1/compliance/homes/{uprn} "
        "answers it",
    )


class BlockCreate(BaseModel):
    """A block, with its own UPRN; its communal parts have their own checks."""

    model_config = ConfigDict(extra="forbid")

    uprn: Uprn
    name: str = Field(min_length=1, pattern=HAS_WORDS, max_length=200)
    estate_id: str | None = Field(default=None, min_length=1, pattern=HAS_WORDS, max_length=64)
    communal_boiler: StrictBoolean = False
    has_lift: StrictBoolean = False


class BlockUpdate(BaseModel):
    """A correction to a block's entry: only the fields sent change. A communal boiler or
    a lift added or taken away brings the block's communal checks in line, as a home's
    assets do."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, pattern=HAS_WORDS, max_length=200)
    estate_id: str | None = Field(
        default=None,
        min_length=1,
        pattern=HAS_WORDS,
        max_length=64,
        description="null: the block is in no estate",
    )
    communal_boiler: StrictBoolean | None = None
    has_lift: StrictBoolean | None = None


class BlockPublic(BlockCreate):
    model_config = ConfigDict(from_attributes=True)

    registered_at: datetime
    version: int = Field(default=1, description="The block's ETag (If-Match on PATCH)")
    updated_at: datetime | None = None
    # As stored: one kept before whitespace alone was refused is still shown.
    name: str = Field(min_length=1, max_length=200)
    estate_id: str | None = Field(default=None, min_length=1, max_length=64)


ESTATE_ID_PATTERN = r"^[A-Za-z0-9_.-]+$"
"""An estate's code: letters, digits, `_`, `.` and `-` (the path takes the same)."""


class EstateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=ESTATE_ID_PATTERN)
    name: str = Field(min_length=1, pattern=HAS_WORDS, max_length=200)


class EstatePublic(EstateCreate):
    model_config = ConfigDict(from_attributes=True)

    # As stored: one kept before whitespace alone was refused is still shown.
    name: str = Field(min_length=1, max_length=200)


class ImportRowError(BaseModel):
    """A row of an import that was not taken, and why (the field, never its value)."""

    line: int = Field(description="The line in the file (the header is line 1)")
    field: str | None
    reason: str


class ImportResult(BaseModel):
    """What an import did: a file sent twice registers and changes nothing the second time."""

    rows: int
    registered: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[ImportRowError]

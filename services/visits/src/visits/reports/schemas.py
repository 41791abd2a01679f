"""Request and response models for visit reports a tablet sends in pieces.

A draft is a set of pieces, each keyed by its section and the tablet's own piece id
and carrying a version the tablet counts up. The highest version of a piece wins,
so pieces resent out of order, or twice, converge on the same draft. A piece whose
content is null was removed on the tablet."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hearth_contracts.events.visits import (
    HazardSeverity,
    HazardType,
    TenancyConcernType,
    Trade,
    VisitKind,
)
from hearth_kit.strict_types import (
    WHOLE_NUMBER,
    StrictBoolean,
    StrictDay,
    StrictMoment,
    WholeNumber,
)
from hearth_kit.text_patterns import HAS_WORDS, ONE_WORD
from visits.caseloads.schemas import ConcernOpenPublic
from visits.visits.schemas import (
    CommunalIssueFinding,
    CustomerActionClosed,
    CustomerActionPromised,
    CustomerActionPublic,
    FoundRepairSeverity,
    HouseholdDetails,
    TenancyConcernDealtWith,
)

MAX_PIECES_PER_REQUEST = 100
PIECE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"


class Room(StrEnum):
    """The rooms and areas of a home a full visit's inventory goes through."""

    HALLWAY = "hallway"
    LIVING_ROOM = "living_room"
    DINING_ROOM = "dining_room"
    KITCHEN = "kitchen"
    BATHROOM = "bathroom"
    SEPARATE_TOILET = "separate_toilet"
    BEDROOM_1 = "bedroom_1"
    BEDROOM_2 = "bedroom_2"
    BEDROOM_3 = "bedroom_3"
    BEDROOM_4 = "bedroom_4"
    BEDROOM_5 = "bedroom_5"
    LANDING = "landing"
    UTILITY_ROOM = "utility_room"
    LOFT = "loft"
    BALCONY = "balcony"
    GARDEN = "garden"
    GARAGE_OR_SHED = "garage_or_shed"
    EXTERIOR = "exterior"


class ConditionRating(StrEnum):
    """A room's condition, on the stock condition survey's scale."""

    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    UNACCEPTABLE = "unacceptable"


class Component(StrEnum):
    """The parts of a room (or of the outside) a condition inventory rates one by one, as
    a stock condition survey does: what the asset team plans replacements from."""

    WALLS = "walls"
    CEILING = "ceiling"
    FLOOR = "floor"
    WINDOWS = "windows"
    DOORS = "doors"
    STAIRS = "stairs"
    KITCHEN_UNITS = "kitchen_units"
    WORKTOPS = "worktops"
    SINK = "sink"
    BATH_OR_SHOWER = "bath_or_shower"
    WASH_BASIN = "wash_basin"
    TOILET = "toilet"
    HEATING = "heating"
    HOT_WATER = "hot_water"
    ELECTRICS = "electrics"
    VENTILATION = "ventilation"
    ROOF = "roof"
    GUTTERS_AND_DOWNPIPES = "gutters_and_downpipes"
    FENCES_AND_GATES = "fences_and_gates"
    PATHS = "paths"
    OTHER = "other"


class DraftSection(StrEnum):
    VISIT = "visit"
    HOUSEHOLD = "household"
    ROOM = "room"
    REPAIR = "repair"
    HAZARD = "hazard"
    TENANCY_CONCERN = "tenancy_concern"
    COMMUNAL_ISSUE = "communal_issue"
    CUSTOMER_ACTION = "customer_action"
    ACTION_CLOSED = "action_closed"
    CONCERN_DEALT_WITH = "concern_dealt_with"


class _Content(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VisitDetails(_Content):
    """When the officer was there (never in the future): every clock the report starts
    (a repair's target, an Awaab's Law case) counts from it."""

    visited_at: StrictMoment
    notes: str | None = Field(default=None, max_length=4000)


PhotoReference = Annotated[str, Field(min_length=1, max_length=200, pattern=ONE_WORD)]


class ComponentCondition(_Content):
    """One component of a room, its condition rating and its photo references."""

    component: Component
    condition: ConditionRating
    photos: list[PhotoReference] = Field(default_factory=list, max_length=10)


class RoomInventory(_Content):
    """A room as inspected: its overall condition rating, its photos, and the components
    in it rated one by one (DOMAIN.md: a room-by-room inventory of components with a
    condition rating and photo references), each component once."""

    room: Room
    condition: ConditionRating
    photos: list[PhotoReference] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(default=None, max_length=2000)
    components: list[ComponentCondition] | None = Field(
        default=None,
        max_length=len(Component),
        description="The room's components, each with its condition rating and photo "
        "references; each component but other once in a room (else a 422 naming the "
        "room). Null or left out: the room is rated whole",
    )

    @model_validator(mode="after")
    def _each_component_once(self) -> RoomInventory:
        named = [c.component for c in self.components or () if c.component is not Component.OTHER]
        if len(named) != len(set(named)):
            raise ValueError("Each component appears once in a room (other may repeat)")
        return self


class LateInventory(BaseModel):
    """The room inventory of a full visit completed without one, added after the report
    by the visit's officer (ADR 0113)."""

    model_config = ConfigDict(extra="forbid")

    rooms: list[RoomInventory] = Field(
        min_length=1,
        max_length=len(Room),
        description="Room by room, each room once, as a draft's room pieces",
    )


class RepairFinding(_Content):
    """A non-emergency repair found on the visit: an emergency is reported to repairs at
    once as a first contact, not held for the report (ADR 0166)."""

    description: str = Field(min_length=1, pattern=HAS_WORDS, max_length=2000)
    location: str = Field(min_length=1, pattern=HAS_WORDS, max_length=100, examples=["kitchen"])
    trade: Trade
    severity: FoundRepairSeverity = Field(
        description="serious, moderate or minor; not emergency (a 422 naming this field: "
        "report it to repairs at once, POST /v1/repairs, ADR 0166)"
    )


class HazardFinding(_Content):
    hazard_type: HazardType
    severity: HazardSeverity
    location: str = Field(min_length=1, pattern=HAS_WORDS, max_length=100)
    description: str = Field(min_length=1, pattern=HAS_WORDS, max_length=2000)


class TenancyConcernFinding(_Content):
    concern: TenancyConcernType
    notes: str | None = Field(default=None, max_length=2000)
    refer_to_sustainable_tenancy: StrictBoolean = Field(
        default=False, description="Refer the tenancy to the sustainable tenancy caseload"
    )
    review_on: StrictDay | None = Field(
        default=None,
        description="Required with a referral: after today and no more than 24 months "
        "ahead (checked on submit)",
    )


class _Piece(BaseModel):
    model_config = ConfigDict(extra="forbid")

    piece_id: str = Field(pattern=PIECE_ID_PATTERN, description="The tablet's own id")
    version: WholeNumber = Field(ge=1, le=2**31 - 1, description="Counted up by the tablet")


class VisitPiece(_Piece):
    section: Literal[DraftSection.VISIT]
    content: VisitDetails | None


class HouseholdPiece(_Piece):
    section: Literal[DraftSection.HOUSEHOLD]
    content: HouseholdDetails | None


class RoomPiece(_Piece):
    section: Literal[DraftSection.ROOM]
    content: RoomInventory | None


class RepairPiece(_Piece):
    section: Literal[DraftSection.REPAIR]
    content: RepairFinding | None


class HazardPiece(_Piece):
    section: Literal[DraftSection.HAZARD]
    content: HazardFinding | None


class TenancyConcernPiece(_Piece):
    section: Literal[DraftSection.TENANCY_CONCERN]
    content: TenancyConcernFinding | None


class CommunalIssuePiece(_Piece):
    section: Literal[DraftSection.COMMUNAL_ISSUE]
    content: CommunalIssueFinding | None


class CustomerActionPiece(_Piece):
    section: Literal[DraftSection.CUSTOMER_ACTION]
    content: CustomerActionPromised | None


class ActionClosedPiece(_Piece):
    section: Literal[DraftSection.ACTION_CLOSED]
    content: CustomerActionClosed | None


class ConcernDealtWithPiece(_Piece):
    section: Literal[DraftSection.CONCERN_DEALT_WITH]
    content: TenancyConcernDealtWith | None


DraftPiece = Annotated[
    VisitPiece
    | HouseholdPiece
    | RoomPiece
    | RepairPiece
    | HazardPiece
    | TenancyConcernPiece
    | CommunalIssuePiece
    | CustomerActionPiece
    | ActionClosedPiece
    | ConcernDealtWithPiece,
    Field(discriminator="section"),
]

CONTENT_MODELS: dict[DraftSection, type[BaseModel]] = {
    DraftSection.VISIT: VisitDetails,
    DraftSection.HOUSEHOLD: HouseholdDetails,
    DraftSection.ROOM: RoomInventory,
    DraftSection.REPAIR: RepairFinding,
    DraftSection.HAZARD: HazardFinding,
    DraftSection.TENANCY_CONCERN: TenancyConcernFinding,
    DraftSection.COMMUNAL_ISSUE: CommunalIssueFinding,
    DraftSection.CUSTOMER_ACTION: CustomerActionPromised,
    DraftSection.ACTION_CLOSED: CustomerActionClosed,
    DraftSection.CONCERN_DEALT_WITH: TenancyConcernDealtWith,
}


class DraftPieces(BaseModel):
    """Pieces of a report to save (new ones, newer versions, or removals)."""

    model_config = ConfigDict(extra="forbid")

    pieces: list[DraftPiece] = Field(min_length=1, max_length=MAX_PIECES_PER_REQUEST)


class ReportSubmission(BaseModel):
    """Submit the draft as the visit's report, once."""

    model_config = ConfigDict(extra="forbid")

    pieces_expected: Annotated[int, Field(ge=0, le=10_000), WHOLE_NUMBER] | None = Field(
        default=None,
        description="How many pieces the tablet holds, not counting removed ones (the "
        "draft's `pieces_counted`); a draft holding another number is refused",
    )


class DraftPiecePublic(BaseModel):
    section: DraftSection
    piece_id: str
    version: int
    content: dict[str, object] | None = Field(
        description="The piece as saved (null: removed). In visit and tenancy_concern pieces "
        "`notes` is withheld (null) unless the caller holds the need-to-know scope "
        "visits:notes"
    )
    saved_at: datetime
    hazard_id: uuid.UUID | None = Field(
        default=None,
        description="A hazard sent to repairs (hazard-identified, its clock the draft's "
        "visited_at) when its piece was saved, an emergency (ADR 0182) or a significant "
        "one (ADR 0209, 0227): the hazard's id, which any Awaab's Law case repairs opens "
        "for it and the submitted report's hazard keep. Null: not sent (any other piece, or such a "
        "hazard waiting for the draft's one visit piece). A sent hazard is not removed "
        "nor its hazard_type or severity changed, and the draft's visited_at stays",
    )


class DraftPublic(BaseModel):
    """The draft as it stands, and what it still lacks before it can be submitted."""

    visit_id: uuid.UUID
    pieces: list[DraftPiecePublic]
    missing: list[DraftSection] = Field(description="Sections required before submission")
    pieces_counted: int = Field(
        description="How many pieces submit counts against `pieces_expected`: the pieces "
        "with content. A removed piece (content null) stays listed in `pieces` but is not "
        "counted"
    )


class ResidentNeeds(BaseModel):
    """What an officer must know about a resident before going (from engagement)."""

    resident_id: uuid.UUID
    language: str | None
    preferred_channel: str | None
    format_needs: list[str]
    access_needs: list[str] = Field(description="Adjustments: interpreter, call before, ...")
    age_band: str | None
    lives_alone: bool | None
    vulnerability_recorded: bool = Field(description="A flag only; the detail stays in engagement")


class Briefing(BaseModel):
    """The officer's briefing for a visit."""

    visit_id: uuid.UUID
    uprn: str
    kind: VisitKind
    stock_condition_survey: bool
    paired_check_id: uuid.UUID | None
    residents: list[ResidentNeeds]
    customer_actions_outstanding: list[CustomerActionPublic] = Field(
        description="Promised at earlier visits to the household the visit is with (since "
        "its tenancy's first day; any, when the visit names no tenancy) and still open"
    )
    tenancy_concerns_open: list[ConcernOpenPublic] = Field(
        default_factory=list,
        description="Concerns raised at earlier visits to this tenancy and not referred, "
        "still open on its caseload entry: follow them up, and record each dealt with "
        "(draft section concern_dealt_with)",
    )

"""Request and response models for repair requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.repairs import RepairPriority, RepairSourceV2
from hearth_contracts.events.visits import Trade
from hearth_contracts.values import Uprn
from hearth_kit.strict_types import StrictMoment, given
from hearth_kit.text_patterns import HAS_WORDS
from repairs.models import RepairStatus
from repairs.work_orders.rules import TriageAnswers


def _cross_field_rules(schema: dict[str, Any]) -> None:
    """The document states the rules that join two fields, as the service enforces
    them: either a priority or the triage answers (not both, nor neither), and a
    complaint id only with the source complaint."""
    schema["allOf"] = [
        {"oneOf": [given("priority"), given("triage")]},
        {
            "if": given("complaint_id"),
            "then": {"required": ["source"], "properties": {"source": {"const": "complaint"}}},
        },
    ]


class RepairCreate(BaseModel):
    """A repair reported by a resident or on their behalf."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_cross_field_rules)

    uprn: Uprn
    description: str = Field(min_length=1, pattern=HAS_WORDS, max_length=2000)
    location: str = Field(min_length=1, pattern=HAS_WORDS, max_length=100, examples=["kitchen"])
    trade: Trade
    priority: RepairPriority | None = Field(
        default=None, description="The priority; or give `triage` answers instead"
    )
    triage: TriageAnswers | None = Field(
        default=None, description="Triage answers that set the priority (instead of `priority`)"
    )
    source: RepairSourceV2 = Field(
        default=RepairSourceV2.CONTACT_CENTRE,
        description="contact_centre, online (self-service), home_visit, safety_check (a "
        "gas or other safety defect) or complaint",
    )
    complaint_id: uuid.UUID | None = Field(
        default=None,
        description="With source complaint: the complaint (engagement) it was reported in",
    )
    reported_at: StrictMoment | None = Field(
        default=None,
        description="When the landlord became aware (the clock starts here); defaults to "
        "now, never in the future",
    )


class HomeAddress(BaseModel):
    """Where the home is, from the asset register (compliance's property-registered)."""

    model_config = ConfigDict(from_attributes=True)

    address_line_1: str
    address_line_2: str | None
    town: str
    postcode: str


class RepairPublic(BaseModel):
    """A repair request with its priority, target and status."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    uprn: str
    description: str
    location: str
    trade: Trade
    priority: RepairPriority
    status: RepairStatus
    source: RepairSourceV2
    complaint_id: uuid.UUID | None = None
    reported_at: datetime
    target_at: datetime
    visit_id: uuid.UUID | None
    appointment_request_id: uuid.UUID | None
    overdue: bool = Field(description="Still open after its target")
    completed_at: datetime | None = None
    completed_on_time: bool | None = None
    made_safe_at: datetime | None = Field(
        default=None,
        description="An emergency: when its first work order was completed (made safe), "
        "the moment its 24-hour target and RP02 judge; the follow-on may come later",
    )
    communal: bool = Field(
        default=False,
        description="A repair to a block's communal areas: its UPRN is some home's block in "
        "the asset register when it was raised (repair-completed says so, and engagement "
        "asks the block's households how it went)",
    )
    address: HomeAddress | None = Field(
        default=None, description="Absent until the asset register's event has arrived"
    )

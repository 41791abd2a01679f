"""Request and response models for communal issues reported from visits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.repairs import RepairPriority
from hearth_contracts.events.visits import CommunalIssueType, Trade
from hearth_contracts.values import Uprn
from hearth_kit.text_patterns import HAS_WORDS
from repairs.models import CommunalIssueClosure, CommunalIssueStatus


def _one_outcome(schema: dict[str, Any]) -> None:
    """The document states the rule the service enforces: a triage either raises a
    repair or closes the issue, never both nor neither."""
    given = [
        {"required": [field], "properties": {field: {"not": {"type": "null"}}}}
        for field in ("repair", "closed_because")
    ]
    schema["oneOf"] = given


class CommunalRepair(BaseModel):
    """The repair a manager raises for a communal issue, at the UPRN they name (the
    block's or the estate's, as the asset register knows it): the home the issue was
    reported from is not the communal area. At a UPRN the register gives as a block's
    (some home's `block_id`) the repair is communal, and repair-completed says so."""

    model_config = ConfigDict(extra="forbid")

    uprn: Uprn = Field(
        description="Where the work is: a block's UPRN (the issue's block_id) makes the "
        "repair communal"
    )
    description: str = Field(min_length=1, pattern=HAS_WORDS, max_length=2000)
    location: str = Field(
        min_length=1, pattern=HAS_WORDS, max_length=100, examples=["main entrance"]
    )
    trade: Trade
    priority: RepairPriority


class CommunalIssueTriage(BaseModel):
    """Either `repair` (raise one) or `closed_because` (close without one)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_one_outcome)

    repair: CommunalRepair | None = Field(
        default=None,
        description="Raise a repair (source home_visit, its clock from the issue's found_at)",
    )
    closed_because: CommunalIssueClosure | None = Field(
        default=None,
        description="Close without a repair: duplicate, not_landlords or already_reported",
    )


class CommunalIssuePublic(BaseModel):
    """A communal issue reported from a visit: its code, the home it was reported from,
    the visit (its report holds where exactly and the officer's description) and the
    manager's triage."""

    model_config = ConfigDict(from_attributes=True)

    issue_id: uuid.UUID
    issue: CommunalIssueType
    uprn: str = Field(description="The home visited when it was noticed")
    block_id: str | None = Field(
        description="The block that home is in (the block's UPRN), as the asset register "
        "says now; null for a house or a home the register has not announced",
    )
    visit_id: uuid.UUID
    found_at: datetime = Field(description="When the officer noticed it (the visit's time)")
    status: CommunalIssueStatus
    repair_id: uuid.UUID | None = Field(description="The repair raised for it, if any")
    closed_because: CommunalIssueClosure | None
    triaged_at: datetime | None
    triaged_by: str | None = Field(description="The staff id of the manager who triaged it")

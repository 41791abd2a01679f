"""Events published by the visits service (topic hearth.visits.events)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import Field

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


class HazardSeverity(StrEnum):
    EMERGENCY = "emergency"
    SIGNIFICANT = "significant"
    MINOR = "minor"


class VisitCompleted(
    Event, service="visits", name="visit-completed", key="uprn", subject="visit_id"
):
    """A home visit was carried out and its report recorded."""

    visit_id: uuid.UUID
    uprn: Uprn
    kind: VisitKind
    completed_at: datetime
    repairs_found: int = Field(ge=0)
    hazards_found: int = Field(ge=0)
    tenancy_concerns_raised: int = Field(default=0, ge=0)


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
    reported_at: datetime
    repairs_found_on_visit: int = Field(ge=1)


class HazardIdentified(
    Event, service="visits", name="hazard-identified", key="uprn", subject="hazard_id"
):
    """A hazard (damp and mould above all) was found in a home."""

    hazard_id: uuid.UUID
    uprn: Uprn
    visit_id: uuid.UUID | None = None
    hazard_type: str = Field(min_length=1, max_length=64, examples=["damp_and_mould"])
    severity: HazardSeverity
    location: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=2000)
    identified_at: datetime

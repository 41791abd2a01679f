"""The resident contact view: what the contact centre sees on any call."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from gateway.fan_out import JsonObject
from hearth_contracts.topics import Service

ContactPart = Literal["open_repairs", "next_appointments", "gas", "rent", "open_complaints"]

CONTACT_PART_SCOPES: dict[ContactPart, str] = {
    "open_repairs": "repairs:read",
    "next_appointments": "repairs:read",
    "gas": "compliance:read",
    "rent": "income:read",
    "open_complaints": "complaints:read",
}
"""The read scope each part needs (the resident needs residents:read, which the view
needs at all)."""


class ResidentNeeds(BaseModel):
    """How to talk to this resident, from engagement."""

    language: str | None = Field(description="The resident's language (ISO 639-1)")
    preferred_channel: str | None = Field(description="text, email, phone or letter")
    format_needs: list[str] = Field(description="Large print, easy read, braille, ...")
    accessibility_needs: list[str] = Field(description="Adjustments to make")


class ContactView(BaseModel):
    """One resident as the person answering their call sees them: their home's open
    repairs and next appointments, gas safety status, their rent balance and arrears
    stage, their open complaints and deadlines, and how to talk to them. A service that
    did not answer is named in `degraded`; a part the token may not see in `withheld`;
    a former tenant's last home's parts, which are the next household's, in
    `left_out`."""

    resident_id: str
    uprn: str | None = Field(description="The resident's home")
    resident: JsonObject | None = Field(
        description="The resident (engagement); null when engagement did not answer"
    )
    needs: ResidentNeeds | None
    open_repairs: list[JsonObject] = Field(description="Repairs not yet completed (repairs)")
    next_appointments: list[JsonObject] = Field(
        description="Booked repair appointments, soonest first (repairs)"
    )
    gas: JsonObject | None = Field(
        description="The home's compliance checks: gas_status, gas_check_status, checks"
    )
    rent: JsonObject | None = Field(
        description="The rent account summary of the resident's own tenancy (their "
        "`tenancy_id`; the home's current tenancy only for a resident on none): "
        "balance_pence, arrears_pence, arrears_stage, ..."
    )
    open_complaints: list[JsonObject] = Field(
        description="The resident's open complaints, each with its stage and next_deadline"
    )
    former_tenant: bool = Field(
        description="The resident's tenancy ended (engagement's `tenancy_ended_on`): "
        "`uprn` is their last home, `rent` their own ended tenancy's account (what they "
        "still owe), and the home's parts as they are now are left out (`left_out`)"
    )
    degraded: list[Service] = Field(examples=[["repairs"]])
    withheld: list[ContactPart] = Field(examples=[["rent"]])
    left_out: list[ContactPart] = Field(
        description="Parts not asked for because they are about the home as it is now and "
        "the resident no longer lives there: a former tenant's last home's open repairs, "
        "next appointments and gas status belong to whoever lives there now. Empty, not "
        "unknown. A part the token may not see is in `withheld` instead",
        examples=[["open_repairs", "next_appointments", "gas"]],
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "resident_id": "0b7e2f4c-1d3a-4e5b-9c6d-000000000003",
                    "uprn": "100023336956",
                    "resident": {"id": "0b7e2f4c-1d3a-4e5b-9c6d-000000000003"},
                    "needs": {
                        "language": "so",
                        "preferred_channel": "text",
                        "format_needs": ["large_print"],
                        "accessibility_needs": [],
                    },
                    "open_repairs": [{"id": "…", "priority": "urgent"}],
                    "next_appointments": [{"id": "…", "slot_start": "2026-12-01T08:00:00Z"}],
                    "gas": {"gas_status": "compliant"},
                    "rent": {"balance_pence": 22500, "arrears_stage": "reminder"},
                    "open_complaints": [
                        {
                            "id": "…",
                            "next_deadline": {
                                "stage": "stage_1",
                                "deadline": "respond",
                                "due_on": "2026-12-10",
                                "overdue": False,
                            },
                        }
                    ],
                    "former_tenant": False,
                    "degraded": [],
                    "withheld": [],
                    "left_out": [],
                }
            ]
        }
    }

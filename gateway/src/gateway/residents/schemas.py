"""The resident contact view: what the contact centre sees on any call."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from gateway.fan_out import RENT_SUMMARY, JsonObject
from gateway.parts import ITEMS, from_service
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


RESIDENT: tuple[Service, str] = ("engagement", "/v1/residents/{resident_id}")
"""The resident's record, which the view's `resident` is and its `needs` are read from."""


class ResidentNeeds(BaseModel):
    """How to talk to this resident, from engagement (the resident's own fields)."""

    language: str | None = Field(
        description="The resident's language (ISO 639-1)",
        json_schema_extra=from_service(*RESIDENT, "/properties/language"),
    )
    preferred_channel: str | None = Field(
        description="text, email, phone or letter",
        json_schema_extra=from_service(*RESIDENT, "/properties/preferred_channel"),
    )
    format_needs: list[str] = Field(
        description="Large print, easy read, braille, ...",
        json_schema_extra=from_service(*RESIDENT, "/properties/format_needs/items"),
    )
    accessibility_needs: list[str] = Field(
        description="Adjustments to make",
        json_schema_extra=from_service(*RESIDENT, "/properties/accessibility_needs/items"),
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "language": "so",
                    "preferred_channel": "text",
                    "format_needs": ["large_print"],
                    "accessibility_needs": ["interpreter"],
                }
            ]
        }
    }


class ContactView(BaseModel):
    """One resident as the person answering their call sees them: their home's open
    repairs and next appointments, gas safety status, their rent balance and arrears
    stage, their open complaints and deadlines, and how to talk to them. A service that
    did not answer is named in `degraded`; a part the token may not see in `withheld`;
    a former tenant's last home's parts, which are the next household's, in
    `left_out`. Each part is the service's own record, typed in the OpenAPI document with
    the service's own schema (gateway.parts)."""

    resident_id: str
    uprn: str | None = Field(description="The resident's home")
    resident: JsonObject | None = Field(
        description="The resident (engagement `GET /v1/residents/{id}`); null when "
        "engagement did not answer",
        json_schema_extra=from_service(*RESIDENT),
    )
    needs: ResidentNeeds | None
    open_repairs: list[JsonObject] = Field(
        description="Repairs not yet completed at the home (repairs `GET /v1/repairs?uprn="
        "&status=open`, first page)",
        json_schema_extra=from_service("repairs", "/v1/repairs", ITEMS),
    )
    next_appointments: list[JsonObject] = Field(
        description="Booked repair appointments at the home (repairs `GET /v1/appointments"
        "?uprn=&status=booked`, first page)",
        json_schema_extra=from_service("repairs", "/v1/appointments", ITEMS),
    )
    gas: JsonObject | None = Field(
        description="The home's compliance checks (compliance `GET /v1/compliance/homes/"
        "{uprn}`): gas_status, gas_check_status, checks",
        json_schema_extra=from_service("compliance", "/v1/compliance/homes/{uprn}"),
    )
    rent: JsonObject | None = Field(
        description="The rent account summary of the resident's own tenancy (their "
        "`tenancy_id`; the home's current tenancy only for a resident on none), as income "
        "`GET /v1/tenancies/{id}?include=rent_summary` (or `GET /v1/tenancies?uprn=` for "
        "the home's) puts it in the tenancy: balance_pence, arrears_pence, arrears_stage, "
        "...",
        json_schema_extra=from_service(
            "income", "/v1/tenancies/{tenancy_id}", f"/properties/{RENT_SUMMARY}"
        ),
    )
    open_complaints: list[JsonObject] = Field(
        description="The resident's open complaints, each with its stage and next_deadline "
        "(engagement `GET /v1/complaints?resident_id=&status=open`, first page)",
        json_schema_extra=from_service("engagement", "/v1/complaints", ITEMS),
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

"""The tenancy overview: one tenancy with its rent, residents and home."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from gateway.fan_out import JsonObject
from hearth_contracts.topics import Service

TenancyPart = Literal["rent", "residents", "gas", "open_repairs", "open_complaints"]

TENANCY_PART_SCOPES: dict[TenancyPart, str] = {
    "rent": "income:read",
    "residents": "residents:read",
    "gas": "compliance:read",
    "open_repairs": "repairs:read",
    "open_complaints": "complaints:read",
}
"""The read scope each part needs (the tenancy itself needs tenancies:read)."""


class TenancyOverview(BaseModel):
    """A tenancy (income) with its rent account summary, the residents at its home,
    the home's gas safety status, open repairs and open complaints. A service that did
    not answer is named in `degraded`; a part the token may not see in `withheld`."""

    tenancy_id: str
    tenancy: JsonObject | None = Field(description="The tenancy (income)")
    rent: JsonObject | None = Field(
        description="Rent account summary: balance_pence, arrears_pence, arrears_stage, ...",
        examples=[{"balance_pence": 22500, "arrears_stage": "reminder"}],
    )
    residents: list[JsonObject] = Field(description="Residents at the tenancy's home")
    gas: JsonObject | None = Field(description="The home's compliance checks (gas status)")
    open_repairs: list[JsonObject] = Field(description="Repairs not yet completed at the home")
    open_complaints: list[JsonObject] = Field(
        description="Open complaints at the home, each with its next deadline"
    )
    degraded: list[Service] = Field(examples=[["compliance"]])
    withheld: list[TenancyPart] = Field(examples=[["open_complaints"]])

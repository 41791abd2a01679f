"""The tenancy overview: one tenancy with its rent, residents and home."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from gateway.fan_out import RENT_SUMMARY, JsonObject
from gateway.parts import ITEMS, from_service
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
    """A tenancy (income) with its rent account summary, its residents, the home's gas
    safety status and open repairs, and its household's open complaints. A service that
    did not answer is named in `degraded`; a part the token may not see in `withheld`;
    a part about the home as it is now, which belongs to whoever lives there after an
    ended tenancy (or instead of one withdrawn before its first day), in `left_out`."""

    tenancy_id: str
    tenancy: JsonObject | None = Field(
        description="The tenancy (income `GET /v1/tenancies/{id}`, without its "
        "rent_summary: that is `rent`)",
        json_schema_extra=from_service(
            "income", "/v1/tenancies/{tenancy_id}", without=[RENT_SUMMARY]
        ),
    )
    rent: JsonObject | None = Field(
        description="Rent account summary (income `GET /v1/tenancies/{id}?include="
        "rent_summary`, as `GET /v1/rent-accounts/{id}/summary` answers it): "
        "balance_pence, arrears_pence, arrears_stage, ...",
        json_schema_extra=from_service(
            "income", "/v1/tenancies/{tenancy_id}", f"/properties/{RENT_SUMMARY}"
        ),
    )
    residents: list[JsonObject] = Field(
        description="The tenancy's residents (engagement `GET /v1/residents?tenancy_id=`): "
        "its tenants and household, former tenants once it ended; never the household "
        "living at the home after it",
        json_schema_extra=from_service("engagement", "/v1/residents", ITEMS),
    )
    gas: JsonObject | None = Field(
        description="The home's compliance checks (compliance `GET /v1/compliance/homes/"
        "{uprn}`: gas status); null once the tenancy ended or if it was withdrawn (`left_out`)",
        json_schema_extra=from_service("compliance", "/v1/compliance/homes/{uprn}"),
    )
    open_repairs: list[JsonObject] = Field(
        description="Repairs not yet completed at the home (repairs `GET /v1/repairs?uprn="
        "&status=open`, first page); empty once the tenancy ended or if it was withdrawn "
        "(`left_out`)",
        json_schema_extra=from_service("repairs", "/v1/repairs", ITEMS),
    )
    open_complaints: list[JsonObject] = Field(
        description="Open complaints at the home made by the tenancy's household (or "
        "naming no one and received while it ran), each with its next deadline; never "
        "another household's (engagement `GET /v1/complaints?uprn=&status=open`, kept "
        "to the household's)",
        json_schema_extra=from_service("engagement", "/v1/complaints", ITEMS),
    )
    tenancy_ended: bool = Field(
        description="The tenancy ended (income's `status` ended, `end_date` set), or was "
        "withdrawn before its first day (`status` withdrawn: its household never lived "
        "there, ADR 0111): the home's parts as they are now are left out (`left_out`)",
    )
    degraded: list[Service] = Field(examples=[["compliance"]])
    withheld: list[TenancyPart] = Field(examples=[["open_complaints"]])
    left_out: list[TenancyPart] = Field(
        description="Parts not asked for because they are the home's as it is now and "
        "the tenancy ended (or was withdrawn), so they belong to whoever lives there now (`gas`, "
        "`open_repairs`); empty, not unknown. A part the token may not see is in "
        "`withheld` instead",
        examples=[["gas", "open_repairs"]],
    )

"""The home overview: one home as every service sees it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from gateway.fan_out import COMPLIANCE_STATUS, RENT_SUMMARY
from gateway.parts import ITEMS, from_service
from hearth_contracts.topics import Service

JsonObject = dict[str, Any]

OverviewPart = Literal[
    "tenancy", "residents", "visits", "open_repairs", "appointment_requests", "gas", "rent"
]
"""The parts of an overview besides the home itself, each shown only with its scope."""

PART_SCOPES: dict[OverviewPart, str] = {
    "tenancy": "tenancies:read",
    "residents": "residents:read",
    "visits": "visits:read",
    "open_repairs": "repairs:read",
    "appointment_requests": "repairs:read",
    "gas": "compliance:read",
    "rent": "income:read",
}
"""The read scope each part needs (the home itself needs homes:read, which the overview
needs at all)."""


class HomeOverview(BaseModel):
    """A home, its current tenancy, residents, visits, open repairs and appointment
    requests, combined from the services that own them. A service that did not answer
    is named in `degraded`, and its parts are null or empty. A part the token has no
    scope for is named in `withheld`, and is null or empty: need to know."""

    uprn: str
    home: JsonObject | None = Field(
        description="The home in the asset register (compliance `GET /v1/homes/{uprn}`, "
        "without its compliance_status: that is `gas`); null if unknown there",
        json_schema_extra=from_service(
            "compliance", "/v1/homes/{uprn}", without=[COMPLIANCE_STATUS]
        ),
    )
    tenancy: JsonObject | None = Field(
        description="The current tenancy (income `GET /v1/tenancies?uprn=&status=current`, "
        "its first item without its rent_summary: that is `rent`), if any",
        json_schema_extra=from_service("income", "/v1/tenancies", ITEMS, without=[RENT_SUMMARY]),
    )
    residents: list[JsonObject] = Field(
        description="Residents of the home (engagement `GET /v1/residents?uprn=`, first page)",
        json_schema_extra=from_service("engagement", "/v1/residents", ITEMS),
    )
    visits: list[JsonObject] = Field(
        description="Home visits (visits `GET /v1/visits?uprn=`, first page)",
        json_schema_extra=from_service("visits", "/v1/visits", ITEMS),
    )
    open_repairs: list[JsonObject] = Field(
        description="Repairs not yet completed (repairs `GET /v1/repairs/homes/{uprn}`: "
        "its first 50)",
        json_schema_extra=from_service(
            "repairs", "/v1/repairs/homes/{uprn}", "/properties/open_repairs/items"
        ),
    )
    appointment_requests: list[JsonObject] = Field(
        description="Requests for a repair appointment (repairs `GET /v1/repairs/homes/"
        "{uprn}`: its first 50)",
        json_schema_extra=from_service(
            "repairs", "/v1/repairs/homes/{uprn}", "/properties/appointment_requests/items"
        ),
    )
    gas: JsonObject | None = Field(
        default=None,
        description="The home's compliance checks (compliance `GET /v1/compliance/homes/"
        "{uprn}`, read with the home as its compliance_status): gas_status, "
        "gas_check_status and every check with its status and expiry",
        json_schema_extra=from_service(
            "compliance", "/v1/homes/{uprn}", f"/properties/{COMPLIANCE_STATUS}"
        ),
    )
    rent: JsonObject | None = Field(
        default=None,
        description="The current tenancy's rent account summary (income `GET /v1/"
        "tenancies?include=rent_summary`, as `GET /v1/rent-accounts/{id}/summary` "
        "answers it): balance_pence, arrears_pence, weeks_in_arrears, "
        "arrears_stage, arrangement, last_payment",
        json_schema_extra=from_service(
            "income", "/v1/tenancies", f"{ITEMS}/properties/{RENT_SUMMARY}"
        ),
    )
    degraded: list[Service] = Field(
        description=(
            "Services that did not answer (timeout, connection error or server error): "
            "their parts of this overview are null or empty, not known to be empty"
        ),
        examples=[["repairs"]],
    )
    withheld: list[OverviewPart] = Field(
        description=(
            "Parts left out because the token lacks their read scope (tenancies:read, "
            "residents:read, visits:read, repairs:read, compliance:read, income:read): "
            "null or empty, not known to be empty"
        ),
        examples=[["residents"]],
    )

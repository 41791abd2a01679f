"""The home overview: one home as every service sees it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from gateway.settings import ServiceName

JsonObject = dict[str, Any]


class HomeOverview(BaseModel):
    """A home, its current tenancy, residents, visits, open repairs and appointment
    requests, combined from the services that own them. A service that did not answer
    is named in `degraded`, and its parts are null or empty."""

    uprn: str
    home: JsonObject | None = Field(
        description="The home in the asset register (compliance); null if unknown there"
    )
    tenancy: JsonObject | None = Field(description="The current tenancy (income), if any")
    residents: list[JsonObject] = Field(description="Residents of the home (engagement)")
    visits: list[JsonObject] = Field(description="Home visits (visits)")
    open_repairs: list[JsonObject] = Field(description="Repairs not yet completed (repairs)")
    appointment_requests: list[JsonObject] = Field(
        description="Requests for a repair appointment (repairs)"
    )
    degraded: list[ServiceName] = Field(
        description=(
            "Services that did not answer (timeout, connection error or server error): "
            "their parts of this overview are null or empty, not known to be empty"
        ),
        examples=[["repairs"]],
    )


class ItemPage(BaseModel):
    """The shape of every service's list response."""

    items: list[JsonObject]
    next_cursor: str | None = None

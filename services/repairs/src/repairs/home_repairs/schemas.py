"""The response of the home's repairs read."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hearth_kit.pagination import PageParams
from repairs.appointments.schemas import AppointmentRequestPublic
from repairs.work_orders.schemas import RepairPublic

FIRST_PAGE = PageParams().limit
"""How many of each list the read gives: the list routes' default page size."""


class HomeRepairs(BaseModel):
    """What repairs holds for one home: the first page of each list route. A home repairs
    knows nothing of (or has not heard of yet) has empty lists."""

    uprn: str
    open_repairs: list[RepairPublic] = Field(
        description=f"The home's first {FIRST_PAGE} open repairs, as the first page of "
        "`GET /v1/repairs?uprn=...&status=open` (same entries, same order: by id)"
    )
    more_open_repairs: bool = Field(
        description=f"The home has more than {FIRST_PAGE} open repairs: page "
        "`GET /v1/repairs?uprn=...&status=open` for the rest"
    )
    appointment_requests: list[AppointmentRequestPublic] = Field(
        description=f"The home's first {FIRST_PAGE} appointment requests (any status), as "
        "the first page of `GET /v1/appointment-requests?uprn=...` (same entries, same "
        "order: by id)"
    )
    more_appointment_requests: bool = Field(
        description=f"The home has more than {FIRST_PAGE} appointment requests: page "
        "`GET /v1/appointment-requests?uprn=...` for the rest"
    )

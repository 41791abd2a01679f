"""The home's repairs read: two module-level statements on a read connection (the list
routes' own first-page statements), rows straight into the list routes' entries. Reads
only; needs no configuration, so it is a module function."""

from __future__ import annotations

from datetime import UTC, datetime

from hearth_kit.db import ReadConnection
from repairs.appointments import repository as appointment_repository
from repairs.appointments.service import publics_of_rows
from repairs.home_repairs.schemas import FIRST_PAGE, HomeRepairs
from repairs.work_orders import repository as repair_repository
from repairs.work_orders.service import public_of_row


async def read_home_repairs(connection: ReadConnection, uprn: str) -> HomeRepairs:
    """The home's first FIRST_PAGE open repairs and appointment requests, each read with
    one more row than shown to know whether more exist. Empty lists for a home repairs
    knows nothing of: its projection of homes may lag, so absence is not a 404."""
    repair_rows = await repair_repository.home_open_repairs(connection, uprn, FIRST_PAGE + 1)
    request_rows = await appointment_repository.home_appointment_requests(
        connection, uprn, FIRST_PAGE + 1
    )
    now = datetime.now(UTC)
    requests = publics_of_rows(request_rows)
    return HomeRepairs(
        uprn=uprn,
        open_repairs=[public_of_row(row, now) for row in repair_rows[:FIRST_PAGE]],
        more_open_repairs=len(repair_rows) > FIRST_PAGE,
        appointment_requests=requests[:FIRST_PAGE],
        more_appointment_requests=len(requests) > FIRST_PAGE,
    )

"""Every 201 repairs answers names a Location its caller can follow (docs/adr/0181):
booking and rebooking an appointment lead to GET /v1/appointments/{id}, asking for a
recharge to GET /v1/recharges/{id}. The read answers what the create did (the status now
for a recharge a manager decided since), with repairs:read, as the list of appointments
and the repairs a recharge is asked on; without it a 403, and a contractor's token a 403
(staff only: a contractor reads the appointment on its own work order). An id never
created is a 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from hearth_kit.db import Database
from services.repairs.tests.appointments.test_cancel import free_slots
from services.repairs.tests.contractor_doubles import contractor, manager
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order
from services.repairs.tests.test_recharges import RECHARGE, a_repair, flag
from tests.harness.tokens import STAFF_SCOPES, InternalTokenAuth

READER = InternalTokenAuth("repairs", scopes=frozenset({"repairs:read"}))
WITHOUT_READ = InternalTokenAuth("repairs", scopes=STAFF_SCOPES - {"repairs:read"})


async def followed(staff: httpx.AsyncClient, created: httpx.Response) -> dict[str, Any]:
    """The created thing read back at its Location, by a caller with repairs:read only;
    refused without it and to a contractor."""
    location = created.headers["Location"]
    read = await staff.get(location, auth=READER)
    assert read.status_code == 200, read.text
    refused = await staff.get(location, auth=WITHOUT_READ)
    assert refused.status_code == 403, refused.text
    contractors = await staff.get(location, auth=contractor("sparks"))
    assert contractors.status_code == 403, contractors.text
    answer: dict[str, Any] = read.json()
    return answer


async def test_a_booked_and_a_rebooked_appointment_are_read_at_their_location(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn, trade="electrical")
    first, second = (await free_slots(staff, uprn, ["electrical"]))[-2:]
    booked = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": [order["id"]], "day": first["day"], "slot": first["slot"]},
    )
    assert booked.status_code == 201, booked.text
    assert booked.headers["Location"] == f"/v1/appointments/{booked.json()['id']}"
    assert await followed(staff, booked) == booked.json()

    rebooked = await staff.post(
        f"/v1/appointments/{booked.json()['id']}/rebook",
        json={"day": second["day"], "slot": second["slot"]},
    )
    assert rebooked.status_code == 201, rebooked.text
    assert rebooked.headers["Location"] == f"/v1/appointments/{rebooked.json()['id']}"
    assert await followed(staff, rebooked) == rebooked.json()
    # the one it replaced is still read, as rebooked
    old = await staff.get(booked.headers["Location"], auth=READER)
    assert old.status_code == 200, old.text
    assert old.json()["status"] == "rebooked"

    never = await staff.get(f"/v1/appointments/{uuid.uuid4()}", auth=READER)
    assert never.status_code == 404, never.text


async def test_a_recharge_is_read_at_its_location_with_its_status_now(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    await flag(repairs_database, uprn, ["mental_health"], datetime.now(UTC))
    repair_id = await a_repair(staff, uprn)
    held = await staff.post(f"/v1/repairs/{repair_id}/recharges", json=RECHARGE)
    assert held.status_code == 201, held.text
    assert held.json()["status"] == "awaiting_approval"
    assert held.headers["Location"] == f"/v1/recharges/{held.json()['id']}"
    assert await followed(staff, held) == held.json()

    approved = await staff.post(f"/v1/recharges/{held.json()['id']}/approval", auth=manager())
    assert approved.status_code == 200, approved.text
    now = await staff.get(held.headers["Location"], auth=READER)
    assert now.status_code == 200, now.text
    assert now.json() == approved.json()
    assert now.json()["status"] == "raised"

    never = await staff.get(f"/v1/recharges/{uuid.uuid4()}", auth=READER)
    assert never.status_code == 404, never.text

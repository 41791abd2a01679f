"""A follow-on is done only by the work order raised as it (docs/adr/0147). A
completion asking for a follow-on kept its repair open until any later completion of
the repair: a work order raised alongside, before the follow-on was asked for,
completed after it and completed the repair, which was surveyed and counted in RP02
(on time) while the follow-on was never raised. Now staff raise the follow-on naming
the work order that asked for it (`follow_on_of`: the same repair, completed with a
follow-on asked for, not followed on already), the contractor reads the link in
raise-repair, and only that work order's completion does the follow-on. A follow-on
asked for before the link existed keeps the old rule (migration 0031's backfill)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import update
from sqlmodel import col

from hearth_kit.db import Database
from repairs.models import WorkOrder
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_repair_completes_with_its_last_work_order import (
    another_work_order,
    cancel,
    moment,
    repair_of,
    sent_to_contractor,
)
from services.repairs.tests.orders.test_work_orders import (
    a_uprn,
    a_work_order,
    published,
    published_data,
)


async def complete(
    staff: httpx.AsyncClient, work_order_id: str, *, follow_on: bool = False
) -> datetime:
    """Completed now, asking for a follow-on or not: when."""
    at = datetime.now(UTC)
    response = await staff.post(
        f"/v1/contractor/work-orders/{work_order_id}/completion",
        json={"completed_at": at.isoformat(), "follow_on_required": follow_on},
        auth=contractor("plumbfast"),
    )
    assert response.status_code == 200, response.text
    return at


async def raise_follow_on(
    staff: httpx.AsyncClient, repair_id: str, follow_on_of: str
) -> httpx.Response:
    return await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": repair_id,
            "lines": [{"sor_code": "PLB:20120", "quantity": 1}],
            "follow_on_of": follow_on_of,
        },
    )


def refused_naming_follow_on_of(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["follow_on_of"]


async def test_unrelated_work_does_not_do_the_follow_on_and_the_linked_work_order_does(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    alongside = await another_work_order(staff, first["repair_id"])
    await complete(staff, first["id"], follow_on=True)
    # raised before the follow-on was asked for, completed after it
    await complete(staff, alongside["id"])
    repair = await repair_of(staff, first["repair_id"])
    assert repair["status"] == "open"
    assert repair["completed_at"] is None
    assert await published(repairs_database, uprn, "repair-completed") == []

    raised = await raise_follow_on(staff, first["repair_id"], first["id"])
    assert raised.status_code == 201, raised.text
    follow_on = raised.json()
    assert follow_on["follow_on_of"] == first["id"]
    # the contractor reads the link in raise-repair and in its own read of the work order
    [message] = await sent_to_contractor(repairs_database, follow_on["id"], "raise-repair")
    assert message["sent_for"]["follow_on_of"] == first["id"]
    own = await staff.get(
        f"/v1/contractor/work-orders/{follow_on['id']}", auth=contractor("plumbfast")
    )
    assert own.json()["follow_on_of"] == first["id"]
    assert (await staff.get(f"/v1/work-orders/{alongside['id']}")).json()["follow_on_of"] is None

    done = await complete(staff, follow_on["id"])
    repair = await repair_of(staff, first["repair_id"])
    assert repair["status"] == "completed"
    assert moment(repair["completed_at"]) == done
    [event] = await published_data(repairs_database, uprn, "uk.hearth.repairs.repair-completed.v2")
    assert event["right_first_time"] is False  # a work order needed a follow-on


async def test_a_follow_on_that_asks_for_another_waits_for_that_one(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    await complete(staff, first["id"], follow_on=True)
    second = (await raise_follow_on(staff, first["repair_id"], first["id"])).json()
    await complete(staff, second["id"], follow_on=True)
    assert (await repair_of(staff, first["repair_id"]))["status"] == "open"
    third = await raise_follow_on(staff, first["repair_id"], second["id"])
    assert third.status_code == 201, third.text
    await complete(staff, third.json()["id"])
    assert (await repair_of(staff, first["repair_id"]))["status"] == "completed"
    assert len(await published(repairs_database, uprn, "repair-completed")) == 1


async def test_a_link_to_work_that_asked_for_no_follow_on_here_is_refused_naming_follow_on_of(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    repair_id = first["repair_id"]
    still_open = await another_work_order(staff, repair_id)
    # another repair's work order, though it asked for a follow-on
    elsewhere = await a_work_order(staff, repairs_database, a_uprn())
    await complete(staff, elsewhere["id"], follow_on=True)
    refused_naming_follow_on_of(await raise_follow_on(staff, repair_id, elsewhere["id"]))
    # not a work order at all
    refused_naming_follow_on_of(await raise_follow_on(staff, repair_id, str(uuid.uuid4())))
    # not completed yet
    refused_naming_follow_on_of(await raise_follow_on(staff, repair_id, still_open["id"]))
    # completed without asking for a follow-on
    await complete(staff, first["id"])
    refused_naming_follow_on_of(await raise_follow_on(staff, repair_id, first["id"]))
    listed = await staff.get("/v1/work-orders", params={"uprn": uprn})
    assert {o["id"] for o in listed.json()["items"]} == {first["id"], still_open["id"]}

    # asked for once, raised once: a second follow-on of it is refused, until the first
    # is cancelled as raised in error
    await complete(staff, still_open["id"], follow_on=True)
    follow_on = await raise_follow_on(staff, repair_id, still_open["id"])
    assert follow_on.status_code == 201, follow_on.text
    refused_naming_follow_on_of(await raise_follow_on(staff, repair_id, still_open["id"]))
    assert (await cancel(staff, follow_on.json()["id"], "duplicate")).status_code == 200
    assert (await repair_of(staff, repair_id))["status"] == "open"  # still to do
    again = await raise_follow_on(staff, repair_id, still_open["id"])
    assert again.status_code == 201, again.text
    await complete(staff, again.json()["id"])
    assert (await repair_of(staff, repair_id))["status"] == "completed"


async def test_a_follow_on_asked_for_before_links_is_done_by_any_later_completion(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    alongside = await another_work_order(staff, first["repair_id"])
    await complete(staff, first["id"], follow_on=True)
    # as migration 0031 leaves a follow-on asked for before it
    async with repairs_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(WorkOrder)
            .where(col(WorkOrder.id) == uuid.UUID(first["id"]))
            .values(follow_on_before_links=True)
        )
    done = await complete(staff, alongside["id"])
    repair = await repair_of(staff, first["repair_id"])
    assert repair["status"] == "completed"
    assert moment(repair["completed_at"]) == done

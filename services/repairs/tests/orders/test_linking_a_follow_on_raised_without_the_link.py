"""A follow-on raised without `follow_on_of` is linked afterwards (docs/adr/0154). Raised
unlinked, it was other work (docs/adr/0147): its completion left the repair open, and
the only way out was to cancel it (the contractor sent cancel-repair for a job it was
doing) and raise it again with the link. Now staff link it with
`POST /v1/work-orders/{id}/follow-on-of`, under the refusals of raising with the link
and those a link made later needs: itself, a loop, work raised before the ask, and a
follow-on already completed or cancelled."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import update
from sqlmodel import col

from hearth_kit.db import Database
from repairs.models import WorkOrder
from services.repairs.tests.orders.test_follow_on_done_by_its_own_work_order import (
    complete,
    refused_naming_follow_on_of,
)
from services.repairs.tests.orders.test_repair_completes_with_its_last_work_order import (
    another_work_order,
    cancel,
    moment,
    repair_of,
)
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order, published


async def link(staff: httpx.AsyncClient, work_order_id: str, follow_on_of: str) -> httpx.Response:
    return await staff.post(
        f"/v1/work-orders/{work_order_id}/follow-on-of", json={"follow_on_of": follow_on_of}
    )


async def test_a_follow_on_linked_after_it_was_raised_completes_the_repair(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    await complete(staff, first["id"], follow_on=True)
    unlinked = await another_work_order(staff, first["repair_id"])
    assert unlinked["follow_on_of"] is None

    linked = await link(staff, unlinked["id"], first["id"])
    assert linked.status_code == 200, linked.text
    assert linked.json()["follow_on_of"] == first["id"]
    assert (await staff.get(f"/v1/work-orders/{unlinked['id']}")).json()["follow_on_of"] == (
        first["id"]
    )
    # the same link again is answered as it is
    again = await link(staff, unlinked["id"], first["id"])
    assert again.status_code == 200, again.text

    done = await complete(staff, unlinked["id"])
    repair = await repair_of(staff, first["repair_id"])
    assert repair["status"] == "completed"
    assert moment(repair["completed_at"]) == done
    assert len(await published(repairs_database, uprn, "repair-completed")) == 1


async def test_a_link_is_refused_naming_the_field_at_fault(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    repair_id = first["repair_id"]
    alongside = await another_work_order(staff, repair_id)  # raised before the ask
    await complete(staff, first["id"], follow_on=True)
    unlinked = await another_work_order(staff, repair_id)
    elsewhere = await a_work_order(staff, repairs_database, a_uprn())
    await complete(staff, elsewhere["id"], follow_on=True)

    # another repair's work order, though it asked for a follow-on
    refused_naming_follow_on_of(await link(staff, unlinked["id"], elsewhere["id"]))
    # no work order at all
    refused_naming_follow_on_of(await link(staff, unlinked["id"], str(uuid.uuid4())))
    # itself
    refused_naming_follow_on_of(await link(staff, unlinked["id"], unlinked["id"]))
    # a work order that did not complete asking for a follow-on
    refused_naming_follow_on_of(await link(staff, unlinked["id"], alongside["id"]))
    # work raised alongside, before the follow-on was asked for, is other work
    refused_naming_follow_on_of(await link(staff, alongside["id"], first["id"]))

    # once one is linked, the ask is answered: another link to it is refused, and the
    # linked one cannot be re-linked elsewhere
    assert (await link(staff, unlinked["id"], first["id"])).status_code == 200
    second = await another_work_order(staff, repair_id)
    refused_naming_follow_on_of(await link(staff, second["id"], first["id"]))
    refused_naming_follow_on_of(await link(staff, unlinked["id"], second["id"]))
    assert (await staff.get(f"/v1/work-orders/{second['id']}")).json()["follow_on_of"] is None


async def test_a_completed_or_cancelled_work_order_is_not_linked(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    await complete(staff, first["id"], follow_on=True)
    done_unlinked = await another_work_order(staff, first["repair_id"])
    stray = await another_work_order(staff, first["repair_id"])
    await complete(staff, done_unlinked["id"])
    assert (await cancel(staff, stray["id"])).status_code == 200

    for closed in (done_unlinked, stray):
        refused = await link(staff, closed["id"], first["id"])
        assert refused.status_code == 409, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["status"]
        assert (await staff.get(f"/v1/work-orders/{closed['id']}")).json()["follow_on_of"] is None
    assert (await repair_of(staff, first["repair_id"]))["status"] == "open"
    assert await published(repairs_database, uprn, "repair-completed") == []


async def test_a_link_that_would_make_a_loop_is_refused(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """No route stores a loop (a link needs the work order linked to completed first,
    and a closed work order is not linked), so the loop is written here as rows from
    elsewhere could hold it: the refusal does not rest on how the rows came to be."""
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    await complete(staff, first["id"], follow_on=True)
    follow_on = await another_work_order(staff, first["repair_id"])
    async with repairs_database.sessionmaker() as session:
        # the first, the ask, is itself marked the follow-on of the later one, and asked
        # no earlier than the later one was raised (the other checks pass)
        await session.execute(
            update(WorkOrder)
            .where(col(WorkOrder.id) == uuid.UUID(first["id"]))
            .values(
                follow_on_of=uuid.UUID(follow_on["id"]),
                completed_at=moment(follow_on["raised_at"]),
            )
        )
        await session.commit()
    refused_naming_follow_on_of(await link(staff, follow_on["id"], first["id"]))
    assert (await staff.get(f"/v1/work-orders/{follow_on['id']}")).json()["follow_on_of"] is None

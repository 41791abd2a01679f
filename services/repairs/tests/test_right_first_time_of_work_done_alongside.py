"""Right first time counts a repair whose work orders were raised alongside (one per
trade, docs/adr/0141) as not right first time when any of them needed a follow-on visit
(DOMAIN.md: right first time is no follow-on visit needed). The figure read the repair's
first completed work order alone: completed without a follow-on before the other trade's
needed one, the repair was counted right first time, while its repair-completed said
`right_first_time` false.

The figures count the whole database, which the module's tests share: each test reads
the figure before its repairs and checks what they add, so it holds in any order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_repair_completes_with_its_last_work_order import (
    another_work_order,
    moment,
)
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order, published_data
from services.repairs.tests.test_right_first_time_figure import complete


async def right_first_time_today(staff: httpx.AsyncClient) -> tuple[int, int]:
    today = london_day(datetime.now(UTC))
    response = await staff.get(
        "/v1/repairs/figures", params={"from": str(today - timedelta(days=1)), "to": str(today)}
    )
    assert response.status_code == 200, response.text
    measure = {m["code"]: m for m in response.json()["measures"]}["repairs.right_first_time"]
    return measure["numerator"], measure["denominator"]


async def test_work_alongside_needing_a_follow_on_is_not_right_first_time(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    done_before, counted_before = await right_first_time_today(staff)
    # a repair whose two work orders were both done at their first visit: right
    both_right = await a_work_order(staff, repairs_database, a_uprn())
    alongside = await another_work_order(staff, both_right["repair_id"])
    await complete(staff, both_right["id"])
    await complete(staff, alongside["id"])

    # a repair whose first work order was done, the other needing a follow-on
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    needs_more = await another_work_order(staff, first["repair_id"])
    await complete(staff, first["id"])
    await complete(staff, needs_more["id"], follow_on_required=True)
    assert await right_first_time_today(staff) == (done_before + 1, counted_before + 2)

    # its follow-on done, the repair completes not right first time: the figure agrees
    raised = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": first["repair_id"],
            "lines": [{"sor_code": "PLB:20120", "quantity": 1}],
            "follow_on_of": needs_more["id"],
        },
    )
    assert raised.status_code == 201, raised.text
    await complete(staff, raised.json()["id"])
    [completed] = await published_data(
        repairs_database, uprn, "uk.hearth.repairs.repair-completed.v2"
    )
    assert completed["right_first_time"] is False
    assert await right_first_time_today(staff) == (done_before + 1, counted_before + 2)


async def test_a_first_visit_recorded_after_a_later_one_counts_the_repair_once(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Completions arrive out of order: the later visit's completion recorded first, the
    earlier visit's (needing a follow-on) after it. Both were counted as the repair's
    first visit; it is one repair, not right first time."""
    done_before, counted_before = await right_first_time_today(staff)
    first = await a_work_order(staff, repairs_database, a_uprn())
    alongside = await another_work_order(staff, first["repair_id"])
    earlier_visit = max(moment(first["raised_at"]), moment(alongside["raised_at"]))
    await complete(staff, alongside["id"])  # now: after earlier_visit
    response = await staff.post(
        f"/v1/contractor/work-orders/{first['id']}/completion",
        json={"completed_at": earlier_visit.isoformat(), "follow_on_required": True},
        auth=contractor("plumbfast"),
    )
    assert response.status_code == 200, response.text

    assert await right_first_time_today(staff) == (done_before, counted_before + 1)

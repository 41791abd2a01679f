"""HACT's raise repair carries dependencies between the work elements (DOMAIN.md): the
contractor is told which work must be done before which, stripping out before
plastering. Work orders had no way to say so. Each line now names the earlier lines it
depends on (`depends_on`, positions in `lines`), kept and sent in the raise-repair
message; a line depending on itself or a later one is a 422 naming it, so the lines'
order is always an order the work can be done in."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from hearth_kit.db import Database
from services.repairs.tests.orders.test_webhook_faults import delivery_of
from services.repairs.tests.orders.test_work_orders import a_repair, a_uprn, schedule_of_rates


async def ordered(
    staff: httpx.AsyncClient, db: Database, lines: list[dict[str, Any]]
) -> httpx.Response:
    await schedule_of_rates(db)
    repair = await a_repair(staff, a_uprn())
    return await staff.post("/v1/work-orders", json={"repair_id": repair["id"], "lines": lines})


async def test_a_line_names_the_earlier_lines_it_depends_on_and_the_contractor_is_told(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    response = await ordered(
        staff,
        repairs_database,
        [
            {"sor_code": "PLB:20130", "quantity": 2.5},
            {"sor_code": "PLB:20120", "quantity": 1, "depends_on": [0]},
            {"sor_code": "PLB:20110", "quantity": 1, "depends_on": [1, 0, 1]},
        ],
    )

    assert response.status_code == 201, response.text
    assert [line["depends_on"] for line in response.json()["lines"]] == [[], [0], [0, 1]]
    shown = await staff.get(f"/v1/work-orders/{response.json()['id']}")
    assert [line["depends_on"] for line in shown.json()["lines"]] == [[], [0], [0, 1]]
    sent = json.loads((await delivery_of(repairs_database, response.json()["id"])).body)
    assert [line["depends_on"] for line in sent["sent_for"]["lines"]] == [[], [0], [0, 1]]


@pytest.mark.parametrize("depends_on", [[1], [2]], ids=["itself", "a later line"])
async def test_a_line_depending_on_itself_or_a_later_one_is_refused(
    staff: httpx.AsyncClient, repairs_database: Database, depends_on: list[int]
) -> None:
    response = await ordered(
        staff,
        repairs_database,
        [
            {"sor_code": "PLB:20130", "quantity": 1},
            {"sor_code": "PLB:20120", "quantity": 1, "depends_on": depends_on},
            {"sor_code": "PLB:20110", "quantity": 1},
        ],
    )

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["lines.1.depends_on"]

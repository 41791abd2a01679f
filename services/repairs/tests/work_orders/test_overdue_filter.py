"""GET /v1/repairs?overdue=true lists the open repairs past their target now, by the rule
each entry's `overdue` shows (rules.overdue): an emergency after its target moment, any
other priority from the start of the London day after its target day; a completed
repair is never overdue. ?overdue=false lists all the others; without it, all."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlmodel import col

from hearth_kit.db import Database
from repairs.models import RepairRequest, RepairStatus
from repairs.work_orders import rules


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def a_repair(
    repairs: httpx.AsyncClient,
    db: Database,
    uprn: str,
    priority: str,
    target_at: datetime,
    status: RepairStatus = RepairStatus.OPEN,
) -> str:
    """A repair reported through the API, then given this target and status (the target
    follows from the report date; here it is set to the moment the test needs)."""
    response = await repairs.post(
        "/v1/repairs",
        json={
            "uprn": uprn,
            "description": "Kitchen tap leaking",
            "location": "kitchen",
            "trade": "plumbing",
            "priority": priority,
            "reported_at": (datetime.now(UTC) - timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    repair_id: str = response.json()["id"]
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            update(RepairRequest)
            .where(col(RepairRequest.id) == uuid.UUID(repair_id))
            .values(target_at=target_at, status=status)
        )
    return repair_id


async def test_the_overdue_filter_keeps_exactly_the_repairs_overdue_now(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    now = datetime.now(UTC)
    start_of_today = rules.overdue_if_target_before(now)
    overdue = {
        await a_repair(repairs, repairs_database, uprn, "emergency", now - timedelta(hours=1)),
        await a_repair(
            repairs, repairs_database, uprn, "routine", start_of_today - timedelta(seconds=1)
        ),
    }
    others = {
        await a_repair(repairs, repairs_database, uprn, "emergency", now + timedelta(hours=1)),
        # its target day is today: not late until today ends
        await a_repair(
            repairs, repairs_database, uprn, "routine", start_of_today + timedelta(seconds=1)
        ),
        await a_repair(
            repairs,
            repairs_database,
            uprn,
            "urgent",
            now - timedelta(days=10),
            status=RepairStatus.COMPLETED,
        ),
    }

    async def listed(**params: str) -> dict[str, bool]:
        response = await repairs.get("/v1/repairs", params={"uprn": uprn, **params})
        assert response.status_code == 200, response.text
        return {item["id"]: item["overdue"] for item in response.json()["items"]}

    assert await listed(overdue="true") == dict.fromkeys(overdue, True)
    assert await listed(overdue="false") == dict.fromkeys(others, False)
    assert set(await listed()) == overdue | others
    assert await listed(overdue="true", status="completed") == {}


async def test_the_overdue_filter_pages_like_any_other(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    late = datetime.now(UTC) - timedelta(days=3)
    overdue = {await a_repair(repairs, repairs_database, uprn, "urgent", late) for _ in range(3)}
    seen: list[str] = []
    params: dict[str, str | int] = {"uprn": uprn, "overdue": "true", "limit": 2}
    while True:
        body = (await repairs.get("/v1/repairs", params=params)).json()
        seen.extend(item["id"] for item in body["items"])
        if not body.get("next_cursor"):
            break
        params["cursor"] = body["next_cursor"]
    assert sorted(seen) == sorted(overdue)


async def test_an_overdue_value_that_is_not_a_boolean_is_a_422_naming_it(
    repairs: httpx.AsyncClient,
) -> None:
    response = await repairs.get("/v1/repairs", params={"overdue": "soon"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["overdue"]

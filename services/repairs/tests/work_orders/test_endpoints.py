from __future__ import annotations

import json
import random
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from hearth_kit.db import Database
from hearth_kit.pagination import encode_cursor
from hearth_kit.tables import outbox_message


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def a_repair(uprn: str, **overrides: object) -> dict[str, object]:
    return {
        "uprn": uprn,
        "description": "Front door lock broken",
        "location": "hallway",
        "trade": "carpentry",
        "priority": "urgent",
        "reported_at": "2025-12-24T10:00:00+00:00",
        **overrides,
    }


async def test_a_reported_repair_gets_its_target_from_working_days(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    response = await repairs.post("/v1/repairs", json=a_repair(uprn))
    assert response.status_code == 201, response.text
    repair = response.json()
    assert repair["target_at"] == "2026-01-05T23:59:59Z"
    assert repair["status"] == "open"
    assert response.headers["location"] == f"/v1/repairs/{repair['id']}"
    fetched = await repairs.get(f"/v1/repairs/{repair['id']}")
    assert fetched.json()["id"] == repair["id"]
    async with repairs_database.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(outbox_message.c.message_key == uprn)
        )
    assert count == 1


async def test_repair_reported_carries_no_free_text(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    """What a resident or officer types about a repair (its description, where it is)
    often names people; it stays in repairs (GET /v1/repairs/{id}) and no event carries
    it: repair-reported v3 has ids, codes and dates only (docs/adr/0048), as
    work-order-raised has always had."""
    uprn = a_uprn()
    typed = "Sam Okafor's boiler; her son Tom is at 12 Acacia Road on Tuesdays"
    response = await repairs.post(
        "/v1/repairs", json=a_repair(uprn, description=typed, location="Sam's bedroom")
    )
    assert response.status_code == 201, response.text
    assert response.json()["description"] == typed
    async with repairs_database.sessionmaker() as session:
        rows = (
            await session.execute(
                select(outbox_message.c.event_type, outbox_message.c.payload).where(
                    outbox_message.c.message_key == uprn
                )
            )
        ).all()
    assert [event_type for event_type, _ in rows] == ["uk.hearth.repairs.repair-reported.v3"]
    payload = rows[0].payload
    text = payload.decode() if isinstance(payload, bytes) else str(payload)
    assert "Okafor" not in text
    assert "Sam" not in text
    data = json.loads(text)
    data = data.get("data", data)
    assert not {"description", "location"} & set(data)
    assert (data["uprn"], data["trade"], data["priority"]) == (uprn, "carpentry", "urgent")


async def test_a_naive_reported_time_is_rejected_naming_the_field(
    repairs: httpx.AsyncClient,
) -> None:
    response = await repairs.post(
        "/v1/repairs", json=a_repair(a_uprn(), reported_at="2026-12-24T10:00:00")
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["reported_at"]


async def test_an_unknown_priority_is_rejected_and_nothing_is_published(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    response = await repairs.post("/v1/repairs", json=a_repair(uprn, priority="whenever"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "priority"
    async with repairs_database.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(outbox_message.c.message_key == uprn)
        )
    assert count == 0


@pytest.mark.parametrize("path", ["/v1/repairs", "/v1/appointment-requests"])
@pytest.mark.parametrize("cursor", ["not-a-cursor", encode_cursor("not-a-repair-id")])
async def test_a_bad_cursor_is_a_problem_naming_the_query_cursor(
    repairs: httpx.AsyncClient, path: str, cursor: str
) -> None:
    response = await repairs.get(path, params={"cursor": cursor})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("cursor", "query")


async def outbox_count(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(outbox_message.c.message_key == uprn)
        )
    return int(count or 0)


async def test_a_reported_time_in_the_future_is_refused_and_nothing_is_published(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    response = await repairs.post(
        "/v1/repairs", json=a_repair(uprn, reported_at="2099-01-01T10:00:00+00:00")
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["reported_at"]
    assert await outbox_count(repairs_database, uprn) == 0
    listed = await repairs.get("/v1/repairs", params={"uprn": uprn})
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    "reported_at", ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "1066-10-14T09:00:00Z"]
)
async def test_a_reported_time_beyond_the_report_window_is_refused_and_nothing_is_published(
    repairs: httpx.AsyncClient, repairs_database: Database, reported_at: str
) -> None:
    """More than report_window_years (10) ago: a 422 naming reported_at, not a 500 from
    the calendar overflowing, and not a repair from 1066."""
    uprn = a_uprn()
    response = await repairs.post("/v1/repairs", json=a_repair(uprn, reported_at=reported_at))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["reported_at"]
    assert await outbox_count(repairs_database, uprn) == 0
    listed = await repairs.get("/v1/repairs", params={"uprn": uprn})
    assert listed.json()["items"] == []


async def test_reported_at_defaults_to_now_and_triage_answers_set_the_priority(
    repairs: httpx.AsyncClient,
) -> None:
    body = a_repair(a_uprn(), triage={"home_not_secure": True})
    del body["priority"], body["reported_at"]
    response = await repairs.post("/v1/repairs", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["priority"] == "emergency"


async def test_priority_and_triage_together_are_refused_naming_priority(
    repairs: httpx.AsyncClient,
) -> None:
    body = a_repair(a_uprn(), triage={"home_not_secure": True})
    response = await repairs.post("/v1/repairs", json=body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["priority"]


async def test_a_repair_reported_in_a_complaint_keeps_the_complaint_and_publishes_v3(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, complaint_id = a_uprn(), str(uuid.uuid4())
    response = await repairs.post(
        "/v1/repairs", json=a_repair(uprn, source="complaint", complaint_id=complaint_id)
    )
    assert response.status_code == 201, response.text
    repair = response.json()
    assert (repair["source"], repair["complaint_id"]) == ("complaint", complaint_id)
    async with repairs_database.sessionmaker() as session:
        rows = (
            await session.execute(
                select(outbox_message.c.event_type, outbox_message.c.payload).where(
                    outbox_message.c.message_key == uprn
                )
            )
        ).all()
    assert [event_type for event_type, _ in rows] == ["uk.hearth.repairs.repair-reported.v3"]
    data = json.loads(rows[0].payload)
    data = data.get("data", data)
    assert (data["source"], data["complaint_id"]) == ("complaint", complaint_id)
    # without a complaint id, a complaint is still a source
    plain = await repairs.post("/v1/repairs", json=a_repair(a_uprn(), source="complaint"))
    assert plain.status_code == 201, plain.text
    assert plain.json()["complaint_id"] is None


async def test_a_complaint_id_without_a_complaint_as_the_source_is_refused_naming_it(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    response = await repairs.post(
        "/v1/repairs", json=a_repair(uprn, source="online", complaint_id=str(uuid.uuid4()))
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["complaint_id"]
    async with repairs_database.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(outbox_message.c.message_key == uprn)
        )
    assert count == 0

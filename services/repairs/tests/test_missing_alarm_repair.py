"""required-alarm-missing (compliance, docs/adr/0109): a required smoke or CO alarm the
asset register shows missing becomes one repair to fit it, however often the event is
delivered. Before, repairs consumed no such event and nothing raised the repair."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import RequiredAlarmMissing
from hearth_kit.db import Database
from repairs.handlers import build_handlers
from repairs.work_orders.service import RepairService

handlers = build_handlers(RepairService())


async def test_a_missing_alarm_raises_one_urgent_repair_from_when_it_was_seen_missing(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    missing = RequiredAlarmMissing(
        alarm_id=uuid.uuid4(),
        uprn=uprn,
        kind="smoke",
        storey=1,
        priority="urgent",
        trade="electrical",
        location="storey 1 above the ground floor",
        description="Fit a smoke alarm: none on this storey with living space",
        found_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    )
    handler = handlers.get(missing.type)
    assert handler is not None
    for envelope in (Envelope(data=missing), Envelope(data=missing)):
        async with repairs_database.sessionmaker() as session, session.begin():
            await handler(session, envelope)
    [repair] = (await repairs.get("/v1/repairs", params={"uprn": uprn})).json()["items"]
    assert (repair["priority"], repair["source"], repair["trade"]) == (
        "urgent",
        "safety_check",
        "electrical",
    )
    assert repair["reported_at"] == "2026-11-20T09:30:00Z"

"""A recharge held for a household's recorded vulnerability can be declined: DOMAIN.md
says vulnerability is considered before recharging, and a manager who considered it
and decided not to recharge had only approval, so the recharge waited
`awaiting_approval` for ever (and counted in repairs.recharges_awaiting_approval).
Declined with a reason code it is final, never raised and nothing is published
(income never heard of it: docs/adr/0056). Approval and decline lock the row: two
decisions at once take turns and exactly one wins."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import london_day
from repairs.recharges import repository
from services.repairs.tests.contractor_doubles import manager
from services.repairs.tests.test_recharges import RECHARGE, a_repair, flag
from tests.harness.locks import until_a_backend_waits_for_a_lock
from tests.harness.tokens import InternalTokenAuth


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def recharge_events(db: Database, uprn: str) -> list[str]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(outbox_message.c.event_type).where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type.like("uk.hearth.repairs.recharge-%"),
            )
        )
    return [str(r) for r in rows.scalars().all()]


async def a_held_recharge(staff: httpx.AsyncClient, db: Database) -> dict[str, Any]:
    uprn = a_uprn()
    await flag(db, uprn, ["mental_health"], datetime.now(UTC))
    held = await staff.post(f"/v1/repairs/{await a_repair(staff, uprn)}/recharges", json=RECHARGE)
    assert held.status_code == 201, held.text
    assert held.json()["status"] == "awaiting_approval"
    return dict(held.json())


async def awaiting_approval(staff: httpx.AsyncClient) -> int:
    today = str(london_day(datetime.now(UTC)))
    response = await staff.get("/v1/repairs/figures", params={"from": today, "to": today})
    assert response.status_code == 200, response.text
    measures = {m["code"]: m for m in response.json()["measures"]}
    return int(measures["repairs.recharges_awaiting_approval"]["value"])


def decline(
    staff: httpx.AsyncClient, recharge_id: str, reason: str = "vulnerability", **kwargs: Any
) -> Any:
    return staff.post(
        f"/v1/recharges/{recharge_id}/decline",
        json={"reason": reason},
        auth=kwargs.pop("auth", manager()),
        **kwargs,
    )


def approve(staff: httpx.AsyncClient, recharge_id: str) -> Any:
    return staff.post(f"/v1/recharges/{recharge_id}/approval", auth=manager())


async def test_a_manager_declines_a_held_recharge_and_nothing_is_raised(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    held = await a_held_recharge(staff, repairs_database)
    before = await awaiting_approval(staff)
    declined = await decline(staff, held["id"])
    assert declined.status_code == 200, declined.text
    body = declined.json()
    assert body["status"] == "declined"
    assert body["decline_reason"] == "vulnerability"
    assert body["declined_by"]
    assert body["declined_at"]
    assert body["raised_at"] is None
    assert body["approved_by"] is None
    assert await recharge_events(repairs_database, held["uprn"]) == []
    assert await awaiting_approval(staff) == before - 1

    # final: neither approved nor declined again, each 409 naming status
    for again in (await approve(staff, held["id"]), await decline(staff, held["id"], "other")):
        assert again.status_code == 409, again.text
        assert [e["field"] for e in again.json()["errors"]] == ["status"]
        assert "declined" in again.json()["detail"]
    assert await recharge_events(repairs_database, held["uprn"]) == []


async def test_what_cannot_be_declined_is_refused(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    assert (await decline(staff, str(uuid.uuid4()))).status_code == 404

    uprn = a_uprn()
    raised = await staff.post(f"/v1/repairs/{await a_repair(staff, uprn)}/recharges", json=RECHARGE)
    assert raised.json()["status"] == "raised"
    refused = await decline(staff, raised.json()["id"])
    assert refused.status_code == 409
    assert [e["field"] for e in refused.json()["errors"]] == ["status"]
    assert "raised" in refused.json()["detail"]

    held = await a_held_recharge(staff, repairs_database)
    no_scope = await decline(
        staff, held["id"], auth=InternalTokenAuth("repairs", scopes={"repairs:write"})
    )
    assert no_scope.status_code == 403
    assert no_scope.json()["missing_scopes"] == ["repairs:manage"]
    for body in ({"reason": "she is not coping"}, {"reason": "other", "note": "free text"}, {}):
        bad = await staff.post(f"/v1/recharges/{held['id']}/decline", json=body, auth=manager())
        assert bad.status_code == 422, bad.text
        assert "not coping" not in bad.text
        assert "free text" not in bad.text
    async with repairs_database.sessionmaker() as session:
        still = await repository.get(session, uuid.UUID(held["id"]))
    assert still is not None
    assert still.status == "awaiting_approval"


async def test_an_idempotency_key_sent_again_declines_once_and_replays_the_answer(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    held = await a_held_recharge(staff, repairs_database)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await decline(staff, held["id"], "not_cost_effective", headers=key)
    again = await decline(staff, held["id"], "not_cost_effective", headers=key)
    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    other_body = await decline(staff, held["id"], "other", headers=key)
    assert other_body.status_code == 422


def on_postgresql(db: Database) -> None:
    if db.url.get_backend_name() != "postgresql":
        pytest.skip("waits for a PostgreSQL lock, seen in pg_stat_activity")


@pytest.mark.parametrize("first", ["approve", "decline"])
async def test_an_approval_and_a_decline_at_once_take_turns_and_the_first_wins(
    staff: httpx.AsyncClient, repairs_database: Database, first: str
) -> None:
    """Both are sent while the test holds the recharge's row; the first queued takes
    it when the test lets go, and the second then finds it decided (409 naming its
    status). Without the lock both would see awaiting_approval: raised and declined."""
    on_postgresql(repairs_database)
    held = await a_held_recharge(staff, repairs_database)
    send = {
        "approve": lambda: approve(staff, held["id"]),
        "decline": lambda: decline(staff, held["id"]),
    }
    second = "decline" if first == "approve" else "approve"
    async with repairs_database.sessionmaker() as session, session.begin():
        assert await repository.get(session, uuid.UUID(held["id"]))  # FOR UPDATE
        winner = asyncio.create_task(send[first]())
        await until_a_backend_waits_for_a_lock(repairs_database)
        loser = asyncio.create_task(send[second]())
        await until_a_backend_waits_for_a_lock(repairs_database, at_least=2)
    won, lost = await winner, await loser
    assert won.status_code == 200, won.text
    assert lost.status_code == 409, lost.text
    assert [e["field"] for e in lost.json()["errors"]] == ["status"]
    if first == "approve":
        assert won.json()["status"] == "raised"
        assert await recharge_events(repairs_database, held["uprn"]) == [
            "uk.hearth.repairs.recharge-raised.v1"
        ]
    else:
        assert won.json()["status"] == "declined"
        assert await recharge_events(repairs_database, held["uprn"]) == []

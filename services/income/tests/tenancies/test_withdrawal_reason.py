"""ADR 0111, amended: a tenancy withdrawn before its first day keeps why, when the officer
says: a code in the landlord's words (offer_refused, applicant_withdrew,
offer_made_in_error, other), never free text about the household. It is shown on the
tenancy and not published (tenancy-withdrawn is unchanged). The withdrawal took no body
and recorded no reason, so nothing said whether the household refused the offer or the
landlord made it in error."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import london_day


def keyed() -> dict[str, str]:
    return {"Idempotency-Key": f"tenancy-withdrawal-{uuid.uuid4()}"}


async def withdrawn_events(db: Database, uprn: str) -> list[dict[str, Any]]:
    async with db.sessionmaker() as session:
        rows = (
            await session.execute(
                select(outbox_message.c.payload).where(
                    outbox_message.c.message_key == uprn,
                    outbox_message.c.event_type == "uk.hearth.income.tenancy-withdrawn.v1",
                )
            )
        ).all()
    return [json.loads(row[0]) for row in rows]


async def an_offer(start_tenancy: Any) -> dict[str, Any]:
    today = london_day(datetime.now(UTC))
    tenancy: dict[str, Any] = await start_tenancy(start_date=str(today + timedelta(days=30)))
    return tenancy


async def test_the_reason_given_is_kept_and_shown_not_published(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await an_offer(start_tenancy)
    headers = keyed()
    url = f"/v1/tenancies/{tenancy['id']}/withdrawal"
    withdrawn = await income.post(url, json={"reason": "offer_refused"}, headers=headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawal_reason"] == "offer_refused"
    again = await income.post(url, json={"reason": "offer_refused"}, headers=headers)
    assert again.json() == withdrawn.json()
    shown = await income.get(f"/v1/tenancies/{tenancy['id']}")
    assert shown.json()["withdrawal_reason"] == "offer_refused"
    listed = await income.get("/v1/tenancies", params={"uprn": tenancy["uprn"]})
    assert listed.json()["items"][0]["withdrawal_reason"] == "offer_refused"
    [event] = await withdrawn_events(income_database, tenancy["uprn"])
    assert set(event) == {"tenancy_id", "uprn", "start_date", "withdrawn_at"}


async def test_no_body_still_withdraws_with_no_reason(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    tenancy = await an_offer(start_tenancy)
    withdrawn = await income.post(f"/v1/tenancies/{tenancy['id']}/withdrawal", headers=keyed())
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawal_reason"] is None


async def test_free_text_is_refused_naming_reason_and_nothing_is_withdrawn(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    tenancy = await an_offer(start_tenancy)
    url = f"/v1/tenancies/{tenancy['id']}/withdrawal"
    for body in ({"reason": "Mr Okafor went into hospital"}, {"reason": "other", "note": "x"}):
        refused = await income.post(url, json=body, headers=keyed())
        assert refused.status_code == 422, refused.text
        assert {e["field"] for e in refused.json()["errors"]} & {"reason", "note"}
    assert (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["status"] == "current"


async def test_deciding_the_type_of_a_withdrawn_tenancy_says_it_was_withdrawn(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    tenancy = await an_offer(start_tenancy)
    url = f"/v1/tenancies/{tenancy['id']}"
    assert (await income.post(f"{url}/withdrawal", headers=keyed())).status_code == 200
    decided = await income.post(
        f"{url}/type-decision",
        json={"change": "extended", "effective_on": str(london_day(datetime.now(UTC)))},
        headers=keyed(),
    )
    assert decided.status_code == 409, decided.text
    assert "was withdrawn" in decided.json()["detail"]
    assert "has ended" not in decided.json()["detail"]
    assert decided.json()["reason"] == "tenancy_withdrawn"

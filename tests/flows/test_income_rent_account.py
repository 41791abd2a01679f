"""Income through the gateway on a real broker and databases: a tenancy's rent account
takes payments once per Idempotency-Key, shows its summary and statement, and ends into
former tenant arrears written off only with income:approve; repairs' recharge-raised
arrives over Kafka and is invoiced on the tenancy's sundry account, and a payment on it
goes out on Kafka as recharge-paid."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from gateway.auth import issue_development_token
from hearth_contracts import Envelope
from hearth_contracts.events.repairs import RechargeRaised
from hearth_kit.working_days import london_day
from tests.harness.events import eventually, send_envelope, topic_of
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform

pytestmark = pytest.mark.integration

RECHARGE_PAID = b"uk.hearth.income.recharge-paid.v1"


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases, services=("income",)) as running:
        yield running


async def client_as(platform: Platform, role: str, subject: str) -> httpx.AsyncClient:
    token = issue_development_token(role=role, subject=subject)
    return platform.client("gateway", headers={"Authorization": f"Bearer {token}"})


async def start_tenancy(gateway: httpx.AsyncClient) -> dict[str, Any]:
    uprn = str(10**11 + uuid.uuid4().int % (9 * 10**11))
    response = await gateway.post(
        "/v1/tenancies",
        json={
            "tenancy_reference": f"T{uprn[-9:]}",
            "uprn": uprn,
            "tenants": [
                {"full_name": "Ada Okafor", "person_id": str(uuid.uuid4())},
                {"full_name": "Ben Okafor", "person_id": str(uuid.uuid4())},
            ],
            "start_date": str(london_day(datetime.now(UTC)) - timedelta(days=30)),
            "tenancy_type": "introductory",
            "weekly_rent_pence": 11_250,
            "weekly_service_charge_pence": 1_200,
        },
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_rent_account_through_the_gateway_from_payment_to_write_off(
    platform: Platform,
) -> None:
    async with (
        await client_as(platform, "staff", "income-manager-1") as staff,
        await client_as(platform, "income_officer", "income-officer-1") as officer,
    ):
        tenancy = await start_tenancy(officer)
        account = tenancy["rent_account_id"]
        listed = await officer.get("/v1/tenancies", params={"uprn": tenancy["uprn"]})
        assert listed.json()["items"][0]["rent_account_id"] == account
        payment = {
            "amount_pence": 5_000,
            "method": "direct_debit",
            "received_on": str(london_day(datetime.now(UTC))),
        }
        key = {"Idempotency-Key": f"dd-{uuid.uuid4()}"}
        first = await officer.post(
            f"/v1/rent-accounts/{account}/payments", json=payment, headers=key
        )
        again = await officer.post(
            f"/v1/rent-accounts/{account}/payments", json=payment, headers=key
        )
        assert first.status_code == again.status_code == 201, first.text
        assert again.json() == first.json()
        fractional = await officer.post(
            f"/v1/rent-accounts/{account}/payments", json={**payment, "amount_pence": 10.5}
        )
        assert fractional.status_code == 422
        summary = (await officer.get(f"/v1/rent-accounts/{account}/summary")).json()
        assert summary["balance_pence"] == -5_000
        assert summary["last_payment"]["amount_pence"] == 5_000
        assert summary["arrears_stage"] == "none"
        page = await officer.get(
            f"/v1/rent-accounts/{account}/statement",
            params={
                "from": str(london_day(datetime.now(UTC)) - timedelta(days=7)),
                "to": str(london_day(datetime.now(UTC))),
                "format": "html",
            },
        )
        assert page.status_code == 200
        assert "Payment (direct debit)" in page.text
        # Reverse the payment (a returned direct debit), then end the tenancy owing rent.
        entry = first.json()["entry"]["id"]
        reversed_ = await officer.post(
            f"/v1/rent-accounts/{account}/entries/{entry}/reversal",
            json={"reason": "direct_debit_returned"},
        )
        assert reversed_.status_code == 201, reversed_.text
        await officer.post(
            f"/v1/rent-accounts/{account}/payments",
            json={**payment, "amount_pence": 100},
        )
        ended = await officer.post(
            f"/v1/tenancies/{tenancy['id']}/end",
            json={"end_date": str(london_day(datetime.now(UTC))), "reason": "abandonment"},
        )
        assert ended.status_code == 200, ended.text
        # Nothing was charged (no rent run here); the account is 100 pence in credit.
        refused = await officer.post(f"/v1/rent-accounts/{account}/payments", json=payment)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "amount_pence"
        # A write-off needs income:approve: the income officer's role has not got it.
        write_off = {"amount_pence": 100, "reason": "untraceable"}
        forbidden = await officer.post(f"/v1/rent-accounts/{account}/write-offs", json=write_off)
        assert forbidden.status_code == 403
        nothing_owed = await staff.post(f"/v1/rent-accounts/{account}/write-offs", json=write_off)
        assert nothing_owed.status_code == 422  # the account is in credit: nothing to write off
        assert nothing_owed.json()["errors"][0]["field"] == "amount_pence"
        figures = await staff.get(
            "/v1/income/figures",
            params={
                "from": str(london_day(datetime.now(UTC))),
                "to": str(london_day(datetime.now(UTC))),
            },
        )
        assert figures.status_code == 200, figures.text
        assert "income.collection_rate" in {m["code"] for m in figures.json()["measures"]}


async def test_a_recharge_from_repairs_is_invoiced_on_the_sundry_account_over_kafka(
    platform: Platform,
) -> None:
    async with await client_as(platform, "staff", "income-manager-1") as staff:
        tenancy = await start_tenancy(staff)
        recharge = RechargeRaised(
            recharge_id=uuid.uuid4(),
            repair_id=uuid.uuid4(),
            uprn=tenancy["uprn"],
            amount_pence=8_400,
            reason="damage_by_household",
            vulnerability_considered=True,
            raised_at=datetime.now(UTC),
        )
        await send_envelope(platform.kafka, platform.namespace, Envelope(data=recharge))
        await send_envelope(platform.kafka, platform.namespace, Envelope(data=recharge))

        async def sundry_account() -> str | None:
            found = (await staff.get(f"/v1/tenancies/{tenancy['id']}")).json()
            return found.get("sundry_account_id")

        sundry = await eventually(sundry_account, timeout=30)
        assert sundry
        account = (await staff.get(f"/v1/rent-accounts/{sundry}")).json()
        assert account["kind"] == "sundry"
        assert account["balance_pence"] == 8_400  # once, though sent twice
        rent = (await staff.get(f"/v1/rent-accounts/{tenancy['rent_account_id']}")).json()
        assert rent["balance_pence"] == 0

        # Paying it in full: recharge-paid goes out through the outbox onto Kafka.
        paid = await staff.post(
            f"/v1/rent-accounts/{sundry}/payments",
            json={
                "amount_pence": 8_400,
                "method": "card",
                "received_on": str(london_day(datetime.now(UTC))),
            },
        )
        assert paid.status_code == 201, paid.text
        [event] = await recharges_paid(platform, recharge.recharge_id)
        assert event["repair_id"] == str(recharge.repair_id)
        assert (event["amount_pence"], event["outstanding_pence"], event["paid_in_full"]) == (
            8_400,
            0,
            True,
        )


async def recharges_paid(platform: Platform, recharge_id: uuid.UUID) -> list[dict[str, Any]]:
    """The recharge-paid events for one recharge on income's topic, once one is there."""
    consumer = AIOKafkaConsumer(
        topic_of("income", platform.namespace),
        bootstrap_servers=platform.kafka,
        group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(30):
            while not found:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    for record in batch:
                        if dict(record.headers).get("ce_type") != RECHARGE_PAID:
                            continue
                        data = json.loads(record.value)
                        if data["recharge_id"] == str(recharge_id):
                            found.append(data)
    finally:
        await consumer.stop()
    return found

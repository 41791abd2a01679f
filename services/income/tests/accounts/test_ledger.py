"""The rent account is an append-only ledger: its balance is the sum of its entries
after any sequence of payments, reversals and weekly charges; a posted entry never
changes; bad input changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import col

from hearth_contracts.events.income import PaymentMethod
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from income.models import LedgerEntry
from income.rent_run.service import RentRun
from income.settings import IncomeSettings

FIRST_WEEK = date(2025, 4, 7)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(1, 50_000), st.sampled_from(list(PaymentMethod))),
        st.tuples(st.just("reverse"), st.integers(0, 30)),
        st.tuples(st.just("charge"), st.integers(0, 6)),
        st.tuples(st.just("end"), st.integers(0, 48)),
    ),
    max_size=10,
)


async def charge_week(db: Database, week: date) -> None:
    run = RentRun(IncomeSettings())
    while True:
        async with db.sessionmaker() as session, session.begin():
            if await run.charge_batch(session, week, datetime.now(UTC)) == 0:
                return


async def entries_of(db: Database, account_id: str) -> dict[uuid.UUID, int]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(col(LedgerEntry.id), col(LedgerEntry.amount_pence)).where(
                col(LedgerEntry.account_id) == uuid.UUID(account_id)
            )
        )
        return {entry_id: amount for entry_id, amount in rows.all()}


async def charged_after(db: Database, account_id: str, ended_on: date) -> int:
    """What the weekly charges for rent weeks after the week of `ended_on` still
    charge once the reversals of them are counted."""
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(col(LedgerEntry.id), col(LedgerEntry.amount_pence)).where(
                col(LedgerEntry.account_id) == uuid.UUID(account_id),
                col(LedgerEntry.charge_week) > ended_on,
            )
        )
        charges: dict[uuid.UUID, int] = {entry_id: amount for entry_id, amount in rows.all()}
        reversed_ = await session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0)).where(
                col(LedgerEntry.reverses_entry_id).in_(list(charges))
            )
        )
    return sum(charges.values()) + int(reversed_ or 0)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
async def test_the_balance_is_the_sum_of_the_entries_after_any_sequence_of_operations(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: Any,
    ops: list[tuple[Any, ...]],
) -> None:
    tenancy = await start_tenancy(weekly_rent_pence=9_000)
    account = tenancy["rent_account_id"]
    posted: dict[uuid.UUID, int] = {}
    order: list[uuid.UUID] = []
    ended_on: date | None = None
    for op in ops:
        if op[0] == "pay":
            response = await income.post(
                f"/v1/rent-accounts/{account}/payments",
                json={"amount_pence": op[1], "method": op[2], "received_on": "2025-06-02"},
            )
            if ended_on is not None and response.status_code == 422:
                continue  # more than the former tenant arrears: refused, nothing posted
            assert response.status_code == 201, response.text
            entry = response.json()["entry"]
            posted[uuid.UUID(entry["id"])] = entry["amount_pence"]
            order.append(uuid.UUID(entry["id"]))
        elif op[0] == "reverse" and order:
            target = order[op[1] % len(order)]
            response = await income.post(
                f"/v1/rent-accounts/{account}/entries/{target}/reversal",
                json={"reason": "posted_in_error"},
            )
            if response.status_code == 403:
                # A charge taken off a former tenant's account is an approver's (87d40d7).
                assert ended_on is not None, response.text
                assert posted[target] > 0, response.text
                continue
            assert response.status_code in (201, 409, 422), response.text
            if response.status_code == 201:
                entry = response.json()["entry"]
                posted[uuid.UUID(entry["id"])] = entry["amount_pence"]
                order.append(uuid.UUID(entry["id"]))
        elif op[0] == "charge":
            await charge_week(income_database, FIRST_WEEK + timedelta(weeks=op[1]))
            for entry_id, amount in (await entries_of(income_database, account)).items():
                if entry_id not in posted:
                    posted[entry_id] = amount
                    order.append(entry_id)
        elif op[0] == "end" and ended_on is None:
            # Ending reverses what was charged for the days after the last day.
            ended_on = FIRST_WEEK + timedelta(days=op[1])
            response = await income.post(
                f"/v1/tenancies/{tenancy['id']}/end",
                json={"end_date": str(ended_on), "reason": "notice_given"},
            )
            assert response.status_code == 200, response.text
            for entry_id, amount in (await entries_of(income_database, account)).items():
                if entry_id not in posted:
                    posted[entry_id] = amount
                    order.append(entry_id)
    stored = await entries_of(income_database, account)
    assert stored == posted  # nothing posted was ever changed, nothing lost
    balance = (await income.get(f"/v1/rent-accounts/{account}")).json()["balance_pence"]
    assert balance == sum(posted.values())
    statement = (
        await income.get(
            f"/v1/rent-accounts/{account}/statement",
            params={"from": "2000-01-01", "to": "2100-01-01"},
        )
    ).json()
    assert statement["closing_balance_pence"] == balance
    assert sum(line["debit_pence"] - line["credit_pence"] for line in statement["lines"]) == balance
    if ended_on is not None:
        assert await charged_after(income_database, account, ended_on) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount_pence", -1),
        ("amount_pence", 0),
        ("amount_pence", 12.5),
        ("amount_pence", 10.0),
        ("amount_pence", "100"),
        ("amount_pence", 10**11 + 1),
        ("received_on", "2999-01-01"),
        ("reference", ""),
        ("reference", " BACS-1"),
        ("reference", "x" * 65),
    ],
)
async def test_bad_payments_are_refused_naming_the_field_and_change_nothing(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any, field: str, value: Any
) -> None:
    tenancy = await start_tenancy()
    account = tenancy["rent_account_id"]
    body = {"amount_pence": 500, "method": "card", "received_on": "2025-05-01", field: value}
    response = await income.post(f"/v1/rent-accounts/{account}/payments", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].endswith(field)
    assert await entries_of(income_database, account) == {}
    async with income_database.sessionmaker() as session:
        events = await session.scalar(
            select(func.count()).where(
                outbox_message.c.message_key == tenancy["uprn"],
                outbox_message.c.event_type == "uk.hearth.income.payment-received.v1",
            )
        )
    assert events == 0


async def test_a_payment_with_an_idempotency_key_is_posted_once(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    account = (await start_tenancy())["rent_account_id"]
    body = {"amount_pence": 2_500, "method": "direct_debit", "received_on": "2025-05-03"}
    headers = {"Idempotency-Key": f"pay-{uuid.uuid4()}"}
    first = await income.post(f"/v1/rent-accounts/{account}/payments", json=body, headers=headers)
    again = await income.post(f"/v1/rent-accounts/{account}/payments", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert list((await entries_of(income_database, account)).values()) == [-2_500]


async def payments_published(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == "uk.hearth.income.payment-received.v1",
            )
        )
    return int(count or 0)


async def test_a_payment_with_a_reference_is_posted_once_whoever_sends_it_again(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    account = tenancy["rent_account_id"]
    path = f"/v1/rent-accounts/{account}/payments"
    body = {
        "amount_pence": 2_500,
        "method": "housing_benefit",
        "received_on": "2025-05-03",
        "reference": "HB-SCHEDULE-2025-05-03/0042",
    }
    first = await income.post(path, json=body)
    assert first.status_code == 201, first.text
    assert first.json()["already_posted"] is False
    assert first.json()["entry"]["reference"] == body["reference"]
    # The same file imported again, without any Idempotency-Key: nothing posted twice.
    again = await income.post(path, json=body)
    assert again.status_code == 201, again.text
    assert again.json()["already_posted"] is True
    assert again.json()["entry"]["id"] == first.json()["entry"]["id"]
    assert again.json()["balance_pence"] == -2_500
    assert list((await entries_of(income_database, account)).values()) == [-2_500]
    assert await payments_published(income_database, tenancy["uprn"]) == 1
    # The same reference for a different amount is refused, naming it; nothing posted.
    clash = await income.post(path, json={**body, "amount_pence": 2_600})
    assert clash.status_code == 409
    assert clash.json()["errors"][0]["field"] == "reference"
    # The same reference by another method, or with no reference, is another payment.
    other = await income.post(path, json={**body, "method": "bank_transfer"})
    assert other.json()["already_posted"] is False
    plain = {k: v for k, v in body.items() if k != "reference"}
    assert (await income.post(path, json=plain)).status_code == 201
    assert (await income.post(path, json=plain)).status_code == 201
    assert sorted((await entries_of(income_database, account)).values()) == [-2_500] * 4
    assert await payments_published(income_database, tenancy["uprn"]) == 4


async def test_a_reversal_cancels_an_entry_without_changing_it_and_happens_once(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    account = (await start_tenancy())["rent_account_id"]
    paid = await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json={"amount_pence": 4_000, "method": "direct_debit", "received_on": "2025-05-03"},
    )
    entry_id = paid.json()["entry"]["id"]
    reversal = await income.post(
        f"/v1/rent-accounts/{account}/entries/{entry_id}/reversal",
        json={"reason": "direct_debit_returned"},
    )
    assert reversal.status_code == 201
    assert reversal.json()["balance_pence"] == 0
    assert reversal.json()["entry"]["reverses_entry_id"] == entry_id
    twice = await income.post(
        f"/v1/rent-accounts/{account}/entries/{entry_id}/reversal",
        json={"reason": "direct_debit_returned"},
    )
    assert twice.status_code == 409
    stored = await entries_of(income_database, account)
    assert stored[uuid.UUID(entry_id)] == -4_000
    assert sorted(stored.values()) == [-4_000, 4_000]


async def test_the_statement_shows_running_balances_and_html_for_the_tenant(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(weekly_rent_pence=10_000, weekly_service_charge_pence=1_500)
    account = tenancy["rent_account_id"]
    await charge_week(income_database, FIRST_WEEK)
    await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json={"amount_pence": 11_500, "method": "universal_credit", "received_on": "2025-04-09"},
    )
    await charge_week(income_database, FIRST_WEEK + timedelta(weeks=1))
    found = (
        await income.get(
            f"/v1/rent-accounts/{account}/statement",
            params={"from": "2025-04-08", "to": "2025-04-30"},
        )
    ).json()
    assert found["opening_balance_pence"] == 11_500  # rent and service charge of week 1
    assert [line["balance_pence"] for line in found["lines"]] == [0, 10_000, 11_500]
    assert found["closing_balance_pence"] == 11_500
    page = await income.get(
        f"/v1/rent-accounts/{account}/statement",
        params={"from": "2025-04-01", "to": "2025-04-30"},
        headers={"Accept": "text/html"},
    )
    assert page.headers["content-type"].startswith("text/html")
    assert "Service charge, week from 2025-04-14" in page.text
    assert "£115.00" in page.text
    bad = await income.get(
        f"/v1/rent-accounts/{account}/statement", params={"from": "2025-05-01", "to": "2025-04-01"}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"].endswith("to")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "0", "to": "2025-04-30"}, "from"),  # not a Unix timestamp (1970-01-01)
        ({"from": "2025-04-01", "to": "1745971200"}, "to"),
        ({"from": "2025-02-30", "to": "2025-04-30"}, "from"),
    ],
    ids=["number-as-from", "number-as-to", "impossible-from"],
)
async def test_a_statement_period_not_of_iso_days_is_refused_naming_it(
    income: httpx.AsyncClient, start_tenancy: Any, params: dict[str, str], field: str
) -> None:
    tenancy = await start_tenancy(weekly_rent_pence=10_000)
    refused = await income.get(
        f"/v1/rent-accounts/{tenancy['rent_account_id']}/statement", params=params
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == field

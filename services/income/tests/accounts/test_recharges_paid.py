"""recharge-paid: each payment landing on a sundry account says which recharges it paid
(oldest first), how much of each and what is left, in the payment's transaction; a
payment to a rent account, or one refused, raises none."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

import httpx
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from hearth_contracts import Envelope
from hearth_contracts.events.repairs import RechargeRaised
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import london_day, start_of_london_day
from income.accounts import rules
from income.handlers import on_recharge_raised
from income.models import LedgerEntry

RECHARGE_PAID = "uk.hearth.income.recharge-paid.v1"


async def raise_recharge(
    db: Database, uprn: str, amount_pence: int, raised_at: datetime
) -> RechargeRaised:
    recharge = RechargeRaised(
        recharge_id=uuid.uuid4(),
        repair_id=uuid.uuid4(),
        uprn=uprn,
        amount_pence=amount_pence,
        reason="damage_by_household",
        vulnerability_considered=True,
        raised_at=raised_at,
    )
    async with db.sessionmaker() as session, session.begin():
        await on_recharge_raised(session, Envelope(data=recharge))
    return recharge


async def recharges_paid(db: Database, uprn: str) -> list[dict[str, Any]]:
    async with db.sessionmaker() as session:
        payloads = await session.scalars(
            select(outbox_message.c.payload)
            .where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == RECHARGE_PAID,
            )
            .order_by(outbox_message.c.id)
        )
        return [json.loads(p) for p in payloads]


async def pay(
    income: httpx.AsyncClient, account_id: str, amount_pence: int, received_on: date
) -> httpx.Response:
    return await income.post(
        f"/v1/rent-accounts/{account_id}/payments",
        json={"amount_pence": amount_pence, "method": "card", "received_on": str(received_on)},
    )


class TwoRecharges(NamedTuple):
    """A tenancy with two recharges on its sundry account, raised 1 February and
    1 March 2026 (older, newer), and each one's (recharge id, repair id)."""

    tenancy: dict[str, Any]
    uprn: str
    older: RechargeRaised
    newer: RechargeRaised
    first: tuple[str, str]
    second: tuple[str, str]
    sundry: str


async def two_recharges(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: Any,
    *,
    newer_pence: int = 3_000,
    **tenancy_fields: Any,
) -> TwoRecharges:
    """An older recharge of 5,000 and a newer one (3,000 unless said) for a new tenancy."""
    tenancy = await start_tenancy(**tenancy_fields)
    uprn = tenancy["uprn"]
    older = await raise_recharge(income_database, uprn, 5_000, datetime(2026, 2, 1, tzinfo=UTC))
    newer = await raise_recharge(
        income_database, uprn, newer_pence, datetime(2026, 3, 1, tzinfo=UTC)
    )
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    return TwoRecharges(
        tenancy,
        uprn,
        older,
        newer,
        (str(older.recharge_id), str(older.repair_id)),
        (str(newer.recharge_id), str(newer.repair_id)),
        sundry,
    )


def paid(event: dict[str, Any]) -> tuple[str, str, int, int, bool]:
    return (
        event["recharge_id"],
        event["repair_id"],
        event["amount_pence"],
        event["outstanding_pence"],
        event["paid_in_full"],
    )


async def test_payments_pay_the_oldest_recharge_first_and_say_so_for_each(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    uprn = tenancy["uprn"]
    older = await raise_recharge(income_database, uprn, 12_500, datetime(2026, 2, 1, tzinfo=UTC))
    newer = await raise_recharge(income_database, uprn, 4_000, datetime(2026, 3, 1, tzinfo=UTC))
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    today = london_day(datetime.now(UTC))
    first, second = (
        (str(older.recharge_id), str(older.repair_id)),
        (
            str(newer.recharge_id),
            str(newer.repair_id),
        ),
    )

    assert (await pay(income, sundry, 10_000, today)).status_code == 201
    assert [paid(e) for e in await recharges_paid(income_database, uprn)] == [
        (*first, 10_000, 2_500, False)
    ]

    # One payment finishes the older recharge and pays part of the newer: two events.
    assert (await pay(income, sundry, 5_000, today)).status_code == 201
    assert [paid(e) for e in (await recharges_paid(income_database, uprn))[1:]] == [
        (*first, 2_500, 0, True),
        (*second, 2_500, 1_500, False),
    ]

    # Paying beyond every recharge: the part that pays nothing raises nothing.
    assert (await pay(income, sundry, 2_000, today)).status_code == 201
    events = await recharges_paid(income_database, uprn)
    assert [paid(e) for e in events[3:]] == [(*second, 1_500, 0, True)]
    assert all(e["uprn"] == uprn for e in events)


async def test_a_payment_received_on_an_earlier_day_is_paid_at_that_days_start(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    await raise_recharge(income_database, tenancy["uprn"], 3_000, datetime(2026, 2, 1, tzinfo=UTC))
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    received_on = london_day(datetime.now(UTC)) - timedelta(days=3)
    assert (await pay(income, sundry, 3_000, received_on)).status_code == 201
    [event] = await recharges_paid(income_database, tenancy["uprn"])
    assert datetime.fromisoformat(event["paid_at"]) == start_of_london_day(received_on)
    assert event["paid_in_full"] is True


async def test_a_reversed_recharge_is_not_paid_and_rent_payments_pay_no_recharge(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    uprn = tenancy["uprn"]
    cancelled = await raise_recharge(income_database, uprn, 7_000, datetime(2026, 2, 1, tzinfo=UTC))
    kept = await raise_recharge(income_database, uprn, 2_000, datetime(2026, 3, 1, tzinfo=UTC))
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    statement = await income.get(
        f"/v1/rent-accounts/{sundry}/statement", params={"from": "2026-01-01", "to": "2026-12-31"}
    )
    assert statement.status_code == 200, statement.text
    async with income_database.sessionmaker() as session:
        cancelled_entry = (
            await session.scalars(
                select(LedgerEntry.id).where(LedgerEntry.recharge_id == cancelled.recharge_id)
            )
        ).one()
    reversal = await income.post(
        f"/v1/rent-accounts/{sundry}/entries/{cancelled_entry}/reversal",
        json={"reason": "raised_in_error"},
    )
    assert reversal.status_code in (200, 201), reversal.text
    # The cancellation says so (docs/adr/0176): not paid, nothing owed.
    [cancellation] = await recharges_paid(income_database, uprn)
    assert (*paid(cancellation), cancellation["cancelled"]) == (
        str(cancelled.recharge_id),
        str(cancelled.repair_id),
        7_000,
        0,
        False,
        True,
    )
    today = london_day(datetime.now(UTC))
    assert (await pay(income, tenancy["rent_account_id"], 5_000, today)).status_code == 201
    assert await recharges_paid(income_database, uprn) == [cancellation]
    # A refused payment (received in the future) raises nothing either.
    assert (await pay(income, sundry, 500, today + timedelta(days=2))).status_code == 422
    assert await recharges_paid(income_database, uprn) == [cancellation]
    assert (await pay(income, sundry, 2_000, today)).status_code == 201
    assert [paid(e) for e in (await recharges_paid(income_database, uprn))[1:]] == [
        (str(kept.recharge_id), str(kept.repair_id), 2_000, 0, True)
    ]


async def test_a_reversed_payment_tells_repairs_what_its_recharges_owe_again(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    _tenancy, uprn, _older, _newer, first, second, sundry = await two_recharges(
        income, income_database, start_tenancy
    )
    today = london_day(datetime.now(UTC))
    whole = await pay(income, sundry, 6_000, today)
    last = await pay(income, sundry, 2_000, today)
    assert whole.status_code == last.status_code == 201
    events = await recharges_paid(income_database, uprn)
    assert [paid(e) for e in events] == [
        (*first, 5_000, 0, True),
        (*second, 1_000, 2_000, False),
        (*second, 2_000, 0, True),
    ]
    assert not any(e["correction"] for e in events)

    # The last payment returned: the newer recharge owes its 2,000 again.
    returned = await income.post(
        f"/v1/rent-accounts/{sundry}/entries/{last.json()['entry']['id']}/reversal",
        json={"reason": "direct_debit_returned"},
    )
    assert returned.status_code == 201, returned.text
    [correction] = (await recharges_paid(income_database, uprn))[3:]
    assert paid(correction) == (*second, 2_000, 2_000, False)
    assert correction["correction"] is True
    # Later than the payment it corrects, so repairs keeps it as the recharge's state.
    assert correction["paid_at"] > events[-1]["paid_at"]

    # The first payment returned too: both owe everything again, one event each.
    returned = await income.post(
        f"/v1/rent-accounts/{sundry}/entries/{whole.json()['entry']['id']}/reversal",
        json={"reason": "direct_debit_returned"},
    )
    assert returned.status_code == 201, returned.text
    assert [paid(e) for e in (await recharges_paid(income_database, uprn))[4:]] == [
        (*first, 5_000, 5_000, False),
        (*second, 1_000, 3_000, False),
    ]


def test_a_correction_names_each_recharge_whose_outstanding_changed() -> None:
    assert rules.recharge_changes([0, 0], [0, 2_000]) == [
        rules.RechargeChange(index=1, changed_pence=2_000, outstanding_pence=2_000)
    ]
    # A reversed recharge itself is left out (cancelled, not paid); freed credits pay
    # the next one.
    assert rules.recharge_changes([1_000, 3_000], [0, 2_000], skip=0) == [
        rules.RechargeChange(index=1, changed_pence=1_000, outstanding_pence=2_000)
    ]
    assert rules.recharge_changes([5, 6], [5, 6]) == []


def test_recharges_are_paid_oldest_first() -> None:
    assert rules.recharges_outstanding([5_000, 3_000], 6_000) == [0, 2_000]
    assert rules.recharge_payments([5_000, 3_000], 4_000, 2_000) == [
        rules.RechargePayment(index=0, paid_pence=1_000, outstanding_pence=0),
        rules.RechargePayment(index=1, paid_pence=1_000, outstanding_pence=2_000),
    ]
    assert rules.recharge_payments([5_000], 5_000, 100) == []  # nothing owed: a credit
    assert rules.recharge_payments([0, 1_000], 0, 1_000) == [
        rules.RechargePayment(index=1, paid_pence=1_000, outstanding_pence=0)
    ]


@given(
    recharges=st.lists(st.integers(0, 100_000), max_size=6),
    credits_before=st.integers(-50_000, 300_000),
    payment=st.integers(1, 300_000),
)
def test_a_payment_pays_no_more_than_is_owed_and_leaves_the_rest_oldest_last(
    recharges: list[int], credits_before: int, payment: int
) -> None:
    parts = rules.recharge_payments(recharges, credits_before, payment)
    owed_before = sum(rules.recharges_outstanding(recharges, credits_before))
    # Other debts on the account (negative credits, a reversed payment say) come first.
    assert sum(p.paid_pence for p in parts) == min(
        max(payment + min(credits_before, 0), 0), owed_before
    )
    assert all(p.paid_pence > 0 and p.outstanding_pence >= 0 for p in parts)
    after = rules.recharges_outstanding(recharges, credits_before + payment)
    for p in parts:
        assert after[p.index] == p.outstanding_pence
    # Oldest first: a recharge still owed means every newer one is untouched.
    owing = [i for i, left in enumerate(after) if left]
    if owing:
        assert all(p.index <= owing[0] for p in parts)

"""recharge-paid carries `posted_at`, when income posted the payment or correction:
strictly later for each posting to the sundry account, whatever day a payment was
received on, so repairs keeps the latest posting as the recharge's state (a cheque
received yesterday but posted after today's payment is the later word)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from hearth_contracts.events.income import PaymentMethod
from hearth_kit.db import Database
from hearth_kit.working_days import london_day, start_of_london_day
from income.accounts import rules
from income.accounts.schemas import PaymentCreate
from income.accounts.service import AccountService
from income.settings import IncomeSettings
from services.income.tests.accounts.test_recharges_paid import pay, raise_recharge, recharges_paid


def moment(event: dict[str, Any], field: str) -> datetime:
    return datetime.fromisoformat(event[field])


async def test_a_backdated_cheque_posted_after_todays_payment_is_posted_later(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    uprn = tenancy["uprn"]
    await raise_recharge(income_database, uprn, 3_000, datetime(2026, 2, 1, tzinfo=UTC))
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    today = london_day(datetime.now(UTC))

    today_payment = await pay(income, sundry, 2_950, today)
    cheque = await pay(income, sundry, 50, today - timedelta(days=1))
    assert today_payment.status_code == cheque.status_code == 201
    first, rest = await recharges_paid(income_database, uprn)
    assert (first["outstanding_pence"], rest["outstanding_pence"]) == (50, 0)
    assert rest["paid_in_full"] is True
    # Received the day before: paid at that day's start, older than today's payment...
    assert moment(rest, "paid_at") == start_of_london_day(today - timedelta(days=1))
    assert moment(rest, "paid_at") < moment(first, "paid_at")
    # ...but posted after it, and each event's posted_at is its entry's posting.
    assert moment(rest, "posted_at") > moment(first, "posted_at")
    assert moment(first, "posted_at") == datetime.fromisoformat(
        today_payment.json()["entry"]["posted_at"]
    )
    assert moment(rest, "posted_at") == datetime.fromisoformat(cheque.json()["entry"]["posted_at"])


async def test_a_correction_is_posted_after_the_payment_it_corrects(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    uprn = tenancy["uprn"]
    await raise_recharge(income_database, uprn, 4_000, datetime(2026, 2, 1, tzinfo=UTC))
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    # A payment received two days ago, posted now, then returned.
    paid = await pay(income, sundry, 4_000, london_day(datetime.now(UTC)) - timedelta(days=2))
    assert paid.status_code == 201, paid.text
    returned = await income.post(
        f"/v1/rent-accounts/{sundry}/entries/{paid.json()['entry']['id']}/reversal",
        json={"reason": "direct_debit_returned"},
    )
    assert returned.status_code == 201, returned.text
    payment, correction = await recharges_paid(income_database, uprn)
    assert correction["correction"] is True
    assert correction["outstanding_pence"] == 4_000
    assert moment(correction, "posted_at") > moment(payment, "posted_at")
    assert moment(correction, "posted_at") == datetime.fromisoformat(
        returned.json()["entry"]["posted_at"]
    )
    assert moment(correction, "paid_at") == moment(correction, "posted_at")


async def test_a_payment_whose_clock_lags_the_accounts_last_posting_is_posted_after_it(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Two requests to one account: the one that took its clock first got the lock
    second (or another replica's clock runs behind). Its posting is still the later."""
    tenancy = await start_tenancy()
    uprn = tenancy["uprn"]
    await raise_recharge(income_database, uprn, 1_000, datetime(2026, 2, 1, tzinfo=UTC))
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    assert (await pay(income, sundry, 600, london_day(datetime.now(UTC)))).status_code == 201
    [first] = await recharges_paid(income_database, uprn)

    lagging = moment(first, "posted_at") - timedelta(seconds=5)
    accounts = AccountService(IncomeSettings())
    async with income_database.sessionmaker() as session, session.begin():
        posted = await accounts.receive_payment(
            session,
            uuid.UUID(sundry),
            PaymentCreate(
                amount_pence=400, method=PaymentMethod.CARD, received_on=london_day(lagging)
            ),
            lagging,
        )
    [_, rest] = await recharges_paid(income_database, uprn)
    assert rest["paid_in_full"] is True
    assert moment(rest, "posted_at") == moment(first, "posted_at") + timedelta(microseconds=1)
    assert posted.entry.posted_at == moment(rest, "posted_at")


def test_a_posting_is_stamped_now_unless_the_last_one_is_not_earlier() -> None:
    now = datetime(2026, 11, 30, 15, tzinfo=UTC)
    assert rules.posting_time(now, None) == now
    assert rules.posting_time(now, now - timedelta(seconds=1)) == now
    assert rules.posting_time(now, now) == now + timedelta(microseconds=1)
    later = now + timedelta(seconds=3)
    assert rules.posting_time(now, later) == later + timedelta(microseconds=1)


@given(
    clocks=st.lists(
        st.datetimes(
            min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
        ),
        min_size=1,
        max_size=20,
    )
)
def test_postings_to_one_account_are_stamped_strictly_later_each_time(
    clocks: list[datetime],
) -> None:
    """Whatever the clocks said, in whatever order the postings took the lock."""
    last: datetime | None = None
    for now in clocks:
        posted = rules.posting_time(now, last)
        assert posted >= now
        assert last is None or posted > last
        last = posted

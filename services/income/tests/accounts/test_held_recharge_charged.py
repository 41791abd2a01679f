"""The decision on a held recharge: the income team charges it to a named tenancy of
the home (`POST /v1/income/held-recharges/{entry_id}/charge`). What is still owed on
it moves, in one transaction, from the home's no-tenancy account (a reversal-style
credit of that entry) to the tenancy's sundry account (a recharge, as a recharge from
repairs lands there): former tenant arrears when the tenancy has ended. The reason is
the officer's own words: kept on the credit, never in an event or a log."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from hearth_contracts.events.income import TenancyEndReason
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import london_day
from income.accounts import repository as accounts
from income.models import Account, AccountKind, EntryKind, LedgerEntry
from income.tenancies import repository as tenancies
from income.tenancies.schemas import TenancyEnd
from income.tenancies.service import tenancy_service
from services.income.tests.accounts.test_held_recharges import entry_of, held_at
from services.income.tests.accounts.test_recharge_debtor import a_home, end
from services.income.tests.accounts.test_recharges_paid import (
    pay,
    raise_recharge,
    recharges_paid,
)
from tests.harness.locks import until_a_backend_waits_for_a_lock
from tests.harness.tokens import InternalTokenAuth

REASON = "Mr Example admitted the broken door at sign-up"


def charge_url(entry_id: uuid.UUID | str) -> str:
    return f"/v1/income/held-recharges/{entry_id}/charge"


async def charge(
    income: httpx.AsyncClient,
    entry_id: uuid.UUID | str,
    tenancy_id: str,
    *,
    reason: str = REASON,
    key: str | None = None,
) -> httpx.Response:
    return await income.post(
        charge_url(entry_id),
        json={"tenancy_id": tenancy_id, "reason": reason},
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


async def sundry_of(db: Database, tenancy_id: str) -> Account | None:
    async with db.sessionmaker() as session:
        return await accounts.account_of_tenancy(session, uuid.UUID(tenancy_id), AccountKind.SUNDRY)


async def entries_of(db: Database, account_id: uuid.UUID | str) -> list[LedgerEntry]:
    async with db.sessionmaker() as session:
        query = (
            select(LedgerEntry)
            .where(col(LedgerEntry.account_id) == uuid.UUID(str(account_id)))
            .order_by(col(LedgerEntry.posted_at))
        )
        return list((await session.scalars(query)).all())


async def outbox_text(db: Database) -> str:
    async with db.sessionmaker() as session:
        payloads = await session.scalars(select(outbox_message.c.payload))
        return "\n".join(str(p) for p in payloads)


async def a_held_recharge_and_a_later_tenancy(
    income_database: Database, start_tenancy: Any, amount_pence: int = 3_000
) -> tuple[str, uuid.UUID, dict[str, Any], Any]:
    """A recharge raised before the home's first tenancy (held), and that tenancy."""
    uprn = a_home()
    recharge = await raise_recharge(
        income_database, uprn, amount_pence, datetime(2026, 2, 2, 12, tzinfo=UTC)
    )
    tenancy = await start_tenancy(uprn=uprn, start_date="2026-03-02")
    return uprn, await entry_of(income_database, recharge.recharge_id), tenancy, recharge


async def test_charging_moves_what_is_owed_from_the_held_account_to_the_tenancys_sundry_account(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    uprn, entry_id, tenancy, recharge = await a_held_recharge_and_a_later_tenancy(
        income_database, start_tenancy
    )
    [held] = await held_at(income, uprn)
    paid = await pay(income, held["account_id"], 500, date(2026, 2, 10))  # part paid while held
    assert paid.status_code == 201, paid.text

    charged = await charge(income, entry_id, tenancy["id"])

    assert charged.status_code == 201, charged.text
    body = charged.json()
    sundry = await sundry_of(income_database, tenancy["id"])
    assert sundry is not None
    assert body["applied_to"] == "sundry_account"
    assert body["balance_pence"] == 2_500
    assert body["entry"]["account_id"] == str(sundry.id)
    assert (body["entry"]["kind"], body["entry"]["amount_pence"]) == ("recharge", 2_500)
    assert body["held_entry"]["account_id"] == held["account_id"]
    assert (body["held_entry"]["kind"], body["held_entry"]["amount_pence"]) == ("reversal", -2_500)
    assert body["held_entry"]["reverses_entry_id"] == str(entry_id)
    assert body["held_balance_pence"] == 0
    assert charged.headers["location"] == (
        f"/v1/rent-accounts/{sundry.id}/entries/{body['entry']['id']}"
    )
    [moved] = await entries_of(income_database, sundry.id)
    assert (moved.kind, moved.recharge_id, moved.repair_id) == (
        EntryKind.RECHARGE,
        recharge.recharge_id,
        recharge.repair_id,
    )
    assert moved.effective_on == london_day(datetime.now(UTC))
    assert await held_at(income, uprn) == []
    summary = (await income.get(f"/v1/rent-accounts/{sundry.id}/summary")).json()
    assert (summary["balance_pence"], summary["former_tenant_arrears_pence"]) == (2_500, 0)
    # A payment on the tenancy's account now pays the recharge, and repairs hears of it.
    assert (await pay(income, str(sundry.id), 2_500, london_day(datetime.now(UTC)))).status_code
    [*_, last] = await recharges_paid(income_database, uprn)
    assert (last["recharge_id"], last["outstanding_pence"], last["paid_in_full"]) == (
        str(recharge.recharge_id),
        0,
        True,
    )


async def test_a_recharge_charged_to_an_ended_tenancy_is_former_tenant_arrears(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    _, entry_id, tenancy, _ = await a_held_recharge_and_a_later_tenancy(
        income_database, start_tenancy
    )
    await end(income, tenancy, "2026-06-30")

    charged = await charge(income, entry_id, tenancy["id"])

    assert charged.status_code == 201, charged.text
    assert charged.json()["applied_to"] == "former_tenant_arrears"
    sundry = await sundry_of(income_database, tenancy["id"])
    assert sundry is not None
    summary = (await income.get(f"/v1/rent-accounts/{sundry.id}/summary")).json()
    assert (summary["tenancy_ended"], summary["former_tenant_arrears_pence"]) == (True, 3_000)


async def test_a_tenancy_account_in_credit_pays_the_charged_recharge_and_says_so_without_the_reason(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: Any,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """recharge-paid, as for a recharge from repairs landing on an account in credit;
    the officer's reason is in no event and no log line."""
    uprn, entry_id, tenancy, recharge = await a_held_recharge_and_a_later_tenancy(
        income_database, start_tenancy
    )
    await raise_recharge(income_database, uprn, 1_000, datetime(2026, 4, 1, tzinfo=UTC))
    sundry = await sundry_of(income_database, tenancy["id"])
    assert sundry is not None
    overpaid = await pay(income, str(sundry.id), 2_000, date(2026, 4, 2))
    assert overpaid.status_code == 201, overpaid.text
    before = await recharges_paid(income_database, uprn)

    charged = await charge(income, entry_id, tenancy["id"])

    assert charged.status_code == 201, charged.text
    assert charged.json()["balance_pence"] == 2_000
    [paid] = (await recharges_paid(income_database, uprn))[len(before) :]
    assert (paid["recharge_id"], paid["amount_pence"], paid["outstanding_pence"]) == (
        str(recharge.recharge_id),
        1_000,
        2_000,
    )
    assert paid["correction"] is False
    assert REASON not in await outbox_text(income_database)
    assert REASON not in caplog.text
    assert REASON not in capsys.readouterr().out
    assert "admitted" not in json.dumps(charged.json()["entry"])  # the tenancy's entry


async def test_an_idempotency_key_sent_again_charges_once(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    _, entry_id, tenancy, _ = await a_held_recharge_and_a_later_tenancy(
        income_database, start_tenancy
    )
    key = str(uuid.uuid4())
    first = await charge(income, entry_id, tenancy["id"], key=key)
    again = await charge(income, entry_id, tenancy["id"], key=key)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    sundry = await sundry_of(income_database, tenancy["id"])
    assert sundry is not None
    assert [e.amount_pence for e in await entries_of(income_database, sundry.id)] == [3_000]


async def test_what_cannot_be_charged_is_refused_naming_the_field(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    uprn, entry_id, tenancy, _ = await a_held_recharge_and_a_later_tenancy(
        income_database, start_tenancy
    )
    elsewhere = await start_tenancy()

    unknown = await charge(income, uuid.uuid4(), tenancy["id"])
    assert unknown.status_code == 404, unknown.text

    other_home = await charge(income, entry_id, elsewhere["id"])
    assert other_home.status_code == 422, other_home.text
    assert [e["field"] for e in other_home.json()["errors"]] == ["tenancy_id"]
    no_tenancy = await charge(income, entry_id, str(uuid.uuid4()))
    assert no_tenancy.status_code == 422, no_tenancy.text
    assert [e["field"] for e in no_tenancy.json()["errors"]] == ["tenancy_id"]
    for reason in ("", "x" * 65):
        bad = await charge(income, entry_id, tenancy["id"], reason=reason)
        assert bad.status_code == 422, bad.text
        assert [e["field"] for e in bad.json()["errors"]] == ["reason"]
        assert reason not in bad.text or reason == ""

    # A recharge charged to a household already (not held) is not a held recharge.
    theirs = await raise_recharge(income_database, uprn, 700, datetime(2026, 5, 1, tzinfo=UTC))
    not_held = await charge(
        income, await entry_of(income_database, theirs.recharge_id), tenancy["id"]
    )
    assert not_held.status_code == 409, not_held.text
    assert [e["field"] for e in not_held.json()["errors"]] == ["entry_id"]

    assert (await charge(income, entry_id, tenancy["id"])).status_code == 201
    twice = await charge(income, entry_id, tenancy["id"])
    assert twice.status_code == 409, twice.text
    assert [e["field"] for e in twice.json()["errors"]] == ["entry_id"]
    assert REASON not in twice.text


async def test_a_cancelled_or_paid_held_recharge_has_nothing_to_charge(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    uprn = a_home()
    cancelled = await raise_recharge(income_database, uprn, 900, datetime(2026, 2, 1, tzinfo=UTC))
    settled = await raise_recharge(income_database, uprn, 400, datetime(2026, 2, 3, tzinfo=UTC))
    tenancy = await start_tenancy(uprn=uprn, start_date="2026-03-02")
    [held] = await held_at(income, uprn)
    cancelled_entry = await entry_of(income_database, cancelled.recharge_id)
    reversed_ = await income.post(
        f"/v1/rent-accounts/{held['account_id']}/entries/{cancelled_entry}/reversal",
        json={"reason": "no_one_to_charge"},
    )
    assert reversed_.status_code == 201, reversed_.text
    assert (await pay(income, held["account_id"], 400, date(2026, 2, 4))).status_code == 201

    for entry_id in (cancelled_entry, await entry_of(income_database, settled.recharge_id)):
        refused = await charge(income, entry_id, tenancy["id"])
        assert refused.status_code == 409, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["entry_id"]


async def test_charging_needs_income_write(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    _, entry_id, tenancy, _ = await a_held_recharge_and_a_later_tenancy(
        income_database, start_tenancy
    )
    reader = InternalTokenAuth("income", scopes={"income:read"})
    refused = await income.post(
        charge_url(entry_id),
        json={"tenancy_id": tenancy["id"], "reason": REASON},
        auth=reader,
    )
    assert refused.status_code == 403
    assert refused.json()["missing_scopes"] == ["income:write"]


def on_postgresql(db: Database) -> None:
    if db.url.get_backend_name() != "postgresql":
        pytest.skip("waits for a PostgreSQL lock, seen in pg_stat_activity")


async def test_two_decisions_on_one_held_recharge_at_once_charge_it_once(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Both are sent while the home's recharges are held elsewhere, so both wait and
    then take turns: the first charges it, the second finds nothing held (409)."""
    on_postgresql(income_database)
    uprn, entry_id, tenancy, _ = await a_held_recharge_and_a_later_tenancy(
        income_database, start_tenancy
    )
    async with income_database.sessionmaker() as session, session.begin():
        await accounts.lock_recharges_of_home(session, uprn)
        decisions = [asyncio.create_task(charge(income, entry_id, tenancy["id"])) for _ in range(2)]
        await until_a_backend_waits_for_a_lock(income_database, at_least=2)
    answers = await asyncio.gather(*decisions)
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    sundry = await sundry_of(income_database, tenancy["id"])
    assert sundry is not None
    assert [e.amount_pence for e in await entries_of(income_database, sundry.id)] == [3_000]
    async with income_database.sessionmaker() as session:
        held_entry = await session.get(LedgerEntry, entry_id)
    assert held_entry is not None
    held = await entries_of(income_database, held_entry.account_id)
    assert [e.amount_pence for e in held] == [3_000, -3_000]


async def test_a_decision_as_the_tenancy_ends_waits_for_the_end_and_charges_former_tenant_arrears(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Income's lock order: the tenancy, then its accounts. The end holds the tenancy;
    the decision waits for it (not holding an account the end wants) and then charges
    the ended tenancy: former tenant arrears."""
    on_postgresql(income_database)
    _, entry_id, tenancy, _ = await a_held_recharge_and_a_later_tenancy(
        income_database, start_tenancy
    )
    tenancy_id = uuid.UUID(tenancy["id"])
    now = datetime.now(UTC)
    async with income_database.sessionmaker() as session, session.begin():
        assert await tenancies.get_for_update(session, tenancy_id)  # the end's first lock
        decided = asyncio.create_task(charge(income, entry_id, tenancy["id"]))
        await until_a_backend_waits_for_a_lock(income_database)
        await tenancy_service.end(
            session,
            tenancy_id,
            TenancyEnd(end_date=london_day(now), reason=TenancyEndReason.NOTICE_GIVEN),
            now,
        )
    response = await decided
    assert response.status_code == 201, response.text
    assert response.json()["applied_to"] == "former_tenant_arrears"


async def test_a_payment_to_the_held_account_during_the_decision_leaves_less_to_charge(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """The decision reads what is owed once it holds the held account: a payment posted
    while it waited is not charged to the household again."""
    on_postgresql(income_database)
    uprn, entry_id, tenancy, _ = await a_held_recharge_and_a_later_tenancy(
        income_database, start_tenancy
    )
    [held] = await held_at(income, uprn)
    async with income_database.sessionmaker() as session, session.begin():
        account = await accounts.get_account(
            session, uuid.UUID(held["account_id"]), for_update=True
        )
        assert account is not None
        decided = asyncio.create_task(charge(income, entry_id, tenancy["id"]))
        await until_a_backend_waits_for_a_lock(income_database)
        await accounts.add_entry(
            session,
            LedgerEntry(
                id=uuid.uuid4(),
                account_id=account.id,
                kind=EntryKind.PAYMENT,
                amount_pence=-1_000,
                effective_on=date(2026, 2, 20),
                posted_at=datetime.now(UTC),
            ),
        )
    response = await decided
    assert response.status_code == 201, response.text
    assert response.json()["entry"]["amount_pence"] == 2_000
    assert response.json()["held_balance_pence"] == 0

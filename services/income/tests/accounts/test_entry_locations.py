"""Every 201 income answers with a Location names an entry its caller can follow
(docs/adr/0181): a payment, a reversal and a held recharge's charge lead to GET
/v1/rent-accounts/{account_id}/entries/{entry_id}, the entry as posted (the POST's
`entry`), read with income:read as the account and its statement are, refused without
it. An entry under another account, or one never posted, is a 404."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlmodel import col, select

from hearth_kit.db import Database
from income.models import LedgerEntry
from services.income.tests.accounts.test_held_recharge_charged import (
    a_held_recharge_and_a_later_tenancy,
    charge,
)
from tests.harness.tokens import STAFF_SCOPES, InternalTokenAuth

READER = InternalTokenAuth("income", scopes=frozenset({"income:read"}))
DECIDER = InternalTokenAuth("income", scopes=frozenset({"income:read", "income:write"}))
WORDS = "Agreed with the new tenant at sign-up"
WITHOUT_READ = InternalTokenAuth(
    "income", scopes=(STAFF_SCOPES | {"income:write", "income:approve"}) - {"income:read"}
)


async def followed(income: httpx.AsyncClient, created: httpx.Response) -> dict[str, Any]:
    """The entry read back at the created's Location by a caller with income:read only;
    refused without it. It is the entry the create answered."""
    assert created.status_code == 201, created.text
    entry = created.json()["entry"]
    location = created.headers["Location"]
    assert location == f"/v1/rent-accounts/{entry['account_id']}/entries/{entry['id']}"
    read = await income.get(location, auth=READER)
    assert read.status_code == 200, read.text
    assert read.json() == entry
    refused = await income.get(location, auth=WITHOUT_READ)
    assert refused.status_code == 403, refused.text
    return entry


async def test_a_payment_and_its_reversal_are_read_at_their_locations(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    account = (await start_tenancy())["rent_account_id"]
    paid = await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json={"amount_pence": 4_000, "method": "direct_debit", "received_on": "2025-05-03"},
    )
    payment = await followed(income, paid)
    reversed_ = await income.post(
        f"/v1/rent-accounts/{account}/entries/{payment['id']}/reversal",
        json={"reason": "direct_debit_returned"},
    )
    reversal = await followed(income, reversed_)
    assert reversal["reverses_entry_id"] == payment["id"]
    # the payment itself is unchanged by its correction
    again = await income.get(paid.headers["Location"], auth=READER)
    assert again.json() == payment

    other = (await start_tenancy())["rent_account_id"]
    elsewhere = await income.get(f"/v1/rent-accounts/{other}/entries/{payment['id']}")
    assert elsewhere.status_code == 404, elsewhere.text
    never = await income.get(f"/v1/rent-accounts/{account}/entries/{uuid.uuid4()}")
    assert never.status_code == 404, never.text
    no_account = await income.get(f"/v1/rent-accounts/{uuid.uuid4()}/entries/{payment['id']}")
    assert no_account.status_code == 404, no_account.text


async def test_a_held_recharges_charge_is_read_at_its_location(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    _, entry_id, tenancy, _ = await a_held_recharge_and_a_later_tenancy(
        income_database, start_tenancy
    )
    charged = await charge(income, entry_id, tenancy["id"])
    entry = await followed(income, charged)
    assert (entry["kind"], entry["amount_pence"]) == ("recharge", 3_000)


async def test_the_officers_words_on_a_held_recharges_credit_are_read_only_by_who_decides(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """The held account's credit keeps the deciding officer's reason in their own words
    (ADR 0042): a reader of the account (income:read only, as the contact centre) gets
    the entry with `reason` null; a caller with income:write, who may decide, reads it."""
    _, entry_id, tenancy, _ = await a_held_recharge_and_a_later_tenancy(
        income_database, start_tenancy
    )
    charged = await charge(income, entry_id, tenancy["id"], reason=WORDS)
    assert charged.status_code == 201, charged.text
    async with income_database.sessionmaker() as session:
        credit = (
            await session.execute(
                select(LedgerEntry).where(col(LedgerEntry.reverses_entry_id) == entry_id)
            )
        ).scalar_one()
    url = f"/v1/rent-accounts/{credit.account_id}/entries/{credit.id}"

    read = await income.get(url, auth=READER)
    assert read.status_code == 200, read.text
    assert read.json()["reason"] is None
    assert read.json()["amount_pence"] == -3_000

    decided = await income.get(url, auth=DECIDER)
    assert decided.status_code == 200, decided.text
    assert decided.json()["reason"] == WORDS

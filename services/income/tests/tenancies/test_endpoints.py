from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy import func, select

from hearth_contracts.events.income import TenancyType
from hearth_kit.db import Database
from hearth_kit.outbox import outbox_headers
from hearth_kit.tables import outbox_message
from income.models import Account, LedgerEntry, Tenancy, TenancyStatus
from tests.harness.tokens import STAFF_SCOPES, InternalTokenAuth


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def a_reference() -> str:
    return f"T-{uuid.uuid4().hex[:12].upper()}"


def a_tenancy(uprn: str, **overrides: object) -> dict[str, object]:
    return {
        "tenancy_reference": a_reference(),
        "uprn": uprn,
        "tenants": [{"full_name": "Sam Okafor"}],
        "start_date": "2025-04-07",
        "tenancy_type": "introductory",
        "weekly_rent_pence": 12_345,
        **overrides,
    }


async def outbox_count(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(outbox_message.c.message_key == uprn)
        )
    return int(count or 0)


async def tenancy_count(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(Tenancy).where(Tenancy.uprn == uprn)
        )
    return int(count or 0)


async def test_starting_a_tenancy_opens_its_rent_account_and_publishes_tenancy_started(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    uprn = a_uprn()
    known_person = str(uuid.uuid4())
    response = await income.post(
        "/v1/tenancies",
        json=a_tenancy(
            uprn,
            tenants=[
                {"full_name": "Sam Okafor", "person_id": known_person},
                {"full_name": "Alex Okafor"},
            ],
        ),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/v1/tenancies/{body['id']}"
    assert body["status"] == "current"
    assert body["end_date"] is None
    assert body["introductory_ends_on"] == "2026-04-07"
    assert [t["full_name"] for t in body["tenants"]] == ["Sam Okafor", "Alex Okafor"]
    assert body["tenants"][0]["person_id"] == known_person
    assert uuid.UUID(body["tenants"][1]["person_id"])

    async with income_database.sessionmaker() as session:
        account = await session.get(Account, uuid.UUID(body["rent_account_id"]))
        entries = await session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.account_id == uuid.UUID(body["rent_account_id"]))
        )
        row = (
            (
                await session.execute(
                    select(outbox_message).where(outbox_message.c.message_key == uprn)
                )
            )
            .mappings()
            .one()
        )
    assert account is not None
    assert account.tenancy_id == uuid.UUID(body["id"])
    assert entries == 0  # an empty ledger: a zero balance
    assert account.opened_on == date(2025, 4, 7)
    assert row["event_type"] == "uk.hearth.income.tenancy-started.v2"
    assert row["topic"] == "hearth.income.events"
    assert outbox_headers(row)["ce_subject"] == body["id"]
    data = json.loads(row["payload"])
    assert data["tenancy_reference"] == body["tenancy_reference"]
    assert data["tenants"] == [
        {"person_id": known_person, "lead": True, "joint": True},
        {"person_id": body["tenants"][1]["person_id"], "lead": False, "joint": True},
    ]
    assert data["weekly_rent_pence"] == 12_345


async def test_tenancy_started_carries_no_name_anywhere(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    """Personal data stays out of events: tenancy-started (v2) names the tenants by
    person id alone, so no name appears anywhere in the published message."""
    uprn = a_uprn()
    names = ["Sam Okafor", "Alex Okafor"]
    response = await income.post(
        "/v1/tenancies", json=a_tenancy(uprn, tenants=[{"full_name": n} for n in names])
    )
    assert response.status_code == 201, response.text
    async with income_database.sessionmaker() as session:
        rows = (
            (
                await session.execute(
                    select(outbox_message).where(outbox_message.c.message_key == uprn)
                )
            )
            .mappings()
            .all()
        )
    assert [row["event_type"] for row in rows] == ["uk.hearth.income.tenancy-started.v2"]
    payload = rows[0]["payload"]
    published = (payload.decode() if isinstance(payload, bytes) else str(payload)) + json.dumps(
        outbox_headers(rows[0])
    )
    for name in names:
        for part in name.split():
            assert part not in published
    assert "full_name" not in published
    data = json.loads(rows[0]["payload"])
    assert all(set(tenant) == {"person_id", "lead", "joint"} for tenant in data["tenants"])


async def test_a_secure_tenancy_has_no_introductory_period(income: httpx.AsyncClient) -> None:
    response = await income.post("/v1/tenancies", json=a_tenancy(a_uprn(), tenancy_type="secure"))
    assert response.status_code == 201, response.text
    assert response.json()["introductory_ends_on"] is None


async def test_a_started_tenancy_reads_back_by_id(income: httpx.AsyncClient) -> None:
    created = (await income.post("/v1/tenancies", json=a_tenancy(a_uprn()))).json()
    response = await income.get(f"/v1/tenancies/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"uprn": "12AB45"}, "uprn"),
        ({"tenants": []}, "tenants"),
        ({"tenants": [{"full_name": ""}]}, "tenants.0.full_name"),
        ({"tenancy_reference": "R" * 33}, "tenancy_reference"),
        ({"weekly_rent_pence": -1}, "weekly_rent_pence"),
        ({"weekly_rent_pence": 10**11 + 1}, "weekly_rent_pence"),
        ({"tenants": [{"full_name": f"Tenant {n}"} for n in range(5)]}, "tenants"),
        ({"tenancy_type": "weekly"}, "tenancy_type"),
        ({"start_date": "2025-02-30"}, "start_date"),
    ],
)
async def test_an_invalid_tenancy_is_rejected_naming_the_field_and_stores_nothing(
    income: httpx.AsyncClient,
    income_database: Database,
    overrides: dict[str, object],
    field: str,
) -> None:
    tenancy = {**a_tenancy(a_uprn()), **overrides}
    response = await income.post("/v1/tenancies", json=tenancy)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await outbox_count(income_database, str(tenancy["uprn"])) == 0
    assert await tenancy_count(income_database, str(tenancy["uprn"])) == 0


async def test_a_person_named_twice_on_one_tenancy_is_rejected(
    income: httpx.AsyncClient,
) -> None:
    person = str(uuid.uuid4())
    tenants = [{"full_name": "Sam", "person_id": person}, {"full_name": "Sam", "person_id": person}]
    response = await income.post("/v1/tenancies", json=a_tenancy(a_uprn(), tenants=tenants))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "tenants"


async def test_a_tenancy_reference_already_in_use_is_a_conflict(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    first = a_tenancy(a_uprn())
    assert (await income.post("/v1/tenancies", json=first)).status_code == 201
    other_home = a_uprn()
    again = await income.post(
        "/v1/tenancies",
        json=a_tenancy(other_home, tenancy_reference=first["tenancy_reference"]),
    )
    assert again.status_code == 409
    assert again.json()["field"] == "tenancy_reference"
    assert await outbox_count(income_database, other_home) == 0


async def test_a_home_with_a_current_tenancy_cannot_start_a_second_one(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    uprn = a_uprn()
    assert (await income.post("/v1/tenancies", json=a_tenancy(uprn))).status_code == 201
    second = await income.post("/v1/tenancies", json=a_tenancy(uprn))
    assert second.status_code == 409
    assert second.json()["field"] == "uprn"
    assert await outbox_count(income_database, uprn) == 1
    assert await tenancy_count(income_database, uprn) == 1


async def test_a_home_whose_tenancy_ended_can_start_a_new_one(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    uprn = a_uprn()
    async with income_database.sessionmaker() as session, session.begin():
        session.add(
            Tenancy(
                id=uuid.uuid4(),
                tenancy_reference=a_reference(),
                uprn=uprn,
                start_date=date(2019, 1, 7),
                end_date=date(2024, 12, 1),
                tenancy_type=TenancyType.SECURE,
                weekly_rent_pence=9_000,
                status=TenancyStatus.ENDED,
                created_at=datetime.now(UTC),
            )
        )
    response = await income.post("/v1/tenancies", json=a_tenancy(uprn))
    assert response.status_code == 201, response.text

    def listed(status: str | None) -> list[str]:
        return [t["status"] for t in pages[status]["items"]]

    pages = {
        status: (
            await income.get(
                "/v1/tenancies", params={"uprn": uprn} | ({"status": status} if status else {})
            )
        ).json()
        for status in (None, "current", "ended")
    }
    assert sorted(listed(None)) == ["current", "ended"]
    assert listed("current") == ["current"]
    assert listed("ended") == ["ended"]


async def test_a_retried_post_with_the_same_idempotency_key_changes_nothing(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    uprn = a_uprn()
    tenancy = a_tenancy(uprn)
    headers = {"Idempotency-Key": f"key-{uprn}"}
    first = await income.post("/v1/tenancies", json=tenancy, headers=headers)
    second = await income.post("/v1/tenancies", json=tenancy, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    assert await outbox_count(income_database, uprn) == 1
    other_body = await income.post(
        "/v1/tenancies", json={**tenancy, "weekly_rent_pence": 1}, headers=headers
    )
    assert other_body.status_code == 422


async def test_tenancies_are_listed_a_page_at_a_time_in_reference_order(
    income: httpx.AsyncClient,
) -> None:
    created = {
        (await income.post("/v1/tenancies", json=a_tenancy(a_uprn()))).json()["id"]
        for _ in range(3)
    }
    seen: list[dict[str, object]] = []
    params: dict[str, object] = {"limit": 2}
    while True:
        page = (await income.get("/v1/tenancies", params=params)).json()
        assert len(page["items"]) <= 2
        seen.extend(page["items"])
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    ids = [t["id"] for t in seen]
    assert len(ids) == len(set(ids))
    assert created <= set(ids)
    references = [str(t["tenancy_reference"]) for t in seen]
    assert references == sorted(references)


async def test_an_unknown_tenancy_is_a_404_problem(income: httpx.AsyncClient) -> None:
    response = await income.get(f"/v1/tenancies/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


async def test_a_cursor_the_api_did_not_issue_is_rejected(income: httpx.AsyncClient) -> None:
    response = await income.get("/v1/tenancies", params={"cursor": "not-a-cursor!"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("cursor", "query")


async def test_a_rent_above_what_a_32_bit_column_holds_is_stored_whole(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    rent = 2**31 + 1_000  # about 21.5 million pounds: absurd, but within the API's bound
    response = await income.post("/v1/tenancies", json=a_tenancy(a_uprn(), weekly_rent_pence=rent))
    assert response.status_code == 201
    async with income_database.sessionmaker() as session:
        stored = await session.get(Tenancy, uuid.UUID(response.json()["id"]))
    assert stored is not None
    assert stored.weekly_rent_pence == rent


def rent_reader() -> InternalTokenAuth:
    """Calls as a member of staff who may also read rent accounts (income:read)."""
    return InternalTokenAuth("income", scopes=STAFF_SCOPES | {"income:read"})


async def test_include_rent_summary_puts_each_tenancys_rent_account_summary_in_the_list(
    income: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    started = (await income.post("/v1/tenancies", json=a_tenancy(uprn))).json()
    account = started["rent_account_id"]
    paid = await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json={"amount_pence": 5_000, "method": "card", "received_on": "2025-04-08"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert paid.status_code == 201, paid.text

    response = await income.get(
        "/v1/tenancies",
        params={"uprn": uprn, "status": "current", "include": "rent_summary"},
        auth=rent_reader(),
    )
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert item["rent_summary"] == summary
    assert item["rent_summary"]["last_payment"]["amount_pence"] == 5_000
    assert {k: v for k, v in item.items() if k != "rent_summary"} == started


async def test_without_include_the_list_is_as_it_was(income: httpx.AsyncClient) -> None:
    uprn = a_uprn()
    started = (await income.post("/v1/tenancies", json=a_tenancy(uprn))).json()
    response = await income.get("/v1/tenancies", params={"uprn": uprn})
    assert response.json() == {"items": [started], "next_cursor": None}
    assert "rent_summary" not in response.json()["items"][0]


async def test_include_rent_summary_is_null_for_a_tenancy_without_a_rent_account(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    uprn = a_uprn()
    async with income_database.sessionmaker() as session:
        session.add(
            Tenancy(
                id=uuid.uuid4(),
                tenancy_reference=a_reference(),
                uprn=uprn,
                start_date=date(2025, 4, 7),
                tenancy_type=TenancyType.SECURE,
                weekly_rent_pence=10_000,
                status=TenancyStatus.CURRENT,
                created_at=datetime.now(UTC),
            )
        )
        await session.commit()
    response = await income.get(
        "/v1/tenancies", params={"uprn": uprn, "include": "rent_summary"}, auth=rent_reader()
    )
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert item["rent_account_id"] is None
    assert item["rent_summary"] is None


async def test_include_takes_only_rent_summary(income: httpx.AsyncClient) -> None:
    response = await income.get("/v1/tenancies", params={"include": "tenants"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("include", "query")


async def test_include_rent_summary_reads_a_page_of_several_accounts(
    income: httpx.AsyncClient,
) -> None:
    uprns = [a_uprn() for _ in range(3)]
    for uprn in uprns:
        assert (await income.post("/v1/tenancies", json=a_tenancy(uprn))).status_code == 201
    response = await income.get(
        "/v1/tenancies", params={"include": "rent_summary", "limit": 50}, auth=rent_reader()
    )
    items = response.json()["items"]
    with_accounts = [item for item in items if item["rent_account_id"] is not None]
    assert len(with_accounts) >= 3
    for item in items:
        if item["rent_account_id"] is None:  # a tenancy another test stored without one
            assert item["rent_summary"] is None
            continue
        assert item["rent_summary"]["account_id"] == item["rent_account_id"]
        assert item["rent_summary"]["tenancy_id"] == item["id"]


async def test_include_rent_summary_needs_the_rent_scope_too(income: httpx.AsyncClient) -> None:
    uprn = a_uprn()
    assert (await income.post("/v1/tenancies", json=a_tenancy(uprn))).status_code == 201
    tenancies_only = InternalTokenAuth("income", scopes={"tenancies:read"})
    refused = await income.get(
        "/v1/tenancies", params={"uprn": uprn, "include": "rent_summary"}, auth=tenancies_only
    )
    assert refused.status_code == 403
    assert refused.json()["missing_scopes"] == ["income:read"]
    plain = await income.get("/v1/tenancies", params={"uprn": uprn}, auth=tenancies_only)
    assert plain.status_code == 200
    assert "rent_summary" not in plain.json()["items"][0]


@pytest.mark.parametrize(
    "decision",
    [
        {"change": "extended"},
        {"change": "confirmed", "tenancy_type": "secure"},
    ],
    ids=["extended", "confirmed"],
)
async def test_a_type_decision_taking_effect_before_the_tenancy_started_is_refused(
    income: httpx.AsyncClient, income_database: Database, decision: dict[str, str]
) -> None:
    """A trial decided before the tenancy began is a typing slip, not a decision: it
    was kept and published, and visits (whose caseload entry is versioned from the
    tenancy's first day) ignored a change dated before it. 422 naming effective_on,
    the tenancy and the outbox unchanged; the first day itself is accepted."""
    uprn = a_uprn()
    started = await income.post("/v1/tenancies", json=a_tenancy(uprn, start_date="2025-06-02"))
    assert started.status_code == 201, started.text
    path = f"/v1/tenancies/{started.json()['id']}/type-decision"
    events = await outbox_count(income_database, uprn)
    refused = await income.post(path, json={**decision, "effective_on": "2025-06-01"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "effective_on"
    after = (await income.get(f"/v1/tenancies/{started.json()['id']}")).json()
    assert (after["tenancy_type"], after["introductory_ends_on"]) == ("introductory", "2026-06-02")
    assert await outbox_count(income_database, uprn) == events
    taken = await income.post(path, json={**decision, "effective_on": "2025-06-02"})
    assert taken.status_code == 200, taken.text


async def test_a_trial_is_extended_only_while_it_lasts(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    """A trial of 12 months is extendable by 6 (DOMAIN.md): an extension taking effect
    once the trial ended (the tenancy is secure or assured by then) put a settled
    tenancy back on trial for 6 months more, and visits back on the introductory
    caseload. The trial is the year beginning with 2 June 2025 (Housing Act 1996
    s.125): its last day, 1 June 2026, is still in time; 2 June 2026
    (introductory_ends_on), the first day secure, is refused with 422 naming
    effective_on, the tenancy and the outbox unchanged."""
    uprn = a_uprn()
    started = await income.post("/v1/tenancies", json=a_tenancy(uprn, start_date="2025-06-02"))
    assert started.status_code == 201, started.text
    assert started.json()["introductory_ends_on"] == "2026-06-02"
    path = f"/v1/tenancies/{started.json()['id']}/type-decision"
    events = await outbox_count(income_database, uprn)
    late = await income.post(path, json={"change": "extended", "effective_on": "2026-06-02"})
    assert late.status_code == 422, late.text
    assert late.json()["field"] == "effective_on"
    after = (await income.get(f"/v1/tenancies/{started.json()['id']}")).json()
    assert (after["tenancy_type"], after["introductory_ends_on"]) == ("introductory", "2026-06-02")
    assert await outbox_count(income_database, uprn) == events
    in_time = await income.post(path, json={"change": "extended", "effective_on": "2026-06-01"})
    assert in_time.status_code == 200, in_time.text
    assert in_time.json()["introductory_ends_on"] == "2026-12-02"
    confirmed = await income.post(
        path, json={"change": "confirmed", "tenancy_type": "secure", "effective_on": "2026-11-02"}
    )
    assert confirmed.status_code == 200, confirmed.text

"""Communal issues noticed on visits (visits' communal-issue-found): recorded by the
consumer as a communal report awaiting a repairs manager's triage, listed, and triaged
into a repair at the UPRN the manager names or closed with a reason (docs/adr/0044)."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import (
    PropertyRegistered,
    PropertyUpdated,
    SafetyDefectFound,
)
from hearth_contracts.events.visits import CommunalIssueFound
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from repairs.communal_issues import service as communal_issues
from repairs.communal_issues.schemas import CommunalIssueTriage
from repairs.work_orders.service import RepairService
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_appointment_lock_order import on_postgresql
from services.repairs.tests.orders.test_work_orders import schedule_of_rates
from services.repairs.tests.test_handlers import consume
from tests.harness.locks import until_a_backend_waits_for_a_lock

FOUND_AT = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
"""A Monday: the visit's time, days before any test consumes the event."""


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def issue_found(uprn: str, *, issue: str = "door_entry", minutes: int = 0) -> CommunalIssueFound:
    return CommunalIssueFound(
        issue_id=uuid.uuid4(),
        visit_id=uuid.uuid4(),
        uprn=uprn,
        issue=issue,
        found_at=FOUND_AT + timedelta(minutes=minutes),
    )


async def listed(client: httpx.AsyncClient, **params: Any) -> dict[str, dict[str, Any]]:
    """Every issue the list shows with these filters, page by page, by issue id."""
    items: dict[str, dict[str, Any]] = {}
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/v1/communal-issues", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.update({item["issue_id"]: item for item in page["items"]})
        cursor = page.get("next_cursor")
        if cursor is None:
            return items


async def repairs_reported(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type.like("uk.hearth.repairs.repair-reported.v%"),
            )
        )
    return int(count or 0)


async def an_open_issue(db: Database, uprn: str | None = None) -> CommunalIssueFound:
    found = issue_found(uprn or a_uprn())
    await consume(db, [Envelope(data=found)])
    return found


async def test_an_issue_found_on_a_visit_awaits_triage_dated_when_it_was_noticed(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Through the consumer's inbox, as a batch: listed open with its code, the home it
    was reported from, the visit and the visit's time (not when repairs consumed it),
    and nothing raised by itself (the visited home is not the communal area)."""
    uprn = a_uprn()
    found = issue_found(uprn, issue="lighting")
    await consume(repairs_database, [Envelope(data=found)])
    entry = (await listed(repairs))[str(found.issue_id)]
    assert entry == {
        "issue_id": str(found.issue_id),
        "issue": "lighting",
        "uprn": uprn,
        "block_id": None,  # the asset register has not said which block the home is in
        "visit_id": str(found.visit_id),
        "found_at": "2026-11-16T10:00:00Z",
        "status": "open",
        "repair_id": None,
        "closed_because": None,
        "triaged_at": None,
        "triaged_by": None,
    }
    assert await repairs_reported(repairs_database, uprn) == 0


async def test_the_same_issue_republished_is_recorded_once_in_a_batch_or_one_by_one(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    first, second = issue_found(a_uprn()), issue_found(a_uprn())
    # the same issue under new event ids, in one batch and then on its own
    await consume(repairs_database, [Envelope(data=first), Envelope(data=first)])
    await consume(repairs_database, [Envelope(data=first)], one_at_a_time=True)
    await consume(
        repairs_database, [Envelope(data=second), Envelope(data=second)], one_at_a_time=True
    )
    ids = [i for i in (await listed(repairs)) if i in {str(first.issue_id), str(second.issue_id)}]
    assert sorted(ids) == sorted([str(first.issue_id), str(second.issue_id)])


async def test_a_republished_issue_does_not_reopen_one_already_triaged(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    found = await an_open_issue(repairs_database)
    closed = await repairs.post(
        f"/v1/communal-issues/{found.issue_id}/triage", json={"closed_because": "duplicate"}
    )
    assert closed.status_code == 200, closed.text
    await consume(repairs_database, [Envelope(data=found)])
    assert str(found.issue_id) not in await listed(repairs)
    assert (await listed(repairs, status="closed"))[str(found.issue_id)]["status"] == "closed"


async def test_the_list_pages_oldest_found_first_by_status(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    later, earlier = issue_found(uprn, minutes=-30), issue_found(uprn, minutes=-90)
    await consume(repairs_database, [Envelope(data=later), Envelope(data=earlier)])
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await repairs.get("/v1/communal-issues", params=params)).json()
        assert len(page["items"]) <= 1
        seen += page["items"]
        if (cursor := page.get("next_cursor")) is None:
            break
    assert len({item["issue_id"] for item in seen}) == len(seen)  # ties on found_at too
    assert {item["status"] for item in seen} == {"open"}
    assert [item["found_at"] for item in seen] == sorted(item["found_at"] for item in seen)
    mine = [
        i["issue_id"] for i in seen if i["issue_id"] in {str(later.issue_id), str(earlier.issue_id)}
    ]
    assert mine == [str(earlier.issue_id), str(later.issue_id)]
    assert str(later.issue_id) not in await listed(repairs, status="repair_raised")


async def test_a_cursor_the_api_did_not_issue_is_refused_naming_cursor(
    repairs: httpx.AsyncClient,
) -> None:
    response = await repairs.get("/v1/communal-issues", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "cursor"


async def test_a_manager_raises_a_repair_at_the_uprn_they_name(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The repair is at the communal area's UPRN, not the visited home's; from a visit
    (source home_visit, the visit's id) and its clock from when the officer noticed the
    issue: 5 working days from Mon 16 Nov 2026 is Mon 23 Nov."""
    visited, block = a_uprn(), a_uprn()
    found = await an_open_issue(repairs_database, visited)
    response = await repairs.post(
        f"/v1/communal-issues/{found.issue_id}/triage",
        json={
            "repair": {
                "uprn": block,
                "description": "Door entry panel dead at the main entrance",
                "location": "main entrance",
                "trade": "electrical",
                "priority": "urgent",
            }
        },
    )
    assert response.status_code == 200, response.text
    triaged = response.json()
    assert triaged["status"] == "repair_raised"
    assert triaged["closed_because"] is None
    assert triaged["triaged_by"]
    [repair] = (await repairs.get("/v1/repairs", params={"uprn": block})).json()["items"]
    assert repair["id"] == triaged["repair_id"]
    assert repair["source"] == "home_visit"
    assert repair["visit_id"] == str(found.visit_id)
    assert repair["reported_at"] == "2026-11-16T10:00:00Z"
    assert repair["target_at"] == "2026-11-23T23:59:59Z"
    assert await repairs_reported(repairs_database, block) == 1
    assert await repairs_reported(repairs_database, visited) == 0
    assert str(found.issue_id) not in await listed(repairs)
    assert str(found.issue_id) in await listed(repairs, status="repair_raised")


async def test_a_manager_closes_an_issue_with_a_reason_and_nothing_is_raised(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    found = await an_open_issue(repairs_database)
    response = await repairs.post(
        f"/v1/communal-issues/{found.issue_id}/triage", json={"closed_because": "not_landlords"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "closed"
    assert response.json()["closed_because"] == "not_landlords"
    assert response.json()["repair_id"] is None
    assert await repairs_reported(repairs_database, found.uprn) == 0


async def test_a_second_triage_is_a_conflict(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    found = await an_open_issue(repairs_database)
    url = f"/v1/communal-issues/{found.issue_id}/triage"
    assert (await repairs.post(url, json={"closed_because": "duplicate"})).status_code == 200
    again = await repairs.post(url, json={"closed_because": "already_reported"})
    assert again.status_code == 409, again.text
    assert again.json()["errors"][0]["field"] == "status"
    [entry] = [
        e for i, e in (await listed(repairs, status="closed")).items() if i == str(found.issue_id)
    ]
    assert entry["closed_because"] == "duplicate"


async def test_an_unknown_issue_is_not_found(repairs: httpx.AsyncClient) -> None:
    response = await repairs.post(
        f"/v1/communal-issues/{uuid.uuid4()}/triage", json={"closed_because": "duplicate"}
    )
    assert response.status_code == 404, response.text


async def test_a_triage_is_refused_naming_the_field(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    found = await an_open_issue(repairs_database)
    url = f"/v1/communal-issues/{found.issue_id}/triage"
    repair = {
        "uprn": a_uprn(),
        "description": "Stairwell lights out",
        "location": "stairwell",
        "trade": "electrical",
        "priority": "routine",
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "repair"),
        ({"repair": repair, "closed_because": "duplicate"}, "closed_because"),
        ({"closed_because": "fixed_it_myself"}, "closed_because"),
        ({"repair": {**repair, "uprn": "not-a-uprn"}}, "repair.uprn"),
        ({"repair": {k: v for k, v in repair.items() if k != "priority"}}, "repair.priority"),
    ]
    for body, field in cases:
        response = await repairs.post(url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == field, (body, response.text)
    assert str(found.issue_id) in await listed(repairs)  # still open


async def test_two_triages_at_once_exactly_one_wins(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The issue is locked before it is read: the second triage waits for the first to
    commit, then finds it triaged (409), so one repair is raised, not two."""
    on_postgresql(repairs_database)
    found = await an_open_issue(repairs_database)
    block = a_uprn()
    raise_it = {
        "uprn": block,
        "description": "Lift out of order",
        "location": "lift",
        "trade": "general",
        "priority": "urgent",
    }
    async with repairs_database.sessionmaker() as first, first.begin():
        await communal_issues.triage(
            first,
            RepairService(),
            found.issue_id,
            CommunalIssueTriage.model_validate({"repair": raise_it}),
            "manager-1",
        )
        second = asyncio.create_task(
            repairs.post(f"/v1/communal-issues/{found.issue_id}/triage", json={"repair": raise_it})
        )
        await until_a_backend_waits_for_a_lock(repairs_database)
    response = await second
    assert response.status_code == 409, response.text
    assert await repairs_reported(repairs_database, block) == 1
    entry = (await listed(repairs, status="repair_raised"))[str(found.issue_id)]
    assert entry["triaged_by"] == "manager-1"


def flat_registered(
    uprn: str, block_id: str | None, hours: int = 0
) -> Envelope[PropertyRegistered]:
    """The asset register's entry for a flat in a block (block_id: the block's UPRN)."""
    return Envelope(
        data=PropertyRegistered(
            uprn=uprn,
            address_line_1="Flat 3, Morning Lane House",
            town="London",
            postcode="E9 6NA",
            property_type="flat",
            heating_fuel="gas",
            gas_supply="live",
            block_id=block_id,
            registered_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC) + timedelta(hours=hours),
        )
    )


def flat_updated(uprn: str, block_id: str | None, hours: int) -> Envelope[PropertyUpdated]:
    return Envelope(
        data=PropertyUpdated(
            uprn=uprn,
            address_line_1="Flat 3, Morning Lane House",
            town="London",
            postcode="E9 6NA",
            property_type="flat",
            tenure="general_needs",
            heating_fuel="gas",
            gas_supply="live",
            block_id=block_id,
            updated_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC) + timedelta(hours=hours),
        )
    )


async def test_each_issue_shows_the_block_of_the_home_it_came_from_and_lists_by_block(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The block comes from repairs' copy of the asset register when the list is read,
    through the consumer: a home registered after its issue was recorded shows its
    block too, and `?block_id=` gives one block's reports together, oldest first."""
    block, other_block = a_uprn(), a_uprn()
    flat_1, flat_2, elsewhere, unknown = (a_uprn() for _ in range(4))
    await consume(
        repairs_database, [flat_registered(flat_1, block), flat_registered(elsewhere, other_block)]
    )
    first = issue_found(flat_1, minutes=-20)
    second = issue_found(flat_2, issue="lighting", minutes=-10)
    third, fourth = issue_found(elsewhere), issue_found(unknown, minutes=5)
    await consume(repairs_database, [Envelope(data=f) for f in (first, second, third, fourth)])
    await consume(repairs_database, [flat_registered(flat_2, block)])  # after its issue
    entries = await listed(repairs)
    assert entries[str(first.issue_id)]["block_id"] == block
    assert entries[str(second.issue_id)]["block_id"] == block
    assert entries[str(third.issue_id)]["block_id"] == other_block
    assert entries[str(fourth.issue_id)]["block_id"] is None
    one_at_a_time: list[str] = []
    cursor: str | None = None
    while True:
        params = {"block_id": block, "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await repairs.get("/v1/communal-issues", params=params)).json()
        one_at_a_time += [item["issue_id"] for item in page["items"]]
        if (cursor := page.get("next_cursor")) is None:
            break
    assert one_at_a_time == [str(first.issue_id), str(second.issue_id)]
    assert list(await listed(repairs, block_id=other_block)) == [str(third.issue_id)]
    assert await listed(repairs, block_id=block, status="closed") == {}
    refused = await repairs.get("/v1/communal-issues", params={"block_id": "block-7"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "block_id"


async def test_a_home_moved_to_another_block_shows_it_and_an_older_entry_never_moves_it_back(
    repairs: httpx.AsyncClient, repairs_database: Database
) -> None:
    """property-updated carries the whole entry, block_id with it; repairs keeps the
    newest by the register's own time, so a late registration or older update, in a
    batch or one by one, changes nothing; the triage answer shows the block too."""
    block, corrected = a_uprn(), a_uprn()
    in_a_batch, one_by_one = a_uprn(), a_uprn()

    def history(uprn: str) -> list[Envelope[Any]]:
        return [
            flat_registered(uprn, block, hours=0),
            flat_updated(uprn, corrected, hours=4),
            flat_updated(uprn, block, hours=2),  # older than the one kept: ignored
            flat_registered(uprn, None, hours=1),  # a late registration: ignored
        ]

    await consume(repairs_database, history(in_a_batch))
    await consume(repairs_database, history(one_by_one), one_at_a_time=True)
    found = [await an_open_issue(repairs_database, uprn) for uprn in (in_a_batch, one_by_one)]
    entries = await listed(repairs, block_id=corrected)
    assert sorted(entries) == sorted(str(f.issue_id) for f in found)
    assert await listed(repairs, block_id=block) == {}
    closed = await repairs.post(
        f"/v1/communal-issues/{found[0].issue_id}/triage", json={"closed_because": "duplicate"}
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["block_id"] == corrected


async def completed_event(db: Database, uprn: str) -> dict[str, Any]:
    """The repair-completed the repair at `uprn` published (its data)."""
    async with db.sessionmaker() as session:
        (payload,) = (
            await session.scalars(
                select(outbox_message.c.payload).where(
                    outbox_message.c.message_key == uprn,
                    outbox_message.c.event_type.like("uk.hearth.repairs.repair-completed.v%"),
                )
            )
        ).all()
    event: dict[str, Any] = json.loads(payload)
    return event


async def raise_and_complete(
    staff: httpx.AsyncClient, db: Database, issue: CommunalIssueFound, uprn: str
) -> dict[str, Any]:
    """Triage the issue into a repair at `uprn`, order it from the electrical contractor
    and complete it: the repair-completed published."""
    triaged = await staff.post(
        f"/v1/communal-issues/{issue.issue_id}/triage",
        json={
            "repair": {
                "uprn": uprn,
                "description": "Stairwell lights out on every floor",
                "location": "stairwell",
                "trade": "electrical",
                "priority": "urgent",
            }
        },
    )
    assert triaged.status_code == 200, triaged.text
    await schedule_of_rates(db)
    ordered = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": triaged.json()["repair_id"],
            "lines": [{"sor_code": "ELE:30010", "quantity": 1}],
        },
    )
    assert ordered.status_code == 201, ordered.text
    done = await staff.post(
        f"/v1/contractor/work-orders/{ordered.json()['id']}/completion",
        json={"completed_at": datetime.now(UTC).isoformat()},
        auth=contractor("sparks"),
    )
    assert done.status_code == 200, done.text
    return await completed_event(db, uprn)


async def test_a_repair_raised_at_a_blocks_uprn_is_communal_through_to_repair_completed(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The asset register names the block (a home's block_id): a repair the manager
    raises at that UPRN is a repair to the block's communal areas, and repair-completed
    says so (engagement's communal_repair survey follows it)."""
    block, flat = a_uprn(), a_uprn()
    await consume(repairs_database, [flat_registered(flat, block)])
    found = await an_open_issue(repairs_database, flat)
    completed = await raise_and_complete(staff, repairs_database, found, block)
    assert completed["communal"] is True
    assert completed["visit_id"] == str(found.visit_id)


async def test_a_repair_raised_at_a_uprn_no_block_has_is_not_communal(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """An estate's UPRN, or one the asset register has not given as any home's block
    (nor the visited flat's own): not a block's communal areas, so not communal."""
    block, flat = a_uprn(), a_uprn()
    await consume(repairs_database, [flat_registered(flat, block)])
    estate = a_uprn()
    at_the_estate = await raise_and_complete(
        staff, repairs_database, await an_open_issue(repairs_database, flat), estate
    )
    assert at_the_estate["communal"] is False
    at_the_flat = await raise_and_complete(
        staff, repairs_database, await an_open_issue(repairs_database, flat), flat
    )
    assert at_the_flat["communal"] is False


async def complete(staff: httpx.AsyncClient, db: Database, repair_id: str, uprn: str) -> bool:
    """Order the repair from the electrical contractor and complete it: repair-completed's
    `communal`."""
    await schedule_of_rates(db)
    ordered = await staff.post(
        "/v1/work-orders",
        json={"repair_id": repair_id, "lines": [{"sor_code": "ELE:30010", "quantity": 1}]},
    )
    assert ordered.status_code == 201, ordered.text
    done = await staff.post(
        f"/v1/contractor/work-orders/{ordered.json()['id']}/completion",
        json={"completed_at": datetime.now(UTC).isoformat()},
        auth=contractor("sparks"),
    )
    assert done.status_code == 200, done.text
    communal: bool = (await completed_event(db, uprn))["communal"]
    return communal


async def test_a_repair_reported_any_way_at_a_blocks_uprn_is_communal(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The one rule for every source, decided when the repair is raised
    (RepairService.report): a repair a resident reports through the contact centre, and
    a safety defect compliance found at a communal check (named by the block's UPRN),
    are communal when the UPRN is some home's block, and the repairs list says so; a
    flat's own repair in that block is not."""
    block, flat = a_uprn(), a_uprn()
    await consume(repairs_database, [flat_registered(flat, block)])
    reported: dict[str, dict[str, Any]] = {}
    for uprn in (block, flat):
        response = await staff.post(
            "/v1/repairs",
            json={
                "uprn": uprn,
                "description": "Lights out",
                "location": "stairwell",
                "trade": "electrical",
                "priority": "urgent",
                "source": "contact_centre",
            },
        )
        assert response.status_code == 201, response.text
        reported[uprn] = response.json()
    assert (reported[block]["communal"], reported[flat]["communal"]) == (True, False)
    defect = SafetyDefectFound(
        defect_id=uuid.uuid4(),
        check_id=uuid.uuid4(),
        uprn=block,
        check_type="electrical",
        classification="potentially_dangerous",
        priority="urgent",
        trade="electrical",
        location="landlord's supply cupboard",
        description="Distribution board cover missing",
        made_safe=False,
        found_at=FOUND_AT,
    )
    await consume(repairs_database, [Envelope(data=defect)])
    listed_at_block = (await staff.get("/v1/repairs", params={"uprn": block})).json()["items"]
    assert sorted(r["source"] for r in listed_at_block if r["communal"]) == [
        "contact_centre",
        "safety_check",
    ]
    [at_the_flat] = (await staff.get("/v1/repairs", params={"uprn": flat})).json()["items"]
    assert at_the_flat["communal"] is False
    one = await staff.get(f"/v1/repairs/{reported[block]['id']}")
    assert one.json()["communal"] is True
    assert await complete(staff, repairs_database, reported[block]["id"], block) is True

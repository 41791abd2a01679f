"""The shared owners' own Tenant Satisfaction Measures (low cost home ownership,
docs/adr/0091): the regulator asks for TP01, TP05 to TP12, CH01 and CH02 of shared
ownership apart from the low cost rental figures. They are a second set beside
`measures` (`low_cost_home_ownership`), over the answers and complaints the rental set
leaves out, by the same rules: each resident's latest perception response once, judged
by its home's tenure when it was given; a complaint by its home's tenure when it was
received; CH01's shared ownership homes as at the period's end. A leaseholder's (not a
shared owner's) are in neither set. Events reach the handlers on the real database.
Fixed past dates (June 2025)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from hearth_contracts.events.compliance import Tenure
from hearth_kit.db import Database
from services.engagement.tests.figures.homes import (
    a_home,
    a_uprn,
    own_engagement,
    perception_answered,
)
from tests.harness.infra import DatabaseFactory

REGISTERED = datetime(2025, 1, 6, 9, tzinfo=UTC)
AUGUST = datetime(2025, 8, 1, 12, tzinfo=UTC)
JUNE = {"from": "2025-06-01", "to": "2025-06-30"}
TP = [f"TP{n:02d}" for n in range(1, 13)]
SHARED_OWNERS_CODES = ["CH01.1", "CH01.2", "CH02.1", "CH02.2", "TP01", *TP[4:]]
QUESTIONS = [
    "tp01_overall",
    "tp02_repairs",
    "tp03_time_taken",
    "tp04_well_maintained",
    "tp05_safe_home",
    "tp06_listened_to",
    "tp07_kept_informed",
    "tp08_treated_fairly",
    "tp09_complaints",
    "tp10_communal_areas",
    "tp11_neighbourhood",
    "tp12_anti_social_behaviour",
]


@pytest.fixture
async def fresh(databases: DatabaseFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """Figures count every home, response and complaint in the database: each test has
    its own."""
    async with own_engagement(databases) as client_and_db:
        yield client_and_db


async def home(db: Database, tenure: Tenure, *, then: Tenure | None = None) -> str:
    """A home registered in January with `tenure`, changed to `then` in August."""
    return await a_home(db, tenure, REGISTERED, then=None if then is None else (then, AUGUST))


async def answered(client: httpx.AsyncClient, uprn: str, rating: str) -> None:
    """A perception response in June rating every question TP01 to TP12 alike."""
    await perception_answered(client, uprn, rating, QUESTIONS)


async def complained(client: httpx.AsyncClient, uprn: str, *, answered_in_time: bool) -> str:
    """A stage 1 complaint received on Mon 2 June, acknowledged the next day and
    answered on 5 June (in time) or 30 June (after the Code's 10 working days)."""
    created = await client.post(
        "/v1/complaints",
        json={
            "uprn": uprn,
            "category": "repairs",
            "medium": "phone",
            "summary": "Nobody came about the service charge",
            "received_at": "2025-06-02T09:00:00+00:00",
        },
    )
    assert created.status_code == 201, created.text
    complaint_id: str = created.json()["id"]
    acknowledged = await client.post(
        f"/v1/complaints/{complaint_id}/acknowledge",
        json={"acknowledged_at": "2025-06-03T09:00:00+00:00", "handler": "Hana One"},
    )
    assert acknowledged.status_code == 200, acknowledged.text
    responded_at = "2025-06-05T09:00:00+00:00" if answered_in_time else "2025-06-30T09:00:00+00:00"
    response = await client.post(
        f"/v1/complaints/{complaint_id}/respond", json={"responded_at": responded_at}
    )
    assert response.status_code == 200, response.text
    return complaint_id


async def june(client: httpx.AsyncClient) -> dict[str, Any]:
    figures = await client.get("/v1/engagement/figures", params=JUNE)
    assert figures.status_code == 200, figures.text
    return dict(figures.json())


def counts(measures: list[dict[str, Any]]) -> dict[str, tuple[int, int | None]]:
    return {m["code"]: (m["numerator"], m["denominator"]) for m in measures}


async def test_a_shared_owners_answers_count_apart_and_a_leaseholders_in_neither_set(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """A tenant very satisfied, a shared owner fairly satisfied, a leaseholder very
    dissatisfied, each with every question answered: the tenant's answers are the
    rental set's, the shared owner's the shared owners' set's (TP01 and TP05 to TP12
    only, their TP02 to TP04 answers counted nowhere), the leaseholder's neither."""
    client, db = fresh
    await answered(client, await home(db, Tenure.GENERAL_NEEDS), "very_satisfied")
    await answered(client, await home(db, Tenure.SHARED_OWNERSHIP), "fairly_satisfied")
    await answered(client, await home(db, Tenure.LEASEHOLD), "very_dissatisfied")
    body = await june(client)
    rental = counts(body["measures"])
    shared_owners = counts(body["low_cost_home_ownership"]["measures"])
    assert [rental[code] for code in TP] == [(1, 1)] * 12
    assert [m["code"] for m in body["low_cost_home_ownership"]["measures"]] == SHARED_OWNERS_CODES
    assert [shared_owners[code] for code in SHARED_OWNERS_CODES[4:]] == [(1, 1)] * 9
    assert not {"TP02", "TP03", "TP04"} & set(shared_owners)
    lcho_tp01 = body["low_cost_home_ownership"]["measures"][4]
    assert (lcho_tp01["per"], lcho_tp01["value"]) == (1, 1.0)
    # CH01's homes: one let, one shared ownership; the leasehold home in neither.
    assert (rental["CH01.1"][1], shared_owners["CH01.1"][1]) == (1, 1)


async def test_each_resident_is_counted_once_by_their_latest_answer_in_the_shared_owners_set(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """The rental set's rule: of a resident's perception responses in the period only
    the latest counts, in the set of its home's tenure then."""
    client, db = fresh
    shared = await home(db, Tenure.SHARED_OWNERSHIP)
    resident = await client.post(
        "/v1/residents",
        json={"full_name": "Ada Shared", "preferred_channel": "letter"},
    )
    assert resident.status_code == 201, resident.text
    for rating, day in (("very_dissatisfied", "05"), ("very_satisfied", "20")):
        response = await client.post(
            "/v1/surveys/responses",
            json={
                "survey": "perception",
                "uprn": shared,
                "resident_id": resident.json()["id"],
                "answers": [{"question": "tp01_overall", "rating": rating}],
                "responded_at": f"2025-06-{day}T12:00:00+00:00",
            },
        )
        assert response.status_code == 201, response.text
    body = await june(client)
    assert counts(body["low_cost_home_ownership"]["measures"])["TP01"] == (1, 1)
    assert counts(body["measures"])["TP01"] == (0, 0)


async def test_a_response_counts_in_the_set_of_its_homes_tenure_when_it_was_given(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """A home let in June and sold in shared ownership in August: its June answer stays
    a tenant's, and June's CH01 counts it among the let homes. A shared owner who
    staircased to 100% in August (the home leasehold now): their June answer stays a
    shared owner's, and the home is among June's shared ownership homes."""
    client, db = fresh
    await answered(
        client, await home(db, Tenure.GENERAL_NEEDS, then=Tenure.SHARED_OWNERSHIP), "very_satisfied"
    )
    await answered(
        client,
        await home(db, Tenure.SHARED_OWNERSHIP, then=Tenure.LEASEHOLD),
        "fairly_dissatisfied",
    )
    body = await june(client)
    rental = counts(body["measures"])
    shared_owners = counts(body["low_cost_home_ownership"]["measures"])
    assert (rental["TP01"], shared_owners["TP01"]) == ((1, 1), (0, 1))
    assert (rental["CH01.1"][1], shared_owners["CH01.1"][1]) == (1, 1)
    # As at September's end both homes have changed: the shared ownership home is the first.
    september = await client.get(
        "/v1/engagement/figures", params={"from": "2025-09-01", "to": "2025-09-30"}
    )
    assert september.status_code == 200, september.text
    later = september.json()
    assert counts(later["low_cost_home_ownership"]["measures"])["CH01.1"][1] == 1
    assert counts(later["measures"])["CH01.1"][1] == 0


async def test_complaints_count_in_the_set_of_the_home_they_were_made_from(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """CH01 and CH02 for each set: complaints from a let home and from a home whose
    tenure engagement was never told (as let) are the rental set's, a shared owner's
    the shared owners' (per 1,000 shared ownership homes), a leaseholder's neither's.
    Before, every complaint was the rental set's: a leaseholder's and a shared owner's
    complaints were counted per 1,000 homes let to tenants, which left their homes out."""
    client, db = fresh
    let, shared, leasehold = (
        await home(db, Tenure.GENERAL_NEEDS),
        await home(db, Tenure.SHARED_OWNERSHIP),
        await home(db, Tenure.LEASEHOLD),
    )
    await home(db, Tenure.SHARED_OWNERSHIP)  # a second shared ownership home, no complaint
    await complained(client, let, answered_in_time=True)
    await complained(client, a_uprn(), answered_in_time=False)
    escalated = await complained(client, shared, answered_in_time=False)
    await complained(client, leasehold, answered_in_time=True)
    stage_2 = await client.post(
        f"/v1/complaints/{escalated}/escalate",
        json={"requested_at": "2025-06-30T10:00:00+00:00", "handler": "Sam Two"},
    )
    assert stage_2.status_code == 200, stage_2.text
    body = await june(client)
    rental = counts(body["measures"])
    shared_owners = counts(body["low_cost_home_ownership"]["measures"])
    assert (rental["CH01.1"], rental["CH01.2"]) == ((2, 1), (0, 1))
    assert (rental["CH02.1"], rental["CH02.2"]) == ((1, 2), (0, 0))
    assert (shared_owners["CH01.1"], shared_owners["CH01.2"]) == ((1, 2), (1, 2))
    assert (shared_owners["CH02.1"], shared_owners["CH02.2"]) == ((0, 1), (0, 0))
    by_code = {m["code"]: m for m in body["low_cost_home_ownership"]["measures"]}
    assert (by_code["CH01.1"]["per"], by_code["CH01.1"]["value"]) == (1000, 500.0)
    assert "shared ownership homes" in by_code["CH01.1"]["description"]


async def test_a_complaint_counts_by_its_homes_tenure_when_it_was_received(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """A complaint from a shared owner in June whose home is leasehold since August
    stays a shared owner's complaint in June's figures; one from a tenant whose home
    became shared ownership in August stays a tenant's."""
    client, db = fresh
    await complained(
        client,
        await home(db, Tenure.SHARED_OWNERSHIP, then=Tenure.LEASEHOLD),
        answered_in_time=True,
    )
    await complained(
        client,
        await home(db, Tenure.GENERAL_NEEDS, then=Tenure.SHARED_OWNERSHIP),
        answered_in_time=True,
    )
    body = await june(client)
    rental = counts(body["measures"])
    shared_owners = counts(body["low_cost_home_ownership"]["measures"])
    assert (rental["CH01.1"], rental["CH02.1"]) == ((1, 1), (1, 1))
    assert (shared_owners["CH01.1"], shared_owners["CH02.1"]) == ((1, 1), (1, 1))


async def test_a_landlord_with_no_shared_ownership_gets_zero_denominators_and_null_values(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """As the rental set answers a period with nothing in it: every measure 0 of 0,
    value null, none left out."""
    client, db = fresh
    await answered(client, await home(db, Tenure.GENERAL_NEEDS), "very_satisfied")
    await complained(client, a_uprn(), answered_in_time=True)
    measures = (await june(client))["low_cost_home_ownership"]["measures"]
    assert [m["code"] for m in measures] == SHARED_OWNERS_CODES
    assert [(m["numerator"], m["denominator"], m["value"]) for m in measures] == [
        (0, 0, None)
    ] * len(SHARED_OWNERS_CODES)

"""Reading back a check's access attempts (GET /v1/compliance/checks/{check_id}/access-attempts,
ADR 0194): every attempt is recorded (DOMAIN.md), and the evidence of them is what legal
action for access needs and how a contractor's outcomes are checked. Staff only: a
contractor's token is refused, its own check's included."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.compliance.tests.checks.test_contractor_api import a_contractor, assign, open_checks
from services.compliance.tests.factories import london_today
from services.compliance.tests.gas_safety_records.test_records import a_gas_home
from tests.harness.tokens import TEST_SUBJECT, InternalTokenAuth


def attempts_of(check_id: str) -> str:
    return f"/v1/compliance/checks/{check_id}/access-attempts"


def an_attempt(hours_ago: int, outcome: str, by: str = "ENG-7") -> dict[str, Any]:
    return {
        "attempted_at": (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat(),
        "attempted_by": by,
        "outcome": outcome,
        "card_left": outcome != "access_gained",
    }


async def a_check_with_attempts(compliance: httpx.AsyncClient) -> tuple[dict[str, Any], str]:
    """A gas check given to a contractor, with three attempts: the contractor's no access
    (2 hours ago), staff's refused (1 hour ago), then one made 3 hours ago recorded late
    by staff (so the attempt numbers are not the order they were made in)."""
    gasco, gasco_token = a_contractor()
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=20))
    check = (await open_checks(compliance, uprn))["gas_safety"]
    await assign(compliance, check, gasco)
    recorded = [
        await compliance.post(
            f"/v1/contractor/compliance/checks/{check['id']}/access-attempts",
            json=an_attempt(2, "no_access"),
            auth=gasco_token,
        ),
        await compliance.post(
            attempts_of(check["id"]),
            json=an_attempt(1, "refused", "OFFICER-3"),
            auth=InternalTokenAuth("compliance", subject="staff-officer-3"),
        ),
        await compliance.post(
            attempts_of(check["id"]),
            json=an_attempt(3, "no_access_not_household", "OFFICER-3"),
            auth=InternalTokenAuth("compliance", subject="staff-officer-3"),
        ),
    ]
    for response in recorded:
        assert response.status_code == 201, response.text
    return check, gasco


async def test_staff_read_every_attempt_at_a_check_oldest_first(
    compliance: httpx.AsyncClient,
) -> None:
    check, gasco = await a_check_with_attempts(compliance)

    response = await compliance.get(attempts_of(check["id"]))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("next_cursor") is None
    seen = [
        (a["attempt_number"], a["outcome"], a["contractor_id"], a["recorded_by"])
        for a in body["items"]
    ]
    # When each was made, not the order they were typed in: the late one comes first.
    assert seen == [
        (3, "no_access_not_household", None, "staff-officer-3"),
        (1, "no_access", gasco, TEST_SUBJECT),  # the contractor's token's subject
        (2, "refused", None, "staff-officer-3"),
    ]
    first = body["items"][0]
    assert first["check_id"] == check["id"]
    assert first["uprn"] == check["uprn"]
    assert {"id", "attempted_at", "attempted_by", "card_left", "recorded_at"} <= set(first)
    moments = [datetime.fromisoformat(a["attempted_at"]) for a in body["items"]]
    assert moments == sorted(moments)


async def test_a_checks_attempts_are_cursor_paged(compliance: httpx.AsyncClient) -> None:
    check, _ = await a_check_with_attempts(compliance)
    everything = (await compliance.get(attempts_of(check["id"]))).json()["items"]

    first = await compliance.get(attempts_of(check["id"]), params={"limit": 2})
    assert first.status_code == 200, first.text
    assert first.json()["next_cursor"]
    rest = await compliance.get(
        attempts_of(check["id"]), params={"limit": 2, "cursor": first.json()["next_cursor"]}
    )
    assert rest.status_code == 200, rest.text
    assert rest.json().get("next_cursor") is None
    paged = first.json()["items"] + rest.json()["items"]
    assert [a["id"] for a in paged] == [a["id"] for a in everything]

    bad = await compliance.get(attempts_of(check["id"]), params={"cursor": "bm90LWEtY3Vyc29y"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"


async def test_a_check_with_no_attempts_lists_none(compliance: httpx.AsyncClient) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=20))
    check = (await open_checks(compliance, uprn))["gas_safety"]
    response = await compliance.get(attempts_of(check["id"]))
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


async def test_an_unknown_check_is_a_404_problem(compliance: httpx.AsyncClient) -> None:
    check_id = uuid.uuid4()
    response = await compliance.get(attempts_of(str(check_id)))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert str(check_id) in response.json()["detail"]


async def test_a_contractor_cannot_read_the_attempts_even_at_its_own_check(
    compliance: httpx.AsyncClient,
) -> None:
    """Staff's evidence (ADR 0194): a check's attempts are staff's, a visit's and perhaps
    a contractor's before this one; the contractor has its own in each 201."""
    gasco, gasco_token = a_contractor()
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=20))
    check = (await open_checks(compliance, uprn))["gas_safety"]
    await assign(compliance, check, gasco)

    staff_route = await compliance.get(attempts_of(check["id"]), auth=gasco_token)
    assert staff_route.status_code == 403
    contractor_path = f"/v1/contractor/compliance/checks/{check['id']}/access-attempts"
    assert (await compliance.get(contractor_path, auth=gasco_token)).status_code in (403, 405)


async def test_attempts_made_at_the_same_moment_are_paged_by_id_none_lost_or_repeated(
    compliance: httpx.AsyncClient,
) -> None:
    """Two officers' cards left at one moment (or one moment typed twice): the cursor
    carries the id as well, so a page boundary between them loses and repeats none."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=20))
    check = (await open_checks(compliance, uprn))["gas_safety"]
    moment = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    for by in ("OFFICER-1", "OFFICER-2", "OFFICER-3"):
        posted = await compliance.post(
            attempts_of(check["id"]),
            json={"attempted_at": moment, "attempted_by": by, "outcome": "no_access"},
        )
        assert posted.status_code == 201, posted.text

    paged: list[str] = []
    cursor: str | None = None
    for _ in range(4):
        params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = await compliance.get(attempts_of(check["id"]), params=params)
        assert page.status_code == 200, page.text
        paged += [a["id"] for a in page.json()["items"]]
        cursor = page.json().get("next_cursor")
        if cursor is None:
            break
    everything = (await compliance.get(attempts_of(check["id"]))).json()["items"]
    assert len(everything) == 3
    assert paged == [a["id"] for a in everything]
    assert paged == sorted(paged, key=uuid.UUID)  # the tie broken by id

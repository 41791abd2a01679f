from __future__ import annotations

import time

import httpx
from gateway_stand_ins import (
    KNOWN_ACCOUNT,
    KNOWN_UPRN,
    SLOW_SECONDS,
    TENANCY_ONLY_UPRN,
    TIMEOUT_SECONDS,
    OpenGateway,
    StandIns,
    bearer_with_scopes,
    verify_internal_token,
)

# The home overview


async def test_the_overview_combines_every_service(
    gateway: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    response = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
    assert response.status_code == 200, response.text
    overview = response.json()
    assert overview["uprn"] == KNOWN_UPRN
    assert overview["home"]["postcode"] == "E8 1DY"
    assert overview["tenancy"] == {
        "id": "t-1",
        "uprn": KNOWN_UPRN,
        "status": "current",
        "rent_account_id": KNOWN_ACCOUNT,
    }
    assert [r["id"] for r in overview["residents"]] == ["r-1"]
    assert [v["id"] for v in overview["visits"]] == ["v-1"]
    assert [r["id"] for r in overview["open_repairs"]] == ["w-1"]
    assert [a["id"] for a in overview["appointment_requests"]] == ["a-1"]
    assert overview["gas"]["gas_status"] == "compliant"
    assert overview["rent"]["arrears_stage"] == "reminder"
    assert overview["degraded"] == []
    assert overview["withheld"] == []


async def test_every_overview_call_carries_an_internal_token_for_its_service_naming_the_caller(
    gateway: httpx.AsyncClient, staff: dict[str, str], stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
    assert response.status_code == 200
    calls = [r for r in stand_ins.requests[before:] if r.path.startswith("/v1/")]
    assert {r.service for r in calls} == {"compliance", "income", "engagement", "visits", "repairs"}
    for call in calls:
        caller = verify_internal_token(call.service, call.headers["authorization"])
        assert caller.subject == "test-staff"


async def test_parts_the_token_has_no_scope_for_are_withheld_named_and_never_fetched(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(
        f"/v1/homes/{KNOWN_UPRN}", headers=bearer_with_scopes("homes:read visits:read")
    )
    assert response.status_code == 200, response.text
    overview = response.json()
    assert overview["withheld"] == [
        "tenancy",
        "residents",
        "open_repairs",
        "appointment_requests",
        "gas",
        "rent",
    ]
    assert overview["home"]["postcode"] == "E8 1DY"
    assert [v["id"] for v in overview["visits"]] == ["v-1"]
    assert overview["tenancy"] is None
    assert overview["residents"] == []
    assert overview["open_repairs"] == overview["appointment_requests"] == []
    assert overview["degraded"] == []
    asked = {r.service for r in stand_ins.requests[before:] if r.path.startswith("/v1/")}
    assert asked == {"compliance", "visits"}


async def test_the_overview_asks_each_service_once(
    gateway: httpx.AsyncClient, staff: dict[str, str], stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
    assert response.status_code == 200, response.text
    calls = sorted(
        (r.service, r.path, r.query)
        for r in stand_ins.requests[before:]
        if r.path.startswith("/v1/")
    )
    assert [(service, path) for service, path, _ in calls] == [
        ("compliance", f"/v1/homes/{KNOWN_UPRN}"),
        ("engagement", "/v1/residents"),
        ("income", "/v1/tenancies"),
        ("repairs", f"/v1/repairs/homes/{KNOWN_UPRN}"),
        ("visits", "/v1/visits"),
    ]
    assert calls[0][2] == "include=compliance_status"
    overview = response.json()
    assert "compliance_status" not in overview["home"]
    assert overview["gas"]["checks"] == [{"check_type": "gas_safety", "status": "scheduled"}]


async def test_without_the_compliance_scope_the_home_is_asked_for_without_its_status(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(
        f"/v1/homes/{KNOWN_UPRN}", headers=bearer_with_scopes("homes:read repairs:read")
    )
    assert response.status_code == 200, response.text
    overview = response.json()
    assert overview["gas"] is None
    assert "gas" in overview["withheld"]
    assert [r["id"] for r in overview["open_repairs"]] == ["w-1"]
    [home_call] = [r for r in stand_ins.requests[before:] if r.service == "compliance"]
    assert home_call.query == ""


async def test_the_overview_asks_income_once_for_the_tenancy_with_its_rent_summary(
    gateway: httpx.AsyncClient, staff: dict[str, str], stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
    assert response.status_code == 200, response.text
    overview = response.json()
    calls = [r for r in stand_ins.requests[before:] if r.service == "income"]
    assert [(r.method, r.path) for r in calls] == [("GET", "/v1/tenancies")]
    assert "include=rent_summary" in calls[0].query
    assert overview["rent"] == {
        "account_id": KNOWN_ACCOUNT,
        "balance_pence": 22500,
        "arrears_pence": 11250,
        "weeks_in_arrears": 1.0,
        "arrears_stage": "reminder",
        "arrangement": None,
        "last_payment": None,
    }
    assert "rent_summary" not in overview["tenancy"]


async def test_without_the_rent_scope_income_is_not_asked_for_the_rent_summary(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.requests)
    response = await gateway.get(
        f"/v1/homes/{KNOWN_UPRN}", headers=bearer_with_scopes("homes:read tenancies:read")
    )
    assert response.status_code == 200, response.text
    overview = response.json()
    assert "rent" in overview["withheld"]
    assert "tenancy" not in overview["withheld"]
    assert overview["rent"] is None
    assert overview["tenancy"]["id"] == "t-1"
    calls = [r for r in stand_ins.requests[before:] if r.service == "income"]
    assert [(r.method, r.path) for r in calls] == [("GET", "/v1/tenancies")]
    assert "include" not in calls[0].query


async def test_with_income_down_the_tenancy_and_the_rent_are_both_empty_and_income_degraded(
    open_gateway: OpenGateway, stand_ins: StandIns, staff: dict[str, str]
) -> None:
    async with open_gateway(income_url=stand_ins.broken_url) as gateway:
        response = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
    assert response.status_code == 200, response.text
    overview = response.json()
    assert overview["degraded"] == ["income"]
    assert overview["tenancy"] is None
    assert overview["rent"] is None


async def test_a_slow_service_and_a_stopped_one_are_marked_degraded_and_the_rest_returned(
    open_gateway: OpenGateway, stand_ins: StandIns, staff: dict[str, str]
) -> None:
    async with open_gateway(
        visits_url=stand_ins.slow_url, repairs_url=stand_ins.unreachable_url
    ) as gateway:
        started = time.monotonic()
        response = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
        elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    overview = response.json()
    assert overview["degraded"] == ["visits", "repairs"]
    assert overview["visits"] == []
    assert overview["open_repairs"] == []
    assert overview["appointment_requests"] == []
    assert overview["home"]["uprn"] == KNOWN_UPRN
    assert overview["tenancy"]["id"] == "t-1"
    assert [r["id"] for r in overview["residents"]] == ["r-1"]
    assert elapsed < SLOW_SECONDS


async def test_slow_services_are_waited_for_together_not_one_after_another(
    open_gateway: OpenGateway, stand_ins: StandIns, staff: dict[str, str]
) -> None:
    slow = stand_ins.slow_url
    async with open_gateway(
        visits_url=slow, engagement_url=slow, income_url=slow, repairs_url=slow
    ) as gateway:
        started = time.monotonic()
        response = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
        elapsed = time.monotonic() - started
    assert response.json()["degraded"] == ["income", "engagement", "visits", "repairs"]
    # Five calls timed out: one after another they would take at least 5 x the timeout.
    assert elapsed < 4 * TIMEOUT_SECONDS


async def test_a_service_answering_5xx_is_degraded(
    open_gateway: OpenGateway, stand_ins: StandIns, staff: dict[str, str]
) -> None:
    async with open_gateway(engagement_url=stand_ins.broken_url) as gateway:
        response = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
    assert response.status_code == 200
    assert response.json()["degraded"] == ["engagement"]
    assert response.json()["residents"] == []


async def test_without_compliance_the_home_is_null_and_marked(
    open_gateway: OpenGateway, stand_ins: StandIns, staff: dict[str, str]
) -> None:
    async with open_gateway(compliance_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
    assert response.status_code == 200
    assert response.json()["home"] is None
    assert response.json()["degraded"] == ["compliance"]


async def test_a_home_no_service_knows_is_a_404_problem(
    gateway: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    response = await gateway.get("/v1/homes/999999999999", headers=staff)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["uprn"] == "999999999999"


async def test_a_home_compliance_lacks_but_income_knows_is_returned(
    gateway: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    response = await gateway.get(f"/v1/homes/{TENANCY_ONLY_UPRN}", headers=staff)
    assert response.status_code == 200
    assert response.json()["home"] is None
    assert response.json()["tenancy"]["id"] == "t-1"
    assert response.json()["degraded"] == []


async def test_an_unknown_home_is_not_called_missing_while_a_service_is_down(
    open_gateway: OpenGateway, stand_ins: StandIns, staff: dict[str, str]
) -> None:
    async with open_gateway(repairs_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.get("/v1/homes/999999999999", headers=staff)
    assert response.status_code == 200
    assert response.json()["home"] is None
    assert response.json()["degraded"] == ["repairs"]


async def test_a_malformed_uprn_is_a_422_problem_naming_uprn(
    gateway: httpx.AsyncClient, staff: dict[str, str], stand_ins: StandIns
) -> None:
    for bad in ("12AB", "1234567890123"):
        response = await gateway.get(f"/v1/homes/{bad}", headers=staff)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == ["uprn"]
        assert not stand_ins.received("compliance", "GET", f"/v1/homes/{bad}")


async def test_the_overview_needs_homes_read(
    gateway: httpx.AsyncClient, contractor: dict[str, str]
) -> None:
    response = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=contractor)
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["homes:read"]


async def test_the_trace_continues_into_the_services(
    gateway: httpx.AsyncClient, staff: dict[str, str], stand_ins: StandIns
) -> None:
    response = await gateway.get(
        f"/v1/homes/{KNOWN_UPRN}",
        headers={**staff, "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
    )
    assert response.status_code == 200
    calls = stand_ins.received("compliance", "GET", f"/v1/homes/{KNOWN_UPRN}")
    assert calls[-1].headers["traceparent"].startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")


# Registering a home


async def test_registering_a_home_returns_compliances_201_and_location(
    gateway: httpx.AsyncClient, staff: dict[str, str], stand_ins: StandIns, idempotency_key: str
) -> None:
    home = {"uprn": "300000000001", "address_line_1": "1 High Street"}
    response = await gateway.post(
        "/v1/homes", json=home, headers={**staff, "Idempotency-Key": idempotency_key}
    )
    assert response.status_code == 201
    assert response.headers["location"] == "/v1/homes/300000000001"
    assert response.json() == home
    received = [
        r
        for r in stand_ins.received("compliance", "POST", "/v1/homes")
        if r.headers.get("idempotency-key") == idempotency_key
    ]
    assert len(received) == 1
    # Not the caller's own token: an internal token for compliance, naming the caller.
    forwarded = received[0].headers["authorization"]
    assert forwarded != staff["Authorization"]
    caller = verify_internal_token("compliance", forwarded)
    assert caller.subject == "test-staff"
    assert "homes:write" in caller.scopes


async def test_the_internal_token_never_carries_admin_or_scopes_the_gateway_does_not_know(
    gateway: httpx.AsyncClient, stand_ins: StandIns, idempotency_key: str
) -> None:
    headers = bearer_with_scopes("homes:write admin made-up:scope")
    response = await gateway.post(
        "/v1/homes",
        json={"uprn": "300000000002", "address_line_1": "2 High Street"},
        headers={**headers, "Idempotency-Key": idempotency_key},
    )
    assert response.status_code == 201
    [call] = [
        r
        for r in stand_ins.received("compliance", "POST", "/v1/homes")
        if r.headers.get("idempotency-key") == idempotency_key
    ]
    assert verify_internal_token("compliance", call.headers["authorization"]).scopes == {
        "homes:write"
    }


async def test_a_problem_from_compliance_passes_through_unchanged(
    gateway: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    response = await gateway.post("/v1/homes", json={"uprn": "12AB"}, headers=staff)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Your request is not valid",
        "status": 422,
        "detail": "Invalid or missing fields: uprn",
        "errors": [{"field": "uprn", "location": "body", "message": "bad", "type": "x"}],
    }


async def test_registering_a_home_while_compliance_is_down_is_a_503_naming_it(
    open_gateway: OpenGateway, stand_ins: StandIns, staff: dict[str, str], idempotency_key: str
) -> None:
    async with open_gateway(compliance_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.post(
            "/v1/homes",
            json={"uprn": "300000000002"},
            headers={**staff, "Idempotency-Key": idempotency_key},
        )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    problem = response.json()
    assert problem["service"] == "compliance"
    assert "compliance" in problem["detail"]
    assert "nothing was written" in problem["detail"]
    assert "same Idempotency-Key" in problem["detail"]


async def test_a_write_that_times_out_says_its_outcome_is_unknown(
    open_gateway: OpenGateway, stand_ins: StandIns, staff: dict[str, str], idempotency_key: str
) -> None:
    async with open_gateway(compliance_url=stand_ins.slow_url) as gateway:
        response = await gateway.post(
            "/v1/homes",
            json={"uprn": "300000000003"},
            headers={**staff, "Idempotency-Key": idempotency_key},
        )
    assert response.status_code == 503
    problem = response.json()
    assert problem["service"] == "compliance"
    assert "may or may not have happened" in problem["detail"]
    assert "Retry with the same Idempotency-Key" in problem["detail"]

"""Routes declared in gateway/routes/ reach their service with the query string, and
only with the scopes their row names."""

from __future__ import annotations

import httpx
from gateway_stand_ins import KNOWN_UPRN, OpenGateway, StandIns, bearer, bearer_with_scopes


async def test_a_listed_route_reaches_its_service_with_the_query_string(
    gateway: httpx.AsyncClient, staff: dict[str, str], stand_ins: StandIns
) -> None:
    response = await gateway.get(
        "/v1/repairs", params={"uprn": KNOWN_UPRN, "status": "open"}, headers=staff
    )
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == ["w-1"]
    (seen,) = stand_ins.received("repairs", "GET", "/v1/repairs")[-1:]
    assert seen.headers["authorization"].startswith("Bearer ")


async def test_a_listed_route_needs_its_scope(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    before = len(stand_ins.received("repairs", "GET", "/v1/repairs"))
    response = await gateway.get(
        "/v1/repairs",
        params={"uprn": KNOWN_UPRN, "status": "open"},
        headers=bearer_with_scopes("homes:read"),
    )
    assert response.status_code == 403
    assert len(stand_ins.received("repairs", "GET", "/v1/repairs")) == before


async def test_a_service_that_does_not_answer_a_read_is_a_503_that_says_nothing_changed(
    open_gateway: OpenGateway, staff: dict[str, str], stand_ins: StandIns
) -> None:
    async with open_gateway(repairs_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.get(
            "/v1/repairs", params={"uprn": KNOWN_UPRN, "status": "open"}, headers=staff
        )
    assert response.status_code == 503
    assert "Nothing was changed" in response.json()["detail"]


async def test_a_path_value_with_control_characters_stays_one_segment_of_the_services_path(
    gateway: httpx.AsyncClient, staff: dict[str, str], stand_ins: StandIns
) -> None:
    from gateway.app import create_app
    from gateway.authorisation import gateway_routes
    from gateway.settings import GatewaySettings

    routes = gateway_routes(create_app(GatewaySettings(environment="development")))
    with_id = next(
        r
        for r in routes
        if r.method == "GET"
        and r.path.endswith("}")
        and r.path.count("{") == 1
        and r.scopes
        and set(r.scopes) <= {"repairs:read", "tenancies:read", "income:read"}
    )
    # A control character (Schemathesis found httpx refusing it unquoted: a 500), a
    # query and a fragment, all inside one path value.
    weird = "%0Ea%20b%3Fc%3D1%23d"
    path = with_id.path[: with_id.path.index("{")] + weird
    response = await gateway.get(path, headers=staff)
    assert response.status_code < 500, (with_id.path, weird, response.text)


async def test_a_dot_segment_path_value_is_refused_before_any_service_is_asked(
    gateway: httpx.AsyncClient, staff: dict[str, str], stand_ins: StandIns
) -> None:
    # "." and ".." are path values a caller can send (%2E, which the server decodes),
    # and a URL's dot segments, which the gateway's client resolves: the register row's
    # /v1/homes/. reached compliance's /v1/homes/ (its list of every home, which the
    # gateway does not publish, by way of its redirect) and /v1/repairs/homes/..
    # repairs' /v1/repairs/, not the row's own path.
    for path, name in [
        ("/v1/homes/%2E/register", "uprn"),
        ("/v1/repairs/homes/%2E%2E", "uprn"),
        ("/v1/work-orders/%2E", "work_order_id"),
        ("/v1/contractor/work-orders/%2E%2E/status", "work_order_id"),
    ]:
        before = len(stand_ins.requests)
        method = "POST" if path.endswith("/status") else "GET"
        headers = bearer("contractor", "gasco") if "contractor" in path else staff
        response = await gateway.request(method, path, headers=headers, json={})
        assert response.status_code == 422, (path, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [name], path
        assert stand_ins.requests[before:] == [], path

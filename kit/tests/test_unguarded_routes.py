"""A service app refuses to start with an API route no access rule covers.

The token check (hearth_kit.auth.InternalTokenCheck) applies a route's rule (staff
only, scopes: hearth_kit.staff) by looking it up by method and path template, and lets
a route without one through on the token alone. So once a service guards its routers
with `staff_only`/`scoped`, a router left out of them (or a rule lost to a prefix, or to
a FastAPI upgrade that changes how included routers are kept) would quietly open its
routes to any token the gateway signed, a contractor's included: create_service_app
refuses to build such an app and names the routes. The five services' own apps, which
tests/security builds, start."""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic_settings import SettingsConfigDict

from hearth_kit.app import UnguardedRoutes, create_service_app
from hearth_kit.settings import ServiceSettings
from hearth_kit.staff import STAFF_ONLY, scoped, staff_only
from tests.harness.tokens import InternalTokenAuth


class GuardSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_GUARD_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


def routers() -> tuple[APIRouter, APIRouter, APIRouter]:
    """A guarded router's routes, a plain one's (forgotten) and a STAFF_ONLY one's."""
    guarded = APIRouter(prefix="/v1/repairs")
    forgotten = APIRouter(prefix="/v1/work-orders")
    own_check = APIRouter(prefix="/v1/figures", dependencies=STAFF_ONLY)

    @guarded.get("")
    async def repairs() -> dict[str, Any]:
        return {}

    @forgotten.get("")
    async def work_orders() -> dict[str, Any]:
        return {}

    @forgotten.post("/{work_order_id}/status")
    async def status(work_order_id: str) -> dict[str, Any]:
        return {}

    @own_check.get("")
    async def figures() -> dict[str, Any]:
        return {}

    return guarded, forgotten, own_check


def an_app(*service_routers: APIRouter) -> FastAPI:
    return create_service_app(
        GuardSettings(relay_enabled=False, consumer_enabled=False),
        title="r",
        description="r",
        routers=service_routers,
    )


def test_a_router_left_unguarded_next_to_a_guarded_one_refuses_to_start() -> None:
    guarded, forgotten, _ = routers()
    with pytest.raises(UnguardedRoutes) as refused:
        an_app(staff_only(scoped(guarded, read="repairs:read")), forgotten)
    assert "GET /v1/work-orders" in str(refused.value)
    assert "POST /v1/work-orders/{work_order_id}/status" in str(refused.value)
    assert "/v1/repairs" not in str(refused.value)


def test_a_guarded_router_under_a_prefix_of_its_own_starts() -> None:
    guarded, forgotten, _ = routers()
    outer = APIRouter(prefix="/v1")
    inner = APIRouter(prefix="/stock")
    inner.include_router(forgotten)
    outer.include_router(inner)
    app = an_app(staff_only(scoped(guarded, outer, read="repairs:read", write="repairs:write")))
    assert ("GET", "/v1/stock/v1/work-orders") in app.state.internal_token_verifier.access_rules


async def test_the_routes_that_check_themselves_and_the_probes_and_admin_need_no_rule() -> None:
    guarded, _, own_check = routers()
    app = an_app(staff_only(scoped(guarded, read="repairs:read")), own_check)
    contractor = InternalTokenAuth("repairs", scopes={"contractor"}, contractor_id="GASCO")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://r", auth=contractor
    ) as client:
        assert (await client.get("/v1/figures")).status_code == 403
        assert (await client.get("/v1/repairs")).status_code == 403


def test_an_app_of_plain_routers_only_starts_as_before() -> None:
    """No `staff_only`/`scoped` router: the service checks its callers in its routes."""
    _, forgotten, _ = routers()
    an_app(forgotten)

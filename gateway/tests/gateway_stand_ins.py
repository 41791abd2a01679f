"""Stand-ins for the five services, served by uvicorn on real localhost ports.

The gateway under test talks to them over TCP exactly as it talks to the services:
nothing in httpx is mocked. Besides one healthy stand-in per service there is a slow
one (it answers long after the gateway's timeout), a broken one (500 for everything)
and an address where nothing listens.

The tests import this as a module: conftest.py puts this folder on sys.path, because
the test folders here are not packages.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import uvicorn
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway.app import create_app
from gateway.auth import issue_development_token
from gateway.settings import DEVELOPMENT_JWT_SECRET, GatewaySettings
from hearth_kit.auth import Caller, InternalTokenVerifier, load_public_keys
from tests.harness.tokens import PUBLIC_KEY_VARIABLE

KNOWN_UPRN = "100023336956"
"""A home every stand-in knows."""
TENANCY_ONLY_UPRN = "200000000001"
"""A home compliance does not know, but income has a tenancy for."""
KNOWN_TENANCY = "0b7e2f4c-1d3a-4e5b-9c6d-000000000001"
KNOWN_ACCOUNT = "0b7e2f4c-1d3a-4e5b-9c6d-000000000002"
KNOWN_RESIDENT = "0b7e2f4c-1d3a-4e5b-9c6d-000000000003"
"""The tenancy, rent account and resident of the known home."""
FORMER_TENANCY = "0b7e2f4c-1d3a-4e5b-9c6d-000000000004"
FORMER_ACCOUNT = "0b7e2f4c-1d3a-4e5b-9c6d-000000000005"
FORMER_RESIDENT = "0b7e2f4c-1d3a-4e5b-9c6d-000000000006"
"""The known home's tenancy before the known one (ended 2026-11-01, the known one
started 2026-11-02), its rent account (owing 15000 pence) and its former tenant."""
UNPLACED_RESIDENT = "0b7e2f4c-1d3a-4e5b-9c6d-000000000007"
"""A resident at the known home on no tenancy (the rent is the home's current one's)."""
HOMELESS_RESIDENT = "0b7e2f4c-1d3a-4e5b-9c6d-00000000000b"
"""A resident engagement holds at no home and on no tenancy (a caller registered before
they were housed)."""
MERGED_RESIDENT = "0b7e2f4c-1d3a-4e5b-9c6d-00000000000a"
"""A second record of the known resident, merged into them (ADR 0124): engagement
answers its id with a resident-merged 404 naming the known resident."""
WITHDRAWN_TENANCY = "0b7e2f4c-1d3a-4e5b-9c6d-000000000008"
"""A tenancy of the known home recorded ahead and withdrawn before its first day (ADR
0111): no end date, its household never lived there."""
TENANCIES: dict[str, dict[str, Any]] = {
    KNOWN_TENANCY: {
        "id": KNOWN_TENANCY,
        "uprn": KNOWN_UPRN,
        "status": "current",
        "start_date": "2026-11-02",
        "end_date": None,
        "tenants": [{"person_id": KNOWN_RESIDENT, "full_name": "Ada Okafor"}],
        "rent_account_id": KNOWN_ACCOUNT,
    },
    FORMER_TENANCY: {
        "id": FORMER_TENANCY,
        "uprn": KNOWN_UPRN,
        "status": "ended",
        "start_date": "2020-04-06",
        "end_date": "2026-11-01",
        "tenants": [{"person_id": FORMER_RESIDENT, "full_name": "Sam Bell"}],
        "rent_account_id": FORMER_ACCOUNT,
    },
    WITHDRAWN_TENANCY: {
        "id": WITHDRAWN_TENANCY,
        "uprn": KNOWN_UPRN,
        "status": "withdrawn",
        "start_date": "2027-01-11",
        "end_date": None,
        "withdrawn_at": "2026-12-01T10:15:00Z",
        "tenants": [{"person_id": "0b7e2f4c-1d3a-4e5b-9c6d-000000000009"}],
        "rent_account_id": "0b7e2f4c-1d3a-4e5b-9c6d-00000000000a",
    },
}
"""Income's tenancies by id."""
OPEN_COMPLAINTS = [
    {
        "id": "c-1",
        "uprn": KNOWN_UPRN,
        "resident_id": KNOWN_RESIDENT,
        "received_at": "2026-11-20T10:00:00Z",
        "stage": "stage_1",
        "next_deadline": {"due": "2026-12-10"},
    },
    {
        "id": "c-0",
        "uprn": KNOWN_UPRN,
        "resident_id": FORMER_RESIDENT,
        "received_at": "2026-10-01T10:00:00Z",
        "summary": "About the former household",
        "stage": "stage_1",
        "next_deadline": {"due": "2026-10-29"},
    },
    {
        "id": "c-unnamed",
        "uprn": KNOWN_UPRN,
        "resident_id": None,
        "received_at": "2026-10-15T10:00:00Z",
        "stage": "stage_1",
        "next_deadline": {"due": "2026-11-12"},
    },
]
"""Engagement's open complaints at the known home: the known resident's, the former
tenant's, and one naming no one received while the former tenancy ran."""

FIGURES: dict[str, list[tuple[str, int, int | None]]] = {
    "repairs": [("RP02.1", 80, 100), ("RP02.2", 19, 20), ("repairs.right_first_time", 9, 10)],
    "compliance": [("BS01", 99, 100), ("BS02", 10, 10), ("BS03", 5, 5), ("BS04", 0, 0)],
    "income": [("income.collection_rate", 97, 100)],
    "engagement": [
        ("CH01.1", 12, 1000),
        ("CH01.2", 3, 1000),
        ("CH02.1", 11, 12),
        ("CH02.2", 3, 3),
        *[(f"TP{n:02d}", 70 + n, 100) for n in range(1, 13)],
    ],
    "visits": [("visits.completed_on_time", 40, 50)],
}
"""What each stand-in's figures endpoint counts (code, numerator, denominator)."""
LCHO_FIGURES: dict[str, list[tuple[str, int, int | None]] | None] = {
    "engagement": [
        ("CH01.1", 2, 250),
        ("CH01.2", 1, 250),
        ("CH02.1", 1, 2),
        ("CH02.2", 0, 0),
        ("TP01", 30, 40),
        *[(f"TP{n:02d}", 20 + n, 40) for n in range(5, 13)],
    ],
}
"""The shared owners' measures a stand-in's figures carry in `low_cost_home_ownership`
(engagement's only; None: figures without the section, as a service older than it)."""
# Budgets wide enough that a healthy stand-in answers within them on a loaded 2-core
# machine running two test workers (a cold first call can take over a second), and a
# slow one far beyond them, so a test about budgets can still tell waiting for it apart.
TIMEOUT_SECONDS = 2.5
WRITE_TIMEOUT_SECONDS = 3.0
SLOW_SECONDS = 12.0


@dataclass
class Recorded:
    service: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: str = ""


@dataclass
class StandIns:
    urls: dict[str, str]
    slow_url: str
    broken_url: str
    unreachable_url: str
    requests: list[Recorded] = field(default_factory=list)

    def received(self, service: str, method: str, path: str) -> list[Recorded]:
        return [
            r for r in self.requests if (r.service, r.method, r.path) == (service, method, path)
        ]


def _problem(status: int, title: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "next_cursor": None}


def _measures(service: str, counted: list[tuple[str, int, int | None]]) -> list[dict[str, Any]]:
    per = {"CH01.1": 1000, "CH01.2": 1000}
    return [
        {
            "code": code,
            "description": f"{code} as {service} counts it",
            "numerator": numerator,
            "denominator": denominator,
            "per": per.get(code, 1),
            "value": round(numerator * per.get(code, 1) / denominator, 4) if denominator else None,
        }
        for code, numerator, denominator in counted
    ]


def _figures(service: str, start: str, end: str) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "from": start,
        "to": end,
        "measures": _measures(service, FIGURES[service]),
        "breakdowns": {},
    }
    shared_owners = LCHO_FIGURES.get(service)
    if shared_owners is not None:
        figures["low_cost_home_ownership"] = {"measures": _measures(service, shared_owners)}
    return figures


def service_stand_in(service: str, requests: list[Recorded]) -> FastAPI:
    """Canned answers for the routes the gateway calls on `service`."""
    app = FastAPI()

    @app.middleware("http")
    async def record(request: Request, call_next: Any) -> Any:
        requests.append(
            Recorded(
                service,
                request.method,
                request.url.path,
                dict(request.headers),
                await request.body(),
                request.url.query,
            )
        )
        return await call_next(request)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    figures_path = "/v1/compliance/figures" if service == "compliance" else f"/v1/{service}/figures"

    @app.get(figures_path)
    async def figures(request: Request) -> Any:
        start = request.query_params.get("from", "2026-04-01")
        end = request.query_params.get("to", "2027-03-31")
        return _figures(service, start, end)

    if service == "compliance":

        def compliance_status_of(uprn: str) -> dict[str, Any]:
            return {
                "uprn": uprn,
                "gas_status": "compliant",
                "gas_check_status": "scheduled",
                "checks": [{"check_type": "gas_safety", "status": "scheduled"}],
            }

        @app.get("/v1/homes/{uprn}")
        async def get_home(uprn: str, include: str | None = None) -> Any:
            if include not in (None, "compliance_status"):
                return _problem(422, "Unprocessable", errors=[{"field": "include"}])
            if uprn != KNOWN_UPRN:
                return _problem(404, "Not found", detail=f"No home {uprn}")
            home = {"uprn": uprn, "address_line_1": "12 Mare Street", "postcode": "E8 1DY"}
            if include:
                home["compliance_status"] = compliance_status_of(uprn)
            return home

        @app.get("/v1/compliance/homes/{uprn}")
        async def home_compliance(uprn: str) -> Any:
            if uprn != KNOWN_UPRN:
                return _problem(404, "Not found", detail=f"No home {uprn}")
            return compliance_status_of(uprn)

        @app.post("/v1/homes")
        async def register_home(request: Request) -> Any:
            body = await request.json()
            if not str(body.get("uprn", "")).isdigit():
                return _problem(
                    422,
                    "Your request is not valid",
                    detail="Invalid or missing fields: uprn",
                    errors=[{"field": "uprn", "location": "body", "message": "bad", "type": "x"}],
                )
            return JSONResponse(
                body, status_code=201, headers={"Location": f"/v1/homes/{body['uprn']}"}
            )

    elif service == "income":

        def summary_of(account_id: str) -> dict[str, Any]:
            if account_id == FORMER_ACCOUNT:
                return {
                    "account_id": account_id,
                    "tenancy_id": FORMER_TENANCY,
                    "balance_pence": 15000,
                    "arrears_pence": 15000,
                    "former_tenant_arrears_pence": 15000,
                    "tenancy_ended": True,
                }
            return {
                "account_id": account_id,
                "balance_pence": 22500,
                "arrears_pence": 11250,
                "weeks_in_arrears": 1.0,
                "arrears_stage": "reminder",
                "arrangement": None,
                "last_payment": None,
            }

        @app.get("/v1/tenancies")
        async def tenancies(uprn: str, status: str, include: str | None = None) -> Any:
            if include not in (None, "rent_summary"):
                return _problem(422, "Unprocessable", errors=[{"field": "include"}])
            if uprn in (KNOWN_UPRN, TENANCY_ONLY_UPRN) and status == "current":
                tenancy = {"id": "t-1", "uprn": uprn, "status": "current"}
                item = {**tenancy, "rent_account_id": KNOWN_ACCOUNT}
                if include:
                    item["rent_summary"] = summary_of(KNOWN_ACCOUNT)
                return _page([item])
            return _page([])

        @app.get("/v1/tenancies/{tenancy_id}")
        async def tenancy(tenancy_id: str, include: str | None = None) -> Any:
            if include not in (None, "rent_summary"):
                return _problem(422, "Unprocessable", errors=[{"field": "include"}])
            if tenancy_id not in TENANCIES:
                return _problem(404, "Not found", detail=f"No tenancy {tenancy_id}")
            found = dict(TENANCIES[tenancy_id])
            if include:
                found["rent_summary"] = summary_of(found["rent_account_id"])
            return found

        @app.get("/v1/rent-accounts/{account_id}/summary")
        async def rent_summary(account_id: str) -> Any:
            if account_id not in (KNOWN_ACCOUNT, FORMER_ACCOUNT):
                return _problem(404, "Not found", detail=f"No rent account {account_id}")
            return summary_of(account_id)

        @app.post("/v1/tenancies")
        async def start_tenancy(request: Request) -> Any:
            return JSONResponse(
                await request.json(), status_code=201, headers={"Location": "/v1/tenancies/t-2"}
            )

    elif service == "engagement":

        def resident_of(resident_id: str) -> dict[str, Any] | None:
            """The known resident, the former tenant and the one on no tenancy."""
            if resident_id == FORMER_RESIDENT:
                return {
                    "id": resident_id,
                    "uprn": KNOWN_UPRN,
                    "tenancy_id": FORMER_TENANCY,
                    "tenancy_started_on": "2020-04-06",
                    "tenancy_ended_on": "2026-11-01",
                    "language": "en",
                    "preferred_channel": "letter",
                }
            if resident_id == HOMELESS_RESIDENT:
                return {"id": resident_id, "uprn": None, "tenancy_id": None, "language": "en"}
            if resident_id == UNPLACED_RESIDENT:
                return {"id": resident_id, "uprn": KNOWN_UPRN, "tenancy_id": None}
            if resident_id != KNOWN_RESIDENT:
                return None
            return {
                "id": resident_id,
                "uprn": KNOWN_UPRN,
                "tenancy_id": KNOWN_TENANCY,
                "tenancy_started_on": "2026-11-02",
                "tenancy_ended_on": None,
                "language": "so",
                "preferred_channel": "text",
                "format_needs": ["large_print"],
            }

        @app.get("/v1/residents")
        async def residents(uprn: str | None = None, tenancy_id: str | None = None) -> Any:
            if tenancy_id is not None:  # a tenancy's tenants, former ones too
                on_it = [resident_of(KNOWN_RESIDENT), resident_of(FORMER_RESIDENT)]
                return _page([r for r in on_it if r and r["tenancy_id"] == tenancy_id])
            return _page([{"id": "r-1", "uprn": uprn}] if uprn == KNOWN_UPRN else [])

        @app.get("/v1/residents/{resident_id}")
        async def resident(resident_id: str) -> Any:
            if resident_id == MERGED_RESIDENT:
                return _problem(
                    404,
                    "Resident merged",
                    type="https://hearth.example/problems/resident-merged",
                    detail=f"Resident {resident_id} was merged into {KNOWN_RESIDENT}: use that id",
                    merged_into=KNOWN_RESIDENT,
                )
            found = resident_of(resident_id)
            if found is None:
                return _problem(404, "Not found", detail=f"No resident {resident_id}")
            return found

        @app.get("/v1/complaints")
        async def complaints(request: Request) -> Any:
            query = request.query_params
            if query.get("status") != "open":
                return _page([])
            return _page(
                [
                    complaint
                    for complaint in OPEN_COMPLAINTS
                    if query.get("resident_id", complaint["resident_id"])
                    == complaint["resident_id"]
                    and query.get("uprn", complaint["uprn"]) == complaint["uprn"]
                ]
            )

        @app.post("/v1/residents")
        async def record_resident(request: Request) -> Any:
            return JSONResponse(
                await request.json(), status_code=201, headers={"Location": "/v1/residents/r-2"}
            )

    elif service == "visits":

        @app.get("/v1/visits")
        async def visits(uprn: str) -> Any:
            return _page([{"id": "v-1", "uprn": uprn}] if uprn == KNOWN_UPRN else [])

        @app.post("/v1/visits")
        async def arrange_visit(request: Request) -> Any:
            return JSONResponse(
                await request.json(), status_code=201, headers={"Location": "/v1/visits/v-2"}
            )

        @app.post("/v1/visits/{visit_id}/report")
        async def file_report(visit_id: str) -> Any:
            return JSONResponse(
                {"visit_id": visit_id, "status": "completed"},
                status_code=201,
                headers={"Location": f"/v1/visits/{visit_id}/report"},
            )

    elif service == "repairs":

        @app.get("/v1/repairs")
        async def repairs(uprn: str, status: str) -> Any:
            open_ = uprn == KNOWN_UPRN and status == "open"
            return _page([{"id": "w-1", "uprn": uprn, "status": "open"}] if open_ else [])

        @app.get("/v1/appointment-requests")
        async def appointment_requests(uprn: str) -> Any:
            return _page([{"id": "a-1", "uprn": uprn}] if uprn == KNOWN_UPRN else [])

        @app.get("/v1/repairs/homes/{uprn}")
        async def home_repairs(uprn: str) -> Any:
            known = uprn == KNOWN_UPRN
            return {
                "uprn": uprn,
                "open_repairs": [{"id": "w-1", "uprn": uprn, "status": "open"}] if known else [],
                "more_open_repairs": False,
                "appointment_requests": [{"id": "a-1", "uprn": uprn}] if known else [],
                "more_appointment_requests": False,
            }

        @app.get("/v1/appointments")
        async def appointments(uprn: str, status: str) -> Any:
            booked = uprn == KNOWN_UPRN and status == "booked"
            return _page([{"id": "ap-1", "slot_start": "2026-12-01T08:00:00Z"}] if booked else [])

    @app.api_route("/{path:path}", methods=["PATCH", "PUT"])
    async def conditional_change(path: str, request: Request) -> Any:
        """Every change takes If-Match, as the services' do: 428 without one, 412 unless
        it is `"1"`, else the next ETag."""
        if_match = request.headers.get("if-match")
        if if_match is None:
            return _problem(428, "Precondition required", errors=[{"field": "If-Match"}])
        if if_match != '"1"':
            return _problem(412, "Precondition failed", errors=[{"field": "If-Match"}])
        return JSONResponse({"version": 2}, headers={"ETag": '"2"'})

    return app


def slow_stand_in() -> FastAPI:
    """Answers everything, but only long after the gateway has given up."""
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def slowly(path: str, request: Request) -> Any:
        for _ in range(int(SLOW_SECONDS / 0.05)):
            if await request.is_disconnected():  # the gateway gave up: stop early
                break
            await asyncio.sleep(0.05)
        return _page([])

    return app


def broken_stand_in() -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def broken(path: str) -> Any:
        return _problem(500, "Internal server error")

    return app


class Served:
    """An ASGI app served by uvicorn on a free localhost port, in a thread."""

    def __init__(self, app: FastAPI) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(
            app, log_config=None, log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"stand-in at {self.url} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.socket.close()


def gateway_settings(stand_ins: StandIns, **overrides: Any) -> GatewaySettings:
    """Settings pointing at the healthy stand-ins unless overridden (e.g. visits_url=...)."""
    urls = {f"{service}_url": url for service, url in stand_ins.urls.items()}
    values: dict[str, Any] = {
        **urls,
        "downstream_timeout_seconds": TIMEOUT_SECONDS,
        "write_timeout_seconds": WRITE_TIMEOUT_SECONDS,
        "environment": "development",
        "jwt_algorithm": "HS256",
        "log_format": "console",
        **overrides,
    }
    return GatewaySettings(**values)


OpenGateway = Callable[..., contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]


@contextlib.asynccontextmanager
async def a_gateway_with_a_bug(settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway with a route that raises (GET /v1/broken), called in-process with the
    app's exceptions answered as in production (the kit's 500), not raised to the test."""
    app = create_app(settings)

    @app.get("/v1/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(manager.app, raise_app_exceptions=False),
            base_url="http://gateway",
        ) as gateway,
    ):
        yield gateway


def bearer(role: str = "staff", contractor_id: str | None = None) -> dict[str, str]:
    token = issue_development_token(
        role,
        f"test-{role}",
        contractor_id=contractor_id,
        ttl=timedelta(minutes=5),
        settings=GatewaySettings(environment="development", jwt_algorithm="HS256"),
    )
    return {"Authorization": f"Bearer {token}"}


def bearer_with_scopes(
    scope: str, *, subject: str = "test-scoped", contractor_id: str | None = None
) -> dict[str, str]:
    """A development token carrying exactly `scope` (space-separated), as an identity
    provider might issue it."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": "hearth-dev",
        "aud": "hearth",
        "sub": subject,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "scope": scope,
    }
    if contractor_id is not None:
        claims["contractor_id"] = contractor_id
    return {"Authorization": f"Bearer {jwt.encode(claims, DEVELOPMENT_JWT_SECRET, 'HS256')}"}


def verify_internal_token(service: str, authorization: str) -> Caller:
    """The caller an `Authorization: Bearer <internal token>` header names, checked as
    `service` checks it (the test session's public key)."""
    scheme, _, token = authorization.partition(" ")
    assert scheme == "Bearer"
    keys = load_public_keys(os.environ[PUBLIC_KEY_VARIABLE])
    return InternalTokenVerifier(service, keys).verify(token)

"""One flow through every service, through the gateway, on a real broker and databases:
home -> tenancy -> resident -> visit -> report with three repairs -> the home's page
shows the visit and three open repairs in one appointment request."""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import func, select, text

from gateway.auth import issue_development_token
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from hearth_kit.tracing import add_span_processor
from hearth_kit.working_days import london_day
from services.visits.tests.factories import a_household
from tests.harness.events import eventually
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform

pytestmark = pytest.mark.integration

spans = InMemorySpanExporter()


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases) as running:
        add_span_processor(SimpleSpanProcessor(spans))
        yield running


@pytest.fixture(scope="module")
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    token = issue_development_token(role="staff", subject="visit-officer-1")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def set_up_home(gateway: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    home = await gateway.post(
        "/v1/homes",
        json={
            "uprn": uprn,
            "address_line_1": "14 Clarence Road",
            "town": "London",
            "postcode": "E5 8HB",
            "property_type": "flat",
            "heating_fuel": "electric",
            "gas_supply": "none",
        },
    )
    assert home.status_code == 201, home.text
    tenancy = await gateway.post(
        "/v1/tenancies",
        json={
            "tenancy_reference": f"T{uprn[-8:]}",
            "uprn": uprn,
            "tenants": [{"full_name": "Ada Okafor"}],
            "start_date": str(london_day(datetime.now(UTC)) - timedelta(days=30)),
            "tenancy_type": "introductory",
            "weekly_rent_pence": 11_250,
        },
    )
    assert tenancy.status_code == 201, tenancy.text
    resident = await gateway.post(
        "/v1/residents",
        json={
            # One id per person: the tenant income named is the resident engagement records.
            "person_id": tenancy.json()["tenants"][0]["person_id"],
            "tenancy_id": tenancy.json()["id"],
            "uprn": uprn,
            "full_name": "Ada Okafor",
            "phone": "07700 900123",
            "preferred_channel": "text",
            "language": "en",
        },
    )
    assert resident.status_code == 201, resident.text
    return {"tenancy": tenancy.json(), "resident": resident.json()}


async def schedule_visit(gateway: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    visit = await gateway.post(
        "/v1/visits",
        json={
            "uprn": uprn,
            "kind": "full",
            "scheduled_for": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
    )
    assert visit.status_code == 201, visit.text
    body: dict[str, Any] = visit.json()
    return body


THREE_REPAIRS = {
    "outcome": "completed",
    "visited_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
    "repairs_found": [
        {"description": "Dripping bath tap", "location": "bathroom", "trade": "plumbing"},
        {
            "description": "Kitchen cupboard door off its hinge",
            "location": "kitchen",
            "trade": "carpentry",
        },
        {
            "description": "Cracked pane in bedroom window",
            "location": "bedroom 1",
            "trade": "glazing",
        },
    ],
    "hazards_found": [],
    "household": a_household(),  # a completed visit's report holds it (ADR 0146)
}


async def test_a_visit_finding_three_repairs_shows_them_on_the_home_in_one_appointment(
    gateway: httpx.AsyncClient,
) -> None:
    uprn = a_uprn()
    await set_up_home(gateway, uprn)
    visit = await schedule_visit(gateway, uprn)
    report = await gateway.post(f"/v1/visits/{visit['id']}/report", json=THREE_REPAIRS)
    assert report.status_code == 201, report.text

    async def three_repairs_on_the_home() -> dict[str, Any] | None:
        page = (await gateway.get(f"/v1/homes/{uprn}")).json()
        return page if len(page.get("open_repairs") or []) == 3 else None

    home = await eventually(three_repairs_on_the_home, timeout=60)
    assert home["degraded"] == []
    assert home["home"]["uprn"] == uprn
    assert home["tenancy"]["tenancy_reference"] == f"T{uprn[-8:]}"
    assert [r["full_name"] for r in home["residents"]] == ["Ada Okafor"]
    assert [(v["id"], v["status"]) for v in home["visits"]] == [(visit["id"], "completed")]
    assert {r["priority"] for r in home["open_repairs"]} == {"routine"}
    assert {r["visit_id"] for r in home["open_repairs"]} == {visit["id"]}
    (appointment,) = home["appointment_requests"]
    assert appointment["status"] == "pending"
    assert sorted(appointment["repair_ids"]) == sorted(r["id"] for r in home["open_repairs"])


async def test_the_gateway_request_trace_reaches_the_repairs_handler_span_and_log(
    gateway: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    uprn = a_uprn()
    visit = await schedule_visit(gateway, uprn)
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    report = await gateway.post(
        f"/v1/visits/{visit['id']}/report",
        json=THREE_REPAIRS,
        headers={"traceparent": traceparent},
    )
    assert report.status_code == 201, report.text

    def handler_spans() -> list[Any]:
        return [
            s
            for s in spans.get_finished_spans()
            if s.kind is SpanKind.CONSUMER
            and s.attributes.get("hearth.service") == "repairs"
            and s.attributes.get("cloudevents.event_type")
            == "uk.hearth.visits.visit-found-repair.v1"
            and format(s.context.trace_id, "032x") == trace_id
        ]

    async def three_handled() -> list[Any]:
        found = handler_spans()
        return found if len(found) >= 3 else []

    await eventually(three_handled, timeout=60)
    gateway_spans = [
        s
        for s in spans.get_finished_spans()
        if s.kind is SpanKind.SERVER
        and s.resource.attributes.get("service.name") is not None
        and format(s.context.trace_id, "032x") == trace_id
        and s.attributes.get("http.route") == "/v1/visits/{visit_id}/report"
    ]
    assert gateway_spans, "the gateway's request span carries the caller's trace id"
    log_lines = [
        r.msg
        for r in caplog.records
        if isinstance(r.msg, dict)
        and r.msg.get("event") == "repair raised from visit"
        and r.msg.get("uprn") == uprn
    ]
    assert len(log_lines) == 3
    assert {line["trace_id"] for line in log_lines} == {trace_id}


async def outbox_rows(platform: Platform, service: str) -> int:
    """Outbox rows ever written. The relay deletes a row once the broker acknowledged it
    (ADR 0020), so on PostgreSQL this is the id sequence's last value, which a delete
    does not lower; SQLite has no sequence, so there it is the rows still in the table."""
    db = Database(platform.service(service).database_url)
    try:
        async with db.sessionmaker() as session:
            if db.is_postgresql:
                last = await session.scalar(text("SELECT last_value FROM outbox_message_id_seq"))
                return int(last)
            return int(await session.scalar(select(func.count()).select_from(outbox_message)) or 0)
    finally:
        await db.dispose()


async def outbox_rows_before(platform: Platform, service: str) -> int:
    """`outbox_rows` to compare a later read with. On SQLite, the rows still in the table
    go down as the relay sends the ones earlier steps wrote, so it first waits for the
    relay to have sent them all: a row the refused request wrote then stays in the table
    until the relay's next round, where the later read sees it."""
    if platform.service(service).database_url.startswith("postgresql"):
        return await outbox_rows(platform, service)

    async def drained() -> bool:
        return await outbox_rows(platform, service) == 0

    assert await eventually(drained)
    return 0


async def test_a_malformed_uprn_is_a_problem_naming_the_field_and_nothing_happens(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    before = await outbox_rows_before(platform, "compliance")
    response = await gateway.post(
        "/v1/homes",
        json={
            "uprn": "1234567890123",
            "address_line_1": "1 Mare Street",
            "town": "London",
            "postcode": "E8 1DY",
            "property_type": "flat",
            "heating_fuel": "gas",
            "gas_supply": "live",
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["uprn"]
    assert (await gateway.get("/v1/homes/1234567890123")).status_code == 422
    assert await outbox_rows(platform, "compliance") == before


async def test_a_report_missing_its_outcome_is_a_problem_and_publishes_nothing(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    uprn = a_uprn()
    visit = await schedule_visit(gateway, uprn)
    before = await outbox_rows_before(platform, "visits")
    response = await gateway.post(
        f"/v1/visits/{visit['id']}/report",
        json={
            "visited_at": THREE_REPAIRS["visited_at"],
            "repairs_found": THREE_REPAIRS["repairs_found"],
        },
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["outcome"]
    assert await outbox_rows(platform, "visits") == before
    page = (await gateway.get(f"/v1/homes/{uprn}")).json()
    assert [v["status"] for v in page["visits"]] == ["scheduled"]


async def test_the_overview_shows_the_rent_from_the_tenancy_read_to_those_who_may_see_it(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    """Income answers the current tenancy with its rent summary in one call
    (include=rent_summary), asked only for a token with income:read."""
    uprn = a_uprn()
    tenancy = (await set_up_home(gateway, uprn))["tenancy"]
    officer = issue_development_token(role="income_officer", subject="income-officer-1")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {officer}"}) as client:
        home = (await client.get(f"/v1/homes/{uprn}")).json()
        summary = (
            await client.get(f"/v1/rent-accounts/{tenancy['rent_account_id']}/summary")
        ).json()
    assert home["degraded"] == []
    assert "rent" not in home["withheld"]
    assert home["rent"] == summary
    assert "rent_summary" not in home["tenancy"]

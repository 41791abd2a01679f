"""Engagement through the gateway, on a real broker and databases (income, engagement
and the gateway running): income's tenants become residents under the same person ids;
a completed repair's event on Kafka brings a survey invitation through the message
pipeline; a staff token without vulnerabilities:read never sees a vulnerability, on the
service's routes and in the home composite; the Code's bad input is refused naming the
field."""

from __future__ import annotations

import asyncio
import json
import os
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord

from gateway.auth import issue_development_token
from gateway.roles import DEFAULT_ROLES
from gateway.settings import GatewaySettings
from hearth_contracts import Envelope
from hearth_contracts.events.repairs import RepairCompleted
from hearth_kit.working_days import london_day
from tests.harness.events import eventually, send_envelope, topic_of
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform

pytestmark = pytest.mark.integration

# The scheduled jobs run every second here (read when engagement starts), so the tests
# see a deadline breached and a letter sent with no request arriving.
os.environ.setdefault("HEARTH_ENGAGEMENT_DEADLINE_SWEEP_SECONDS", "1")
os.environ.setdefault("HEARTH_ENGAGEMENT_MESSAGE_SWEEP_SECONDS", "1")

DETAIL = "Oxygen concentrator in the front bedroom"


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases, services=("income", "engagement")) as running:
        yield running


async def everything_on(kafka: str, topic: str) -> list[ConsumerRecord[Any, Any]]:
    """Every message on the topic up to its end now (all partitions read to the end)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord[Any, Any]] = []
    try:
        async with asyncio.timeout(20):
            ends: dict[Any, int] = {}
            while True:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(batch)
                if not ends and consumer.assignment():
                    ends = await consumer.end_offsets(list(consumer.assignment()))
                if ends and all([await consumer.position(p) >= end for p, end in ends.items()]):
                    break
    finally:
        await consumer.stop()
    return records


def need_to_know_token(subject: str, *extra_scopes: str) -> str:
    """A staff token with need-to-know scopes granted one by one (as the identity
    provider grants them: in `scope`, never by a role)."""
    settings = GatewaySettings()
    now = datetime.now(UTC)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=30),
        "jti": str(uuid.uuid4()),
        "roles": ["staff"],
        "scope": " ".join((*DEFAULT_ROLES["staff"], *extra_scopes)),
    }
    return jwt.encode(claims, settings.user_token_secret(), algorithm="HS256")


@pytest.fixture(scope="module")
async def staff(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    token = issue_development_token(role="staff", subject="housing-officer-3")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


@pytest.fixture(scope="module")
async def safeguarding_lead(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    token = need_to_know_token("safeguarding-lead-1", "vulnerabilities:read")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


async def a_tenant(staff: httpx.AsyncClient) -> tuple[str, dict[str, Any]]:
    """A tenancy started at income; engagement's resident is income's person."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    tenancy = await staff.post(
        "/v1/tenancies",
        json={
            "tenancy_reference": f"T{uprn[-8:]}",
            "uprn": uprn,
            "tenants": [{"full_name": "Grace Mensah"}],
            "start_date": str(london_day(datetime.now(UTC)) - timedelta(days=60)),
            "tenancy_type": "secure",
            "weekly_rent_pence": 10_500,
        },
    )
    assert tenancy.status_code == 201, tenancy.text

    async def the_resident() -> list[dict[str, Any]]:
        answer = await staff.get("/v1/residents", params={"uprn": uprn})
        items: list[dict[str, Any]] = answer.json().get("items", [])
        return items

    [resident] = await eventually(the_resident, timeout=30)
    assert resident["tenancy_id"] == tenancy.json()["id"]
    person_ids = {
        str(t.get("person_id")) for t in tenancy.json().get("tenants", []) if t.get("person_id")
    }
    if person_ids:  # income shows its person ids: the resident is that person
        assert resident["id"] in person_ids
    # tenancy-started (v2) names no one: engagement records the name under the same id.
    named = await staff.post(
        "/v1/residents",
        json={
            "person_id": resident["id"],
            "tenancy_id": resident["tenancy_id"],
            "uprn": uprn,
            "full_name": "Grace Mensah",
            "preferred_channel": "letter",
        },
    )
    assert named.status_code == 201, named.text
    assert named.json()["id"] == resident["id"]
    return uprn, named.json()


async def test_a_survey_invitation_follows_a_completed_repair_through_kafka(
    platform: Platform, staff: httpx.AsyncClient
) -> None:
    uprn, resident = await a_tenant(staff)
    now = datetime.now(UTC)
    completed: Envelope[Any] = Envelope(
        data=RepairCompleted(
            repair_id=uuid.uuid4(),
            uprn=uprn,
            trade="plumbing",
            priority="routine",
            source="contact_centre",
            reported_at=now - timedelta(days=4),
            target_at=now + timedelta(days=16),
            completed_at=now,
            completed_on_time=True,
            right_first_time=True,
        )
    )
    await send_envelope(platform.kafka, platform.namespace, completed)

    async def invited() -> list[dict[str, Any]]:
        answer = await staff.get(f"/v1/residents/{resident['id']}/messages")
        return [m for m in answer.json().get("items", []) if m["template"] == "survey_invitation"]

    [invitation] = await eventually(invited, timeout=30)
    assert invitation["channel"] == "letter"
    assert "Grace Mensah" in invitation["body"]

    # Sent by the message job with no request arriving (letters go to the print room).
    async def sent() -> bool:
        answer = await staff.get(f"/v1/residents/{resident['id']}/messages")
        return any(m["status"] == "sent" for m in answer.json()["items"])

    assert await eventually(sent, timeout=60)


async def test_a_token_without_vulnerabilities_read_never_sees_a_vulnerability(
    staff: httpx.AsyncClient, safeguarding_lead: httpx.AsyncClient
) -> None:
    uprn, resident = await a_tenant(staff)
    recorded = await staff.post(
        f"/v1/residents/{resident['id']}/vulnerabilities",
        json={
            "category": "dependent_on_medical_equipment",
            "detail": DETAIL,
            "consent": True,
            "consent_given_at": datetime.now(UTC).isoformat(),
            "review_on": str(london_day(datetime.now(UTC)) + timedelta(days=90)),
        },
    )
    assert recorded.status_code == 201, recorded.text
    refused = await staff.get(f"/v1/residents/{resident['id']}/vulnerabilities")
    assert refused.status_code == 403
    for path in (
        f"/v1/residents/{resident['id']}",
        f"/v1/residents?uprn={uprn}",
        f"/v1/homes/{uprn}",
        f"/v1/residents/{resident['id']}/contact-view",
        f"/v1/tenancies/{resident['tenancy_id']}/overview",
        f"/v1/residents/{resident['id']}/messages",
    ):
        answer = await staff.get(path)
        assert answer.status_code == 200, (path, answer.text)
        assert DETAIL not in answer.text, path
        assert "dependent_on_medical_equipment" not in answer.text, path
    shown = await safeguarding_lead.get(f"/v1/residents/{resident['id']}/vulnerabilities")
    assert shown.status_code == 200, shown.text
    assert [v["detail"] for v in shown.json()] == [DETAIL]
    audit = await safeguarding_lead.get(f"/v1/residents/{resident['id']}/vulnerabilities/reads")
    assert [r["reader"] for r in audit.json()] == ["safeguarding-lead-1"]


async def test_stage_2_by_the_stage_1_handler_and_an_unknown_contact_resident_are_refused(
    staff: httpx.AsyncClient,
) -> None:
    uprn, resident = await a_tenant(staff)
    now = datetime.now(UTC)
    complaint = await staff.post(
        "/v1/complaints",
        json={
            "uprn": uprn,
            "resident_id": resident["id"],
            "category": "repairs",
            "medium": "phone",
            "summary": "The heating has failed three times",
            "received_at": (now - timedelta(hours=3)).isoformat(),
        },
    )
    assert complaint.status_code == 201, complaint.text
    complaint_id = complaint.json()["id"]
    acknowledged = await staff.post(
        f"/v1/complaints/{complaint_id}/acknowledge",
        json={"acknowledged_at": (now - timedelta(hours=2)).isoformat(), "handler": "staff-a"},
    )
    assert acknowledged.status_code == 200, acknowledged.text
    answered = await staff.post(
        f"/v1/complaints/{complaint_id}/respond",
        json={"responded_at": (now - timedelta(hours=1)).isoformat(), "compensation_pence": 2500},
    )
    assert answered.status_code == 200, answered.text
    refused = await staff.post(
        f"/v1/complaints/{complaint_id}/escalate",
        json={"requested_at": now.isoformat(), "handler": "staff-a"},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "handler"
    still = await staff.get(f"/v1/complaints/{complaint_id}")
    assert still.json()["stage"] == "stage_1"
    # The acknowledgement went to the resident through the message pipeline.
    messages = await staff.get(f"/v1/residents/{resident['id']}/messages")
    assert "complaint_acknowledged" in {m["template"] for m in messages.json()["items"]}

    contact = await staff.post(
        "/v1/contacts",
        json={
            "uprn": uprn,
            "resident_id": str(uuid.uuid4()),
            "direction": "inbound",
            "medium": "phone",
            "reason": "complaint",
            "contacted_at": now.isoformat(),
        },
    )
    assert contact.status_code == 422
    assert contact.json()["errors"][0]["field"] == "resident_id"


async def test_a_missed_acknowledgement_is_raised_once_by_the_scheduler_alone(
    platform: Platform, staff: httpx.AsyncClient
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    complaint = await staff.post(
        "/v1/complaints",
        json={
            "uprn": uprn,
            "category": "communication",
            "medium": "letter",
            "summary": "Nobody answered my letters",
            "received_at": (datetime.now(UTC) - timedelta(days=20)).isoformat(),
        },
    )
    assert complaint.status_code == 201, complaint.text
    topic = topic_of("engagement", platform.namespace)

    async def breaches() -> list[dict[str, Any]]:
        records = await everything_on(platform.kafka, topic)
        found = []
        for record in records:
            headers = dict(record.headers)
            if headers.get("ce_type") != b"uk.hearth.engagement.complaint-deadline-breached.v1":
                continue
            data = json.loads(record.value)
            if data["complaint_id"] == complaint.json()["id"]:
                found.append(data)
        return found

    [breach] = await eventually(breaches, timeout=60)
    assert breach["deadline"] == "acknowledge"
    assert "summary" not in breach
    # The sweep keeps running every second: still one.
    await asyncio.sleep(3)
    assert len(await breaches()) == 1

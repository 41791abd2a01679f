"""Every 409 of a complaint's actions names the field it is about, as the kit's other
conflicts do: `stage` when the current stage is not where the action needs it
(acknowledged twice, not acknowledged yet, already at stage 2, stage 1 neither answered
nor late), `status` when the stage is answered already (the complaint is closed); and
the refused action changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.engagement.tests.complaints.test_endpoints import (
    a_uprn,
    acknowledged,
    answered,
    received,
)


def conflict_on(response: httpx.Response, field: str) -> None:
    assert response.status_code == 409, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def current(client: httpx.AsyncClient, complaint: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"/v1/complaints/{complaint['id']}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_acknowledging_twice_names_the_stage_and_keeps_the_first_acknowledgement(
    engagement: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    complaint = await acknowledged(engagement, now - timedelta(hours=2))
    again = await engagement.post(
        f"/v1/complaints/{complaint['id']}/acknowledge",
        json={"acknowledged_at": now.isoformat(), "handler": "staff-9"},
    )
    conflict_on(again, "stage")
    assert "already acknowledged" in again.json()["detail"]
    assert await current(engagement, complaint) == complaint


async def test_an_answer_or_extension_before_the_acknowledgement_names_the_stage(
    engagement: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    complaint = await received(engagement, a_uprn(), received_at=now.isoformat())
    respond = await engagement.post(
        f"/v1/complaints/{complaint['id']}/respond", json={"responded_at": now.isoformat()}
    )
    conflict_on(respond, "stage")
    extend = await engagement.post(
        f"/v1/complaints/{complaint['id']}/extend",
        json={"reason": "Waiting for a survey", "new_respond_by": "2099-01-01"},
    )
    conflict_on(extend, "stage")
    assert await current(engagement, complaint) == complaint


async def test_an_answered_stage_answered_or_extended_again_names_the_status(
    engagement: httpx.AsyncClient,
) -> None:
    complaint = await answered(engagement)
    respond = await engagement.post(
        f"/v1/complaints/{complaint['id']}/respond",
        json={"responded_at": datetime.now(UTC).isoformat()},
    )
    conflict_on(respond, "status")
    extend = await engagement.post(
        f"/v1/complaints/{complaint['id']}/extend",
        json={"reason": "Waiting for a survey", "new_respond_by": "2099-01-01"},
    )
    conflict_on(extend, "status")
    assert await current(engagement, complaint) == complaint


async def test_escalating_too_early_or_twice_names_the_stage(
    engagement: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    early = await acknowledged(engagement, now - timedelta(hours=2))
    refused = await engagement.post(
        f"/v1/complaints/{early['id']}/escalate", json={"requested_at": now.isoformat()}
    )
    conflict_on(refused, "stage")
    assert await current(engagement, early) == early

    complaint = await answered(engagement)
    first = await engagement.post(
        f"/v1/complaints/{complaint['id']}/escalate", json={"requested_at": now.isoformat()}
    )
    assert first.status_code == 200, first.text
    twice = await engagement.post(
        f"/v1/complaints/{complaint['id']}/escalate", json={"requested_at": now.isoformat()}
    )
    conflict_on(twice, "stage")
    assert await current(engagement, complaint) == first.json()

"""A clock stopped while paused keeps when its pause ended (DOMAIN.md: every clock, its
pauses and the evidence are kept). The stop moved due_at on by the time paused, as a
resume does, but left the pause open in the record ({"reason", "from"} with no "to"):
a stopped clock showed a pause still running, and the record no longer said how far its
deadline had moved or why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from services.repairs.tests.conftest import a_damp_case
from services.repairs.tests.contractor_doubles import manager


async def test_a_stop_while_paused_ends_the_pause_at_the_stop(staff: httpx.AsyncClient) -> None:
    aware = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    case_id = await a_damp_case(staff, aware)
    path = f"/v1/awaab-cases/{case_id}/clocks/investigate"
    paused_at, stopped_at = aware + timedelta(days=1), aware + timedelta(days=2)
    paused = await staff.post(
        f"{path}/pause",
        json={"reason": "tenant_refused_access", "at": paused_at.isoformat()},
        auth=manager(),
    )
    assert paused.status_code == 200, paused.text
    due_before = datetime.fromisoformat(paused.json()["clocks"][0]["due_at"])

    stopped = await staff.post(
        f"{path}/stop",
        json={"at": stopped_at.isoformat(), "evidence": ["survey/7.pdf"]},
        auth=manager(),
    )
    assert stopped.status_code == 200, stopped.text
    [clock] = [c for c in stopped.json()["clocks"] if c["milestone"] == "investigate"]
    assert clock["paused_at"] is None
    assert [(p["reason"], p["from"], p.get("to")) for p in clock["pauses"]] == [
        ("tenant_refused_access", paused_at.isoformat(), stopped_at.isoformat())
    ]
    assert datetime.fromisoformat(clock["due_at"]) - due_before == timedelta(days=1)

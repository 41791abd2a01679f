"""Only a missed appointment says by whom and why: `missed_by` or `reason` sent with
the outcome kept or no_access was dropped, and the appointment recorded as that
outcome, though whoever sent it may have meant missed (a kept appointment "missed by the
landlord" counted as kept in repairs.appointments_kept, and nothing said so). Refused,
422 naming the field; nothing recorded or published."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hearth_kit.db import Database
from services.repairs.tests.orders.test_appointment_outcomes import (
    an_appointment_that_started_yesterday,
    missed_events,
)
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "kept", "missed_by": "landlord"}, "missed_by"),
        ({"outcome": "kept", "reason": "operative_late"}, "reason"),
        ({"outcome": "no_access", "missed_by": "landlord"}, "missed_by"),
        ({"outcome": "no_access", "reason": "other"}, "reason"),
    ],
    ids=["kept missed_by", "kept reason", "no_access missed_by", "no_access reason"],
)
async def test_missed_by_or_reason_with_another_outcome_is_refused(
    staff: httpx.AsyncClient, repairs_database: Database, body: dict[str, Any], field: str
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    appointment = await an_appointment_that_started_yesterday(repairs_database, uprn, order["id"])

    refused = await staff.post(f"/v1/appointments/{appointment.id}/outcome", json=body)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    shown = await staff.get("/v1/appointments", params={"uprn": uprn})
    assert [a["status"] for a in shown.json()["items"]] == ["booked"]
    assert await missed_events(repairs_database, uprn) == 0

    # Missed, the same details are taken (a guard: the rule is the outcome's).
    missed = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome", json={**body, "outcome": "missed"}
    )
    assert missed.status_code == 200, missed.text
    assert missed.json()["status"] == "missed"

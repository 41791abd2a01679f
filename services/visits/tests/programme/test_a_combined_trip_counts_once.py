"""A home visit paired with the gas safety check (a combined appointment) is one trip:
when the household gives no access, visits keeps the visit's no access and compliance
records the gas check's failed attempt too and sends access-failed, whose attempt id it
derives from the visit (uuid5 of the visit id and "visit-no-access:<attempt number>",
compliance's ProgrammeService.record_no_access_at_visit). The household's no-access
history counts that trip once, not twice (ADR 0199); the headline no-access rate counts
visits only and never counted it twice. Each event goes through the real handlers and
database, as the consumer applies it. Fixed past dates: the visits on 5 and 12 October
2026, the check due on 20 October."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import AccessFailed, CheckDue
from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn, outbox_rows
from services.visits.tests.test_handlers import consume, handle, registered, started

FIRST = "2026-10-05T10:00:00+00:00"
AGAIN = "2026-10-12T10:00:00+00:00"


async def a_gas_check_due(db: Database, uprn: str) -> uuid.UUID:
    check_id = uuid.uuid4()
    await handle(
        db,
        Envelope(
            data=CheckDue(
                check_id=check_id,
                uprn=uprn,
                check_type="gas_safety",
                due_by=date(2026, 10, 20),
                raised_at=datetime(2026, 9, 1, tzinfo=UTC),
            )
        ),
    )
    return check_id


async def no_access_at_the_combined_appointment(
    visits: httpx.AsyncClient, uprn: str, check_id: uuid.UUID, at: str, **booking: str
) -> str:
    booked = await visits.post(
        "/v1/visits", json={"uprn": uprn, "kind": "full", "scheduled_for": at, **booking}
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["paired_check_id"] == str(check_id)
    visit_id: str = booked.json()["id"]
    reported = await visits.post(
        f"/v1/visits/{visit_id}/report",
        json={"outcome": "no_access", "no_access_reason": "no_answer", "visited_at": at},
    )
    assert reported.status_code == 201, reported.text
    return visit_id


async def compliances_access_failed(
    db: Database, uprn: str, check_id: uuid.UUID, check_attempt: int
) -> Envelope[Any]:
    """The access-failed compliance sends for the gas check's attempt at the last
    visit-no-access visits published, as compliance builds it from that event."""
    sent = await outbox_rows(db, uprn)
    missed = [r["data"] for r in sent if "visit-no-access" in r["event_type"]][-1]
    visit_id = uuid.UUID(missed["visit_id"])
    return Envelope(
        data=AccessFailed(
            check_id=check_id,
            attempt_id=uuid.uuid5(visit_id, f"visit-no-access:{missed['attempt_number']}"),
            uprn=uprn,
            check_type="gas_safety",
            attempt_number=check_attempt,
            attempted_at=datetime.fromisoformat(missed["attempted_at"]),
        )
    )


async def no_access_history(visits: httpx.AsyncClient, uprn: str) -> tuple[int, int]:
    """The factor's count and the points no-access history gave the home's score."""
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    points = sum(r["points"] for r in priority["reasons"] if r["factor"] == "no_access_history")
    return priority["factors"]["no_access_visits"], points


async def no_access_rate(visits: httpx.AsyncClient) -> tuple[int, int]:
    response = await visits.get(
        "/v1/visits/figures", params={"from": "2026-10-01", "to": "2026-10-31"}
    )
    assert response.status_code == 200, response.text
    [rate] = [m for m in response.json()["measures"] if m["code"] == "visits.no_access_rate"]
    return rate["numerator"], rate["denominator"]


async def test_a_combined_appointment_with_no_access_is_one_trip_in_the_history(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, uuid.uuid4(), date(2015, 2, 2), "secure"))
    check_id = await a_gas_check_due(visits_database, uprn)

    first = await no_access_at_the_combined_appointment(visits, uprn, check_id, FIRST)
    assert await no_access_history(visits, uprn) == (1, 10)
    rate = await no_access_rate(visits)
    await consume(
        visits_database, [await compliances_access_failed(visits_database, uprn, check_id, 1)]
    )
    assert await no_access_history(visits, uprn) == (1, 10)
    assert await no_access_rate(visits) == rate

    # rebooked, and nobody in again: the second trip, once
    await no_access_at_the_combined_appointment(
        visits, uprn, check_id, AGAIN, rebooked_from_visit_id=first
    )
    await consume(
        visits_database, [await compliances_access_failed(visits_database, uprn, check_id, 2)]
    )
    assert await no_access_history(visits, uprn) == (2, 20)

    # the gas engineer's own trip on another day is another door not opened
    await consume(
        visits_database,
        [
            Envelope(
                data=AccessFailed(
                    check_id=check_id,
                    attempt_id=uuid.uuid4(),
                    uprn=uprn,
                    check_type="gas_safety",
                    attempt_number=3,
                    attempted_at=datetime(2026, 10, 15, 9, 0, tzinfo=UTC),
                )
            )
        ],
    )
    assert await no_access_history(visits, uprn) == (3, 30)

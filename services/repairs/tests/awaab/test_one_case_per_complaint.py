"""A complaint has one Awaab's Law case. Engagement's complaint-received about damp and
mould opens it by itself (once, however often the event comes), but POST
/v1/awaab-cases with the same complaint_id opened a second: a second set of clocks for
the same hazard, a second damp-mould-case-opened, and each breach counted twice in the
figures. Now a 409 naming complaint_id; nothing opened or published."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import func, select

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import ComplaintReceived
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from services.repairs.tests.awaab.test_cases import a_uprn, handlers
from services.repairs.tests.contractor_doubles import manager

CASE_OPENED = "uk.hearth.repairs.damp-mould-case-opened.v1"


async def cases_opened(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(
                outbox_message.c.message_key == uprn, outbox_message.c.event_type == CASE_OPENED
            )
        )
    return int(count or 0)


def a_case(uprn: str, complaint_id: uuid.UUID) -> dict[str, str]:
    aware = datetime.now(UTC) - timedelta(days=1)
    return {
        "uprn": uprn,
        "severity": "significant",
        "source": "complaint",
        "became_aware_at": aware.isoformat(),
        "complaint_id": str(complaint_id),
    }


async def test_a_complaint_whose_case_the_event_opened_is_refused_a_second(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    complaint = ComplaintReceived(
        complaint_id=uuid.uuid4(),
        uprn=uprn,
        category="damp_and_mould",
        medium="phone",
        received_at=datetime.now(UTC) - timedelta(days=2),
        acknowledge_by=date.today() + timedelta(days=5),
    )
    handler = handlers.get(complaint.type)
    assert handler is not None
    async with repairs_database.sessionmaker() as session, session.begin():
        await handler(session, Envelope(data=complaint))

    again = await staff.post(
        "/v1/awaab-cases", json=a_case(uprn, complaint.complaint_id), auth=manager()
    )
    assert again.status_code == 409, again.text
    assert [e["field"] for e in again.json()["errors"]] == ["complaint_id"]
    cases = (await staff.get("/v1/awaab-cases", params={"uprn": uprn})).json()["items"]
    assert len(cases) == 1
    assert await cases_opened(repairs_database, uprn) == 1


async def test_a_complaint_opened_by_a_request_is_refused_a_second(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, complaint_id = a_uprn(), uuid.uuid4()
    first = await staff.post("/v1/awaab-cases", json=a_case(uprn, complaint_id), auth=manager())
    assert first.status_code == 201, first.text
    second = await staff.post("/v1/awaab-cases", json=a_case(uprn, complaint_id), auth=manager())
    assert second.status_code == 409, second.text
    assert [e["field"] for e in second.json()["errors"]] == ["complaint_id"]
    assert first.json()["id"] in second.json()["detail"]
    # Another complaint is not refused for this one's case (a guard): at another home it
    # opens its own; at this home the open damp case is what refuses it (ADR 0217).
    elsewhere = a_uprn()
    other = await staff.post(
        "/v1/awaab-cases", json=a_case(elsewhere, uuid.uuid4()), auth=manager()
    )
    assert other.status_code == 201, other.text
    here = await staff.post("/v1/awaab-cases", json=a_case(uprn, uuid.uuid4()), auth=manager())
    assert here.status_code == 409, here.text
    assert [e["field"] for e in here.json()["errors"]] == ["uprn"]
    assert await cases_opened(repairs_database, uprn) == 1

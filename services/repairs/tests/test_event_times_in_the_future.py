"""A time another service's event carries, which repairs starts a clock from (when a
visit's repair was seen, a safety defect or missing alarm found, a hazard identified, a
complaint received, a communal issue noticed), may be in the future when the event is
handled: the producer's clock, or its bug. A consumer cannot refuse it with a 422, and a
dead letter would leave an unsafe appliance's repair unraised. The clock starts when the
event was published instead (or now, if that is in the future too), counted and logged
with the event's id and type: never later than the landlord knew, so no target or legal
deadline is pushed out."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import col

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import SafetyDefectFound
from hearth_contracts.events.engagement import ComplaintReceived
from hearth_contracts.events.visits import CommunalIssueFound, VisitFoundRepair
from hearth_kit.db import Database
from repairs.handlers import build_handlers, clock_start
from repairs.metrics import EVENT_TIMES_IN_THE_FUTURE
from repairs.models import AwaabCase, CommunalIssue, RepairRequest
from repairs.work_orders.service import RepairService
from services.repairs.tests.test_handlers import handle

handlers = build_handlers(RepairService())
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
PUBLISHED = NOW - timedelta(minutes=5)


def an_envelope(data: VisitFoundRepair, published: datetime) -> Envelope[VisitFoundRepair]:
    return Envelope(data=data, time=published)


def a_finding(seen_at: datetime) -> VisitFoundRepair:
    return VisitFoundRepair(
        visit_id=uuid.uuid4(),
        finding_id=uuid.uuid4(),
        uprn=a_uprn(),
        description="Dripping kitchen tap",
        location="kitchen",
        trade="plumbing",
        reported_at=seen_at,
        repairs_found_on_visit=1,
    )


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def test_a_time_not_in_the_future_is_the_clocks_start() -> None:
    seen = NOW - timedelta(days=2)
    assert clock_start(seen, an_envelope(a_finding(seen), PUBLISHED), NOW) == seen
    assert clock_start(NOW, an_envelope(a_finding(NOW), PUBLISHED), NOW) == NOW


def test_a_time_in_the_future_starts_the_clock_when_the_event_was_published() -> None:
    ahead = NOW + timedelta(days=30)
    counted = EVENT_TIMES_IN_THE_FUTURE.labels(event_type=a_finding(ahead).type)._value.get()
    assert clock_start(ahead, an_envelope(a_finding(ahead), PUBLISHED), NOW) == PUBLISHED
    assert EVENT_TIMES_IN_THE_FUTURE.labels(event_type=a_finding(ahead).type)._value.get() == (
        counted + 1
    )


def test_when_the_publication_is_in_the_future_too_the_clock_starts_now() -> None:
    ahead = NOW + timedelta(days=30)
    envelope = an_envelope(a_finding(ahead), NOW + timedelta(hours=1))
    assert clock_start(ahead, envelope, NOW) == NOW


async def test_every_clock_from_another_service_starts_no_later_than_its_event(
    repairs_database: Database,
) -> None:
    now = datetime.now(UTC)
    ahead, published = now + timedelta(days=30), now - timedelta(minutes=5)
    finding = a_finding(ahead)
    defect = SafetyDefectFound(
        defect_id=uuid.uuid4(),
        check_id=uuid.uuid4(),
        uprn=a_uprn(),
        check_type="gas_safety",
        classification="immediately_dangerous",
        priority="emergency",
        trade="gas",
        location="kitchen",
        description="Boiler flue not sealed",
        made_safe=True,
        found_at=ahead,
    )
    complaint = ComplaintReceived(
        complaint_id=uuid.uuid4(),
        uprn=a_uprn(),
        category="damp_and_mould",
        medium="phone",
        received_at=ahead,
        acknowledge_by=date.today() + timedelta(days=5),
    )
    issue = CommunalIssueFound(
        issue_id=uuid.uuid4(),
        visit_id=uuid.uuid4(),
        uprn=a_uprn(),
        issue="lighting",
        found_at=ahead,
    )
    for data in (finding, defect, complaint, issue):
        await handle(repairs_database, Envelope(data=data, time=published))

    async with repairs_database.sessionmaker() as session:
        reported = (
            await session.scalars(
                select(RepairRequest.reported_at).where(
                    col(RepairRequest.uprn).in_([finding.uprn, defect.uprn])
                )
            )
        ).all()
        aware = await session.scalar(
            select(AwaabCase.became_aware_at).where(
                AwaabCase.complaint_id == complaint.complaint_id
            )
        )
        found = await session.scalar(
            select(CommunalIssue.found_at).where(CommunalIssue.issue_id == issue.issue_id)
        )
    assert sorted(reported) == [published, published]
    assert (aware, found) == (published, published)

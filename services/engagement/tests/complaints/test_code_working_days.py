"""The Complaint Handling Code's deadlines count the Code's working days: weekends and
bank holidays in England and Wales only. A landlord closed between Christmas and New
Year (HEARTH_CLOSURE_DAYS) does not get later deadlines than the Code allows
(docs/adr/0041).

Christmas 2025, the office closed Mon 29 to Wed 31 December; the bank holidays are
Thu 25 and Fri 26 December and Thu 1 January. Past dates, so nothing here is in the
future whenever it runs (a receipt or acknowledgement in the future is refused)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from engagement.app import build_services, create_app
from engagement.complaints import rules
from engagement.complaints.rules import CODE_TIMESCALES, ExtensionRefused
from engagement.settings import EngagementSettings
from hearth_contracts.events.engagement import ComplaintStage
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from tests.harness.tokens import InternalTokenAuth

CLOSED = [date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31)]
RECEIVED = "2025-12-22T10:00:00+00:00"  # Monday
ACKNOWLEDGED = "2025-12-23T10:00:00+00:00"  # Tuesday

Published = Callable[[str, str], Awaitable[list[dict[str, Any]]]]


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


@pytest.fixture(scope="module")
def closed_at_christmas_settings(engagement_db_url: str) -> EngagementSettings:
    return EngagementSettings(
        database_url=engagement_db_url,
        relay_enabled=False,
        consumer_enabled=False,
        scheduler_enabled=False,
        closure_days=CLOSED,
    )


@pytest.fixture(scope="module")
async def closed_at_christmas(
    closed_at_christmas_settings: EngagementSettings,
) -> AsyncIterator[httpx.AsyncClient]:
    """The engagement API of a landlord closed between Christmas and New Year."""
    app = create_app(closed_at_christmas_settings)
    async with (
        LifespanManager(app) as started,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(started.app),
            base_url="http://engagement",
            auth=InternalTokenAuth("engagement"),
        ) as client,
    ):
        yield client


async def received(client: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    response = await client.post(
        "/v1/complaints",
        json={
            "uprn": uprn,
            "category": "repairs",
            "medium": "phone",
            "summary": "The boiler was left unrepaired for three weeks",
            "received_at": RECEIVED,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_complaint_received_before_a_closure_gets_the_codes_deadlines(
    closed_at_christmas: httpx.AsyncClient, published: Published
) -> None:
    uprn = a_uprn()
    complaint = await received(closed_at_christmas, uprn)
    # Received Mon 22 Dec: 23, 24, 29, 30, 31 Dec. Skipping the closure days as well
    # would have made it 23, 24 Dec, 2, 5, 6 Jan: Tue 6 Jan.
    assert complaint["stages"][0]["acknowledge_by"] == "2025-12-31"
    assert complaint["next_deadline"]["due_on"] == "2025-12-31"
    [event] = await published(uprn, "complaint-received")
    assert event["acknowledge_by"] == "2025-12-31"

    acknowledged = await closed_at_christmas.post(
        f"/v1/complaints/{complaint['id']}/acknowledge",
        json={"acknowledged_at": ACKNOWLEDGED, "handler": "staff-1"},
    )
    assert acknowledged.status_code == 200, acknowledged.text
    # Acknowledged Tue 23 Dec: 24, 29, 30, 31 Dec, 2, 5, 6, 7, 8, 9 Jan (not Wed 14 Jan:
    # 24 Dec, 2, 5, 6, 7, 8, 9, 12, 13, 14 Jan).
    stage_1 = acknowledged.json()["stages"][0]
    assert (stage_1["respond_by"], stage_1["code_respond_by"]) == ("2026-01-09", "2026-01-09")


async def test_stage_2_requested_before_a_closure_gets_the_codes_acknowledgement_date(
    closed_at_christmas: httpx.AsyncClient,
) -> None:
    complaint = await received(closed_at_christmas, a_uprn())
    path = f"/v1/complaints/{complaint['id']}"
    for action, body in (
        ("acknowledge", {"acknowledged_at": ACKNOWLEDGED, "handler": "staff-1"}),
        ("respond", {"responded_at": "2025-12-24T09:00:00+00:00"}),
        ("escalate", {"requested_at": "2025-12-24T12:00:00+00:00"}),
    ):
        response = await closed_at_christmas.post(f"{path}/{action}", json=body)
        assert response.status_code == 200, (action, response.text)
    # Asked for Wed 24 Dec: 29, 30, 31 Dec, 2, 5 Jan (not Thu 8 Jan: 2, 5, 6, 7, 8 Jan).
    stage_2 = response.json()["stages"][1]
    assert stage_2["acknowledge_by"] == "2026-01-05"


async def test_the_breach_job_raises_an_unacknowledged_complaint_on_the_codes_day(
    closed_at_christmas: httpx.AsyncClient,
    closed_at_christmas_settings: EngagementSettings,
    engagement_database: Database,
    published: Published,
) -> None:
    uprn = a_uprn()
    complaint = await received(closed_at_christmas, uprn)
    complaints = build_services(closed_at_christmas_settings).complaints
    job = ScheduledJob("complaint-deadlines", timedelta(minutes=5), complaints.raise_breaches)
    # Midnight starting Thu 1 Jan 2026 in London: the acknowledgement's day (31 Dec) is over.
    await run_until_done(engagement_database, job, datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC))
    [breach] = await published(uprn, "complaint-deadline-breached")
    assert (breach["complaint_id"], breach["deadline"]) == (complaint["id"], "acknowledge")


def test_an_extension_counts_the_codes_working_days(
    closed_at_christmas_settings: EngagementSettings,
) -> None:
    """The extension's limit and its "is a working day" check use the calendar the
    service is built with (extensions cannot go through the API here: one recorded after
    its deadline, as any on these past dates is now, is refused)."""
    calendar = build_services(closed_at_christmas_settings).complaints.calendar
    stage_1 = CODE_TIMESCALES[ComplaintStage.STAGE_1]

    def extend(current: date, new: date, agreed: datetime) -> None:
        rules.check_extension(
            current_respond_by=current,
            code_respond_by=current,
            new_respond_by=new,
            agreed_at=agreed,
            acknowledged_at=datetime(2025, 12, 10, 10, tzinfo=UTC),
            now=agreed,
            breach_raised=False,
            timescale=stage_1,
            calendar=calendar,
        )

    # Due Wed 24 Dec, agreed Mon 22 Dec: Tue 30 Dec, a closure day, is a working day in
    # the Code; at most 10 working days after 24 Dec: 29, 30, 31 Dec, 2, 5, 6, 7, 8, 9,
    # 12 Jan (not Thu 15 Jan: 2, 5, 6, 7, 8, 9, 12, 13, 14, 15 Jan).
    agreed = datetime(2025, 12, 22, 10, tzinfo=UTC)
    extend(date(2025, 12, 24), date(2025, 12, 30), agreed)
    extend(date(2025, 12, 24), date(2026, 1, 12), agreed)
    with pytest.raises(ExtensionRefused, match="no later than 2026-01-12") as refused:
        extend(date(2025, 12, 24), date(2026, 1, 13), agreed)
    assert refused.value.field == "new_respond_by"

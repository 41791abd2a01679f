"""`hearth engagement recompute-complaint-deadlines`: open complaints recorded before
docs/adr/0041 kept dates that skipped the landlord's closure days. The command lists each
open stage due later than the Code's working days allow (a dry run by default) and, with
--apply, moves each stored date earlier to the Code's, never later, never an agreed
extension; a second run changes nothing.

Christmas 2025, the office closed Mon 29 to Wed 31 December (bank holidays Thu 25, Fri
26 December and Thu 1 January). The stages are written straight into the database with
the dates the old calendar gave, since the service now computes the Code's. Fixed past
dates: at the real "now" every Code date below has passed."""

from __future__ import annotations

import asyncio
import json
import os
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from engagement.complaints.repository import get, stages_of
from engagement.complaints.service import ComplaintService
from engagement.models import Complaint, ComplaintStageRecord, ComplaintStatus
from engagement.settings import ComplaintTimescales
from hearth_contracts.events.engagement import (
    ComplaintCategory,
    ComplaintStage,
    ContactMedium,
)
from hearth_kit import cli
from hearth_kit.scheduler import ScheduledJob, run_until_done
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import ENGLAND_AND_WALES
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database

RECEIVED = datetime(2025, 12, 22, 10, tzinfo=UTC)  # Monday
ACKNOWLEDGED = datetime(2025, 12, 23, 10, tzinfo=UTC)  # Tuesday
AGREED = datetime(2026, 1, 5, 11, tzinfo=UTC)
SUMMARY = "Mrs Example's boiler was left unrepaired for three weeks"


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


@pytest.fixture
async def engagement_url(databases: DatabaseFactory) -> str:
    """A database of its own for each test: the breach job and the command see every
    complaint in it."""
    return await migrated_database(databases, "engagement")


def service() -> ComplaintService:
    """The service as app.py builds it: the Code's timescales and working days."""
    return ComplaintService(ComplaintTimescales().by_stage(), ENGLAND_AND_WALES)


@dataclass(frozen=True)
class Stage:
    """One stage's stored dates, as the old calendar (closure days skipped) gave them."""

    stage: ComplaintStage = ComplaintStage.STAGE_1
    requested_at: datetime = RECEIVED
    acknowledge_by: date = date(2026, 1, 6)
    acknowledged_at: datetime | None = None
    respond_by: date | None = None
    code_respond_by: date | None = None
    extension_agreed_at: datetime | None = None
    responded_at: datetime | None = None
    acknowledge_breach_raised_at: datetime | None = None


async def complaint(url: str, *stages: Stage) -> uuid.UUID:
    """A complaint with these stages, written directly (no event, no letter)."""
    complaint_id = uuid.uuid4()
    current = stages[-1]
    async with opened_database(url) as db, db.sessionmaker() as session, session.begin():
        session.add(
            Complaint(
                id=complaint_id,
                uprn=a_uprn(),
                category=ComplaintCategory.REPAIRS,
                medium=ContactMedium.PHONE,
                summary=SUMMARY,
                received_at=stages[0].requested_at,
                stage=current.stage,
                status=ComplaintStatus.CLOSED
                if current.responded_at is not None
                else ComplaintStatus.OPEN,
            )
        )
        await session.flush()
        for stage in stages:
            session.add(
                ComplaintStageRecord(
                    complaint_id=complaint_id,
                    stage=stage.stage,
                    requested_at=stage.requested_at,
                    acknowledge_by=stage.acknowledge_by,
                    acknowledged_at=stage.acknowledged_at,
                    handler="staff-1" if stage.acknowledged_at is not None else None,
                    respond_by=stage.respond_by,
                    code_respond_by=stage.code_respond_by,
                    extension_agreed_at=stage.extension_agreed_at,
                    extension_reason="Waiting for the contractor's report"
                    if stage.extension_agreed_at is not None
                    else None,
                    responded_at=stage.responded_at,
                    acknowledge_breach_raised_at=stage.acknowledge_breach_raised_at,
                )
            )
    return complaint_id


ACKNOWLEDGED_STAGE = Stage(
    acknowledged_at=ACKNOWLEDGED,
    # 10 working days from Tue 23 Dec skipping the closure: 24 Dec, 2, 5 ... 14 Jan.
    respond_by=date(2026, 1, 14),
    code_respond_by=date(2026, 1, 14),
)


@dataclass(frozen=True)
class Seeded:
    unacknowledged: uuid.UUID
    unacknowledged_breach_raised: uuid.UUID
    unanswered: uuid.UUID
    extended_within: uuid.UUID
    extended_beyond: uuid.UUID
    at_stage_2: uuid.UUID
    received_after_the_closure: uuid.UUID
    answered: uuid.UUID
    stricter_than_the_code: uuid.UUID


async def seed(url: str) -> Seeded:
    return Seeded(
        # Received Mon 22 Dec: the old calendar gave Tue 6 Jan, the Code Wed 31 Dec.
        unacknowledged=await complaint(url, Stage()),
        unacknowledged_breach_raised=await complaint(
            url, Stage(acknowledge_breach_raised_at=datetime(2026, 1, 7, 0, 5, tzinfo=UTC))
        ),
        # Acknowledged Tue 23 Dec: the Code's answer is due Fri 9 Jan, not Wed 14 Jan.
        unanswered=await complaint(url, ACKNOWLEDGED_STAGE),
        # Extended on 5 Jan. The limit from the Code's 9 Jan is 10 working days later:
        # Fri 23 Jan (from the stored 14 Jan it was Wed 28 Jan).
        extended_within=await complaint(
            url,
            Stage(
                acknowledged_at=ACKNOWLEDGED,
                respond_by=date(2026, 1, 23),
                code_respond_by=date(2026, 1, 14),
                extension_agreed_at=AGREED,
            ),
        ),
        extended_beyond=await complaint(
            url,
            Stage(
                acknowledged_at=ACKNOWLEDGED,
                respond_by=date(2026, 1, 28),
                code_respond_by=date(2026, 1, 14),
                extension_agreed_at=AGREED,
            ),
        ),
        # Stage 1 answered Wed 24 Dec, escalation asked the same day: the Code's 5
        # working days end Mon 5 Jan (29, 30, 31 Dec, 2, 5 Jan), not Thu 8 Jan.
        at_stage_2=await complaint(
            url,
            Stage(
                acknowledged_at=ACKNOWLEDGED,
                respond_by=date(2026, 1, 14),
                code_respond_by=date(2026, 1, 14),
                responded_at=datetime(2025, 12, 24, 9, tzinfo=UTC),
            ),
            Stage(
                stage=ComplaintStage.STAGE_2,
                requested_at=datetime(2025, 12, 24, 12, tzinfo=UTC),
                acknowledge_by=date(2026, 1, 8),
            ),
        ),
        # Received Mon 5 Jan: no closure ahead, both calendars agree on Mon 12 Jan.
        received_after_the_closure=await complaint(
            url,
            Stage(
                requested_at=datetime(2026, 1, 5, 10, tzinfo=UTC),
                acknowledge_by=date(2026, 1, 12),
            ),
        ),
        # Answered: its dates are history (CH02 judged it on them).
        answered=await complaint(
            url,
            Stage(
                acknowledged_at=ACKNOWLEDGED,
                respond_by=date(2026, 1, 14),
                code_respond_by=date(2026, 1, 14),
                responded_at=datetime(2026, 1, 13, 15, tzinfo=UTC),
            ),
        ),
        # Earlier than the Code's Wed 31 Dec (a landlord's stricter timescale): never
        # moved later.
        stricter_than_the_code=await complaint(url, Stage(acknowledge_by=date(2025, 12, 29))),
    )


async def hearth(url: str, *args: str) -> int:
    """Run `hearth ARGS` on this engagement database (in a thread: the command runs its
    own event loop)."""
    previous = os.environ.get("HEARTH_ENGAGEMENT_DATABASE_URL")
    os.environ["HEARTH_ENGAGEMENT_DATABASE_URL"] = url
    try:
        return await asyncio.to_thread(cli.main, list(args))
    finally:
        if previous is None:
            os.environ.pop("HEARTH_ENGAGEMENT_DATABASE_URL", None)
        else:
            os.environ["HEARTH_ENGAGEMENT_DATABASE_URL"] = previous


def rows(out: str) -> set[tuple[str, ...]]:
    """The command's tab-separated lines after its header."""
    lines = [line for line in out.splitlines() if "\t" in line]
    assert lines[0].split("\t") == ["complaint_id", "stage", "deadline", "stored", "code", "note"]
    return {tuple(line.split("\t")) for line in lines[1:]}


def expected_rows(seeded: Seeded) -> set[tuple[str, ...]]:
    return {
        (
            str(seeded.unacknowledged),
            "stage_1",
            "acknowledge",
            "2026-01-06",
            "2025-12-31",
            "now overdue",
        ),
        (
            str(seeded.unacknowledged_breach_raised),
            "stage_1",
            "acknowledge",
            "2026-01-06",
            "2025-12-31",
            "now overdue; breach already raised",
        ),
        (str(seeded.unanswered), "stage_1", "respond", "2026-01-14", "2026-01-09", "now overdue"),
        (
            str(seeded.extended_within),
            "stage_1",
            "respond",
            "2026-01-14",
            "2026-01-09",
            "extended to 2026-01-23, kept",
        ),
        (
            str(seeded.extended_beyond),
            "stage_1",
            "respond",
            "2026-01-14",
            "2026-01-09",
            "extended to 2026-01-28, kept; beyond the limit 2026-01-23: for a complaints handler",
        ),
        (
            str(seeded.at_stage_2),
            "stage_2",
            "acknowledge",
            "2026-01-08",
            "2026-01-05",
            "now overdue",
        ),
    }


async def stored(url: str) -> dict[tuple[uuid.UUID, str], tuple[Any, ...]]:
    """Every stage's dates and extension as the database holds them."""
    async with opened_database(url) as db, db.sessionmaker() as session:
        records = (await session.execute(select(ComplaintStageRecord))).scalars().all()
        return {
            (r.complaint_id, r.stage.value): (
                r.acknowledge_by,
                r.code_respond_by,
                r.respond_by,
                r.extension_agreed_at,
                r.extension_reason,
                r.acknowledge_breach_raised_at,
                r.respond_breach_raised_at,
            )
            for r in records
        }


async def outbox(url: str) -> list[tuple[str, dict[str, Any]]]:
    async with opened_database(url) as db, db.sessionmaker() as session:
        found = await session.execute(
            select(outbox_message.c.event_type, outbox_message.c.payload).order_by(
                outbox_message.c.id
            )
        )
        return [(event_type, json.loads(payload)) for event_type, payload in found.all()]


async def test_the_dry_run_lists_each_stage_due_later_than_the_code_and_changes_nothing(
    engagement_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = await seed(engagement_url)
    before = await stored(engagement_url)

    assert await hearth(engagement_url, "engagement", "recompute-complaint-deadlines") == 0

    out = capsys.readouterr().out
    assert rows(out) == expected_rows(seeded)
    assert (
        "dry run, nothing changed: 6 deadline(s) in 6 complaint(s) later than the Code's, "
        "4 of them overdue on the Code's date; 1 agreed extension(s) beyond the limit"
    ) in out
    assert await stored(engagement_url) == before
    # ids and dates only: nothing the complaint says, nor the extension's reason
    assert "Example" not in out
    assert "contractor" not in out


async def test_apply_moves_each_date_earlier_keeps_extensions_and_runs_again_to_no_change(
    engagement_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = await seed(engagement_url)
    before = await stored(engagement_url)

    assert (
        await hearth(engagement_url, "engagement", "recompute-complaint-deadlines", "--apply") == 0
    )

    out = capsys.readouterr().out
    assert rows(out) == expected_rows(seeded)
    assert (
        "moved 6 deadline(s) earlier in 6 complaint(s), 4 now overdue (the "
        "complaint-deadlines job raises them); 1 agreed extension(s) beyond the limit"
    ) in out
    after = await stored(engagement_url)
    s1, s2 = "stage_1", "stage_2"
    expected = dict(before)
    for key, new in (
        ((seeded.unacknowledged, s1), {0: date(2025, 12, 31)}),
        ((seeded.unacknowledged_breach_raised, s1), {0: date(2025, 12, 31)}),
        ((seeded.unanswered, s1), {1: date(2026, 1, 9), 2: date(2026, 1, 9)}),
        # the extension's date, reason and agreement stay; its limit's start moves
        ((seeded.extended_within, s1), {1: date(2026, 1, 9)}),
        ((seeded.extended_beyond, s1), {1: date(2026, 1, 9)}),
        ((seeded.at_stage_2, s2), {0: date(2026, 1, 5)}),
    ):
        values = list(before[key])
        for index, value in new.items():
            values[index] = value
        expected[key] = tuple(values)
    assert after == expected
    # no event: none is published when a complaint's deadline changes (ADR 0041)
    assert await outbox(engagement_url) == []

    # Again: nothing moves; only the extension beyond its limit is still listed.
    assert (
        await hearth(engagement_url, "engagement", "recompute-complaint-deadlines", "--apply") == 0
    )
    out = capsys.readouterr().out
    assert rows(out) == {
        (
            str(seeded.extended_beyond),
            "stage_1",
            "respond",
            "2026-01-09",
            "2026-01-09",
            "extended to 2026-01-28, kept; beyond the limit 2026-01-23: for a complaints handler",
        )
    }
    assert "moved 0 deadline(s) earlier in 0 complaint(s)" in out
    assert await stored(engagement_url) == after


async def test_a_deadline_moved_into_the_past_is_raised_by_the_breach_job(
    engagement_url: str,
) -> None:
    unacknowledged = await complaint(engagement_url, Stage())
    unanswered = await complaint(engagement_url, ACKNOWLEDGED_STAGE)
    complaints = service()
    job = ScheduledJob("complaint-deadlines", timedelta(minutes=5), complaints.raise_breaches)
    # Midnight starting Fri 2 Jan 2026 in London: the Code's 31 Dec is over, the stored
    # 6 Jan is not, so the job sees nothing due.
    async with opened_database(engagement_url) as db:
        await run_until_done(db, job, datetime(2026, 1, 2, 0, 0, 1, tzinfo=UTC))
    assert await outbox(engagement_url) == []

    assert (
        await hearth(engagement_url, "engagement", "recompute-complaint-deadlines", "--apply") == 0
    )

    async with opened_database(engagement_url) as db:
        await run_until_done(db, job, datetime(2026, 1, 2, 0, 5, 1, tzinfo=UTC))
        # and the answer's: the Code's Fri 9 Jan is over on Sat 10 Jan
        await run_until_done(db, job, datetime(2026, 1, 10, 0, 0, 1, tzinfo=UTC))
    breaches = [
        (data["complaint_id"], data["deadline"], data["due_on"], data["extended"])
        for event_type, data in await outbox(engagement_url)
        if event_type == "uk.hearth.engagement.complaint-deadline-breached.v1"
    ]
    assert breaches == [
        (str(unacknowledged), "acknowledge", "2025-12-31", False),
        (str(unanswered), "respond", "2026-01-09", False),
    ]


async def test_a_moved_deadline_not_yet_passed_is_not_called_overdue(
    engagement_url: str,
) -> None:
    """Judged at a fixed moment: on Mon 29 Dec 2025 the Code's Wed 31 Dec is still ahead;
    on Thu 1 Jan it has passed."""
    complaint_id = await complaint(engagement_url, Stage())
    complaints = service()
    async with opened_database(engagement_url) as db, db.sessionmaker() as session:
        early, _ = await complaints.deadlines_later_than_the_code(
            session, datetime(2025, 12, 29, 12, tzinfo=UTC), after=None, limit=10
        )
        late, _ = await complaints.deadlines_later_than_the_code(
            session, datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC), after=None, limit=10
        )
    assert [(f.complaint_id, f.code, f.overdue) for f in early] == [
        (complaint_id, date(2025, 12, 31), False)
    ]
    assert [(f.complaint_id, f.code, f.overdue) for f in late] == [
        (complaint_id, date(2025, 12, 31), True)
    ]


async def test_the_batches_cover_every_open_stage_once(engagement_url: str) -> None:
    """Read a stage at a time, a complaint's two stages fall in different batches: each
    is still read once."""
    seeded = await seed(engagement_url)
    complaints = service()
    found: list[tuple[uuid.UUID, str]] = []
    after = None
    async with opened_database(engagement_url) as db, db.sessionmaker() as session:
        while True:
            batch, after = await complaints.deadlines_later_than_the_code(
                session, datetime.now(UTC), after=after, limit=1
            )
            if after is None:
                break
            found.extend((f.complaint_id, f.stage.value) for f in batch)
    assert sorted(found) == sorted((uuid.UUID(r[0]), r[1]) for r in expected_rows(seeded))


async def test_apply_leaves_a_stage_acknowledged_since_it_was_listed(
    engagement_url: str,
) -> None:
    """Each complaint is judged again under its locks: one acknowledged between the
    listing and the change has no acknowledgement date to move."""
    complaint_id = await complaint(engagement_url, Stage())
    complaints = service()
    now = datetime.now(UTC)
    async with opened_database(engagement_url) as db:
        async with db.sessionmaker() as session:
            [listed], _ = await complaints.deadlines_later_than_the_code(
                session, now, after=None, limit=10
            )
        async with db.sessionmaker() as session, session.begin():
            [stage] = (await stages_of(session, [complaint_id], for_update=True))[complaint_id]
            stage.acknowledged_at = ACKNOWLEDGED
            stage.code_respond_by = stage.respond_by = date(2026, 1, 9)
        async with db.sessionmaker() as session, session.begin():
            moved = await complaints.bring_deadlines_forward(session, listed.complaint_id, now)
        async with db.sessionmaker() as session:
            [stage] = (await stages_of(session, [complaint_id]))[complaint_id]
    assert moved == []
    assert stage.acknowledge_by == date(2026, 1, 6)


async def test_apply_waits_for_the_complaint_lock_a_change_holds(engagement_url: str) -> None:
    """The lock order every change to a complaint takes: the complaint's row first. While
    an acknowledgement (say) holds it, the command's change to that complaint waits (here:
    gives up after its lock_timeout) and moves nothing."""
    if not engagement_url.startswith("postgresql"):
        pytest.skip("row locks between two transactions: PostgreSQL only")
    complaint_id = await complaint(engagement_url, Stage())
    complaints = service()
    async with (
        opened_database(engagement_url) as db,
        db.sessionmaker() as holding,
        holding.begin(),
        db.sessionmaker() as session,
        session.begin(),
    ):
        assert await get(holding, complaint_id, for_update=True) is not None
        await session.execute(text("SET LOCAL lock_timeout = '200ms'"))
        with pytest.raises(DBAPIError, match="lock"):
            await complaints.bring_deadlines_forward(session, complaint_id, datetime.now(UTC))
        await session.rollback()
    assert (await stored(engagement_url))[(complaint_id, "stage_1")][0] == date(2026, 1, 6)

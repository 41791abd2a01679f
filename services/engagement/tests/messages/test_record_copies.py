"""The household's copy of a safety record is one per record, not per check: a same-day
gas re-test after a repair is announced again under the same check id with a new
certificate reference, and the household gets the new record's copy too (the law is
about the record). The same event again writes nothing, the gas check's survey stays one
per check, and the check's first record keeps the check id as its copy's id (the id
compliance tracks the copy by, and the key of copies written before re-tests had their
own)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from engagement.app import build_services
from engagement.messages.templates import PUBLISHED_LANGUAGES, TEMPLATES
from engagement.models import Message, SurveyInvitation
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import (
    CheckCompleted,
    CheckCompletedV2,
    CheckOutcome,
    CheckType,
    retest_copy_id,
)
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from services.engagement.tests.messages.test_pipeline import a_resident


def completed(
    check_id: uuid.UUID, uprn: str, reference: str, at: datetime
) -> Envelope[CheckCompletedV2]:
    return Envelope(
        data=CheckCompletedV2(
            check_id=check_id,
            uprn=uprn,
            check_type=CheckType.GAS_SAFETY,
            outcome=CheckOutcome.SATISFACTORY,
            certificate_reference=reference,
            completed_at=at,
            next_due_by=date(2027, 11, 20),
            copy_to_tenant_by=date(2026, 12, 18),
        )
    )


async def handle(db: Database, envelope: Any) -> None:
    handler = build_services(EngagementSettings()).handlers.get(envelope.type)
    assert handler is not None, envelope.type
    async with db.sessionmaker() as session, session.begin():
        await handler(session, envelope)


async def copies(db: Database, resident_id: str) -> list[Message]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(Message)
            .where(
                Message.resident_id == uuid.UUID(resident_id),
                Message.template == "check_record_copy",
            )
            .order_by(col(Message.created_at))
        )
        return list(rows.scalars().all())


async def invitations(db: Database, uprn: str) -> list[SurveyInvitation]:
    async with db.sessionmaker() as session:
        rows = await session.execute(select(SurveyInvitation).where(SurveyInvitation.uprn == uprn))
        return list(rows.scalars().all())


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def test_a_replayed_check_completed_writes_one_copy_and_one_survey(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    resident = await a_resident(engagement, tenancy_id=str(uuid.uuid4()), uprn=uprn)
    check_id = uuid.uuid4()
    event = completed(check_id, uprn, "CP12-100", datetime(2026, 11, 20, 10, tzinfo=UTC))
    for _ in range(2):
        await handle(engagement_database, event)
    [copy] = await copies(engagement_database, resident)
    assert copy.source_id == check_id  # the first record keeps the check's id
    assert "(CP12-100)" in copy.body
    assert len(await invitations(engagement_database, uprn)) == 1


async def test_a_same_day_retest_writes_the_new_records_copy_and_no_second_survey(
    engagement: httpx.AsyncClient, engagement_database: Database, published: Any
) -> None:
    uprn = a_uprn()
    tenancy_id = str(uuid.uuid4())
    residents = [
        await a_resident(engagement, tenancy_id=tenancy_id, uprn=uprn, language=language)
        for language in ("en", "cy")
    ]
    check_id = uuid.uuid4()
    first = completed(check_id, uprn, "CP12-100", datetime(2026, 11, 20, 10, tzinfo=UTC))
    retest = completed(check_id, uprn, "CP12-101", datetime(2026, 11, 20, 15, tzinfo=UTC))
    # the re-test, then both again (a replay after the deploy, in any order)
    for event in (first, retest, retest, first):
        await handle(engagement_database, event)
    for resident in residents:
        first_copy, retest_copy = await copies(engagement_database, resident)
        assert (first_copy.source_id, retest_copy.source_id) == (
            check_id,
            retest_copy_id(check_id, "CP12-101"),
        )
        assert "(CP12-100)" in first_copy.body
        assert "(CP12-101)" in retest_copy.body
    # the survey is the check's: one invitation per resident however many records
    assert len(await invitations(engagement_database, uprn)) == len(residents)

    services = build_services(EngagementSettings())
    job = ScheduledJob("messages", timedelta(seconds=30), services.messages.send_due)
    await run_until_done(engagement_database, job, datetime.now(UTC) + timedelta(seconds=1))
    sent = await published(uprn, "tenant-copy-sent")
    assert sorted(s["copy_id"] for s in sent) == sorted(
        [str(check_id)] * 2 + [str(retest_copy_id(check_id, "CP12-101"))] * 2
    )


async def test_a_retest_before_the_first_records_copy_is_written_gets_the_check_id(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """Whichever record's copy is written first keeps the check's id; the other record
    still gets its own copy, once (v1 events on the topic are handled alike)."""
    uprn = a_uprn()
    resident = await a_resident(engagement, tenancy_id=str(uuid.uuid4()), uprn=uprn)
    check_id = uuid.uuid4()
    retest = completed(check_id, uprn, "CP12-101", datetime(2026, 11, 20, 15, tzinfo=UTC))
    first_v1 = Envelope(
        data=CheckCompleted.model_validate(
            completed(check_id, uprn, "CP12-100", datetime(2026, 11, 20, 10, tzinfo=UTC)).data,
            from_attributes=True,
        )
    )
    for event in (retest, first_v1, first_v1, retest):
        await handle(engagement_database, event)
    written = {m.source_id: m.body for m in await copies(engagement_database, resident)}
    assert written.keys() == {check_id, retest_copy_id(check_id, "CP12-100")}
    assert "(CP12-101)" in written[check_id]


async def test_a_copy_with_no_template_in_the_residents_language_goes_in_english_flagged(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """ADR 0119: the law's copy (within 28 days) goes to a resident whose language no
    template is written in, in English, flagged with the language it was wanted in for
    staff to have it translated; it was a failed message with no body, never sent. The
    same event again writes no second copy."""
    uprn = a_uprn()
    resident = await a_resident(engagement, tenancy_id=str(uuid.uuid4()), uprn=uprn, language="fr")
    event = completed(uuid.uuid4(), uprn, "CP12-100", datetime(2026, 11, 20, 10, tzinfo=UTC))
    for _ in range(2):
        await handle(engagement_database, event)
    [copy] = await copies(engagement_database, resident)
    assert (copy.status, copy.language, copy.untranslated_from) == ("pending", "en", "fr")
    assert "Dear Sam Okafor" in copy.body
    assert "(CP12-100)" in copy.body
    listed = (await engagement.get(f"/v1/residents/{resident}/messages")).json()["items"]
    flagged = {m["template"]: m["untranslated_from"] for m in listed}
    # the gas check's survey invitation is the landlord's own: not written, as before
    assert flagged == {"check_record_copy": "fr", "survey_invitation": None}


@pytest.mark.parametrize("language", PUBLISHED_LANGUAGES)
def test_every_record_copy_names_its_certificate_reference_in_brackets(language: str) -> None:
    """How a copy already written is known to be of a record (is_copy_of)."""
    template = TEMPLATES["check_record_copy"][language]
    for body in (template.body, template.easy_read):
        assert body is None or "({certificate_reference})" in body

"""A review of a vulnerability is dated when it was held with the resident
(`reviewed_at`), never when it was typed in: that moment is kept and shown, the next
review's date is counted from its London day, and a review dated before the
vulnerability was recorded with consent, or before the review already kept, is
refused. Fixed past dates: a review held in the summer of 2025 and typed in since."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from engagement.models import Vulnerability
from engagement.vulnerabilities.service import latest_review_on
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from tests.harness.tokens import STAFF_SCOPES

from .test_need_to_know import ClientWithScopes, a_tenant, a_vulnerability, flags

CONSENT_GIVEN_AT = "2025-03-03T10:00:00Z"
FIRST_REVIEW_ON = (london_day(datetime.now(UTC)) + timedelta(days=365)).isoformat()
"""A first review date a year ahead: not yet due, so a review's date replaces it, and
within the 2 years a review may be set ahead (ADR 0076)."""
REVIEWER = STAFF_SCOPES | {"vulnerabilities:read", "vulnerabilities:write"}
"""A review is of the need itself: the need-to-know read as well as the write."""


async def recorded(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> tuple[ClientWithScopes, str, uuid.UUID, str]:
    """A vulnerability recorded by a writer, and the reviewer's client (a review needs
    vulnerabilities:read as well as :write)."""
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    answer = await writer.post(
        f"/v1/residents/{person_id}/vulnerabilities",
        json=a_vulnerability(consent_given_at=CONSENT_GIVEN_AT, review_on=FIRST_REVIEW_ON),
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["reviewed_at"] is None
    return engagement_as(REVIEWER), uprn, person_id, answer.json()["id"]


async def test_a_review_keeps_when_it_was_held_and_the_next_date_counts_from_its_day(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """Held at 00:30 on 1 July 2025 London time (23:30 UTC the day before), typed in
    since: the next review on 1 December 2025 is after the review's day, so it is kept
    (it was refused as not after today), with the moment it was held."""
    writer, uprn, person_id, vulnerability_id = await recorded(engagement_as, engagement_database)
    review = f"/v1/residents/{person_id}/vulnerabilities/{vulnerability_id}/review"
    flags_before = await flags(engagement_database, uprn)

    same_day = await writer.post(
        review, json={"reviewed_at": "2025-06-30T23:30:00Z", "review_on": "2025-07-01"}
    )
    assert same_day.status_code == 422, same_day.text
    assert same_day.json()["errors"][0]["field"] == "review_on"

    reviewed = await writer.post(
        review, json={"reviewed_at": "2025-06-30T23:30:00Z", "review_on": "2025-12-01"}
    )
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["reviewed_at"] == "2025-06-30T23:30:00Z"
    assert reviewed.json()["review_on"] == "2025-12-01"
    reader = engagement_as(STAFF_SCOPES | {"vulnerabilities:read"})
    [shown] = (await reader.get(f"/v1/residents/{person_id}/vulnerabilities")).json()
    assert shown["reviewed_at"] == "2025-06-30T23:30:00Z"
    assert shown["review_on"] == "2025-12-01"

    # The flag says the next review; its recorded_at is when it was published (the
    # version consumers keep the latest of), after the record's, not the review's time.
    flag = json.loads((await flags(engagement_database, uprn))[-1])
    assert flag["review_on"] == "2025-12-01"
    assert datetime.fromisoformat(flag["recorded_at"]) > datetime.fromisoformat(
        json.loads(flags_before[-1])["recorded_at"]
    )


async def test_a_review_dated_before_consent_was_given_is_refused_and_changes_nothing(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    writer, uprn, person_id, vulnerability_id = await recorded(engagement_as, engagement_database)
    flags_before = await flags(engagement_database, uprn)
    refused = await writer.post(
        f"/v1/residents/{person_id}/vulnerabilities/{vulnerability_id}/review",
        json={"reviewed_at": "2025-03-03T09:59:59Z", "review_on": "2025-09-01"},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "reviewed_at"
    assert await flags(engagement_database, uprn) == flags_before
    assert await kept(engagement_database, vulnerability_id) == (FIRST_REVIEW_ON, None)

    # At the moment consent was given is not before it.
    at_consent = await writer.post(
        f"/v1/residents/{person_id}/vulnerabilities/{vulnerability_id}/review",
        json={"reviewed_at": CONSENT_GIVEN_AT, "review_on": "2025-09-01"},
    )
    assert at_consent.status_code == 200, at_consent.text


async def test_a_review_older_than_the_one_kept_is_refused_and_changes_nothing(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """Two reviews typed in out of order: the older one's next date would replace the
    newer one's (a review in May setting August, after July's set December)."""
    writer, uprn, person_id, vulnerability_id = await recorded(engagement_as, engagement_database)
    review = f"/v1/residents/{person_id}/vulnerabilities/{vulnerability_id}/review"
    july = await writer.post(
        review, json={"reviewed_at": "2025-07-01T09:00:00Z", "review_on": "2025-12-01"}
    )
    assert july.status_code == 200, july.text
    flags_before = await flags(engagement_database, uprn)

    may = await writer.post(
        review, json={"reviewed_at": "2025-05-01T09:00:00Z", "review_on": "2025-08-01"}
    )
    assert may.status_code == 422, may.text
    assert may.json()["errors"][0]["field"] == "reviewed_at"
    assert await flags(engagement_database, uprn) == flags_before
    assert await kept(engagement_database, vulnerability_id) == (
        "2025-12-01",
        "2025-07-01T09:00:00+00:00",
    )


async def kept(db: Database, vulnerability_id: str) -> tuple[str, str | None]:
    """The stored next review date and last review moment."""
    async with db.sessionmaker() as session:
        row = await session.get(Vulnerability, uuid.UUID(vulnerability_id))
        assert row is not None
        reviewed_at = getattr(row, "reviewed_at", None)
        return row.review_on.isoformat(), reviewed_at.isoformat() if reviewed_at else None


async def test_a_vulnerability_typed_in_late_keeps_its_first_review_date_from_the_day_of_consent(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """Recorded with the resident at 00:30 on 1 July 2025 London time (23:30 UTC the day
    before) and typed in since: its first review on 1 December 2025 is after the day the
    need was recorded, so it is kept as it was agreed (it was refused as not after
    today) and is simply due; the London day of consent itself is not after it."""
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    record = f"/v1/residents/{person_id}/vulnerabilities"
    consent = "2025-06-30T23:30:00Z"

    same_day = await writer.post(
        record, json=a_vulnerability(consent_given_at=consent, review_on="2025-07-01")
    )
    assert same_day.status_code == 422, same_day.text
    assert same_day.json()["errors"][0]["field"] == "review_on"
    assert await flags(engagement_database, uprn) == []

    recorded_late = await writer.post(
        record, json=a_vulnerability(consent_given_at=consent, review_on="2025-12-01")
    )
    assert recorded_late.status_code == 201, recorded_late.text
    assert recorded_late.json()["review_on"] == "2025-12-01"
    assert await kept(engagement_database, recorded_late.json()["id"]) == ("2025-12-01", None)
    assert json.loads((await flags(engagement_database, uprn))[-1])["review_on"] == "2025-12-01"


async def test_a_writer_who_cannot_read_may_not_review(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """vulnerabilities:write is in the broad roles (admin, staff) and
    vulnerabilities:read in none. A review is refused when dated before the stored
    consent or the latest review kept, so a writer who could review without reading
    learnt on which side of each stored moment a date lies (a date at a time, each
    refusal changing nothing): refused (403 naming vulnerabilities:read) before
    anything stored is looked at, for a vulnerability that is not there as for one that
    is, and nothing is changed or published."""
    _reviewer, uprn, person_id, vulnerability_id = await recorded(
        engagement_as, engagement_database
    )
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    flags_before = await flags(engagement_database, uprn)
    for held, probed in [
        ("2025-03-01T09:00:00Z", vulnerability_id),  # before consent (3 March)
        ("2025-07-01T09:00:00Z", vulnerability_id),  # after it: would be kept
        ("2025-07-01T09:00:00Z", str(uuid.uuid4())),  # no such vulnerability
    ]:
        refused = await writer.post(
            f"/v1/residents/{person_id}/vulnerabilities/{probed}/review",
            json={"reviewed_at": held, "review_on": "2025-12-01"},
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["missing_scopes"] == ["vulnerabilities:read"]
        assert not shown(refused.text, "2025-03-03", "03/03/2025", "3 March", "10:00")
    assert await flags(engagement_database, uprn) == flags_before
    assert await kept(engagement_database, vulnerability_id) == (FIRST_REVIEW_ON, None)


async def test_a_refused_review_names_the_field_never_the_stored_date(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """A review refused for being before consent or before the latest review names the
    field and says which, never the date it is before."""
    reviewer, _uprn, person_id, vulnerability_id = await recorded(
        engagement_as, engagement_database
    )
    review = f"/v1/residents/{person_id}/vulnerabilities/{vulnerability_id}/review"
    before_consent = await reviewer.post(
        review, json={"reviewed_at": "2025-03-01T09:00:00Z", "review_on": "2025-09-01"}
    )
    assert before_consent.status_code == 422, before_consent.text
    assert before_consent.json()["errors"][0]["field"] == "reviewed_at"
    assert "consent" in before_consent.json()["detail"]
    assert not shown(before_consent.text, "2025-03-03", "03/03/2025", "3 March", "10:00")

    july = await reviewer.post(
        review, json={"reviewed_at": "2025-07-01T09:15:00Z", "review_on": "2025-12-01"}
    )
    assert july.status_code == 200, july.text
    before_review = await reviewer.post(
        review, json={"reviewed_at": "2025-05-01T09:00:00Z", "review_on": "2025-08-01"}
    )
    assert before_review.status_code == 422, before_review.text
    assert before_review.json()["errors"][0]["field"] == "reviewed_at"
    assert "latest review" in before_review.json()["detail"]
    assert not shown(before_review.text, "2025-07-01", "01/07/2025", "1 July", "09:15")


def shown(text: str, *spellings: str) -> list[str]:
    """The spellings of a stored date that `text` contains."""
    return [s for s in spellings if s in text]


@pytest.mark.parametrize(
    ("today", "latest"),
    [
        (date(2026, 12, 1), date(2028, 12, 1)),
        (date(2028, 2, 29), date(2030, 2, 28)),  # no 29 February two years on
    ],
)
def test_a_next_review_is_set_at_most_two_years_ahead(today: date, latest: date) -> None:
    assert latest_review_on(today) == latest


async def test_a_review_date_more_than_two_years_ahead_is_refused_and_changes_nothing(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """2062 typed for 2026 would leave the need unreviewed for decades: recording or
    reviewing with a date 800 days ahead is a 422 naming review_on; 700 days is kept.
    Days, not the boundary itself, so the time of day the test runs at does not matter."""
    today = london_day(datetime.now(UTC))
    too_far, far = (today + timedelta(days=800)).isoformat(), (today + timedelta(days=700))
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(REVIEWER)
    refused = await writer.post(
        f"/v1/residents/{person_id}/vulnerabilities", json=a_vulnerability(review_on=too_far)
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "review_on"
    assert await flags(engagement_database, uprn) == []

    _, uprn, person_id, vulnerability_id = await recorded(engagement_as, engagement_database)
    flags_before = await flags(engagement_database, uprn)
    review = f"/v1/residents/{person_id}/vulnerabilities/{vulnerability_id}/review"
    held = datetime.now(UTC).isoformat()
    beyond = await writer.post(review, json={"reviewed_at": held, "review_on": too_far})
    assert beyond.status_code == 422, beyond.text
    assert beyond.json()["errors"][0]["field"] == "review_on"
    assert await flags(engagement_database, uprn) == flags_before
    assert await kept(engagement_database, vulnerability_id) == (FIRST_REVIEW_ON, None)
    within = await writer.post(review, json={"reviewed_at": held, "review_on": far.isoformat()})
    assert within.status_code == 200, within.text

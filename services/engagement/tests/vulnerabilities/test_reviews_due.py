"""The reviews due: every vulnerability whose review_on has come by London's today (or
`due_by`), oldest due first, a page at a time, so a review is not missed. The list is
for whoever holds the reviews (vulnerabilities:read and :write, the scopes recording one
needs: a caller who may record but not read learns no stored review date from it) and
shows only what they need to act: the resident, the vulnerability's id, the home,
the date and how overdue it is, never the category or the detail, which stay behind
the audited need-to-know read. Fixed dates: needs recorded with consent in January
2025, and London days either side of midnight in summer (BST) and winter (GMT)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from engagement.models import Vulnerability
from engagement.vulnerabilities.service import vulnerability_service
from hearth_contracts.events.engagement import VulnerabilityCategory
from hearth_kit.db import Database
from hearth_kit.pagination import PageParams
from tests.harness.tokens import STAFF_SCOPES

from .test_need_to_know import DETAIL, ClientWithScopes, a_tenant, a_vulnerability

REVIEWER = STAFF_SCOPES | {"vulnerabilities:read", "vulnerabilities:write"}
CONSENT_GIVEN_AT = "2025-01-06T10:00:00Z"
REVIEWS_DUE = "/v1/vulnerabilities/reviews-due"


async def recorded(engagement_as: ClientWithScopes, person_id: uuid.UUID, review_on: str) -> str:
    answer = await engagement_as(STAFF_SCOPES | {"vulnerabilities:write"}).post(
        f"/v1/residents/{person_id}/vulnerabilities",
        json=a_vulnerability(consent_given_at=CONSENT_GIVEN_AT, review_on=review_on),
    )
    assert answer.status_code == 201, answer.text
    vulnerability_id: str = answer.json()["id"]
    return vulnerability_id


async def every_page(
    engagement_as: ClientWithScopes, params: dict[str, str | int]
) -> list[dict[str, object]]:
    """Every item of the list, walked a page at a time by its cursor."""
    reviewer = engagement_as(REVIEWER)
    items: list[dict[str, object]] = []
    cursor: str | None = None
    while True:
        answer = await reviewer.get(
            REVIEWS_DUE, params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        cursor = answer.json().get("next_cursor")
        if cursor is None:
            return items


async def test_the_reviews_due_by_a_day_oldest_first_with_no_category_or_detail(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """Due by 1 March 2025: the ones due on 1 February and 1 March (on the day is due),
    oldest first, across two residents, paged one at a time; not the one due on 2 March,
    nor one removed. Each item is the resident, the vulnerability, the home, the date
    and the days overdue, nothing else; the listing is not a read of the need, so the
    resident's audit of reads stays empty."""
    uprn_a, first = await a_tenant(engagement_database)
    uprn_b, second = await a_tenant(engagement_database)
    due_on_the_day = await recorded(engagement_as, first, "2025-03-01")
    oldest = await recorded(engagement_as, second, "2025-02-01")
    await recorded(engagement_as, first, "2025-03-02")
    removed = await recorded(engagement_as, second, "2025-01-20")
    gone = await engagement_as(REVIEWER).delete(f"/v1/residents/{second}/vulnerabilities/{removed}")
    assert gone.status_code == 204, gone.text

    items = await every_page(engagement_as, {"due_by": "2025-03-01", "limit": 1})
    mine = [i for i in items if i["resident_id"] in {str(first), str(second)}]
    assert [(i["vulnerability_id"], i["review_on"], i["uprn"]) for i in mine] == [
        (oldest, "2025-02-01", uprn_b),
        (due_on_the_day, "2025-03-01", uprn_a),
    ]
    days_listed = [str(i["review_on"]) for i in items]
    assert days_listed == sorted(days_listed)
    for item in mine:
        assert set(item) == {"resident_id", "vulnerability_id", "uprn", "review_on", "days_overdue"}
        assert isinstance(item["days_overdue"], int)
        assert item["days_overdue"] > 0
    listed = await engagement_as(REVIEWER).get(REVIEWS_DUE, params={"due_by": "2025-03-01"})
    assert DETAIL not in listed.text
    assert "dependent_on_medical_equipment" not in listed.text

    reader = engagement_as(STAFF_SCOPES | {"vulnerabilities:read"})
    for person_id in (first, second):
        audit = await reader.get(f"/v1/residents/{person_id}/vulnerabilities/reads")
        assert audit.status_code == 200, audit.text
        assert audit.json() == []


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        (STAFF_SCOPES, ["vulnerabilities:read", "vulnerabilities:write"]),
        (STAFF_SCOPES | {"vulnerabilities:write"}, ["vulnerabilities:read"]),
        (STAFF_SCOPES | {"vulnerabilities:read"}, ["vulnerabilities:write"]),
    ],
    ids=["neither", "write-only", "read-only"],
)
async def test_the_list_needs_the_reviewers_scopes(
    engagement_as: ClientWithScopes,
    engagement_database: Database,
    scopes: frozenset[str],
    missing: list[str],
) -> None:
    """Listing is for whoever holds the reviews (vulnerabilities:read and :write): a
    token with either alone, or neither, is refused with the scopes missing named and
    nothing listed. Write alone was enough, and every item is a stored review date: a
    caller who may record but not read learnt each one (and by moving due_by a day at a
    time, any record's, even without reading the items' review_on)."""
    _, person_id = await a_tenant(engagement_database)
    await recorded(engagement_as, person_id, "2025-02-01")
    refused = await engagement_as(scopes).get(REVIEWS_DUE, params={"due_by": "2025-02-01"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["missing_scopes"] == missing
    assert str(person_id) not in refused.text
    assert "2025-02-01" not in refused.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"due_by": "2025-02-30"}, "due_by"),
        ({"due_by": "0"}, "due_by"),  # not read as a Unix timestamp (1970-01-01)
        ({"cursor": "bm90LWlzc3VlZA"}, "cursor"),
    ],
    ids=["impossible-due-by", "number-as-due-by", "cursor-not-issued"],
)
async def test_a_bad_due_by_or_cursor_is_a_problem_naming_it(
    engagement_as: ClientWithScopes, params: dict[str, str], field: str
) -> None:
    refused = await engagement_as(REVIEWER).get(REVIEWS_DUE, params=params)
    assert refused.status_code == 422, refused.text
    assert field in refused.text


async def a_need_due_on(db: Database, person_id: uuid.UUID, review_on: date) -> uuid.UUID:
    vulnerability_id = uuid.uuid4()
    async with db.sessionmaker() as session, session.begin():
        session.add(
            Vulnerability(
                id=vulnerability_id,
                resident_id=person_id,
                category=VulnerabilityCategory.MENTAL_HEALTH,
                detail=None,
                adjustments=[],
                consent_given_at=datetime(2025, 1, 6, 10, tzinfo=UTC),
                review_on=review_on,
                recorded_by="test-staff",
                recorded_at=datetime(2025, 1, 6, 10, tzinfo=UTC),
            )
        )
    return vulnerability_id


@pytest.mark.parametrize(
    ("now", "due"),
    [
        # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST): 1 July is due today.
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), {"2026-06-30": 1, "2026-07-01": 0}),
        # 22:59 UTC on 30 June is 23:59 on 30 June in London: 1 July is not yet due.
        (datetime(2026, 6, 30, 22, 59, tzinfo=UTC), {"2026-06-29": 1, "2026-06-30": 0}),
        # In winter London is on UTC: 00:00 UTC on 1 December is London's 1 December.
        (datetime(2026, 12, 1, 0, 0, tzinfo=UTC), {"2026-11-30": 1, "2026-12-01": 0}),
        (datetime(2026, 11, 30, 23, 59, tzinfo=UTC), {"2026-11-29": 1, "2026-11-30": 0}),
    ],
    ids=["bst-after-london-midnight", "bst-before", "gmt-midnight", "gmt-before"],
)
async def test_due_by_defaults_to_londons_today_and_days_overdue_count_from_it(
    engagement_database: Database, now: datetime, due: dict[str, int]
) -> None:
    """Without `due_by` the list is of what is due on London's today, a review on
    the day itself included (0 days overdue): at 00:30 in London on 1 July, still
    23:30 on 30 June in UTC, a review on 1 July is due; a minute before London's
    midnight it is not. Each case records its due days and the day after each (the
    first of those not due)."""
    _, person_id = await a_tenant(engagement_database)
    days = sorted({*due} | {(date.fromisoformat(d) + timedelta(days=1)).isoformat() for d in due})
    ids = {
        await a_need_due_on(engagement_database, person_id, date.fromisoformat(d)): d for d in days
    }
    async with engagement_database.sessionmaker() as session:
        page = await vulnerability_service.reviews_due(
            session, PageParams(limit=200), due_by=None, now=now
        )
    listed = {
        ids[item.vulnerability_id]: item.days_overdue
        for item in page.items
        if item.vulnerability_id in ids
    }
    assert listed == due

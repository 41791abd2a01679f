"""The statements visits runs on its tables that grow without bound (visits and their
findings, tenancies, contacts, access failures, gas checks due, caseloads, the
programme's scores) are served by an index, as PostgreSQL plans them with sequential
scans off (tests/harness/plans.py): the visit list with its filters and cursor, the
home overview's visits, an officer's caseload, the scheduled caseload review sweep and
programme re-score, and the consumers' look-ups. PostgreSQL only (its planner)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from hearth_contracts.events.engagement import ResidentMerged
from hearth_kit.db import Database
from tests.harness.plans import Action, assert_served_by_indexes, case, postgresql_plans
from visits import person_ids
from visits.caseloads import repository as caseloads
from visits.figures import repository as figures
from visits.models import VisitStatus
from visits.programme import repository as programme
from visits.visits import repository as visits

GROWING = {
    "visit",
    "visit_repair_finding",
    "visit_hazard_finding",
    "visit_tenancy_concern",
    "visit_room",
    "visit_communal_issue",
    "customer_action",
    "report_draft_piece",
    "tenancy",
    "resident_profile",
    "household_contact",
    "tenancy_member",
    "access_failure",
    "damp_case",
    "officer_visit_for_access",
    "gas_check_due",
    "caseload_assignment",
    "caseload_concern",
    "programme_score",
    "home_tenure",
}
NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
TODAY = date(2026, 12, 1)
UPRN = "100023336956"
AN_ID = uuid.UUID(int=7)
HOMES = [UPRN, "100023336957"]


CASES = [
    # GET /v1/visits: by date, a home's, by status; the home overview's visits.
    case(
        "visits",
        lambda _s, r: visits.page_rows(r, after=(NOW, AN_ID), limit=51, uprn=None, status=None),
        seek="visit",
    ),
    case(
        "a home's visits",
        lambda _s, r: visits.page_rows(r, after=None, limit=51, uprn=UPRN, status=None),
    ),
    case(
        "a home's completed visits",
        lambda _s, r: visits.page_rows(
            r, after=(NOW, AN_ID), limit=51, uprn=UPRN, status=VisitStatus.COMPLETED
        ),
        seek="visit",
    ),
    case("a visit's findings", lambda s, _r: visits.findings(s, [AN_ID])),
    case("a home's open actions", lambda s, _r: visits.open_actions(s, UPRN)),
    case("a home's completed visits (a report)", lambda s, _r: visits.completed_visits(s, UPRN)),
    case("a visit's rebooking", lambda s, _r: visits.rebooking_of(s, AN_ID)),
    # resident-merged: the duplicate's profile by its key, its visits by
    # ix_visit_resident_id (migration 0020; ADR 0142), and so for each id merged into
    # it before (ADR 0148)
    case(
        "a merged resident's profile and visits",
        lambda s, _r: person_ids.merge_person(
            s,
            ResidentMerged(
                person_id=AN_ID,
                duplicate_person_id=uuid.UUID(int=8),
                uprn=UPRN,
                merged_at=NOW,
                earlier_duplicate_person_ids=[uuid.UUID(int=9)],
            ),
        ),
        "ix_visit_resident_id",
    ),
    # Caseloads: an officer's list, the review sweep (scheduled), open concerns.
    case(
        "an officer's caseload",
        lambda s, _r: caseloads.page(s, officer="officer-1", after=AN_ID, limit=51),
    ),
    case(
        "caseload reviews overdue",
        lambda s, _r: caseloads.reviews_overdue(s, today=TODAY, limit=100),
        "ix_caseload_assignment_review_due",
    ),
    case("a tenancy's open concerns", lambda s, _r: caseloads.open_concerns(s, [AN_ID])),
    # The programme: the re-score job's selections, the ranking, a home's facts.
    case(
        "homes due for re-scoring",
        lambda s, _r: programme.due_for_rescoring(
            s, today=TODAY, configuration="weights-1", limit=100
        ),
        "ix_programme_score_rescore_on",
        "ix_programme_score_configuration",
    ),
    case("ranking", lambda s, _r: programme.ranked(s, area=None, after=None, limit=51)),
    case(
        "an area's ranking after a cursor",
        lambda s, _r: programme.ranked(s, area="LS6", after=(40, TODAY, UPRN), limit=51),
    ),
    case("a home's visits (programme)", lambda s, _r: programme.visits_of(s, UPRN)),
    case("homes' last visits", lambda s, _r: programme.last_visits(s, HOMES)),
    case("a home's current tenancy", lambda s, _r: programme.current_tenancy(s, UPRN, TODAY)),
    case(
        "a home's tenancy on a visit's day",
        lambda s, _r: programme.tenancy_on(s, UPRN, TODAY),
        "ix_tenancy_uprn",
    ),
    case("homes' current tenancies", lambda s, _r: programme.current_tenancies(s, HOMES, TODAY)),
    case("a home's residents", lambda s, _r: programme.residents_at(s, UPRN, TODAY)),
    case(
        "a home's residents on a day", lambda s, _r: programme.residents_on(s, UPRN, TODAY, AN_ID)
    ),
    case("homes' residents", lambda s, _r: programme.households(s, HOMES, TODAY)),
    case(
        "homes' tenancies announced ahead",
        lambda s, _r: programme.tenancies_starting(s, HOMES, TODAY),
        "ix_tenancy_uprn",
    ),
    case("homes' contacts since", lambda s, _r: programme.contacts_since(s, HOMES, NOW, {})),
    # whose household each named contact was (ADR 0151): the homes' tenancies, the
    # callers' memberships and profiles
    case(
        "the households of the callers",
        lambda s, _r: programme.households_then(s, HOMES, {AN_ID}),
    ),
    case("homes' access failures", lambda s, _r: programme.no_access(s, HOMES, {})),
    case("homes' damp cases", lambda s, _r: programme.damp_homes(s, HOMES)),
    case("homes' open actions", lambda s, _r: programme.open_actions(s, HOMES, {})),
    case(
        "homes' officer visits for access",
        lambda s, _r: programme.officer_visits_for_access(s, HOMES),
    ),
    case(
        "a gas check to pair",
        lambda s, _r: programme.gas_check_to_pair(s, UPRN, due_from=TODAY, due_to=TODAY),
    ),
    case("a tenancy", lambda s, _r: programme.tenancy(s, AN_ID, lock=True)),
    # GET /v1/visits/figures: the period's visits from ix_visit_visited_at, each one's
    # findings by its id, its home's first visit from the home's visits (migration 0014);
    # before, a filter over every visit and every finding grouped, whole indexes read.
    case(
        "the figures of a period",
        lambda s, _r: figures.reported_visits(s, NOW - timedelta(days=30), NOW),
        "ix_visit_visited_at",
    ),
    # each visit's and each home's tenure of the period from home_tenure's key (ADR 0130)
    case(
        "the homes in the programme in a period",
        lambda s, _r: figures.homes_by_area(s, NOW - timedelta(days=30), NOW),
        "home_tenure_pkey",
    ),
]


@pytest.fixture(scope="module")
async def planned(visits_db_url: str) -> AsyncIterator[Database]:
    async with postgresql_plans(visits_db_url) as db:
        yield db


@pytest.mark.parametrize(("action", "indexes", "seek"), CASES)
async def test_an_index_serves_the_statement(
    planned: Database, action: Action, indexes: tuple[str, ...], seek: str | None
) -> None:
    await assert_served_by_indexes(planned, action, indexes, seek, GROWING)

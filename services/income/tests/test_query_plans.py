"""The statements income runs on its tables that grow without bound (the ledger above
all: every charge and payment of every account, for years; tenancies, rent changes,
arrangements and their reviews, arrears cases, notices, hearings) are served by an
index, as PostgreSQL plans them with sequential scans off (tests/harness/plans.py): the
list routes with their filters and cursors, the tenancy overview's reads, the rent run,
the arrears ladder, the trial-end sweep, arrangement reviews and the consumers'
look-ups. PostgreSQL only (its planner)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from hearth_contracts.events.income import ArrearsStage, PaymentMethod
from hearth_kit.db import Database
from income.accounts import repository as accounts
from income.arrangements import repository as arrangements
from income.arrears import repository as arrears
from income.figures import repository as figures
from income.models import AccountKind, EntryKind, TenancyStatus
from income.rent_run import repository as rent_run
from income.rents import repository as rents
from income.tenancies import repository as tenancies
from tests.harness.plans import Action, assert_served_by_indexes, case, postgresql_plans

GROWING = {
    "tenancy",
    "rent_change",
    "tenant",
    "account",
    "ledger_entry",
    "arrears_case",
    "arrangement",
    "arrangement_review",
    "possession_notice",
    "court_hearing",
    "vulnerability_flag",
}
NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
TODAY = date(2026, 12, 1)
WEEK = date(2026, 11, 30)
UPRN = "100023336956"
AN_ID = uuid.UUID(int=7)


def a_worklist_page(
    stages: list[ArrearsStage],
    before_the_court: bool | None = None,
    court_terms_broken: bool | None = None,
) -> Action:
    """GET /v1/arrears-cases: a page after a cursor, with these filters."""
    return lambda _s, r: arrears.worklist_rows(
        r,
        stages=stages,
        before_the_court=before_the_court,
        court_terms_broken=court_terms_broken,
        after=(NOW, AN_ID),
        limit=51,
    )


CASES = [
    # GET /v1/tenancies: by reference, a home's, current ones; the overviews' reads.
    case(
        "tenancies",
        lambda _s, r: tenancies.page_rows(r, after="T-1", limit=51, uprn=None, status=None),
    ),
    case(
        "a home's current tenancies",
        lambda _s, r: tenancies.page_rows(
            r, after=None, limit=51, uprn=UPRN, status=TenancyStatus.CURRENT
        ),
    ),
    case("a home's current tenancy", lambda s, _r: tenancies.current_of_home(s, UPRN)),
    case(
        "a home's household on a day",
        lambda s, _r: tenancies.household_of_home_on(s, UPRN, TODAY),
    ),
    case("a home's previous tenancy's last day", lambda s, _r: tenancies.last_day_of_home(s, UPRN)),
    case("a tenancy by reference", lambda s, _r: tenancies.by_reference(s, "T-1")),
    case("a tenancy's tenants", lambda s, _r: tenancies.tenants_of(s, [AN_ID])),
    case("a tenancy's accounts", lambda s, _r: accounts.rent_accounts_of(s, [AN_ID])),
    case(
        "a tenancy's sundry account",
        lambda s, _r: accounts.account_of_tenancy(s, AN_ID, AccountKind.SUNDRY),
    ),
    # The rent summary (tenancy overview's rent) and the ledger.
    case("an account's summary", lambda _s, r: accounts.summary_row(r, AN_ID, TODAY, WEEK)),
    case("accounts' summaries", lambda _s, r: accounts.summary_rows(r, [AN_ID], TODAY, WEEK)),
    case("an account's balance", lambda s, _r: accounts.balance(s, AN_ID, through=TODAY)),
    case("accounts' balances", lambda s, _r: accounts.balances(s, [AN_ID])),
    case(
        "an account's entries between",
        lambda s, _r: accounts.entries_between(s, AN_ID, WEEK, TODAY),
    ),
    case(
        "an account's week charges",
        lambda s, _r: accounts.week_charges(s, AN_ID, WEEK, through=TODAY),
    ),
    case("an account's charges from", lambda s, _r: accounts.charges_from(s, AN_ID, WEEK)),
    case("an account's last posting", lambda s, _r: accounts.last_posted_at(s, AN_ID)),
    case("an account's recharges", lambda s, _r: accounts.recharges_of(s, AN_ID)),
    case("an entry reversed", lambda s, _r: accounts.is_reversed(s, AN_ID)),
    # Consumers and imports: a payment already posted, a recharge already invoiced.
    case(
        "a payment by reference",
        lambda s, _r: accounts.payment_by_reference(s, AN_ID, PaymentMethod.CARD, "REF-1"),
    ),
    case("an entry by source", lambda s, _r: accounts.by_source_key(s, f"recharge:{AN_ID}")),
    case(
        "held recharges",
        lambda _s, r: accounts.held_recharges_rows(r, after=(UPRN, AN_ID), limit=51, uprn=None),
        seek="account",
    ),
    case("a home's held recharges", lambda s, _r: accounts.held_recharges_account(s, UPRN)),
    # Rent changes of a tenancy.
    case(
        "a tenancy's rent changes",
        lambda s, _r: rents.page_of_tenancy(s, AN_ID, after=WEEK, limit=51),
    ),
    case("rent changes of a week", lambda s, _r: rents.changes_by(s, [AN_ID], WEEK)),
    # The rent run (weekly), the arrears ladder and the trial-end sweep (daily).
    case(
        "rent run: uncharged accounts", lambda s, _r: rent_run.uncharged(s, WEEK, 100, after=AN_ID)
    ),
    case("rent run: how many uncharged", lambda s, _r: rent_run.count_uncharged(s, WEEK)),
    case("arrears ladder: cases due", lambda s, _r: arrears.due(s, NOW, 100)),
    case("a tenancy's arrears cases closed", lambda s, _r: arrears.close_for_tenancy(s, AN_ID)),
    case("an account's hearings", lambda s, _r: arrears.hearings_of(s, AN_ID)),
    case("an account's notices", lambda s, _r: arrears.notices_of(s, AN_ID)),
    case("an account's latest notice", lambda s, _r: arrears.latest_notice(s, AN_ID)),
    case("a household's vulnerability", lambda s, _r: arrears.latest_flag(s, [AN_ID])),
    case(
        "arrears cases: the worklist",
        a_worklist_page([]),
        "ix_arrears_case_worklist",
        seek="arrears_case",
    ),
    case(
        "arrears cases: before the court, court terms broken",
        a_worklist_page([], before_the_court=True, court_terms_broken=True),
        "ix_arrears_case_worklist",
        "ix_court_hearing_account",
        seek="arrears_case",
    ),
    # The cases the court holds, those at none among them (ADR 0084, amended): the same partial
    # index holds them (held_by_court), not every closed case; a held case at none has
    # its tenancy looked at by its key.
    case(
        "arrears cases: before the court",
        a_worklist_page([], before_the_court=True),
        "ix_arrears_case_worklist",
        "ix_court_hearing_account",
        "tenancy_pkey",
        seek="arrears_case",
    ),
    # At none: by the worklist's order (a page of it seeks its position there), or by
    # ix_arrears_case_stage on an empty table (the planner's choice: on a real one
    # every closed case stands at none, and the partial index holds only the held ones).
    case(
        "arrears cases: at none",
        a_worklist_page([ArrearsStage.NONE]),
        seek="arrears_case",
    ),
    # A step's cases: by the worklist's order, or by ix_arrears_case_stage (the
    # planner's choice, by how many cases stand at the step), never every case.
    case(
        "arrears cases: at steps",
        a_worklist_page(
            [ArrearsStage.LETTER_1, ArrearsStage.COURT_APPLICATION],
            before_the_court=False,
            court_terms_broken=False,
        ),
    ),
    case(
        "trials ended",
        lambda s, _r: tenancies.trials_ended(s, by=TODAY, after=(TODAY, AN_ID), limit=100),
    ),
    # The figures of a period (GET /v1/income/figures): the period's entries, by kind
    # and day; the figures of now read current tenancies (a partial index holds them).
    case(
        "figures: rent charged in a period",
        lambda s, _r: figures.entry_total(
            s,
            (EntryKind.RENT, EntryKind.SERVICE_CHARGE),
            WEEK,
            TODAY,
            account_kind=AccountKind.RENT,
        ),
        "ix_ledger_entry_kind_effective",
    ),
    case(
        "figures: written off in a period",
        lambda s, _r: figures.entry_total(s, (EntryKind.WRITE_OFF,), WEEK, TODAY),
        "ix_ledger_entry_kind_effective",
    ),
    case(
        "figures: former tenants' charges reversed in a period",
        lambda s, _r: figures.former_tenant_charges_reversed(s, WEEK, TODAY),
        "ix_ledger_entry_kind_effective",
    ),
    case("figures: the weekly rent roll", lambda s, _r: figures.weekly_rent_roll(s, WEEK)),
    case("figures: arrears now", lambda s, _r: accounts.arrears_totals(s, WEEK)),
    case("figures: cases by step", lambda s, _r: arrears.stage_counts(s)),
    case(
        "figures: arrangements made in a period",
        lambda s, _r: arrangements.counts_made_between(s, NOW, NOW),
    ),
    # Arrangements: an account's, the reviews due list.
    case("an account's active arrangement", lambda s, _r: arrangements.active_of(s, AN_ID)),
    case("an arrangement's latest review", lambda s, _r: arrangements.latest_review_of(s, AN_ID)),
    case(
        "the ladder: the arrangements that held an account's ladder since a letter",
        lambda s, _r: arrangements.held_since(s, AN_ID, NOW),
    ),
    case(
        "arrangement reviews due",
        lambda _s, r: arrangements.reviews_due_rows(
            r, due_by=TODAY, today=TODAY, week=WEEK, after=(TODAY, AN_ID), limit=51
        ),
        seek="arrangement",
    ),
]


@pytest.fixture(scope="module")
async def planned(income_db_url: str) -> AsyncIterator[Database]:
    async with postgresql_plans(income_db_url) as db:
        yield db


@pytest.mark.parametrize(("action", "indexes", "seek"), CASES)
async def test_an_index_serves_the_statement(
    planned: Database, action: Action, indexes: tuple[str, ...], seek: str | None
) -> None:
    await assert_served_by_indexes(planned, action, indexes, seek, GROWING)

"""Migration 0026: the cases the court holds are marked (`held_by_court`, from each
case's latest hearing: undecided, an adjournment or a possession order), a case the
ladder never moved is at none since its tenancy began (London's midnight), and the
worklist's partial index takes both the open cases and those held (ADR 0084, amended). Rows
written at 0025, then migrated; and it goes back and forward again: on SQLite and
PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Boolean, Uuid, bindparam, inspect, text
from sqlalchemy.engine import Connection

from hearth_contracts.events.income import ArrearsStage, TenancyType
from hearth_kit.db import AwareDateTime, Database
from hearth_kit.migrations import upgrade
from income.models import (
    Account,
    AccountKind,
    CourtHearing,
    CourtOutcome,
    Tenancy,
    TenancyStatus,
)
from income.settings import MIGRATIONS_DIR
from services.income.tests.migration_round_trip import at_the_head_and_back
from services.income.tests.rows_before import add_tenancy_before_0029
from tests.harness.infra import DatabaseFactory

STARTED = date(2025, 4, 7)
MOVED = datetime(2026, 1, 5, 9, tzinfo=UTC)
LISTED = datetime(2026, 2, 2, 9, tzinfo=UTC)


def hearing(account_id: uuid.UUID, outcome: CourtOutcome | None, days: int) -> CourtHearing:
    return CourtHearing(
        id=uuid.uuid4(),
        account_id=account_id,
        listed_for=date(2026, 2, 2) + timedelta(days=days),
        listed_at=LISTED + timedelta(days=days),
        listed_by="officer",
        outcome=outcome,
        decided_on=None if outcome is None else date(2026, 2, 2) + timedelta(days=days),
    )


async def test_0026_marks_the_held_cases_dates_the_unmoved_ones_and_goes_back(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("income_0026")
    await upgrade(MIGRATIONS_DIR, url, "0025")
    db = Database(url)
    # each case: its latest hearing's outcome ("none": no hearing), whether held after
    outcomes: dict[str, tuple[list[CourtOutcome | None], bool]] = {
        "unheard": ([], False),
        "listed": ([None], True),
        "suspended": ([CourtOutcome.SUSPENDED_POSSESSION_ORDER], True),
        "adjourned_then_dismissed": ([CourtOutcome.ADJOURNED, CourtOutcome.DISMISSED], False),
        "dismissed_then_relisted": ([CourtOutcome.DISMISSED, None], True),
    }
    accounts: dict[str, uuid.UUID] = {}
    try:
        async with db.sessionmaker() as session, session.begin():
            for number, (name, (hearings, _)) in enumerate(outcomes.items()):
                tenancy = Tenancy(
                    id=uuid.uuid4(),
                    tenancy_reference=f"M-{number}",
                    uprn=f"1000000000{number}",
                    start_date=STARTED,
                    tenancy_type=TenancyType.SECURE,
                    weekly_rent_pence=10_000,
                    status=TenancyStatus.CURRENT,
                    created_at=MOVED,
                )
                account = Account(
                    id=uuid.uuid4(),
                    tenancy_id=tenancy.id,
                    uprn=tenancy.uprn,
                    kind=AccountKind.RENT,
                    opened_on=STARTED,
                )
                await add_tenancy_before_0029(session, tenancy)
                session.add(account)
                await session.flush()
                moved = name == "suspended"  # moved up the ladder once: keeps its moment
                # the case as 0025 has it: no held_by_court yet
                await session.execute(
                    text(
                        "INSERT INTO arrears_case (account_id, tenancy_id, stage, "
                        "stage_changed_at, next_check_at, resume_at_next_step, "
                        "paused_for_review, benefit_claim_pending, version) VALUES (:account, "
                        ":tenancy, :stage, :since, :next, FALSE, FALSE, FALSE, 1)"
                    ).bindparams(
                        bindparam("account", type_=Uuid()),
                        bindparam("tenancy", type_=Uuid()),
                        bindparam("since", type_=AwareDateTime()),
                        bindparam("next", type_=AwareDateTime()),
                    ),
                    {
                        "account": account.id,
                        "tenancy": tenancy.id,
                        "stage": (
                            ArrearsStage.COURT_APPLICATION if moved else ArrearsStage.NONE
                        ).value,
                        "since": MOVED if moved else None,
                        "next": MOVED,
                    },
                )
                await session.flush()
                for days, outcome in enumerate(hearings):
                    session.add(hearing(account.id, outcome, days))
                    await session.flush()
                accounts[name] = account.id

        await upgrade(MIGRATIONS_DIR, url)
        async with db.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT account_id, held_by_court, stage_changed_at FROM arrears_case"
                    ).columns(
                        account_id=Uuid(), held_by_court=Boolean(), stage_changed_at=AwareDateTime()
                    )
                )
            ).all()
        found = {account_id: (held, since) for account_id, held, since in rows}
        midnight = datetime(2025, 4, 6, 23, tzinfo=UTC)  # 7 April 2025, BST
        assert found == {
            accounts[name]: (held, MOVED if name == "suspended" else midnight)
            for name, (_, held) in outcomes.items()
        }
    finally:
        await db.dispose()


def arrears_case_columns(connection: Connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("arrears_case")}


async def test_0026_goes_back_and_forward_again(databases: DatabaseFactory) -> None:
    at_the_head, gone_back = await at_the_head_and_back(
        databases, "income_0026_back", "0025", arrears_case_columns
    )
    assert "held_by_court" in at_the_head
    assert "held_by_court" not in gone_back

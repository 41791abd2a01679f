"""arrears_case.held_by_court; the worklist's index takes the cases the court holds at none

GET /v1/arrears-cases (the income officer's worklist) now lists, besides the open cases
(a step of the ladder), the cases the court holds at stage none: arrears cleared under a
possession order, or a hearing listed on a case the ladder never moved (ADR 0084, amended). The
court's hold is read from the case's latest hearing; `held_by_court` keeps it on the
case, written with the hearing, so that the partial index ix_arrears_case_worklist can
take those cases (`stage <> 'none' OR held_by_court`), and is filled here from each
case's latest hearing (undecided, an adjournment or a possession order).

The worklist's order is since when a case is at its step (`stage_changed_at`); a case
the ladder never moved had none. A case is now opened with the moment its tenancy
starts (at none since then, London midnight), and the cases without one get it here.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 07:30:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "stage <> 'none'"
WORKLIST = "stage <> 'none' OR held_by_court"
HOLDS = (
    "adjourned",
    "adjourned_on_terms",
    "suspended_possession_order",
    "postponed_possession_order",
    "outright_possession_order",
)
LONDON = ZoneInfo("Europe/London")


def upgrade() -> None:
    with op.batch_alter_table("arrears_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("held_by_court", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    holds = ", ".join(f"'{outcome}'" for outcome in HOLDS)
    op.execute(
        "UPDATE arrears_case SET held_by_court = TRUE WHERE EXISTS ("
        " SELECT 1 FROM court_hearing h WHERE h.account_id = arrears_case.account_id"
        f" AND (h.outcome IS NULL OR h.outcome IN ({holds}))"
        " AND NOT EXISTS (SELECT 1 FROM court_hearing l WHERE l.account_id = h.account_id"
        " AND (l.listed_for > h.listed_for"
        " OR (l.listed_for = h.listed_for AND l.listed_at > h.listed_at))))"
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # one statement: a date at London's midnight, as a moment
        op.execute(
            "UPDATE arrears_case SET stage_changed_at = "
            "(t.start_date::timestamp AT TIME ZONE 'Europe/London') FROM tenancy t "
            "WHERE t.id = arrears_case.tenancy_id AND arrears_case.stage_changed_at IS NULL"
        )
    never_moved = bind.execute(
        sa.text(
            "SELECT c.account_id, t.start_date FROM arrears_case c"
            " JOIN tenancy t ON t.id = c.tenancy_id WHERE c.stage_changed_at IS NULL"
        )
    ).all()
    if never_moved:
        bind.execute(
            sa.text(
                "UPDATE arrears_case SET stage_changed_at = :since WHERE account_id = :account_id"
            ).bindparams(sa.bindparam("since", type_=sa.DateTime(timezone=True))),
            [
                {"account_id": account_id, "since": _start_of_london_day(start_date)}
                for account_id, start_date in never_moved
            ],
        )
    with op.batch_alter_table("arrears_case", schema=None) as batch_op:
        batch_op.drop_index("ix_arrears_case_worklist")
        batch_op.create_index(
            "ix_arrears_case_worklist",
            ["stage_changed_at", "account_id"],
            unique=False,
            postgresql_where=sa.text(WORKLIST),
            sqlite_where=sa.text(WORKLIST),
        )


def _start_of_london_day(day: object) -> datetime:
    """Midnight in London at the start of `day` (a date, or SQLite's ISO text), in UTC."""
    on = datetime.fromisoformat(str(day)).date()
    return datetime.combine(on, time(), tzinfo=LONDON).astimezone(UTC)


def downgrade() -> None:
    """The index back to the open cases; the moments given stay (a case at none since
    its tenancy started is still true of it)."""
    with op.batch_alter_table("arrears_case", schema=None) as batch_op:
        batch_op.drop_index("ix_arrears_case_worklist")
        batch_op.create_index(
            "ix_arrears_case_worklist",
            ["stage_changed_at", "account_id"],
            unique=False,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )
        batch_op.drop_column("held_by_court")

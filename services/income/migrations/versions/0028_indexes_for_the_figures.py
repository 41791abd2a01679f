"""ledger_entry, arrangement: the indexes the income figures of a period need

GET /v1/income/figures read every ledger entry ever posted on each request to find the
period's rent charged, payments and write-offs (their kind and day are in no index's
leading columns: ix_ledger_entry_account_effective was read from end to end), and
every arrangement ever made to count those made in the period. The figures now read
only the period's rows:

- ix_ledger_entry_kind_effective: the entries of a kind (rent, service charge,
  payment, write-off) effective in the period.
- ix_arrangement_made_at: the arrangements made in the period.

Plain CREATE INDEX inside the migration's transaction, like every index before it: it
blocks writes to each table (not reads) while it builds; see docs/runbooks/upgrading.md.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_ledger_entry_kind_effective", "ledger_entry", ["kind", "effective_on"], unique=False
    )
    op.create_index("ix_arrangement_made_at", "arrangement", ["made_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_arrangement_made_at", table_name="arrangement")
    op.drop_index("ix_ledger_entry_kind_effective", table_name="ledger_entry")

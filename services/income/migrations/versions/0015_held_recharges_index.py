"""account: ix_account_held_recharges, the held accounts in home order

GET /v1/income/held-recharges pages through held accounts (a home's sundry account
with no tenancy: recharges no household was in the home to pay) by home then account
id. Nothing held them in that order: uq_account_tenancy_kind finds them (tenancy_id
NULL, kind 'sundry') but in no useful order, so every page sorted all of them. A
partial index on (uprn, id) over those accounts only is the listing's order, small
(only held accounts: rent accounts and tenancies' sundry accounts are left out), and
also serves a recharge's look-up of its home's held account (uprn, tenancy_id NULL).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD = "tenancy_id IS NULL AND kind = 'sundry'"


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(
            "ix_account_held_recharges",
            ["uprn", "id"],
            unique=False,
            postgresql_where=sa.text(HELD),
            sqlite_where=sa.text(HELD),
        )


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index("ix_account_held_recharges")

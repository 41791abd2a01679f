"""home keeps its tenure and when compliance registered it: CH01 counts homes let to
tenants (not leasehold or shared ownership) registered by the period's end

Existing rows were kept from property-registered only, so their as_of is when the home
was registered: registered_at is filled from it. Their tenure is not known (null, and a
null tenure is counted as let) until the next property-registered or property-updated
for the home: run `hearth compliance republish-homes` once to fill every home in.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 16:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("home") as batch:
        batch.add_column(
            sa.Column(
                "tenure",
                sa.Enum(
                    "general_needs",
                    "sheltered",
                    "shared_ownership",
                    "leasehold",
                    name="tenure",
                    native_enum=False,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True))
    home = sa.table(
        "home",
        sa.column("as_of", sa.DateTime(timezone=True)),
        sa.column("registered_at", sa.DateTime(timezone=True)),
    )
    op.execute(home.update().values(registered_at=home.c.as_of))


def downgrade() -> None:
    with op.batch_alter_table("home") as batch:
        batch.drop_column("registered_at")
        batch.drop_column("tenure")

"""household_contact.resident_id and tenancy_member: a contact counts towards how often
the household contacts the landlord only when it names none, or names a resident of the
household living there on its day (ADR 0151): a former tenant still calling about their
last home (arrears, a deposit) after leaving is not the household that moved in.

tenancy_member keeps who was of each tenancy's household: the tenants income names at
tenancy-started and the residents engagement registers on the tenancy. Data: each
resident profile visits holds names its tenancy, and the migration makes it a member of
that tenancy. The contacts kept before this migration have no resident (contact-logged
carried one, visits did not keep it): they count as contacts naming none until a
rebuild of visits' contact-logged fills it in (docs/runbooks/upgrading.md).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("household_contact", sa.Column("resident_id", sa.Uuid(), nullable=True))
    op.create_table(
        "tenancy_member",
        sa.Column("tenancy_id", sa.Uuid(), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("tenancy_id", "resident_id"),
    )
    op.create_index("ix_tenancy_member_resident", "tenancy_member", ["resident_id"])
    profile = sa.table(
        "resident_profile",
        sa.column("resident_id", sa.Uuid()),
        sa.column("tenancy_id", sa.Uuid()),
    )
    member = sa.table(
        "tenancy_member",
        sa.column("tenancy_id", sa.Uuid()),
        sa.column("resident_id", sa.Uuid()),
    )
    op.execute(
        member.insert().from_select(
            ["tenancy_id", "resident_id"],
            sa.select(profile.c.tenancy_id, profile.c.resident_id).where(
                profile.c.tenancy_id.is_not(None)
            ),
        )
    )


def downgrade() -> None:
    op.drop_index("ix_tenancy_member_resident", table_name="tenancy_member")
    op.drop_table("tenancy_member")
    with op.batch_alter_table("household_contact", schema=None) as batch_op:
        batch_op.drop_column("resident_id")

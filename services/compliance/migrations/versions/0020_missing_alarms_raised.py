"""missing_alarm: each required alarm a let home is missing, and whether its repair went

Migration 0019 counted the homes the register shows missing a required smoke or CO alarm,
but nothing raised the repair to fit one: safety-defect-found needs the check the defect
was found at, and the register is no check. A row here is one alarm missing (a storey's
smoke alarm, a room's CO alarm) from when the register first showed it; its repair is
raised once, under the row's id (required-alarm-missing), and the row is cleared when
the register shows the alarm fitted or no longer required. uq_missing_alarm_open keeps
one open row per alarm, so a home read or changed again raises nothing again
(docs/adr/0109).

No backfill: the homes already missing one (home.alarms_missing > 0) are taken by the
idle sweep, a batch at a time, which raises their repairs through the outbox as any
change would.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "cleared_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "missing_alarm",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("uprn", sa.String(length=12), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "smoke",
                "carbon_monoxide",
                name="alarmkind",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("missing_alarm", schema=None) as batch_op:
        batch_op.create_index("ix_missing_alarm_uprn", ["uprn"], unique=False)
        batch_op.create_index(
            "uq_missing_alarm_open",
            ["uprn", "kind", "place"],
            unique=True,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )


def downgrade() -> None:
    with op.batch_alter_table("missing_alarm", schema=None) as batch_op:
        batch_op.drop_index("uq_missing_alarm_open")
        batch_op.drop_index("ix_missing_alarm_uprn")
    op.drop_table("missing_alarm")

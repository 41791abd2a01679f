"""gas_safety_record.corrects_id, certificate_record.corrects_id: the record corrected

A corrected gas safety record or certificate dated another day than the one it corrects
(the first report's day mistyped) completed the next check: a second check done, the
programme's next cycle dated from it, check-completed for a cycle that was not done
(ADR 0139 took only a correction of the same day). A record now names the one it
corrects (`corrects`, ADR 0158) and replaces it on its cycle whatever its day; the
column keeps which one it corrected.

Nullable, nothing to backfill: records kept before it corrected none by name (a same-day
re-test still replaces the first without it).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("gas_safety_record", sa.Column("corrects_id", sa.Uuid(), nullable=True))
    op.add_column("certificate_record", sa.Column("corrects_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificate_record") as batch:
        batch.drop_column("corrects_id")
    with op.batch_alter_table("gas_safety_record") as batch:
        batch.drop_column("corrects_id")

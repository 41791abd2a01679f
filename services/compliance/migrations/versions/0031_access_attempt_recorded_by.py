"""access_attempt.contractor_id, access_attempt.recorded_by: who typed the attempt in

An attempt kept no trace of who recorded it: `attempted_by` is what the caller typed
(an engineer's id, any words), and the only record of a contractor's failed attempt was
access-failed naming it. no_access_not_household (ADR 0197) publishes nothing, so a
contractor recording a household's failure that way (no ladder, no history) left no
trace that it was the contractor's word (ADR 0198). The attempt now keeps the caller's
token subject and, when it is a contractor's, its id.

Nullable, nothing to backfill: who recorded the attempts kept before is not known (a
failed one's access-failed names its contractor); an attempt taken from visits'
visit-no-access has none (`attempted_by` names the visit).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("access_attempt", sa.Column("contractor_id", sa.String(64), nullable=True))
    op.add_column("access_attempt", sa.Column("recorded_by", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("access_attempt") as batch:
        batch.drop_column("recorded_by")
        batch.drop_column("contractor_id")

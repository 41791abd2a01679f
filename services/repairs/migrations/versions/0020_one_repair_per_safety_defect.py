"""repair_request.safety_defect_id unique: one repair per safety defect

Repairs raises the repair for a defect compliance found at a safety check once: the
handler looks for a repair with the defect's id first. Two transactions at once (a dead
letter replayed while the same defect arrives again under another event id) could both
look, find none and both insert. The index now refuses the second, whose event is
retried and finds the first (docs/adr/0074's audit).

A database holding two repairs for one defect cannot take the index: the upgrade stops
and names how many defects, for an operator to keep one repair for each
(docs/runbooks/upgrading.md) before running it again.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_repair_request_safety_defect_id"


def upgrade() -> None:
    repeated = op.get_bind().scalar(
        sa.text(
            "SELECT count(*) FROM (SELECT safety_defect_id FROM repair_request"
            " WHERE safety_defect_id IS NOT NULL"
            " GROUP BY safety_defect_id HAVING count(*) > 1) AS repeated"
        )
    )
    if repeated:
        raise RuntimeError(
            f"{repeated} safety defect(s) have more than one repair: keep one repair for "
            "each (docs/runbooks/upgrading.md) and run the upgrade again"
        )
    with op.batch_alter_table("repair_request") as batch:
        batch.drop_index(INDEX)
        batch.create_index(INDEX, ["safety_defect_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("repair_request") as batch:
        batch.drop_index(INDEX)
        batch.create_index(INDEX, ["safety_defect_id"], unique=False)

"""awaab_case_hazard: a hazard a visit or a safety check reported at a home whose damp and
mould already had an open significant case, recorded on that case instead of opening a
second (docs/adr/0193). Keyed by the hazard's id, so its event replayed finds it and
changes nothing. A new table, empty: hazards handled before this release opened their own
cases, which stay as they are (docs/runbooks/upgrading.md).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-01 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hearth_kit.db import AwareDateTime
from hearth_kit.migrations import refuse_downgrade_while_stored

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "awaab_case_hazard",
        sa.Column("hazard_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("identified_at", AwareDateTime(), nullable=False),
        sa.Column("recorded_at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["awaab_case.id"]),
        sa.PrimaryKeyConstraint("hazard_id"),
    )
    op.create_index("ix_awaab_case_hazard_case_id", "awaab_case_hazard", ["case_id"], unique=False)


def downgrade() -> None:
    """Refused while a hazard is recorded on a case: the record is the evidence that the
    landlord knew of that damp (Awaab's Law keeps every clock and its evidence), and the
    release before has nowhere to keep it, so dropping the table would lose it. The
    repairs manager settles those first (docs/runbooks/upgrading.md, repairs' 0036);
    an empty table is dropped."""
    refuse_downgrade_while_stored(
        "awaab_case_hazard",
        "source",
        (
            "complaint",
            "contact_centre",
            "home_visit",
            "online",
            "repair_visit",
            "safety_check",
        ),
        rows="hazard(s) are recorded on damp cases",
        what="evidence",
        revision="0036",
        service="repairs",
    )
    op.drop_index("ix_awaab_case_hazard_case_id", table_name="awaab_case_hazard")
    op.drop_table("awaab_case_hazard")

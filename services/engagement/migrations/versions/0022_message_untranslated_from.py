"""message.untranslated_from: a statutory message with no template in the resident's
language goes in English, flagged for a translation

A resident whose language no template is written in got no message at all, the
law's included (a gas safety record's copy within 28 days, a complaint's
acknowledgement with its deadlines): a failed row was recorded instead. A statutory
message now goes in English, and the row keeps the language it was wanted in, for staff
to follow up with a translation (ADR 0119).

Existing messages: none flagged (null). One nullable column added, no table rewritten,
so the upgrade holds the table only for a moment. Statutory messages already recorded
failed for this reason stay failed: their values were never kept, so they cannot be
written again here (ADR 0119's consequences).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 10:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "message",
        sa.Column("untranslated_from", sqlmodel.sql.sqltypes.AutoString(length=35), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_column("untranslated_from")

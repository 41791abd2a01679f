"""message.outcome_unknown, message.provider_message_id: a text is not sent twice when
the provider's answer was lost

A text whose send got no answer (a timeout, a connection dropped after the request went,
a 5xx) was sent again on the next attempt, and GOV.UK Notify does not refuse a second
notification with the same reference: the household got it twice. The attempt now
records that its outcome is unknown, and the next one asks the provider for a
notification with the message's reference before sending (ADR 0080); a message the
provider took keeps the provider's id for it.

Existing messages: none unknown (false; a pending text retried after this upgrade is
sent as before), no provider id (null). Two columns added, no table rewritten (a
constant default), so the upgrade holds the table only for a moment.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "message",
        sa.Column(
            "outcome_unknown", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.add_column(
        "message",
        sa.Column(
            "provider_message_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_column("provider_message_id")
        batch.drop_column("outcome_unknown")

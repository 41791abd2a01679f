"""survey_invitation.done_on: the day of the work a transactional survey asks about

A transactional response was counted as the voice of the household living in the home
on the day it was answered (ADR 0122), and its respondent judged by that day (ADR
0164, 0204): a former tenant answering after leaving about work done for their
household was counted as the next household's voice, and the resident asked, once the
next tenancy started, could be refused as a newcomer. The invitation is sent to the
household living there on the day the work was done; done_on keeps that day, so the
answer is the household's the survey was sent to (ADR 0225).

Existing invitations: none known (null): the work's day was never kept and invited_at
is when the event was handled, not when the work was done. Their answers are judged and
counted by the day answered, as before. One nullable column added, no table rewritten.
The survey results read the invitations of a period's responses by piece of work:
ix_survey_invitation_about_id serves it. Building it holds writes to the table (a
row per resident asked and piece of work) while it is built.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("survey_invitation", sa.Column("done_on", sa.Date(), nullable=True))
    op.create_index(
        op.f("ix_survey_invitation_about_id"), "survey_invitation", ["about_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_survey_invitation_about_id"), table_name="survey_invitation")
    with op.batch_alter_table("survey_invitation") as batch:
        batch.drop_column("done_on")

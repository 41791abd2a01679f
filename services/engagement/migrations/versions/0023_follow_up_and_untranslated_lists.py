"""resident, message: partial indexes for staff's lists across residents

GET /v1/residents?follow_up=person_id lists the residents flagged with a person id to
follow up (possible second records of a tenant, ADR 0118), and GET
/v1/messages?untranslated=true the statutory messages written in English for want of a
translation (ADR 0119). Both are a handful of rows in tables that grow without bound:
each is a partial index over those rows only, in the list's order ((registered_at, id),
and (created_at, id) read backwards), so a page is read off it and a cursor seeks in it.

The resident's predicate reads the JSON list as text (the quoted entry), the same words
the list's query says (models.PERSON_ID_TO_FOLLOW_UP_SQL). Plain CREATE INDEX inside the
migration's transaction, like every index before it: it blocks writes to each table
(not reads) while it builds; see docs/runbooks/upgrading.md.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSON_ID_TO_FOLLOW_UP = """CAST(details_to_follow_up AS TEXT) LIKE '%"person_id"%'"""
UNTRANSLATED = "untranslated_from IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resident_person_id_to_follow_up",
            ["registered_at", "id"],
            unique=False,
            postgresql_where=sa.text(PERSON_ID_TO_FOLLOW_UP),
            sqlite_where=sa.text(PERSON_ID_TO_FOLLOW_UP),
        )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_untranslated_created_at",
            ["created_at", "id"],
            unique=False,
            postgresql_where=sa.text(UNTRANSLATED),
            sqlite_where=sa.text(UNTRANSLATED),
        )


def downgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_untranslated_created_at")
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.drop_index("ix_resident_person_id_to_follow_up")

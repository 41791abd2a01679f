"""tenant copies: the household's copy is one per record; the check id's copy is of the
check's first record

The household's copy of a gas safety record was one per check (id the check id): a
same-day re-test (a second record under the same check, a new certificate reference)
switched it, while unsent, to name the re-test, and the tenant-copy-sent of the first
record's copy then stamped it. Each record is now owed its own copy: the check's first
record's under the check id, as before, and a re-test's under retest_copy_id (a UUID v5
of the check id, the id engagement sends it by; see ADR 0037). The table's key does not
change.

This names, in every household gas copy keyed by its check id, the check's first record
(the earliest recorded that is not superseded): the record engagement's copy under the
check id is of, so a stamp already there is that copy's. No copy is made for a re-test
recorded before this revision: compliance ignored the tenant-copy-sent engagement
published for it, so it would show as never sent (as 0006 made none for the records
held before it). The downgrade changes nothing back.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 19:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            """
            UPDATE tenant_copy SET record_id = (
                SELECT r.id FROM gas_safety_record AS r
                WHERE r.check_id = tenant_copy.check_id AND NOT r.superseded
                ORDER BY r.recorded_at, r.id
                LIMIT 1
            )
            WHERE tenant_copy.id = tenant_copy.check_id
              AND tenant_copy.tenancy_id IS NULL
              AND tenant_copy.check_type = 'gas_safety'
              AND tenant_copy.record_id <> (
                SELECT r.id FROM gas_safety_record AS r
                WHERE r.check_id = tenant_copy.check_id AND NOT r.superseded
                ORDER BY r.recorded_at, r.id
                LIMIT 1
              )
            """
        )
    )


def downgrade() -> None:
    pass

"""ix_gas_safety_record_corrects, ix_certificate_record_corrects: the records corrected

A correction may be dated before the record it corrects (ADR 0174: a CP12 dated the day
it was typed up, corrected to the inspection's day). Ordered by day, the record it
replaced would still be the home's latest; the latest (and the current record a new
tenancy is given) now leaves out every record some correction names, which these
partial indexes find without reading the table.

An index only: nothing to backfill, and a downgrade drops it and loses nothing kept.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAMED = sa.text("corrects_id IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_gas_safety_record_corrects",
        "gas_safety_record",
        ["corrects_id"],
        postgresql_where=_NAMED,
        sqlite_where=_NAMED,
    )
    op.create_index(
        "ix_certificate_record_corrects",
        "certificate_record",
        ["corrects_id"],
        postgresql_where=_NAMED,
        sqlite_where=_NAMED,
    )


def downgrade() -> None:
    op.drop_index("ix_certificate_record_corrects", table_name="certificate_record")
    op.drop_index("ix_gas_safety_record_corrects", table_name="gas_safety_record")

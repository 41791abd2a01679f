"""contact, service_request: a resident's contacts and requests indexed in the lists' order

GET /v1/contacts?resident_id= pages by (contacted_at, id) latest first and GET
/v1/service-requests?resident_id= by (received_at, id), but each table's only index on
resident_id was on that column alone (ix_contact_resident_id, ix_service_request_resident_id).
A page after a cursor read every one of the resident's entries on one side of it and
sorted them (tests/test_query_plans.py). Each is replaced by one that ends with id, which
the page seeks to (read backwards for the contacts); nothing else reads those tables by
resident_id, and the new indexes' first column serves any such read.

Plain CREATE INDEX inside the migration's transaction, like every index before it: it
blocks writes to each table (not reads) while it builds, and dropping the old index last
locks the table against reads too until the upgrade commits; see docs/runbooks/upgrading.md.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 03:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_resident_id_contacted_at_id",
            ["resident_id", "contacted_at", "id"],
            unique=False,
        )
        batch_op.drop_index("ix_contact_resident_id")
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_request_resident_id_received_at_id",
            ["resident_id", "received_at", "id"],
            unique=False,
        )
        batch_op.drop_index("ix_service_request_resident_id")


def downgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.create_index("ix_service_request_resident_id", ["resident_id"], unique=False)
        batch_op.drop_index("ix_service_request_resident_id_received_at_id")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index("ix_contact_resident_id", ["resident_id"], unique=False)
        batch_op.drop_index("ix_contact_resident_id_contacted_at_id")

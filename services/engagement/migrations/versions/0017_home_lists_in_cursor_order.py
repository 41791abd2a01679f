"""contact, service_request: a home's contacts and requests indexed in the lists' order

GET /v1/contacts?uprn= pages by (contacted_at, id) latest first and GET
/v1/service-requests?uprn= by (received_at, id), but their indexes ended before the
cursor's tie-breaker: ix_contact_uprn_contacted_at (uprn, contacted_at) and
ix_service_request_uprn (uprn). A page after a cursor read the home's entries on one
side of it and sorted them (tests/test_query_plans.py). Each is replaced by one that
ends with id, which the page seeks to; nothing else reads those tables by uprn, and the
new indexes' first column serves any such read.

Plain CREATE INDEX inside the migration's transaction, like every index before it: it
blocks writes to each table (not reads) while it builds; see docs/runbooks/upgrading.md.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 03:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_uprn_contacted_at_id", ["uprn", "contacted_at", "id"], unique=False
        )
        batch_op.drop_index("ix_contact_uprn_contacted_at")
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_request_uprn_received_at_id", ["uprn", "received_at", "id"], unique=False
        )
        batch_op.drop_index("ix_service_request_uprn")


def downgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.create_index("ix_service_request_uprn", ["uprn"], unique=False)
        batch_op.drop_index("ix_service_request_uprn_received_at_id")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_uprn_contacted_at", ["uprn", "contacted_at"], unique=False
        )
        batch_op.drop_index("ix_contact_uprn_contacted_at_id")

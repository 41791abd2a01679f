"""caseload_concern: a tenancy concern raised at a visit and not referred, open on the
tenancy's caseload entry until an officer records it dealt with. Concerns reported
before this migration are not copied in: which of them were referred is not kept for
each one (only a referral's latest concern_id on caseload_assignment).

A report's draft may hold pieces of the new section `concern_dealt_with` from this
revision on: the release before this one knows no such section (reading the draft fails,
a 500 for the draft and its submission), so the downgrade stops while any draft holds
one, naming how many, never which: the officers send those reports first
(docs/runbooks/upgrading.md, docs/adr/0152).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from hearth_kit.migrations import refuse_downgrade_while_stored

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "caseload_concern",
        sa.Column("concern_id", sa.Uuid(), nullable=False),
        sa.Column("tenancy_id", sa.Uuid(), nullable=False),
        sa.Column("uprn", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column(
            "concern",
            sa.Enum(
                "arrears",
                "hoarding",
                "neighbour_nuisance",
                "anti_social_behaviour",
                "support_needs",
                "safeguarding",
                "unauthorised_occupancy",
                "property_condition",
                "other",
                name="tenancyconcerntype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dealt_with_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dealt_with_at_visit_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"]),
        sa.PrimaryKeyConstraint("concern_id"),
    )
    op.create_index(
        "ix_caseload_concern_tenancy_open",
        "caseload_concern",
        ["tenancy_id", "dealt_with_at"],
        unique=False,
    )


def downgrade() -> None:
    refuse_downgrade_while_stored(
        "report_draft_piece",
        "section",
        ("concern_dealt_with",),
        rows="draft report piece(s) record a concern dealt with",
        what="a section",
        revision="0010",
        service="visits",
    )
    op.drop_index("ix_caseload_concern_tenancy_open", table_name="caseload_concern")
    op.drop_table("caseload_concern")

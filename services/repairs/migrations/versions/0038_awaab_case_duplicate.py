"""awaab_case.duplicate_of and awaab_clock.withdrawn: a manager marks a damp case the
same damp as another case at the home whose clocks began first (docs/adr/0236). The case
takes the status `duplicate`, names the case kept, and its running clocks stop withdrawn:
neither met nor late, so the figures count the damp once, on the case kept. Every row
before: not a duplicate, no clock withdrawn.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-02 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hearth_kit.migrations import refuse_downgrade_while_stored

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("awaab_case") as batch:
        batch.add_column(sa.Column("duplicate_of", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            "fk_awaab_case_duplicate_of_awaab_case", "awaab_case", ["duplicate_of"], ["id"]
        )
    # Not in a batch: on SQLite a batch copies the table, and the copy loses
    # ix_awaab_clock_breached_deadline, an index on an expression (SQLAlchemy does not
    # reflect those). SQLite adds a column with a constant default in place.
    op.add_column(
        "awaab_clock",
        sa.Column("withdrawn", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    """Refused while a case is a duplicate: the release before has no such status (its
    case list would fail on the row), and would read the case's withdrawn clocks as
    steps done when they were withdrawn, counting each met or late in the figures. The
    repairs manager settles them first (docs/runbooks/upgrading.md, repairs' 0038); with
    none, both columns go."""
    refuse_downgrade_while_stored(
        "awaab_case",
        "status",
        ("duplicate",),
        rows="Awaab's Law case(s) are marked the same damp as another",
        what="a status",
        revision="0038",
        service="repairs",
    )
    op.drop_column("awaab_clock", "withdrawn")  # in place, as added (upgrade)
    with op.batch_alter_table("awaab_case") as batch:
        batch.drop_constraint("fk_awaab_case_duplicate_of_awaab_case", type_="foreignkey")
        batch.drop_column("duplicate_of")

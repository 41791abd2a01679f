"""recharge cancelled: income's cancellation of a recharge (docs/adr/0176)

Income's recharge-paid now says when staff cancelled a recharge (reversed its charge
on the sundry account: `cancelled` true), and a recharge it names takes the status
`cancelled` (a text enum, no type to migrate): neither owed nor collected, for good.
No column: the cancellation is the recharge's latest recharge-paid, so
recharge_payment already holds it (nothing outstanding, not paid in full).

No backfill: before this release income published nothing for a cancellation; a
recharge cancelled then stays as repairs last knew it (docs/runbooks/upgrading.md).

The downgrade stops while any recharge is cancelled: the release before this one knows
no status `cancelled` (reading such a row fails, a 500 for whatever returns it), so the
rows are settled first (docs/runbooks/upgrading.md). It names how many, never which.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-01 16:00:00.000000
"""

from collections.abc import Sequence

from hearth_kit.migrations import refuse_downgrade_while_stored

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the status is a text enum, and no row holds it yet."""


def downgrade() -> None:
    refuse_downgrade_while_stored(
        "recharge",
        "status",
        ("cancelled",),
        rows="recharge(s) are cancelled",
        what="a status",
        revision="0034",
        service="repairs",
    )

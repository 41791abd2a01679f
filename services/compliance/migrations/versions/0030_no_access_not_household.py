"""access_attempt.outcome may be no_access_not_household: no way in for a reason that was
not the household's (ADR 0197)

A combined appointment (a home visit that named the gas check) that the officer found
unsafe to enter, or gave another reason for (visits' unsafe_to_enter, other), was
dropped by the gas check: no attempt kept, and the check counted done at the first
attempt in compliance.first_time_access. It is now kept as such an attempt, a failed
one for the figure and nothing against the household (no ladder, no no-access history,
no access-failed); an engineer may record one too. The column is a VARCHAR(32) holding
the enum's values with no constraint (hearth_kit.db.text_enum): the upgrade changes
nothing, and no earlier attempt is rewritten (those dropped before were never kept).

The downgrade stops while an attempt holds the value (ADR 0152): the release before has
no such outcome and fails loading the row (a LookupError: a visit-no-access delivered
again looks its attempt up by id). It names how many, never which
(docs/runbooks/upgrading.md, compliance's 0030).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 19:00:00.000000
"""

from collections.abc import Sequence

from hearth_kit.migrations import refuse_downgrade_while_stored

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the column takes the new value as it is."""


def downgrade() -> None:
    refuse_downgrade_while_stored(
        "access_attempt",
        "outcome",
        ("no_access_not_household",),
        rows="access attempt(s) are no_access_not_household",
        what="an outcome",
        revision="0030",
        service="compliance",
    )

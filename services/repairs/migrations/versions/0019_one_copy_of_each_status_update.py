"""work_order_status_update: an update kept twice before ADR 0057 is kept once, and a
no-access visit it counted twice counts once

Before ADR 0057 the same status update sent again under another Idempotency-Key (a
retry after a lost answer, a queue delivering twice) was kept again, and every kept
`no_access` added one to its work order's `no_access_visits`: one visit counted twice.
Since ADR 0057 an update identical to one kept (work order, status, `at`, and the
variation amount and appointment window it carries) is a replay, never kept, so every
identical pair in the table is from before it, and each copy of a `no_access` counted
one visit (the code then counted every kept `no_access`, completed work order or not).

So, deterministically: of each set of identical updates the first to arrive (then the
lowest id) stays; each later copy of a `no_access` takes one visit off its work order
(never below nought) and every later copy is deleted. A later copy changed nothing else
when it arrived (the same status at the same `at`; the same window moved nothing; the
same amount set the same amount), so nothing else is recounted.

Not converted here (docs/adr/0057, amended): a staff no-access outcome recorded before
ADR 0057 left its work orders uncounted, but one recorded since counted them, and the
rows do not say which rule recorded an outcome; and an appointment a contractor's
`no_access` left `booked` is ended when staff record its outcome, as ADR 0057 says.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 23:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _same(column: str) -> str:
    return f"(e.{column} = u.{column} OR (e.{column} IS NULL AND u.{column} IS NULL))"


A_LATER_COPY = (
    "EXISTS (SELECT 1 FROM work_order_status_update e"
    " WHERE e.work_order_id = u.work_order_id AND e.status = u.status AND e.at = u.at"
    f" AND {_same('variation_pence')} AND {_same('appointment_start')}"
    f" AND {_same('appointment_end')}"
    " AND (e.received_at < u.received_at OR (e.received_at = u.received_at AND e.id < u.id)))"
)
"""`u` is a later copy of an update kept before it (`e`): the same in everything it says."""


def upgrade() -> None:
    later_no_access_copies = (
        "(SELECT COUNT(*) FROM work_order_status_update u"
        " WHERE u.work_order_id = work_order.id AND u.status = 'no_access'"
        f" AND {A_LATER_COPY})"
    )
    op.execute(
        "UPDATE work_order SET no_access_visits = CASE"
        f" WHEN no_access_visits > {later_no_access_copies}"
        f" THEN no_access_visits - {later_no_access_copies} ELSE 0 END"
        " WHERE id IN (SELECT u.work_order_id FROM work_order_status_update u"
        f" WHERE u.status = 'no_access' AND {A_LATER_COPY})"
    )
    op.execute(
        "DELETE FROM work_order_status_update WHERE id IN ("
        f"SELECT u.id FROM work_order_status_update u WHERE {A_LATER_COPY})"
    )


def downgrade() -> None:
    """The copies were the same update twice: nothing to put back."""

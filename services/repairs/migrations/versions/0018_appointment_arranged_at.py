"""appointment.arranged_at: when a contractor arranged the window of its own move

A contractor's appointment window (appointment_made with a window) is a fact at the
update's `at`, and it may arrive after staff booked, rebooked or cancelled the same
work's appointment. A window arranged before staff's later word no longer moves it
(docs/adr/0068); to tell staff's bookings from the contractor's, an appointment a
contractor's window made keeps that `at` here (null for staff's bookings, whose moment
is booked_at).

Appointments a contractor's window made before this revision are found by the update
that made them, written in the same transaction: the same window and the update's
received_at equal to the booking's booked_at (both the one `now`). Staff's bookings
match no update and stay null.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 23:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "appointment", sa.Column("arranged_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        "UPDATE appointment SET arranged_at = ("
        " SELECT MIN(u.at) FROM work_order_status_update u"
        " WHERE u.received_at = appointment.booked_at"
        " AND u.appointment_start = appointment.window_start"
        " AND u.appointment_end = appointment.window_end)"
    )


def downgrade() -> None:
    op.drop_column("appointment", "arranged_at")

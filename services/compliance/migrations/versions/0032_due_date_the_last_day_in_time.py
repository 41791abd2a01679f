"""compliance_check.due_by: the last day a check is in time, not the first day late

A certificate is in date through its expiry date (ADR 0221): a check's due date is now
the last day it is in time, and a check is overdue from the day after it
(compliance.checks.rules.overdue_on). A certificate's check was already due by its
expiry date, so those rows keep their dates; the checks due by a day that was the
first day late move a day back, so each is overdue from the same day as before:

- a tenancy's smoke and CO alarm check (due by its first day, not the day after);
- a check needed at once with no certificate (a home's first check, a supply uncapped:
  due by the day before the one it became needed, rules.due_at_once).

Both are the rows with no certificate expiry (`certificate_expires_on IS NULL`), open
or closed (a closed alarm check's due date is its tenancy's first day to the rules
that read it, rules.day_of_check), but one kind: the gas cycle a gas safety record
opens and closes in the same instant to hold the record of a home (or block) outside
the annual programme (gas_safety_records.service: due by the check's own day, created
and completed at the same moment, with its record). Its due date never meant the first
day late, the release with this migration still writes it so, and it is never the
cycle held at a day's end (no figure reads it): moved, its home's history would show
such a record's cycle a day earlier than one recorded after the upgrade. It keeps its
date. An alarm check opened and completed at once (a gas record's alarm test on the
tenancy's first day) is a first-day check and moves.

An open check not yet escalated is given the escalation day of its new due date
(rules.escalate_on: the day after the anniversary, ADR 0195), the escalation period
read from its own two dates.

Downgrade: the same rows (chosen by columns the migration does not change, so the two
are inverse) go forward a day, and their escalation day with them.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-01 21:00:00.000000
"""

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HELD_FOR_A_RECORD = (
    "check_type = 'gas_safety' AND record_id IS NOT NULL AND completed_at IS NOT NULL"
    " AND completed_at = created_at"
)
"""A gas cycle opened and closed at once to hold a record outside the annual programme
(due by the check's day: not a first-day-late due date)."""

_MOVED = f"certificate_expires_on IS NULL AND NOT ({_HELD_FOR_A_RECORD})"
"""The rows whose due date was the first day late: no certificate expiry (a tenancy's
alarm check, a check needed at once), but a cycle held for a record."""


def _add_months(day: date, months: int) -> date:
    """compliance.checks.rules.add_months as of this migration (kept here: the rules may
    change, the migration may not)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _escalation_months(due_by: date, escalate_on: date) -> int | None:
    """The escalation period an open check was given (escalate_on is the day after the
    anniversary of due_by that many months on), or None when its dates say none."""
    for months in range(1, 61):
        if _add_months(due_by, months) + timedelta(days=1) == escalate_on:
            return months
    return None


def _move(days: int) -> None:
    bind = op.get_bind()
    waiting = bind.execute(
        sa.text(
            "SELECT id, due_by, escalate_on FROM compliance_check WHERE "
            f"{_MOVED} AND completed_at IS NULL AND escalated_at IS NULL"
        )
    ).all()
    moved = (
        f"due_by + {days}"
        if bind.dialect.name == "postgresql"
        else f"date(due_by, '{days:+d} day')"
    )
    bind.execute(sa.text(f"UPDATE compliance_check SET due_by = {moved} WHERE {_MOVED}"))
    escalations = []
    for check_id, due_by, escalate_on in waiting:
        months = _escalation_months(_day(due_by), _day(escalate_on))
        if months is None:
            continue  # dates set by hand: left as they are
        new_due_by = _day(due_by) + timedelta(days=days)
        escalations.append(
            {"day": _add_months(new_due_by, months) + timedelta(days=1), "id": check_id}
        )
    if escalations:  # one statement, many parameter sets (a first import's many checks)
        bind.execute(
            sa.text("UPDATE compliance_check SET escalate_on = :day WHERE id = :id"),
            escalations,
        )


def _day(value: date | str) -> date:
    """A date column's value (SQLite gives text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def upgrade() -> None:
    _move(-1)


def downgrade() -> None:
    _move(1)

"""When a tenant's copy of a safety record is due, and whether it went out in time.
Pure functions: no I/O."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from hearth_kit.working_days import london_day


class CopyStanding(StrEnum):
    """Where a tenant's copy stands on a given day."""

    OWED = "owed"
    """Not sent yet; its deadline has not passed."""
    OVERDUE = "overdue"
    """Not sent, and its deadline has passed."""
    SENT_ON_TIME = "sent_on_time"
    SENT_LATE = "sent_late"


def sent_on_time(copy_by: date, sent_at: datetime) -> bool:
    """Sent on or before the deadline's London day."""
    return london_day(sent_at) <= copy_by


def standing(copy_by: date, sent_at: datetime | None, today: date) -> CopyStanding:
    if sent_at is not None:
        return (
            CopyStanding.SENT_ON_TIME if sent_on_time(copy_by, sent_at) else CopyStanding.SENT_LATE
        )
    return CopyStanding.OVERDUE if today > copy_by else CopyStanding.OWED


def household_owed_copy(
    check_day: date, tenancy_start: date | None, tenancy_end: date | None
) -> bool:
    """Whether a record made on `check_day` is owed to a household there: not when the
    home's latest tenancy to end ended before that day and no newer tenancy is known
    (a void: a gas check or EICR between tenancies, whose next tenants are owed their
    own copy before moving in, ADR 0094). A tenancy announced ahead is the household
    the record is owed to (its copy by its start date); with no end known,
    or the record on or before the end, the household of the time is owed it, as
    always."""
    if tenancy_end is None or check_day <= tenancy_end:
        return True
    return tenancy_start is not None and tenancy_start > tenancy_end


def new_tenancy_copy_id(check_id: uuid.UUID, tenancy_id: uuid.UUID) -> uuid.UUID:
    """The id of a new tenancy's copy of the record a check closed: the same for the
    same check and tenancy, so a re-announced tenancy asks once."""
    return uuid.uuid5(check_id, f"tenant-copy:{tenancy_id}")

"""Whose a tenancy's things are: its household, not whoever lives at its home now.

A home outlives its tenancies: when one ends and another starts, the home's complaints,
repairs and gas checks are asked for by UPRN, so they are the home's, across
households. The tenancy overview shows a tenancy's own: the complaints made by its
household (its tenants, and the residents engagement holds on it), and of the complaints
made without naming anyone, those received while it ran. Pure, so the rule is tested on
its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from hearth_kit.working_days import london_day

WITHDRAWN = "withdrawn"
"""Income's status of a tenancy withdrawn before its first day (ADR 0111)."""


def household_ids(tenancy: dict[str, Any] | None, residents: Iterable[Any]) -> frozenset[str]:
    """The tenancy's people: its tenants (income's `tenants[].person_id`, which is the
    resident's id at engagement) and the residents engagement lists on the tenancy
    (`GET /v1/residents?tenancy_id=`, household members who are not tenants too)."""
    tenants = (tenancy or {}).get("tenants")
    ids = {
        str(tenant["person_id"])
        for tenant in (tenants if isinstance(tenants, list) else [])
        if isinstance(tenant, dict) and tenant.get("person_id")
    }
    ids.update(
        str(resident["id"])
        for resident in residents
        if isinstance(resident, dict) and resident.get("id")
    )
    return frozenset(ids)


def _day(value: Any) -> date | None:
    """A date from an ISO date or date-time string: a moment's London day, as a tenancy's
    start and end are London days (engagement writes received_at in UTC, so 00:30 on a
    summer day in London is 23:30 the day before in UTC)."""
    if not isinstance(value, str):
        return None
    try:
        if "T" not in value:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return london_day(moment) if moment.tzinfo is not None else moment.date()


def received_while_it_ran(complaint: dict[str, Any], tenancy: dict[str, Any] | None) -> bool:
    """Whether the complaint was received between the tenancy's start and its end (both
    days included; no end yet: up to now). Unknown dates: not this tenancy's, nor any
    for a tenancy withdrawn before its first day (it never ran, ADR 0111)."""
    if (tenancy or {}).get("status") == WITHDRAWN:
        return False
    received = _day(complaint.get("received_at"))
    start = _day((tenancy or {}).get("start_date"))
    if received is None or start is None or received < start:
        return False
    end_date = (tenancy or {}).get("end_date")
    if end_date is None:
        return True
    end = _day(end_date)
    return end is not None and received <= end


def is_the_households(
    complaint: dict[str, Any], tenancy: dict[str, Any] | None, household: frozenset[str]
) -> bool:
    """A complaint at the tenancy's home is the tenancy's when one of its household made
    it; one that names no resident is when it was received while the tenancy ran. One
    made by anyone else (the household before or after) is never shown as theirs."""
    resident_id = complaint.get("resident_id")
    if resident_id is not None:
        return str(resident_id) in household
    return received_while_it_ran(complaint, tenancy)


def tenancy_has_ended(tenancy: dict[str, Any] | None) -> bool:
    """Whether income says the tenancy ended (`status` ended or an `end_date`), or was
    withdrawn before its first day (`status` withdrawn: its household never lived there,
    ADR 0111): then the home's parts as they are now (its gas status, its open repairs)
    belong to whoever lives there now, not to this tenancy."""
    if tenancy is None:
        return False
    return tenancy.get("status") in ("ended", WITHDRAWN) or tenancy.get("end_date") is not None

"""Pure rules about residents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from hearth_contracts.events.compliance import Tenure
from hearth_contracts.events.engagement import ContactChannel

ContactDetail = Literal["email", "phone"]

CHANNEL_NEEDS: dict[ContactChannel, ContactDetail] = {
    ContactChannel.EMAIL: "email",
    ContactChannel.TEXT: "phone",
    ContactChannel.PHONE: "phone",
}
"""The contact detail each preferred channel needs (a letter goes to the home)."""


def missing_contact_detail(
    preferred_channel: ContactChannel, email: str | None, phone: str | None
) -> ContactDetail | None:
    """The contact detail the preferred channel needs but the resident has not given:
    email needs an email address, text and phone need a phone number."""
    needed = CHANNEL_NEEDS.get(preferred_channel)
    if needed == "email" and not email:
        return "email"
    if needed == "phone" and not phone:
        return "phone"
    return None


def moves_to(
    *,
    placed_on: date | None,
    placed_ended: bool,
    start_date: date,
    ended: bool,
) -> bool:
    """Whether a tenancy income announced (starting on `start_date`; `ended` when income
    already said it ended) replaces the one the resident is on (starting on `placed_on`,
    None while not known; `placed_ended` when it ended). A tenancy that started later
    replaces it; an earlier one arriving late (another home's partition, a replayed dead
    letter) never moves them back. Of two starting the same day, one still running
    replaces an ended one, never the reverse, so the outcome does not depend on which
    event came first."""
    if placed_on is None or start_date > placed_on:
        return True
    return start_date == placed_on and placed_ended and not ended


LEASED_TENURES = (Tenure.LEASEHOLD, Tenure.SHARED_OWNERSHIP)
"""Homes held on a long lease (a shared owner holds one too): not let to tenants, so
not among the homes the regulator's tenant satisfaction measures count."""


def tenure_as_at(history: Iterable[tuple[datetime, Tenure]], moment: datetime) -> Tenure | None:
    """The home's tenure at `moment`, from its history of (took effect, tenure): the
    one that took effect last at or before it (a change at the very moment has taken
    effect). None when none had yet: the home's tenure then is not known."""
    known = [(since, tenure) for since, tenure in history if since <= moment]
    return max(known, key=lambda entry: entry[0])[1] if known else None


def let_to_tenants(tenure: Tenure | None) -> bool:
    """Whether a home of this tenure is among the homes the TSMs count: not held on a
    long lease. A tenure not known counts as let (docs/adr/0064, 0085)."""
    return tenure not in LEASED_TENURES


class Stock(StrEnum):
    """The two kinds of social housing the regulator's Tenant Satisfaction Measures are
    reported for apart (docs/adr/0091): low cost rental accommodation (homes let to
    tenants) and low cost home ownership (shared ownership)."""

    LOW_COST_RENTAL = "lcra"
    LOW_COST_HOME_OWNERSHIP = "lcho"


def stock_of(tenure: Tenure | None) -> Stock | None:
    """The stock a home of this tenure is counted in: shared ownership is low cost home
    ownership; a leasehold home (a right to buy sale, a shared owner staircased to 100%)
    is in neither, the regulator asks nothing of it; any other, or one not known, is low
    cost rental (`let_to_tenants`)."""
    if tenure is Tenure.SHARED_OWNERSHIP:
        return Stock.LOW_COST_HOME_OWNERSHIP
    return Stock.LOW_COST_RENTAL if let_to_tenants(tenure) else None

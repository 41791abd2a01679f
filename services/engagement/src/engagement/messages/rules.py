"""Pure rules of the message pipeline: which channel reaches a resident, and how long
to wait before trying a failed message again."""

from __future__ import annotations

from datetime import date, timedelta

from hearth_contracts.events.engagement import ContactChannel


def channel_for(
    preferred: ContactChannel, email: str | None, phone: str | None
) -> tuple[ContactChannel, str | None]:
    """The channel a written message goes by, and its address: email or text as the
    resident prefers when we hold the address (phone means text), otherwise a letter to
    the home (no address needed: the home's)."""
    if preferred == ContactChannel.EMAIL and email:
        return ContactChannel.EMAIL, email
    if preferred in (ContactChannel.TEXT, ContactChannel.PHONE) and phone:
        return ContactChannel.TEXT, phone
    return ContactChannel.LETTER, None


def home_written_to(
    own_home: str | None, moves_in_on: date | None, living_in: str | None, today: date
) -> str | None:
    """The home a letter goes to: the resident's own (`uprn`, the home of the tenancy
    they are on) once that tenancy has started; before then a tenant moving within the
    landlord's homes, placed on the new tenancy from its announcement, still lives in
    the old one, and the letter goes there when the writer knows it (`living_in`: the
    home it found them living in), never to a home where another household still lives
    (docs/adr/0114)."""
    if living_in is not None and moves_in_on is not None and moves_in_on > today:
        return living_in
    return own_home


def retry_delay(attempts: int, base_seconds: int, cap_seconds: int) -> timedelta:
    """Exponential back-off after the `attempts`-th failed attempt: base, 2 x base,
    4 x base, ... never more than the cap."""
    if attempts < 1:
        raise ValueError("attempts starts at 1")
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** min(attempts - 1, 30)))

"""Pure rules of the message pipeline: which channel reaches a resident, and how long
to wait before trying a failed message again."""

from __future__ import annotations

from datetime import date, timedelta

from hearth_contracts.events.engagement import ContactChannel


def channel_for(
    preferred: ContactChannel, email: str | None, phone: str | None, *, no_home: bool = False
) -> tuple[ContactChannel, str | None]:
    """The channel a written message goes by, and its address: email or text as the
    resident prefers when we hold the address (phone means text), otherwise a letter to
    the home (no address needed: the home's). A resident who lives in none of the
    landlord's homes (`no_home`: a former tenant who has left, someone registered with
    no home) gets an email or a text when either is held, whatever the preference: a
    letter would go to the home they left, where another household lives, or nowhere.
    (LETTER, None) for them means nothing reaches them (NO_HOME_TO_WRITE_TO)."""
    if preferred == ContactChannel.EMAIL and email:
        return ContactChannel.EMAIL, email
    if preferred in (ContactChannel.TEXT, ContactChannel.PHONE) and phone:
        return ContactChannel.TEXT, phone
    if no_home and email:
        return ContactChannel.EMAIL, email
    if no_home and phone:
        return ContactChannel.TEXT, phone
    return ContactChannel.LETTER, None


NO_HOME_TO_WRITE_TO = "no home to write a letter to, and no email or phone held"
"""A letter's failure for a resident who lives in none of the landlord's homes
engagement knows (a former tenant who has left, someone registered with no home):
engagement holds no other postal address, and the home a former tenant left is another
household's (docs/adr/0114)."""


def home_written_to(
    own_home: str | None,
    moves_in_on: date | None,
    moved_out_on: date | None,
    living_in: str | None,
    today: date,
) -> str | None:
    """The home a letter goes to: the resident's own (`uprn`, the home of the tenancy
    they are on) once that tenancy has started; before then a tenant moving within the
    landlord's homes, placed on the new tenancy from its announcement, still lives in
    the old one, and the letter goes there when the writer knows it (`living_in`: the
    home it found them living in), never to a home where another household still lives.
    None once that tenancy has ended (`moved_out_on`, its last day, is past): a former
    tenant's last home is kept, but someone else lives there (docs/adr/0114). With no
    start known (a tenant registered ahead of a tenancy income has not announced), or
    with their tenancy starting after today, `living_in` as the writer found it: their
    own home on a day no other household lives there, else the home their tenancy
    history says they live in, or None (docs/adr/0226: not the home where the household
    before them still lives, whether or not their tenancy is announced)."""
    if moves_in_on is not None and moves_in_on > today:
        return living_in
    if moved_out_on is not None and moved_out_on < today:
        return None
    if moves_in_on is None:
        return living_in
    return own_home


def retry_delay(attempts: int, base_seconds: int, cap_seconds: int) -> timedelta:
    """Exponential back-off after the `attempts`-th failed attempt: base, 2 x base,
    4 x base, ... never more than the cap."""
    if attempts < 1:
        raise ValueError("attempts starts at 1")
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** min(attempts - 1, 30)))

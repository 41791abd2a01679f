"""Pure rules about residents."""

from __future__ import annotations

from typing import Literal

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

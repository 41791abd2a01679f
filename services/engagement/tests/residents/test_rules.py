from __future__ import annotations

import pytest

from engagement.residents.rules import missing_contact_detail
from hearth_contracts.events.engagement import ContactChannel


def test_email_as_the_preferred_channel_needs_an_email_address() -> None:
    assert missing_contact_detail(ContactChannel.EMAIL, None, "07700 900123") == "email"
    assert missing_contact_detail(ContactChannel.EMAIL, "sam@example.org", None) is None


@pytest.mark.parametrize("channel", [ContactChannel.TEXT, ContactChannel.PHONE])
def test_text_or_phone_as_the_preferred_channel_needs_a_phone_number(
    channel: ContactChannel,
) -> None:
    assert missing_contact_detail(channel, "sam@example.org", None) == "phone"
    assert missing_contact_detail(channel, None, "07700 900123") is None


def test_letters_go_to_the_home_so_need_no_contact_detail() -> None:
    assert missing_contact_detail(ContactChannel.LETTER, None, None) is None

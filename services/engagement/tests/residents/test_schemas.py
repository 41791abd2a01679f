from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from engagement.residents.schemas import ResidentCreate


def resident(**overrides: object) -> ResidentCreate:
    return ResidentCreate.model_validate(
        {
            "tenancy_id": uuid.uuid4(),
            "uprn": "100023336956",
            "full_name": "Sam Okafor",
            "preferred_channel": "letter",
            **overrides,
        }
    )


@pytest.mark.parametrize(
    "email", ["sam@example.org", "sam.okafor+rent@mail.example.co.uk", " sam@example.org "]
)
def test_an_email_address_needs_one_at_sign_and_a_dot_after_it(email: str) -> None:
    assert resident(email=email).email == email.strip()


@pytest.mark.parametrize(
    "email", ["sam.example.org", "sam@example", "sam@@example.org", "sam@ex@ample.org", "@x.org"]
)
def test_a_malformed_email_address_is_refused(email: str) -> None:
    with pytest.raises(ValidationError, match="email"):
        resident(email=email)


@pytest.mark.parametrize(
    ("phone", "kept"),
    [
        ("07700 900123", "07700 900123"),
        ("+44 7700 900123", "+44 7700 900123"),
        ("020  7946   0018", "020 7946 0018"),
        ("0800123456", "0800123456"),
        ("0770 090012", "0770 090012"),
    ],
)
def test_a_uk_phone_number_is_digits_spaces_and_a_leading_plus(phone: str, kept: str) -> None:
    assert resident(phone=phone).phone == kept


@pytest.mark.parametrize(
    "phone", ["0770 09001", "+44 7700 900123 4567", "07700-900123", "44+7700900123", "phone"]
)
def test_a_phone_number_with_other_characters_or_not_10_to_15_digits_is_refused(
    phone: str,
) -> None:
    with pytest.raises(ValidationError, match="phone"):
        resident(phone=phone)


@pytest.mark.parametrize("language", ["en", "cy", "pl", "en-GB", "bfi", "zh-Hant-HK"])
def test_a_bcp_47_language_tag_is_accepted(language: str) -> None:
    assert resident(language=language).language == language


@pytest.mark.parametrize("language", ["e", "english!", "en_GB", "en-", ""])
def test_a_language_that_is_not_a_bcp_47_tag_is_refused(language: str) -> None:
    with pytest.raises(ValidationError, match="language"):
        resident(language=language)


def test_the_language_is_english_unless_said() -> None:
    assert resident().language == "en"
    assert resident().format_needs == []


def test_a_format_need_given_twice_is_kept_once() -> None:
    needs = resident(format_needs=["braille", "easy_read", "braille"]).format_needs
    assert [n.value for n in needs] == ["braille", "easy_read"]

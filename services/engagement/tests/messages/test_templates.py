"""Templates render in the resident's language and formats; a language a template is
not written in is a clear error naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engagement.messages.rules import channel_for, retry_delay
from engagement.messages.templates import (
    PUBLISHED_LANGUAGE_TAG,
    PUBLISHED_LANGUAGES,
    SALUTATION_WITHOUT_NAME,
    TEMPLATES,
    TemplateName,
    UnknownTemplate,
    render,
    template_language,
)
from hearth_contracts.events.engagement import ContactChannel, FormatNeed


def test_a_regional_tag_uses_its_language() -> None:
    rendered = render("check_due", "cy-GB", [], {"name": "Ceri", "due_by": "1 May 2026"})
    assert rendered.language == "cy"
    assert "erbyn 1 May 2026" in rendered.body


def test_a_language_the_template_is_not_written_in_names_the_language() -> None:
    with pytest.raises(UnknownTemplate) as unknown:
        render("check_due", "fr", [], {})
    assert unknown.value.field == "language"
    assert "'fr'" in str(unknown.value)


def test_an_unknown_template_names_the_template() -> None:
    with pytest.raises(UnknownTemplate) as unknown:
        render("no_such_letter", "en", [], {})
    assert unknown.value.field == "template"


def test_easy_read_and_large_print() -> None:
    rendered = render(
        "appointment_booked",
        "en",
        [FormatNeed.EASY_READ, FormatNeed.LARGE_PRINT],
        {"name": "Sam", "window_start": "Monday"},
    )
    assert "We are coming to fix things" in rendered.body
    assert "large print" not in rendered.body  # the print room's note: print_notes


@given(
    st.sampled_from(sorted(TEMPLATES)),
    st.sampled_from(["en", "cy", "pl", "en-GB"]),
    st.lists(st.sampled_from(list(FormatNeed)), unique=True),
)
def test_every_template_renders_in_every_language_it_is_written_in(
    template: str, language: str, formats: list[FormatNeed]
) -> None:
    rendered = render(template, language, formats, {})
    assert "{" not in rendered.body
    assert rendered.subject


@given(st.integers(1, 50), st.integers(1, 600), st.integers(1, 7200))
def test_back_off_grows_and_is_capped(attempts: int, base: int, cap: int) -> None:
    delay = retry_delay(attempts, base, cap)
    assert delay <= timedelta(seconds=cap)
    assert delay >= min(timedelta(seconds=base), timedelta(seconds=cap))
    assert retry_delay(attempts + 1, base, cap) >= delay


def test_the_channel_follows_the_preference_when_the_address_is_held() -> None:
    assert channel_for(ContactChannel.EMAIL, "a@b.org", None) == (ContactChannel.EMAIL, "a@b.org")
    assert channel_for(ContactChannel.EMAIL, None, "07700 900123") == (ContactChannel.LETTER, None)
    assert channel_for(ContactChannel.PHONE, None, "07700 900123")[0] == ContactChannel.TEXT


@pytest.mark.parametrize(
    ("template", "language"),
    [(template, language) for template, written in TEMPLATES.items() for language in written],
)
@pytest.mark.parametrize("formats", [[], [FormatNeed.EASY_READ]])
def test_a_resident_whose_name_is_not_known_yet_is_greeted_without_one(
    template: str, language: str, formats: list[FormatNeed]
) -> None:
    unnamed = render(template, language, formats, {"name": ""})
    assert unnamed.body.startswith(SALUTATION_WITHOUT_NAME[language])
    assert " ," not in unnamed.body.splitlines()[0]
    named = render(template, language, formats, {"name": "Ceri Jones"})
    assert "Ceri Jones" in named.body.splitlines()[0]


def test_the_template_enum_names_every_template_and_each_is_in_every_published_language() -> None:
    """What the OpenAPI document states (the enum, the language pattern) is what
    rendering takes."""
    assert {name.value for name in TemplateName} == set(TEMPLATES)
    for written in TEMPLATES.values():
        assert set(written) == set(PUBLISHED_LANGUAGES)


@given(
    st.sampled_from(list(TemplateName)),
    st.one_of(
        st.from_regex(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,2}", fullmatch=True),
        st.sampled_from(["en", "EN-gb", "cy-GB", "pl", "fr", "enx", "e", "en_GB"]),
    ),
)
def test_the_language_pattern_takes_exactly_the_tags_a_template_is_written_in(
    template: TemplateName, language: str
) -> None:
    try:
        template_language(template, language)
        written = True
    except UnknownTemplate as unknown:
        written = unknown.field != "language"  # only ever the language at fault
    assert (PUBLISHED_LANGUAGE_TAG.fullmatch(language) is not None) is written

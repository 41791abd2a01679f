"""What a resident is sent is in their language and says only what is meant for them
(a journey reviewer's findings): an extension is told to the complainant with the new
date; the print room's format notes are a letter's metadata, never in any body; a
complaint's stage and a survey's kind are in the letter's language."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from engagement.messages.templates import (
    MONTHS,
    PUBLISHED_LANGUAGES,
    TEMPLATES,
    long_date,
    render,
    stage_name,
)
from engagement.surveys.service import SURVEY_WORDS
from hearth_contracts.events.engagement import FormatNeed, SurveyKind
from hearth_kit.working_days import ENGLAND_AND_WALES
from services.engagement.tests.messages.test_pipeline import a_resident, messages_of


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def acknowledged_complaint(client: httpx.AsyncClient, resident_id: str) -> dict[str, Any]:
    """A complaint about the resident's home, acknowledged an hour ago."""
    now = datetime.now(UTC)
    home = (await client.get(f"/v1/residents/{resident_id}")).json()["uprn"]
    created = await client.post(
        "/v1/complaints",
        json={
            "uprn": home or a_uprn(),
            "resident_id": resident_id,
            "category": "repairs",
            "medium": "phone",
            "summary": "The boiler",
            "received_at": (now - timedelta(hours=2)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    acknowledged = await client.post(
        f"/v1/complaints/{created.json()['id']}/acknowledge",
        json={"acknowledged_at": (now - timedelta(hours=1)).isoformat(), "handler": "A"},
    )
    assert acknowledged.status_code == 200, acknowledged.text
    body: dict[str, Any] = acknowledged.json()
    return body


async def extended_a_working_day(engagement: httpx.AsyncClient, complaint: dict[str, Any]) -> date:
    """The complaint's first stage extended to the working day after its respond-by,
    waiting for the surveyor: the new date."""
    respond_by = date.fromisoformat(complaint["stages"][0]["respond_by"])
    new_date = ENGLAND_AND_WALES.next_working_day(respond_by)
    extended = await engagement.post(
        f"/v1/complaints/{complaint['id']}/extend",
        json={"reason": "Waiting for the surveyor", "new_respond_by": new_date.isoformat()},
    )
    assert extended.status_code == 200, extended.text
    return new_date


async def test_an_extension_is_told_to_the_complainant_in_their_language_with_the_new_date(
    engagement: httpx.AsyncClient,
) -> None:
    resident_id = await a_resident(engagement, language="cy", format_needs=["braille"])
    complaint = await acknowledged_complaint(engagement, resident_id)
    new_date = await extended_a_working_day(engagement, complaint)
    messages = {m["template"]: m for m in await messages_of(engagement, resident_id)}
    letter = messages["complaint_extended"]
    assert letter["channel"] == "letter"
    assert letter["language"] == "cy"
    welsh_date = f"{new_date.day} {MONTHS['cy'][new_date.month - 1]} {new_date.year}"
    assert f"erbyn {welsh_date}" in letter["body"]
    assert "(cam 1)" in letter["body"]
    assert "stage" not in letter["body"]
    assert "surveyor" not in letter["body"]
    # The acknowledgement's stage is in Welsh too.
    assert "(cam 1)" in messages["complaint_acknowledged"]["body"]
    # The print room's note is the letter's metadata, not its words.
    assert letter["print_notes"] == ["Produce in braille."]
    assert "braille" not in letter["body"]
    assert "[" not in letter["body"]


async def test_a_complainant_whose_language_has_no_template_is_told_in_english_flagged(
    engagement: httpx.AsyncClient,
) -> None:
    """ADR 0119: the Code's acknowledgement and an extension's new date reach a
    complainant whose language no template is written in, in English, each flagged with
    that language for a translation; they were failed messages, never sent."""
    resident_id = await a_resident(engagement, language="so")
    complaint = await acknowledged_complaint(engagement, resident_id)
    new_date = await extended_a_working_day(engagement, complaint)
    messages = {m["template"]: m for m in await messages_of(engagement, resident_id)}
    assert messages.keys() == {"complaint_acknowledged", "complaint_extended"}
    for message in messages.values():
        assert (message["status"], message["language"]) == ("pending", "en")
        assert message["untranslated_from"] == "so"
        assert "(stage 1)" in message["body"]
    english_date = f"{new_date.day} {MONTHS['en'][new_date.month - 1]} {new_date.year}"
    assert english_date in messages["complaint_extended"]["body"]


async def test_an_email_says_nothing_of_the_print_room(engagement: httpx.AsyncClient) -> None:
    resident_id = await a_resident(
        engagement,
        preferred_channel="email",
        email="sam@example.org",
        format_needs=["easy_read", "braille"],
    )
    sent = await engagement.post(
        f"/v1/residents/{resident_id}/messages",
        json={"template": "check_due", "values": {"check_type": "gas safety"}},
    )
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["channel"] == "email"
    assert message["print_notes"] == []
    assert "Easy read version" not in message["body"]
    assert "braille" not in message["body"]
    assert "We need to check your home is safe" in message["body"]  # the easy read text


@given(
    st.sampled_from(sorted(TEMPLATES)),
    st.sampled_from(PUBLISHED_LANGUAGES),
    st.lists(st.sampled_from(list(FormatNeed)), unique=True),
)
def test_no_body_carries_the_print_rooms_notes(
    template: str, language: str, formats: list[FormatNeed]
) -> None:
    body = render(template, language, formats, {}).body
    assert "[" not in body
    assert "braille" not in body.lower()


def test_a_stage_is_named_in_the_letters_language() -> None:
    for language, words in (("en", "stage 2"), ("cy", "cam 2"), ("pl", "etap 2")):
        body = render(
            "complaint_acknowledged",
            language,
            [],
            {"stage": stage_name("stage_2"), "respond_by": long_date(date(2027, 1, 4))},
        ).body
        assert f"({words})" in body
    assert (
        "stage" not in render("complaint_extended", "pl", [], {"stage": stage_name("stage_1")}).body
    )


def test_a_survey_invitation_names_the_work_in_the_letters_language() -> None:
    welsh = render("survey_invitation", "cy", [], {"survey": SURVEY_WORDS[SurveyKind.REPAIR]})
    polish = render("survey_invitation", "pl", [], {"survey": SURVEY_WORDS[SurveyKind.REPAIR]})
    english = render("survey_invitation", "en", [], {"survey": SURVEY_WORDS[SurveyKind.REPAIR]})
    assert "(atgyweiriad)" in welsh.body
    assert "(naprawa)" in polish.body
    assert "your repair" in english.body
    for kind in SurveyKind:
        for language in ("cy", "pl"):
            body = render("survey_invitation", language, [], {"survey": SURVEY_WORDS[kind]}).body
            assert str(SURVEY_WORDS[kind]) not in body

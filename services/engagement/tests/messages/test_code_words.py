"""The codes events carry into letters (a check's type, a no-access step, an arrears
stage) are written in the letter's language: a Welsh or Polish letter never says "gas
safety" or "letter 2". Every code compliance and income publish has its words (a new
code is caught here), and a code with no words yet reads as its English words rather
than breaking the letter."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime

import httpx
import pytest

from engagement.app import build_services
from engagement.handlers import words
from engagement.messages.templates import (
    ARREARS_STAGE_WORDS,
    CHECK_TYPE_WORDS,
    CODE_WORDS,
    NO_ACCESS_STEP_WORDS,
    PUBLISHED_LANGUAGES,
    Wording,
    long_date,
    pounds,
    render,
)
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import AccessEscalated, CheckType, NoAccessStep
from hearth_contracts.events.income import ArrearsStage, ArrearsStageChanged
from hearth_kit.db import Database
from services.engagement.tests.messages.test_pipeline import a_resident, messages_of

OTHER_LANGUAGES = [language for language in PUBLISHED_LANGUAGES if language != "en"]


def english_words(code: str) -> set[str]:
    """How a code reads in English: the code itself, its words, its English wording."""
    return {code, code.replace("_", " "), str(CODE_WORDS.get(code, ""))} - {""}


def english_in(text: str, code: str, language: str) -> list[str]:
    """The code's English words found in a letter, leaving out a word the language
    shares with English (asbestos is asbestos in Welsh)."""
    own = CODE_WORDS[code].in_language(language)
    return [word for word in english_words(code) if word in text and word not in own]


def check_letters(check_type: str, step: str, language: str) -> list[str]:
    values = {
        "name": "Ceri",
        "check_type": words(check_type),
        "step": words(step),
        "due_by": long_date(date(2026, 5, 1)),
        "completed_on": long_date(date(2026, 4, 1)),
        "next_due_by": long_date(date(2027, 4, 1)),
        "certificate_reference": "CP12-1",
        "check_id": "C1",
    }
    return [
        rendered.subject + "\n" + rendered.body
        for rendered in (
            render(template, language, [], values)
            for template in ("check_due", "access_escalated", "check_record_copy")
        )
    ]


def test_every_check_type_step_and_arrears_stage_has_words_in_every_language() -> None:
    """A new code in compliance's or income's contracts must be given its words here."""
    assert set(CHECK_TYPE_WORDS) == {c.value for c in CheckType}
    assert set(NO_ACCESS_STEP_WORDS) == {s.value for s in NoAccessStep}
    # leaving recovery (none) sends no letter
    assert set(ARREARS_STAGE_WORDS) == {s.value for s in ArrearsStage} - {ArrearsStage.NONE}
    for wording in CODE_WORDS.values():
        assert set(wording.words) == set(PUBLISHED_LANGUAGES)
        assert all(word.strip() for word in wording.words.values())


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
@pytest.mark.parametrize("check_type", [c.value for c in CheckType])
def test_a_check_letter_names_the_check_and_step_in_the_letters_language(
    check_type: str, language: str
) -> None:
    steps = [s.value for s in NoAccessStep]
    for step in steps:
        for letter in check_letters(check_type, step, language):
            assert CHECK_TYPE_WORDS[check_type].in_language(language) in letter
            assert not english_in(letter, check_type, language), letter
            assert not english_in(letter, step, language), letter
            assert "_" not in letter


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
@pytest.mark.parametrize("stage", sorted(ARREARS_STAGE_WORDS))
def test_an_arrears_letter_names_the_stage_in_the_letters_language(
    stage: str, language: str
) -> None:
    rendered = render(
        "arrears_stage", language, [], {"stage": words(stage), "arrears": pounds(12_000)}
    )
    assert f"({ARREARS_STAGE_WORDS[stage].in_language(language)})" in rendered.body
    assert not english_in(rendered.body, stage, language), rendered.body


def test_the_words_read_in_each_language() -> None:
    def letter(template: str, language: str, **values: str) -> str:
        return render(template, language, [], {"name": "Ceri", **values}).subject

    assert letter("check_record_copy", "en", check_type=words("gas_safety")) == (
        "Your gas safety record"
    )
    assert letter("check_record_copy", "cy", check_type=words("gas_safety")) == (
        "Eich cofnod diogelwch nwy"
    )
    assert letter("check_record_copy", "pl", check_type=words("gas_safety")) == (
        "Protokół kontroli bezpieczeństwa instalacji gazowej"
    )
    assert letter("check_due", "en", check_type=words("electrical")) == (
        "Your home's electrical safety check is due"
    )
    assert letter("check_due", "pl", check_type=words("electrical")) == (
        "Kontrola bezpieczeństwa instalacji elektrycznej"
    )


@pytest.mark.parametrize("language", PUBLISHED_LANGUAGES)
def test_a_code_with_no_words_yet_reads_as_english_words_and_breaks_nothing(
    language: str,
) -> None:
    unknown = words("boiler_service")
    assert isinstance(unknown, Wording)
    body = render("check_due", language, [], {"check_type": unknown}).body
    assert "boiler service" in body
    assert (
        "arrears letter 3"
        in render("arrears_stage", language, [], {"stage": words("arrears_letter_3")}).body
    )


def test_a_check_staff_name_in_english_words_is_written_in_the_letters_language() -> None:
    """A staff member's values are plain text: a check named by its code or English
    words reads as the event's would; any other words are kept as given."""
    for given in ("gas safety", "gas_safety"):
        assert "gwiriad diogelwch nwy" in render("check_due", "cy", [], {"check_type": given}).body
    assert "(boiler)" not in render("check_due", "pl", [], {"check_type": "boiler"}).body
    assert "bezpieczeństwa boiler" in render("check_due", "pl", [], {"check_type": "boiler"}).body


async def test_welsh_and_polish_households_get_their_arrears_and_access_letters_in_their_words(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    tenancy_id = uuid.uuid4()
    people = {
        language: await a_resident(
            engagement, tenancy_id=str(tenancy_id), uprn=uprn, language=language
        )
        for language in OTHER_LANGUAGES
    }
    handlers = build_services(EngagementSettings()).handlers
    events = [
        Envelope(
            data=ArrearsStageChanged(
                tenancy_id=tenancy_id,
                uprn=uprn,
                stage=ArrearsStage.LETTER_2,
                previous_stage=ArrearsStage.LETTER_1,
                arrears_pence=25_000,
                changed_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
            )
        ),
        Envelope(
            data=AccessEscalated(
                check_id=uuid.uuid4(),
                uprn=uprn,
                check_type=CheckType.GAS_SAFETY,
                step_number=3,
                step=NoAccessStep.FINAL_WARNING,
                escalated_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
            )
        ),
    ]
    for envelope in events:
        handler = handlers.get(envelope.type)
        assert handler is not None
        async with engagement_database.sessionmaker() as session, session.begin():
            await handler(session, envelope)
    for language, resident in people.items():
        letters = {m["template"]: m["body"] for m in await messages_of(engagement, resident)}
        assert (
            f"({ARREARS_STAGE_WORDS['letter_2'].in_language(language)})" in letters["arrears_stage"]
        )
        assert (
            NO_ACCESS_STEP_WORDS["final_warning"].in_language(language)
            in (letters["access_escalated"])
        )
        for body in letters.values():
            for english in ("letter 2", "second letter", "final warning", "gas safety"):
                assert english not in body

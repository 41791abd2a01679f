"""Engagement's settings: the Complaint Handling Code is statutory, so a landlord's
timescales may be stricter than the Code's, never laxer (DOMAIN.md; docs/adr/0041)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from engagement.settings import ComplaintTimescales, EngagementSettings
from hearth_contracts.events.engagement import ComplaintStage
from hearth_kit.settings import InsecureConfiguration

CODE = {
    "stage_1": {"acknowledge_within": 5, "respond_within": 10, "extend_by_at_most": 10},
    "stage_2": {"acknowledge_within": 5, "respond_within": 20, "extend_by_at_most": 20},
}


def test_the_codes_own_numbers_and_stricter_ones_are_accepted() -> None:
    assert ComplaintTimescales.model_validate(CODE).by_stage() == ComplaintTimescales().by_stage()
    stricter = ComplaintTimescales.model_validate(
        {
            "stage_1": {"acknowledge_within": 3, "respond_within": 7, "extend_by_at_most": 5},
            "stage_2": {"acknowledge_within": 2, "respond_within": 15, "extend_by_at_most": 0},
        }
    )
    assert stricter.by_stage()[ComplaintStage.STAGE_1].respond_within == 7


@pytest.mark.parametrize(
    ("stage", "name", "value"),
    [
        ("stage_1", "acknowledge_within", 6),
        ("stage_1", "respond_within", 11),
        ("stage_1", "extend_by_at_most", 11),
        ("stage_2", "acknowledge_within", 6),
        ("stage_2", "respond_within", 21),
        ("stage_2", "extend_by_at_most", 21),
    ],
)
def test_a_timescale_laxer_than_the_codes_is_refused(stage: str, name: str, value: int) -> None:
    laxer = {key: dict(numbers) for key, numbers in CODE.items()}
    laxer[stage][name] = value
    with pytest.raises(ValidationError, match=rf"{stage}\.{name}"):
        ComplaintTimescales.model_validate(laxer)


def test_one_stricter_number_from_the_environment_keeps_the_codes_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The docs name one variable per number: setting one alone is enough (it used to
    fail start-up with extend_by_at_most missing)."""
    monkeypatch.setenv("HEARTH_ENGAGEMENT_COMPLAINT_TIMESCALES__STAGE_1__RESPOND_WITHIN", "7")
    stage_1 = EngagementSettings().complaint_timescales.by_stage()[ComplaintStage.STAGE_1]
    assert (stage_1.acknowledge_within, stage_1.respond_within, stage_1.extend_by_at_most) == (
        5,
        7,
        10,
    )


def test_a_laxer_timescale_from_the_environment_stops_the_service_starting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEARTH_ENGAGEMENT_COMPLAINT_TIMESCALES__STAGE_1__RESPOND_WITHIN", "15")
    with pytest.raises(ValidationError, match=r"stage_1\.respond_within"):
        EngagementSettings()


POSTGRESQL = "postgresql+asyncpg://hearth@db.invalid:5432/hearth"


def production(**configured: Any) -> EngagementSettings:
    return EngagementSettings(
        environment="production",
        database_url=POSTGRESQL,
        kafka_bootstrap_servers="broker.invalid:9092",
        kafka_allow_plaintext=True,  # as deploy/k8s (ADR 0143)
        **configured,
    )


def test_production_refuses_to_send_email_as_the_placeholder_sender() -> None:
    """A relay host with the default sender (no-reply@hearth.invalid): residents' mail
    servers refuse or bin it, and each refusal became a letter, long after the deploy.
    Refused at start, before anything connects; the landlord's own sender starts."""
    with pytest.raises(InsecureConfiguration, match="HEARTH_ENGAGEMENT_EMAIL__SENDER"):
        production(email={"host": "smtp.example.org"}).refuse_development_defaults()
    production(
        email={"host": "smtp.example.org", "sender": "repairs@landlord.example.org"}
    ).refuse_development_defaults()
    production().refuse_development_defaults()  # no email at all: letters, by choice
    EngagementSettings(
        environment="development", email={"host": "127.0.0.1"}
    ).refuse_development_defaults()


@pytest.mark.parametrize(
    ("channel", "given", "missing"),
    [
        ("email", {"host": "smtp.example.org", "username": "hearth"}, "password"),
        ("email", {"host": "smtp.example.org", "password": "secret"}, "username"),
        ("text", {"base_url": "https://texts.example.org"}, "api_key"),
        ("text", {"api_key": "secret"}, "base_url"),
    ],
)
def test_half_a_channels_credentials_is_refused_naming_what_is_missing(
    channel: str, given: dict[str, Any], missing: str
) -> None:
    """Half a login, or a text URL without its key, left the channel unconfigured (or
    logging in never) without a word, and every message went as a letter. The error
    names the missing setting, never a value given."""
    settings: dict[str, Any] = {channel: given}
    with pytest.raises(ValidationError, match=f"{channel} {missing} is missing") as refused:
        EngagementSettings(environment="development", **settings)
    assert "secret" not in str(refused.value)

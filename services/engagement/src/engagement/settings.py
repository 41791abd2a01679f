"""Engagement settings (env prefix HEARTH_ENGAGEMENT_, nested with __). The Code's
timescales, the message channels, the retry ladder and the survey suppression threshold
are configuration: a landlord changes them without a release."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from engagement.complaints.rules import CODE_TIMESCALES, StageTimescale
from hearth_contracts.events.engagement import ComplaintStage
from hearth_kit.settings import InsecureConfiguration, ServiceSettings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class StageTimescaleSetting(BaseModel):
    """One stage of the Complaint Handling Code, in working days. Each number defaults
    to the Code's and may be made stricter, never laxer: the Code is statutory, so a
    deadline later than its own would let a late answer look in time (a laxer number
    stops the service starting, naming it). Each may be set alone."""

    acknowledge_within: int
    respond_within: int
    extend_by_at_most: int

    def timescale(self) -> StageTimescale:
        return StageTimescale(
            acknowledge_within=self.acknowledge_within,
            respond_within=self.respond_within,
            extend_by_at_most=self.extend_by_at_most,
        )


_STAGE_1 = CODE_TIMESCALES[ComplaintStage.STAGE_1]
_STAGE_2 = CODE_TIMESCALES[ComplaintStage.STAGE_2]


class Stage1TimescaleSetting(StageTimescaleSetting):
    """Stage 1: acknowledged in 5, answered in 10 of the acknowledgement, extended by at
    most 10 (the Code's numbers, and the most allowed)."""

    acknowledge_within: int = Field(
        default=_STAGE_1.acknowledge_within, ge=1, le=_STAGE_1.acknowledge_within
    )
    respond_within: int = Field(default=_STAGE_1.respond_within, ge=1, le=_STAGE_1.respond_within)
    extend_by_at_most: int = Field(
        default=_STAGE_1.extend_by_at_most, ge=0, le=_STAGE_1.extend_by_at_most
    )


class Stage2TimescaleSetting(StageTimescaleSetting):
    """Stage 2: acknowledged in 5 of the request, answered in 20 of the acknowledgement,
    extended by at most 20 (the Code's numbers, and the most allowed)."""

    acknowledge_within: int = Field(
        default=_STAGE_2.acknowledge_within, ge=1, le=_STAGE_2.acknowledge_within
    )
    respond_within: int = Field(default=_STAGE_2.respond_within, ge=1, le=_STAGE_2.respond_within)
    extend_by_at_most: int = Field(
        default=_STAGE_2.extend_by_at_most, ge=0, le=_STAGE_2.extend_by_at_most
    )


class ComplaintTimescales(BaseModel):
    """The statutory Code's defaults (DOMAIN.md): stage 1 acknowledged in 5 and answered
    in 10 working days (extension at most 10 more); stage 2 in 5 and 20 (at most 20). A
    landlord may set stricter numbers, never laxer ones."""

    stage_1: Stage1TimescaleSetting = Stage1TimescaleSetting()
    stage_2: Stage2TimescaleSetting = Stage2TimescaleSetting()

    def by_stage(self) -> dict[ComplaintStage, StageTimescale]:
        return {
            ComplaintStage.STAGE_1: self.stage_1.timescale(),
            ComplaintStage.STAGE_2: self.stage_2.timescale(),
        }


PLACEHOLDER_SENDER = "no-reply@hearth.invalid"
"""The sender a developer's machine sends as: `.invalid` is reserved (RFC 2606), so a
resident's mail server refuses or bins it. Production must name the landlord's own."""


class EmailSettings(BaseModel):
    """SMTP for emails. No host: the email channel is not configured, and emails go as
    letters. A login is a username and a password together."""

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = True
    sender: str = Field(default=PLACEHOLDER_SENDER, max_length=254)
    timeout_seconds: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _whole_login(self) -> EmailSettings:
        """Half a login (a username without its password, or the other way) would
        connect without logging in, and the relay's refusal would turn every email into
        a letter, long after the deploy: refused at start instead, naming what is
        missing (never the value)."""
        if (self.username is None) != (self.password is None):
            missing = "password" if self.password is None else "username"
            raise ValueError(
                f"email {missing} is missing: set HEARTH_ENGAGEMENT_EMAIL__USERNAME and "
                "HEARTH_ENGAGEMENT_EMAIL__PASSWORD together, or neither"
            )
        return self


class TextSettings(BaseModel):
    """Texts through a GOV.UK Notify shaped HTTP API. No base URL or key: not configured."""

    base_url: str | None = None
    api_key: SecretStr | None = None
    template_id: str = Field(default="hearth-text", max_length=64)
    timeout_seconds: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _url_and_key_together(self) -> TextSettings:
        """A base URL without its key (or a key without the URL) left the channel
        unconfigured without a word, and every text went as a letter: refused at start,
        naming what is missing."""
        if (self.base_url is None) != (self.api_key is None):
            missing = "api_key" if self.api_key is None else "base_url"
            raise ValueError(
                f"text {missing} is missing: set HEARTH_ENGAGEMENT_TEXT__BASE_URL and "
                "HEARTH_ENGAGEMENT_TEXT__API_KEY together, or neither"
            )
        return self


class MessageRetries(BaseModel):
    """Back-off between attempts to send a message: base * 2^(attempt-1), capped; after
    max_attempts the message is failed (hearth_engagement_messages_failed_total)."""

    base_seconds: int = Field(default=60, ge=1)
    cap_seconds: int = Field(default=3600, ge=1)
    max_attempts: int = Field(default=8, ge=1)


class EngagementSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="HEARTH_ENGAGEMENT_", env_nested_delimiter="__", extra="ignore"
    )
    service_name: ClassVar[str] = "engagement"

    complaint_timescales: ComplaintTimescales = ComplaintTimescales()
    email: EmailSettings = EmailSettings()
    text: TextSettings = TextSettings()
    message_retries: MessageRetries = MessageRetries()
    survey_minimum_group_size: int = Field(
        default=10,
        ge=1,
        description="Results by diversity strand for fewer respondents are suppressed",
    )
    report_window_years: int = Field(
        default=10,
        ge=1,
        le=100,
        description="How far back a complaint's or a service request's received_at, a "
        "survey response's responded_at, or a contact's contacted_at may be: a moment more "
        "than this many years before now is a typing slip, refused (422 naming the field)",
    )
    deadline_sweep_seconds: int = Field(default=300, ge=1)
    message_sweep_seconds: int = Field(default=30, ge=1)

    def refuse_development_defaults(self, *, broker: bool = True) -> None:
        """As every service, and: production sends no email as the placeholder sender
        (a resident's mail server would refuse or bin it, and each refusal becomes a
        letter). With no email host at all there is no sender to check: emails go as
        letters, by the landlord's choice."""
        super().refuse_development_defaults(broker=broker)
        if self.environment == "development":
            return
        if self.email.host is not None and self.email.sender == PLACEHOLDER_SENDER:
            raise InsecureConfiguration(
                "Refusing to start in production sending email as the placeholder "
                f"{PLACEHOLDER_SENDER}: set HEARTH_ENGAGEMENT_EMAIL__SENDER to the "
                "landlord's own address"
            )


def settings_from_env() -> EngagementSettings:
    return EngagementSettings()

"""Repairs settings (env prefix HEARTH_REPAIRS_). Response targets, performance targets,
slots, contractor capacity, approver limits and Awaab's Law clocks are configuration: a
landlord changes them without a release."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from hearth_contracts.events.repairs import AppointmentSlot
from hearth_contracts.events.visits import Trade
from hearth_kit.settings import ServiceSettings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DEFAULT_REPORT_WINDOW_YEARS = 10
"""How many years back a reported or became-aware moment may be, by default."""


class ResponseTargets(BaseModel):
    """Default repair priorities (DOMAIN.md): emergency in calendar hours, urgent and
    routine in working days, planned in calendar days."""

    emergency_hours: int = Field(default=24, ge=1)
    urgent_working_days: int = Field(default=5, ge=1)
    routine_working_days: int = Field(default=20, ge=1)
    planned_days: int = Field(default=90, ge=1)


class PerformanceTargets(BaseModel):
    """The shares the landlord aims for (DOMAIN.md), in percent: appointments made at
    first contact, appointments kept, repairs right first time. The figures show each
    measure with its target, so a landlord moves one without a release."""

    appointments_at_first_contact_percent: int = Field(default=90, ge=0, le=100)
    appointments_kept_percent: int = Field(default=97, ge=0, le=100)
    right_first_time_percent: int = Field(default=80, ge=0, le=100)


class SlotDefinition(BaseModel):
    """An appointment slot offered on the given weekdays (0 = Monday ... 6 = Sunday)."""

    name: str = Field(min_length=1, max_length=20)
    kind: AppointmentSlot
    start: time
    end: time
    weekdays: list[int] = Field(default=[0, 1, 2, 3, 4])


def default_slots() -> list[SlotDefinition]:
    """AM / PM and 2-hour slots on weekdays, evenings, and Saturday mornings."""
    weekdays = [0, 1, 2, 3, 4]
    return [
        SlotDefinition(name="am", kind=AppointmentSlot.AM, start=time(8), end=time(12),
                       weekdays=[*weekdays, 5]),
        SlotDefinition(name="pm", kind=AppointmentSlot.PM, start=time(12), end=time(17),
                       weekdays=weekdays),
        SlotDefinition(name="08-10", kind=AppointmentSlot.TWO_HOUR, start=time(8),
                       end=time(10), weekdays=weekdays),
        SlotDefinition(name="evening", kind=AppointmentSlot.EVENING, start=time(17),
                       end=time(20), weekdays=weekdays),
    ]  # fmt: skip


class Contractor(BaseModel):
    """A contractor the landlord raises work orders with, and where its webhook is. A
    webhook needs its secret: without one every message would be signed with an empty
    key, which anyone can forge, so that configuration is refused when the settings are
    read (the service does not start)."""

    trades: list[Trade] = Field(default_factory=lambda: list(Trade))
    trade_capacity: dict[Trade, dict[str, int]] = Field(
        default_factory=dict,
        description="This contractor's appointments per trade and slot name per day, over "
        "the landlord's trade_capacity and capacity_per_slot (docs/adr/0155)",
    )
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _webhook_has_its_secret(self) -> Contractor:
        if self.webhook_url is not None and (
            self.webhook_secret is None or not self.webhook_secret.get_secret_value().strip()
        ):
            raise ValueError(
                "a contractor with a webhook_url needs a webhook_secret to sign its messages "
                "with (an empty key would let anyone forge them)"
            )
        return self


class AwaabTargets(BaseModel):
    """Awaab's Law deadlines (DOMAIN.md)."""

    emergency_hours: int = Field(default=24, ge=1)
    investigate_working_days: int = Field(default=10, ge=1)
    written_summary_working_days: int = Field(default=3, ge=1)
    safety_work_working_days: int = Field(default=5, ge=1)
    further_work_weeks: int = Field(default=12, ge=1)


class WebhookRetry(BaseModel):
    """Back-off between webhook attempts: first_seconds, doubling, at most max_seconds."""

    first_seconds: float = Field(default=30, gt=0)
    max_seconds: float = Field(default=3600, gt=0)
    timeout_seconds: float = Field(default=10, gt=0)


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="HEARTH_REPAIRS_", env_nested_delimiter="__", extra="ignore"
    )
    service_name: ClassVar[str] = "repairs"

    response_targets: ResponseTargets = ResponseTargets()
    performance_targets: PerformanceTargets = PerformanceTargets()
    slots: list[SlotDefinition] = Field(default_factory=default_slots)
    capacity_per_slot: int = Field(
        default=4,
        ge=0,
        description="Appointments per contractor per trade per slot per day (each "
        "contractor's operatives are its own: docs/adr/0155)",
    )
    trade_capacity: dict[Trade, dict[str, int]] = Field(
        default_factory=dict,
        description="Per trade and slot name, overriding the default, for each contractor "
        "of the trade (a contractor's own trade_capacity overrides it)",
    )
    booking_horizon_days: int = Field(default=28, ge=1)
    contractors: dict[str, Contractor] = Field(
        default_factory=lambda: {"contractor-general": Contractor()}
    )
    variation_approver_limit_pence: int = Field(default=50_000, ge=0)
    report_window_years: int = Field(
        default=DEFAULT_REPORT_WINDOW_YEARS,
        ge=1,
        le=100,
        description="How far back a reported_at or became_aware_at may be: a moment more "
        "than this many years before now is refused (422 naming the field)",
    )
    awaab_targets: AwaabTargets = AwaabTargets()
    webhook_retry: WebhookRetry = WebhookRetry()


def settings_from_env() -> RepairsSettings:
    return RepairsSettings()

"""Repairs settings (env prefix HEARTH_REPAIRS_). Response targets are configuration:
a landlord changes them without a release."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from hearth_kit.settings import ServiceSettings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class ResponseTargets(BaseModel):
    """Default repair priorities (DOMAIN.md): emergency in calendar hours, urgent and
    routine in working days, planned in calendar days."""

    emergency_hours: int = Field(default=24, ge=1)
    urgent_working_days: int = Field(default=5, ge=1)
    routine_working_days: int = Field(default=20, ge=1)
    planned_days: int = Field(default=90, ge=1)


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="HEARTH_REPAIRS_", env_nested_delimiter="__", extra="ignore"
    )
    service_name: ClassVar[str] = "repairs"

    response_targets: ResponseTargets = ResponseTargets()


def settings_from_env() -> RepairsSettings:
    return RepairsSettings()

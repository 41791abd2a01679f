"""Engagement settings (env prefix HEARTH_ENGAGEMENT_)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from hearth_kit.settings import ServiceSettings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class EngagementSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_ENGAGEMENT_", extra="ignore")
    service_name: ClassVar[str] = "engagement"


def settings_from_env() -> EngagementSettings:
    return EngagementSettings()

"""Income settings (env prefix HEARTH_INCOME_)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from hearth_kit.settings import ServiceSettings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class IncomeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_INCOME_", extra="ignore")
    service_name: ClassVar[str] = "income"


def settings_from_env() -> IncomeSettings:
    return IncomeSettings()

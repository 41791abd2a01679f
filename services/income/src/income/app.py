"""The income service: tenancies and rent accounts, charges, payments and arrears."""

from __future__ import annotations

from fastapi import FastAPI

from hearth_kit.app import create_service_app
from income.handlers import handlers
from income.settings import IncomeSettings
from income.tenancies.endpoints import router as tenancies_router


def create_app(settings: IncomeSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or IncomeSettings(),
        title="Hearth income",
        description="Tenancies and rent accounts, charges, payments and arrears recovery.",
        routers=[tenancies_router],
        handlers=handlers,
    )

"""The compliance service: the asset register, gas safety, alarms and electrical checks."""

from __future__ import annotations

from fastapi import FastAPI

from compliance.homes.endpoints import router as homes_router
from compliance.settings import ComplianceSettings
from hearth_kit.app import create_service_app


def create_app(settings: ComplianceSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or ComplianceSettings(),
        title="Hearth compliance",
        description="The asset register and safety compliance: gas, electrical, alarms.",
        routers=[homes_router],
    )

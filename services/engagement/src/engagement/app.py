"""The engagement service: residents, contacts, surveys and complaints."""

from __future__ import annotations

from fastapi import FastAPI

from engagement.handlers import handlers
from engagement.residents.endpoints import router as residents_router
from engagement.settings import EngagementSettings
from hearth_kit.app import create_service_app


def create_app(settings: EngagementSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or EngagementSettings(),
        title="Hearth engagement",
        description="Residents and their communication needs, contacts, surveys, complaints.",
        routers=[residents_router],
        handlers=handlers,
    )

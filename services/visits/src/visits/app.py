"""The visits service: home visits, their findings and the risk-based visit programme."""

from __future__ import annotations

from fastapi import FastAPI

from hearth_kit.app import create_service_app
from visits.handlers import handlers
from visits.programme.endpoints import router as programme_router
from visits.settings import VisitsSettings
from visits.visits.endpoints import router as visits_router


def create_app(settings: VisitsSettings | None = None) -> FastAPI:
    settings = settings or VisitsSettings()
    app = create_service_app(
        settings,
        title="Hearth visits",
        description="Home visits, what they find, and the risk-based visit programme.",
        routers=[visits_router, programme_router],
        handlers=handlers,
    )
    app.state.settings = settings
    return app

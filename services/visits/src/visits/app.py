"""The visits service: home visits, their reports and findings, the risk-based visit
programme and officers' caseloads."""

from __future__ import annotations

import functools

from fastapi import APIRouter, FastAPI

from hearth_kit.app import create_service_app
from hearth_kit.staff import scoped, staff_only
from visits.caseloads.endpoints import router as caseloads_router
from visits.figures.endpoints import router as figures_router
from visits.handlers import build_handlers
from visits.programme.endpoints import router as programme_router
from visits.programme.service import ProgrammeService
from visits.reports.endpoints import router as reports_router
from visits.reports.service import ReportService
from visits.scheduled import scheduled_jobs
from visits.settings import VisitsSettings
from visits.visits.endpoints import router as visits_router
from visits.visits.service import VisitService


@functools.cache
def service_routes() -> APIRouter:
    """Every route of the service with its access rule, built once a process and shared
    by every app made (create_service_app's `routers`; docs/adr/0232)."""
    return staff_only(  # no contractor calls visits: staff only, every route
        scoped(figures_router, read="reports:read"),
        scoped(reports_router, visits_router, read="visits:read", write="visits:write"),
        scoped(programme_router, read="visits:read"),
        scoped(caseloads_router, read="caseloads:read"),  # caseloads:write on each write
    )


def create_app(settings: VisitsSettings | None = None) -> FastAPI:
    settings = settings or VisitsSettings()
    app = create_service_app(
        settings,
        title="Hearth visits",
        description="Home visits, what they find, the risk-based visit programme and "
        "officers' caseloads.",
        routers=[service_routes()],
        handlers=build_handlers(settings),
        scheduled_jobs=scheduled_jobs(settings),
    )
    app.state.settings = settings
    app.state.programme_service = ProgrammeService(settings.programme, settings.intervals)
    app.state.visit_service = VisitService(settings)
    app.state.report_service = ReportService(app.state.visit_service)
    return app

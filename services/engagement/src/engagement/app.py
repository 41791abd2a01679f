"""The engagement service: residents and their needs, contacts, messages, surveys,
complaints on the Complaint Handling Code's clocks, you said we did."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from engagement.complaints.endpoints import router as complaints_router
from engagement.complaints.service import ComplaintService
from engagement.contacts.endpoints import router as contacts_router
from engagement.diversity.endpoints import router as diversity_router
from engagement.diversity.service import DiversityService
from engagement.handlers import handlers
from engagement.residents.endpoints import router as residents_router
from engagement.settings import EngagementSettings
from engagement.vulnerabilities.endpoints import router as vulnerabilities_router
from hearth_kit.app import create_service_app
from hearth_kit.scheduler import ScheduledJob
from hearth_kit.working_days import WorkingDayCalendar


def create_app(settings: EngagementSettings | None = None) -> FastAPI:
    settings = settings or EngagementSettings()
    complaint_service = ComplaintService(
        settings.complaint_timescales.by_stage(), WorkingDayCalendar(settings.closure_days)
    )
    app = create_service_app(
        settings,
        title="Hearth engagement",
        description="Residents and their communication needs, contacts, messages, surveys, "
        "complaints on the Complaint Handling Code's clocks, you said we did.",
        routers=[
            residents_router,
            vulnerabilities_router,
            diversity_router,
            contacts_router,
            complaints_router,
        ],
        handlers=handlers,
        scheduled_jobs=[
            ScheduledJob(
                "complaint-deadlines",
                timedelta(seconds=settings.deadline_sweep_seconds),
                complaint_service.raise_breaches,
            )
        ],
    )
    app.state.complaint_service = complaint_service
    app.state.diversity_service = DiversityService(settings.survey_minimum_group_size)
    return app

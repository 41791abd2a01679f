"""The engagement service: residents and their needs, contacts, messages, surveys,
complaints on the Complaint Handling Code's clocks, you said we did."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter, FastAPI

from engagement.complaints.endpoints import router as complaints_router
from engagement.complaints.service import ComplaintService
from engagement.contacts.endpoints import router as contacts_router
from engagement.contacts.service import ContactService
from engagement.diversity.endpoints import router as diversity_router
from engagement.diversity.service import DiversityService
from engagement.figures.endpoints import router as figures_router
from engagement.figures.service import FiguresService
from engagement.handlers import build_handlers
from engagement.messages.channels import configured_channels
from engagement.messages.endpoints import (
    across_residents_router as across_residents_messages_router,
)
from engagement.messages.endpoints import router as messages_router
from engagement.messages.service import MessageService
from engagement.residents.endpoints import router as residents_router
from engagement.settings import EngagementSettings
from engagement.surveys.endpoints import router as surveys_router
from engagement.surveys.service import SurveyService
from engagement.vulnerabilities.endpoints import reviews_router as vulnerability_reviews_router
from engagement.vulnerabilities.endpoints import router as vulnerabilities_router
from engagement.you_said_we_did.endpoints import router as you_said_we_did_router
from hearth_kit.app import create_service_app
from hearth_kit.consumer import EventHandlers
from hearth_kit.scheduler import ScheduledJob
from hearth_kit.staff import scoped, staff_only
from hearth_kit.working_days import ENGLAND_AND_WALES


@dataclass(frozen=True)
class Services:
    """The configured services, their event handlers and scheduled jobs."""

    complaints: ComplaintService
    messages: MessageService
    surveys: SurveyService
    diversity: DiversityService
    handlers: EventHandlers
    jobs: list[ScheduledJob]


def build_services(settings: EngagementSettings) -> Services:
    messages = MessageService(
        configured_channels(
            settings.email,
            settings.text,
            warn_unconfigured=settings.environment == "production",
        ),
        settings.message_retries,
    )
    # The Complaint Handling Code's deadlines are statutory: its working days leave out
    # weekends and bank holidays only, never the landlord's own closure days
    # (docs/adr/0041). Nothing else in engagement counts working days, so engagement
    # does not read HEARTH_CLOSURE_DAYS.
    complaints = ComplaintService(
        settings.complaint_timescales.by_stage(),
        ENGLAND_AND_WALES,
        messages,
        settings.report_window_years,
    )
    surveys = SurveyService(
        messages, settings.survey_minimum_group_size, settings.report_window_years
    )
    return Services(
        complaints=complaints,
        messages=messages,
        surveys=surveys,
        diversity=DiversityService(settings.survey_minimum_group_size),
        handlers=build_handlers(messages, surveys),
        jobs=[
            ScheduledJob(
                "complaint-deadlines",
                timedelta(seconds=settings.deadline_sweep_seconds),
                complaints.raise_breaches,
            ),
            ScheduledJob(
                "messages",
                timedelta(seconds=settings.message_sweep_seconds),
                messages.send_due,
            ),
        ],
    )


@functools.cache
def service_routes() -> APIRouter:
    """Every route of the service with its access rule, built once a process and shared
    by every app made (create_service_app's `routers`; docs/adr/0232)."""
    return staff_only(  # no contractor calls engagement: staff only, every route
        scoped(residents_router, read="residents:read", write="residents:write"),
        scoped(  # need to know (each route also reads the caller with its scope)
            vulnerabilities_router,
            read="vulnerabilities:read",
            write="vulnerabilities:write",
        ),
        # the reviewer's routes (reviews due, recording a review) need the
        # need-to-know read and the write both: each route checks the two and
        # names every one missing (docs/api/engagement.md)
        scoped(vulnerability_reviews_router),
        scoped(diversity_router, read="diversity:read", write="residents:write"),
        scoped(
            messages_router,
            across_residents_messages_router,
            read="residents:read",
            write="residents:write",
        ),
        scoped(contacts_router, read="residents:read", write="contacts:write"),
        scoped(complaints_router, read="complaints:read", write="complaints:write"),
        scoped(surveys_router, read="surveys:read", write="surveys:write"),
        # publishing is the learning from complaints, not recording a survey:
        # its own write (docs/adr/0213); read with the survey results it cites
        scoped(
            you_said_we_did_router,
            read="surveys:read",
            write="you-said-we-did:write",
        ),
        scoped(figures_router, read="reports:read"),
    )


def create_app(settings: EngagementSettings | None = None) -> FastAPI:
    settings = settings or EngagementSettings()
    services = build_services(settings)
    app = create_service_app(
        settings,
        title="Hearth engagement",
        description="Residents and their communication needs, contacts, messages, surveys, "
        "complaints on the Complaint Handling Code's clocks, you said we did.",
        routers=[service_routes()],
        handlers=services.handlers,
        scheduled_jobs=services.jobs,
    )
    app.state.complaint_service = services.complaints
    app.state.contact_service = ContactService(settings.report_window_years)
    app.state.message_service = services.messages
    app.state.survey_service = services.surveys
    app.state.diversity_service = services.diversity
    app.state.figures_service = FiguresService(services.surveys)
    return app

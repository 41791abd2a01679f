"""The compliance service: the asset register, the safety programme (gas, electrical,
alarms, block checks), gas safety records and the no-access ladder."""

from __future__ import annotations

import functools
from datetime import timedelta

from fastapi import APIRouter, FastAPI

from compliance.checks.endpoints import contractor_router as contractor_checks_router
from compliance.checks.endpoints import router as checks_router
from compliance.checks.service import ProgrammeService
from compliance.gas_safety_records.endpoints import contractor_router as contractor_records_router
from compliance.gas_safety_records.endpoints import router as records_router
from compliance.gas_safety_records.service import GasSafetyRecordService
from compliance.handlers import build_handlers
from compliance.homes.endpoints import router as homes_router
from compliance.homes.service import HomeService
from compliance.settings import ComplianceSettings
from compliance.tenant_copies.endpoints import router as tenant_copies_router
from hearth_kit.app import create_service_app
from hearth_kit.scheduler import ScheduledJob
from hearth_kit.staff import ContractorRoute, scoped, staff_only

CONTRACTOR_ROUTES: frozenset[ContractorRoute] = frozenset(
    {
        ("POST", "/v1/contractor/gas-safety-records"),
        ("GET", "/v1/contractor/gas-safety-records"),
        ("GET", "/v1/contractor/gas-safety-records/{record_id}"),
        ("GET", "/v1/contractor/compliance/checks"),
        ("GET", "/v1/contractor/compliance/checks/{check_id}"),
        ("POST", "/v1/contractor/compliance/checks/{check_id}/access-attempts"),
        ("POST", "/v1/contractor/compliance/checks/{check_id}/certificates"),
    }
)
"""What a contractor's engineers may call: the gateway's /v1/contractor/... rows, served
at the same paths here (so Location and a problem's `instance` are the contractor's own
URLs): only the checks assigned to their contractor, and its own records. Every other
route refuses a contractor's token (403), a route added later included."""


def scheduled_jobs(programme: ProgrammeService) -> list[ScheduledJob]:
    """The daily sweep and the no-access ladder, run with no request arriving."""
    settings = programme.settings
    return [
        ScheduledJob(
            "compliance-sweep", timedelta(minutes=settings.sweep_interval_minutes), programme.sweep
        ),
        ScheduledJob(
            "no-access-ladder",
            timedelta(minutes=settings.ladder_interval_minutes),
            programme.climb_ladder,
        ),
    ]


@functools.cache
def service_routes() -> APIRouter:
    """Every route of the service with its access rule, built once a process and shared
    by every app made (create_service_app's `routers`; docs/adr/0232)."""
    return staff_only(
        scoped(homes_router, read="homes:read", write="homes:write"),
        scoped(
            checks_router,
            records_router,
            contractor_checks_router,
            contractor_records_router,
            tenant_copies_router,
            read="compliance:read",
            write="compliance:write",
            read_also={"/v1/compliance/figures": ["reports:read"]},  # the TSM report
        ),
        contractor_routes=CONTRACTOR_ROUTES,
    )


def create_app(settings: ComplianceSettings | None = None) -> FastAPI:
    settings = settings or ComplianceSettings()
    programme = ProgrammeService(settings.programme)
    app = create_service_app(
        settings,
        title="Hearth compliance",
        description="The asset register and safety compliance: gas, electrical, alarms, "
        "block checks, the no-access procedure.",
        routers=[service_routes()],
        handlers=build_handlers(programme),
        scheduled_jobs=scheduled_jobs(programme),
    )
    app.state.programme = programme
    app.state.home_service = HomeService(programme)
    app.state.gas_safety_record_service = GasSafetyRecordService(programme)
    return app

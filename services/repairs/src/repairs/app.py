"""The repairs service: repair requests, work orders, appointments, the contractor
API, recharges, Awaab's Law cases and communal issues reported from visits."""

from __future__ import annotations

import functools

from fastapi import APIRouter, FastAPI

from hearth_kit.app import create_service_app
from hearth_kit.staff import CONTRACTOR_SCOPE, ContractorRoute, scoped, staff_only
from hearth_kit.working_days import ENGLAND_AND_WALES, WorkingDayCalendar
from repairs.appointments.endpoints import appointments_router
from repairs.appointments.endpoints import router as appointment_requests_router
from repairs.appointments.service import AppointmentService
from repairs.awaab.endpoints import router as awaab_router
from repairs.awaab.service import AwaabService
from repairs.communal_issues.endpoints import router as communal_issues_router
from repairs.figures.endpoints import router as figures_router
from repairs.handlers import build_handlers
from repairs.home_repairs.endpoints import router as home_repairs_router
from repairs.jobs import scheduled_jobs
from repairs.orders.endpoints import contractor_router
from repairs.orders.endpoints import router as work_orders_router
from repairs.orders.service import WorkOrderService
from repairs.recharges.endpoints import router as recharges_router
from repairs.settings import RepairsSettings
from repairs.webhooks.service import WebhookSender
from repairs.work_orders.endpoints import router as repairs_router
from repairs.work_orders.service import RepairService

CONTRACTOR_ROUTES: frozenset[ContractorRoute] = frozenset(
    {
        ("GET", "/v1/contractor/work-orders"),
        ("GET", "/v1/contractor/work-orders/{work_order_id}"),
        ("GET", "/v1/contractor/work-orders/{work_order_id}/status-updates"),
        ("POST", "/v1/contractor/work-orders/{work_order_id}/status"),
        ("POST", "/v1/contractor/work-orders/{work_order_id}/completion"),
    }
)
"""The contractor API (the gateway's /v1/contractor/... rows): a contractor's own work
orders only."""


@functools.cache
def service_routes() -> APIRouter:
    """Every route of the service with its access rule, built once a process and shared
    by every app made (create_service_app's `routers`; docs/adr/0232)."""
    return staff_only(
        scoped(
            figures_router,
            read="repairs:read",
            read_also={"/v1/repairs/figures": ["reports:read"]},  # the TSM report
        ),
        scoped(home_repairs_router, repairs_router, read="repairs:read", write="repairs:write"),
        # writes: repairs:write, or repairs:manage for an approval, on each route
        scoped(recharges_router, work_orders_router, read="repairs:read"),
        # a contractor's own work orders (each route also needs its contractor_id)
        scoped(contractor_router, read=CONTRACTOR_SCOPE, write=CONTRACTOR_SCOPE),
        scoped(
            appointments_router,
            appointment_requests_router,
            read="repairs:read",
            write="repairs:write",
        ),
        scoped(awaab_router, read="repairs:read"),  # repairs:manage on each write
        scoped(communal_issues_router, read="repairs:read", write="repairs:write"),
        contractor_routes=CONTRACTOR_ROUTES,
    )


def create_app(settings: RepairsSettings | None = None) -> FastAPI:
    settings = settings or RepairsSettings()
    calendar = WorkingDayCalendar(settings.closure_days)
    # Awaab's Law deadlines are the law's: its working days leave out weekends and bank
    # holidays only, never the landlord's own closure days (docs/adr/0035).
    awaab_service = AwaabService(
        settings.awaab_targets, ENGLAND_AND_WALES, settings.report_window_years
    )
    # a damp and mould repair reported opens its Awaab's Law case (docs/adr/0156)
    repair_service = RepairService(
        settings.response_targets, calendar, settings.report_window_years, awaab_service
    )
    webhook_sender = WebhookSender(settings)
    app = create_service_app(
        settings,
        title="Hearth repairs",
        description="Responsive repairs: priorities and target dates, work orders, "
        "appointments, the contractor API, recharges, damp and mould cases.",
        # Every route but the contractor API refuses a contractor's token (staff_only) and
        # needs the scope its gateway row needs (scoped): both applied by the token check.
        routers=[service_routes()],
        handlers=build_handlers(repair_service, awaab_service),
        scheduled_jobs=scheduled_jobs(awaab_service, webhook_sender),
    )
    app.state.repair_service = repair_service
    app.state.work_order_service = WorkOrderService(settings)
    app.state.appointment_service = AppointmentService(settings, calendar)
    app.state.awaab_service = awaab_service
    app.state.performance_targets = settings.performance_targets
    return app

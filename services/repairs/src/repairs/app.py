"""The repairs service: repair requests, work orders, appointments, the contractor
API, recharges and Awaab's Law cases."""

from __future__ import annotations

from fastapi import FastAPI

from hearth_kit.app import create_service_app
from hearth_kit.working_days import WorkingDayCalendar
from repairs.appointments.endpoints import appointments_router
from repairs.appointments.endpoints import router as appointment_requests_router
from repairs.appointments.service import AppointmentService
from repairs.awaab.endpoints import router as awaab_router
from repairs.awaab.service import AwaabService
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


def create_app(settings: RepairsSettings | None = None) -> FastAPI:
    settings = settings or RepairsSettings()
    calendar = WorkingDayCalendar(settings.closure_days)
    repair_service = RepairService(
        settings.response_targets, calendar, settings.report_window_years
    )
    awaab_service = AwaabService(settings.awaab_targets, calendar, settings.report_window_years)
    webhook_sender = WebhookSender(settings)
    app = create_service_app(
        settings,
        title="Hearth repairs",
        description="Responsive repairs: priorities and target dates, work orders, "
        "appointments, the contractor API, recharges, damp and mould cases.",
        routers=[
            figures_router,
            home_repairs_router,
            repairs_router,
            recharges_router,
            work_orders_router,
            contractor_router,
            appointments_router,
            appointment_requests_router,
            awaab_router,
        ],
        handlers=build_handlers(repair_service, awaab_service),
        scheduled_jobs=scheduled_jobs(awaab_service, webhook_sender),
    )
    app.state.repair_service = repair_service
    app.state.work_order_service = WorkOrderService(settings)
    app.state.appointment_service = AppointmentService(settings, calendar)
    app.state.awaab_service = awaab_service
    return app

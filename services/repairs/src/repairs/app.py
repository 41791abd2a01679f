"""The repairs service: repair requests, target dates, appointments, contractors."""

from __future__ import annotations

from fastapi import FastAPI

from hearth_kit.app import create_service_app
from hearth_kit.working_days import WorkingDayCalendar
from repairs.appointments.endpoints import router as appointment_requests_router
from repairs.handlers import build_handlers
from repairs.settings import RepairsSettings
from repairs.work_orders.endpoints import router as repairs_router
from repairs.work_orders.service import RepairService


def create_app(settings: RepairsSettings | None = None) -> FastAPI:
    settings = settings or RepairsSettings()
    repair_service = RepairService(
        settings.response_targets, WorkingDayCalendar(settings.closure_days)
    )
    app = create_service_app(
        settings,
        title="Hearth repairs",
        description="Responsive repairs: priorities and target dates, appointments, "
        "contractors, recharges, damp and mould cases.",
        routers=[repairs_router, appointment_requests_router],
        handlers=build_handlers(repair_service),
    )
    app.state.repair_service = repair_service
    return app

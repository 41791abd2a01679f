"""The income service: tenancies and rent accounts, charges, payments and arrears."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.app import create_service_app
from hearth_kit.scheduler import ScheduledJob
from hearth_kit.staff import scoped, staff_only
from income.accounts.endpoints import held_recharges_router
from income.accounts.endpoints import router as accounts_router
from income.accounts.service import AccountService
from income.arrangements.endpoints import reviews_router as arrangement_reviews_router
from income.arrangements.endpoints import router as arrangements_router
from income.arrangements.service import ArrangementService
from income.arrears.endpoints import cases_router as arrears_cases_router
from income.arrears.endpoints import router as arrears_router
from income.arrears.service import ArrearsService
from income.figures.endpoints import router as figures_router
from income.figures.service import FiguresService
from income.handlers import handlers
from income.rent_run.service import RentRun
from income.rents.endpoints import router as rents_router
from income.settings import IncomeSettings
from income.tenancies.endpoints import router as tenancies_router
from income.tenancies.service import tenancy_service


def scheduled_jobs(settings: IncomeSettings) -> list[ScheduledJob]:
    """The weekly rent run (charges the current rent week once, from its Monday), the
    daily arrears ladder (each case looked at once per check interval) and the trial
    end (a trial over by London's today with nothing decided settles, ADR 0059)."""

    async def trial_end(session: AsyncSession, now: datetime) -> int:
        return await tenancy_service.settle_ended_trials(
            session, now, settings.ladder, grace_days=settings.trial_end_grace_days
        )

    return [
        ScheduledJob("rent-run", timedelta(minutes=15), RentRun(settings).scheduled_batch),
        ScheduledJob("arrears-ladder", timedelta(minutes=15), ArrearsService(settings).run_ladder),
        ScheduledJob("trial-end", timedelta(minutes=15), trial_end),
    ]


async def _landlord_kind_given(settings: IncomeSettings) -> None:
    """Production's API does not start without the landlord's kind (ADR 0150)."""
    settings.require_landlord_kind()


@functools.cache
def service_routes() -> APIRouter:
    """Every route of the service with its access rule, built once a process and shared
    by every app made (create_service_app's `routers`; docs/adr/0232)."""
    return staff_only(  # no contractor calls income: staff only, every route
        scoped(
            tenancies_router,
            read="tenancies:read",
            write="tenancies:write",
            # the home overview finds a home's rent account with income:read, and
            # a resident's contact view reads its tenancy's rent summary with it
            read_also={
                "/v1/tenancies": ["income:read"],
                "/v1/tenancies/{tenancy_id}": ["income:read"],
            },
        ),
        # writes: income:write, or income:approve for a write-off, on each route
        scoped(accounts_router, held_recharges_router, read="income:read"),
        scoped(
            arrangements_router,
            arrangement_reviews_router,
            arrears_router,
            arrears_cases_router,
            read="income:read",
            write="income:write",
        ),
        # a rent change is a money decision: income:write, not tenancies:write
        scoped(rents_router, read="income:read", write="income:write"),
        scoped(
            figures_router,
            read="income:read",
            read_also={"/v1/income/figures": ["reports:read"]},  # the TSM report
        ),
    )


def create_app(settings: IncomeSettings | None = None) -> FastAPI:
    settings = settings or IncomeSettings()
    app = create_service_app(
        settings,
        title="Hearth income",
        description="Tenancies and rent accounts, charges, payments and arrears recovery.",
        routers=[service_routes()],
        handlers=handlers,
        scheduled_jobs=scheduled_jobs(settings),
        on_startup=lambda _db: _landlord_kind_given(settings),
    )
    app.state.account_service = AccountService(settings)
    app.state.arrangement_service = ArrangementService(settings)
    app.state.arrears_service = ArrearsService(settings)
    app.state.figures_service = FiguresService(settings)
    return app

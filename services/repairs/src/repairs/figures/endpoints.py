"""HTTP route for repairs' figures."""

from __future__ import annotations

from fastapi import APIRouter, Request

from hearth_kit.db import SessionDep
from hearth_kit.figures import Figures, PeriodDep
from hearth_kit.staff import STAFF_RESPONSES
from repairs.figures.service import figures
from repairs.settings import PerformanceTargets

router = APIRouter(prefix="/v1/repairs", tags=["figures"], responses=STAFF_RESPONSES)


@router.get("/figures", response_model=Figures, response_model_by_alias=True)
async def repairs_figures(session: SessionDep, period: PeriodDep, request: Request) -> Figures:
    """RP02.1, RP02.2, right first time, appointments at first contact and kept, the
    E:U:R mix, recharges, Awaab's Law cases open and breached, for London days
    `from` to `to`."""
    targets: PerformanceTargets = request.app.state.performance_targets
    return await figures(session, period, targets)

"""HTTP route for the visit figures."""

from __future__ import annotations

from fastapi import APIRouter

from hearth_kit.db import SessionDep
from hearth_kit.figures import Figures, PeriodDep
from hearth_kit.problems import PROBLEM_RESPONSES
from visits.figures import service

router = APIRouter(prefix="/v1/visits", tags=["figures"], responses=PROBLEM_RESPONSES)


@router.get("/figures", response_model=Figures, response_model_by_alias=True)
async def visit_figures(session: SessionDep, period: PeriodDep) -> Figures:
    """Visits done against the programme, no-access rate, repairs found per visit
    (first and later visits apart) and hazards found: overall, by area and by month."""
    return await service.figures(session, period)

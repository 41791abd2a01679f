"""HTTP route for the income figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from hearth_kit.db import SessionDep
from hearth_kit.figures import Figures, PeriodDep
from hearth_kit.problems import PROBLEM_RESPONSES
from income.figures.service import FiguresService

router = APIRouter(prefix="/v1/income", tags=["figures"], responses=PROBLEM_RESPONSES)


def figures_service(request: Request) -> FiguresService:
    service: FiguresService = request.app.state.figures_service
    return service


@router.get("/figures", response_model=Figures, response_model_by_alias=True)
async def income_figures(
    session: SessionDep,
    period: PeriodDep,
    figures: Annotated[FiguresService, Depends(figures_service)],
) -> Figures:
    """Collection rate, current arrears as a share of the annual rent roll, former
    tenant arrears, write-offs, cases per ladder step and arrangements kept."""
    return await figures.figures(session, period)

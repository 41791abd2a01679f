"""HTTP route for engagement's figures (CH01, CH02, TP01 to TP12, satisfaction by strand)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from engagement.diversity.service import may_read_diversity
from engagement.figures.schemas import EngagementFigures
from engagement.figures.service import FiguresService
from hearth_kit.auth import CallerDep
from hearth_kit.db import SessionDep
from hearth_kit.figures import PeriodDep
from hearth_kit.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["figures"], responses=PROBLEM_RESPONSES)


def _service(request: Request) -> FiguresService:
    service: FiguresService = request.app.state.figures_service
    return service


@router.get(
    "/v1/engagement/figures", response_model=EngagementFigures, response_model_by_alias=True
)
async def engagement_figures(
    session: SessionDep,
    period: PeriodDep,
    figures: Annotated[FiguresService, Depends(_service)],
    caller: CallerDep,
) -> EngagementFigures:
    """CH01.1/CH01.2 (complaints per 1,000 homes), CH02.1/CH02.2 (answered within the
    Code's timescales), TP01 to TP12 (perception survey) for the period's London days,
    and, for a caller with diversity:read only, TP01 by diversity strand in `breakdowns`
    (groups under the minimum size, and any that would give them away, suppressed);
    and, in `low_cost_home_ownership`, the shared owners' own CH01, CH02, TP01 and TP05
    to TP12, reported apart (docs/adr/0091)."""
    return await figures.figures(session, period, with_strands=may_read_diversity(caller))

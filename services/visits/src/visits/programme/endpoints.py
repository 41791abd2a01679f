"""HTTP routes for the visit programme."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.problems import PROBLEM_RESPONSES
from hearth_kit.working_days import london_day
from visits.programme.schemas import HomePriority
from visits.programme.service import programme_service
from visits.settings import RiskWeights, VisitsSettings

router = APIRouter(prefix="/v1/programme", tags=["programme"], responses=PROBLEM_RESPONSES)

UprnPath = Annotated[str, Path(pattern=UPRN_PATTERN, description="The home's UPRN")]


def risk_weights(request: Request) -> RiskWeights:
    settings: VisitsSettings = request.app.state.settings
    return settings.programme


WeightsDep = Annotated[RiskWeights, Depends(risk_weights)]


@router.get("/homes/{uprn}", response_model=HomePriority)
async def home_priority(uprn: UprnPath, session: SessionDep, weights: WeightsDep) -> HomePriority:
    """A home's visit priority score and the factors that made it."""
    today = london_day(datetime.now(UTC))
    return await programme_service.priority(session, uprn, weights, today)

"""HTTP routes for the visit programme."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.problems import PROBLEM_RESPONSES
from hearth_kit.working_days import london_day
from visits.programme.schemas import HomePriority, Programme
from visits.programme.service import programme_service
from visits.settings import VisitsSettings

router = APIRouter(prefix="/v1/programme", tags=["programme"], responses=PROBLEM_RESPONSES)

UprnPath = Annotated[str, Path(pattern=UPRN_PATTERN, description="The home's UPRN")]


def visits_settings(request: Request) -> VisitsSettings:
    settings: VisitsSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[VisitsSettings, Depends(visits_settings)]


@router.get("/homes", response_model=Programme)
async def ranked_homes(
    session: SessionDep,
    settings: SettingsDep,
    area: Annotated[
        str | None,
        Query(
            min_length=2,
            max_length=4,
            pattern=r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?$",
            description="A postcode district, e.g. YO10",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> Programme:
    """Every home (in the area) ranked by its explainable risk score, highest first,
    each with the factors that made it and when and how it is next to be visited."""
    now = datetime.now(UTC)
    return await programme_service.rank(
        session,
        area=area.upper() if area else None,
        limit=limit,
        weights=settings.programme,
        intervals=settings.intervals,
        now=now,
        today=london_day(now),
    )


@router.get("/homes/{uprn}", response_model=HomePriority)
async def home_priority(uprn: UprnPath, session: SessionDep, settings: SettingsDep) -> HomePriority:
    """A home's visit priority score, the factors that made it, and its next visit."""
    now = datetime.now(UTC)
    return await programme_service.priority(
        session, uprn, settings.programme, settings.intervals, now, london_day(now)
    )

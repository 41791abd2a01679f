"""HTTP routes for the visit programme."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.pagination import CURSOR_PATTERN
from hearth_kit.problems import PROBLEM_RESPONSES
from hearth_kit.working_days import london_day
from visits.programme.schemas import HomePriority, Programme
from visits.programme.service import ProgrammeService
from visits.settings import VisitsSettings

router = APIRouter(prefix="/v1/programme", tags=["programme"], responses=PROBLEM_RESPONSES)

UprnPath = Annotated[str, Path(pattern=UPRN_PATTERN, description="The home's UPRN")]


def visits_settings(request: Request) -> VisitsSettings:
    settings: VisitsSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[VisitsSettings, Depends(visits_settings)]


def programme_service(request: Request) -> ProgrammeService:
    service: ProgrammeService = request.app.state.programme_service
    return service


ProgrammeDep = Annotated[ProgrammeService, Depends(programme_service)]


@router.get("/homes", response_model=Programme)
async def ranked_homes(
    session: SessionDep,
    programme: ProgrammeDep,
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
    cursor: Annotated[
        str | None,
        Query(
            max_length=1000,
            pattern=CURSOR_PATTERN,
            description="The next_cursor the previous page returned (a value that does not "
            "decode to the ranking's sort key is a 422 naming cursor)",
        ),
    ] = None,
) -> Programme:
    """Every home (in the area) ranked by its explainable risk score, highest first (then
    the earliest due date), each with the factors that made it and when and how it is
    next to be visited; `limit` at a time, the next page from `next_cursor`."""
    return await programme.rank(
        session,
        area=area.upper() if area else None,
        limit=limit,
        cursor=cursor,
        today=london_day(datetime.now(UTC)),
    )


@router.get("/homes/{uprn}", response_model=HomePriority)
async def home_priority(
    uprn: UprnPath, session: SessionDep, programme: ProgrammeDep
) -> HomePriority:
    """A home's visit priority score, the factors that made it, and its next visit."""
    return await programme.priority(session, uprn, datetime.now(UTC))

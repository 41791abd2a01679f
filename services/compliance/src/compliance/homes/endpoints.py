"""HTTP routes for the asset register's homes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from compliance.homes.schemas import HomeCreate, HomePublic
from compliance.homes.service import home_service
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/homes", tags=["homes"], responses=PROBLEM_RESPONSES)

UprnPath = Annotated[str, Path(pattern=UPRN_PATTERN, description="The home's UPRN")]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=HomePublic)
async def register_home(
    body: HomeCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Register a home in the asset register (publishes property-registered)."""
    return await idempotency.create(
        session,
        lambda: home_service.register(session, body),
        location=lambda home: f"/v1/homes/{home.uprn}",
    )


@router.get("/{uprn}", response_model=HomePublic)
async def get_home(uprn: UprnPath, session: SessionDep) -> HomePublic:
    """One home by UPRN."""
    return await home_service.get(session, uprn)


@router.get("", response_model=Page[HomePublic])
async def list_homes(
    session: SessionDep,
    page: PageDep,
    postcode: Annotated[str | None, Query(max_length=8)] = None,
) -> Page[HomePublic]:
    """Homes in UPRN order, a page at a time."""
    return await home_service.page(session, page, postcode=postcode)

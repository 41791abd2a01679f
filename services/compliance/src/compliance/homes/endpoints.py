"""HTTP routes for the asset register's homes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from compliance.homes import repository
from compliance.homes.schemas import HomeCreate, HomePublic
from compliance.homes.service import home_service, to_public
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep, encode_cursor
from hearth_kit.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/homes", tags=["homes"], responses=PROBLEM_RESPONSES)

UprnPath = Annotated[str, Path(pattern=UPRN_PATTERN, description="The home's UPRN")]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=HomePublic)
async def register_home(
    body: HomeCreate, session: SessionDep, idempotency: IdempotencyDep, response: Response
) -> object:
    """Register a home in the asset register (publishes property-registered)."""
    if (replayed := await idempotency.replay(session)) is not None:
        return replayed
    home = to_public(await home_service.register(session, body))
    response.headers["Location"] = f"/v1/homes/{home.uprn}"
    await idempotency.remember(
        session, 201, home.model_dump(mode="json"), {"Location": response.headers["Location"]}
    )
    return home


@router.get("/{uprn}", response_model=HomePublic)
async def get_home(uprn: UprnPath, session: SessionDep) -> HomePublic:
    """One home by UPRN."""
    return to_public(await home_service.get(session, uprn))


@router.get("", response_model=Page[HomePublic])
async def list_homes(
    session: SessionDep,
    page: PageDep,
    postcode: Annotated[str | None, Query(max_length=8)] = None,
) -> Page[HomePublic]:
    """Homes in UPRN order, a page at a time."""
    after = page.after()
    homes = await repository.page(
        session, after=after[0] if after else None, limit=page.limit + 1, postcode=postcode
    )
    items = [to_public(h) for h in homes[: page.limit]]
    next_cursor = encode_cursor(items[-1].uprn) if len(homes) > page.limit else None
    return Page(items=items, next_cursor=next_cursor)

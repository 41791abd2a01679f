"""HTTP routes for residents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from engagement.residents import repository
from engagement.residents.schemas import ResidentCreate, ResidentPublic
from engagement.residents.service import resident_service, to_public
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep, PageParams, encode_cursor
from hearth_kit.problems import PROBLEM_RESPONSES, Unprocessable

router = APIRouter(prefix="/v1/residents", tags=["residents"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ResidentPublic)
async def register_resident(
    body: ResidentCreate, session: SessionDep, idempotency: IdempotencyDep, response: Response
) -> object:
    """Register a resident on a tenancy (publishes resident-registered)."""
    if (replayed := await idempotency.replay(session)) is not None:
        return replayed
    resident = to_public(await resident_service.register(session, body))
    response.headers["Location"] = f"/v1/residents/{resident.id}"
    await idempotency.remember(
        session, 201, resident.model_dump(mode="json"), {"Location": response.headers["Location"]}
    )
    return resident


@router.get("/{resident_id}", response_model=ResidentPublic)
async def get_resident(resident_id: uuid.UUID, session: SessionDep) -> ResidentPublic:
    """One resident by id."""
    return to_public(await resident_service.get(session, resident_id))


@router.get("", response_model=Page[ResidentPublic])
async def list_residents(
    session: SessionDep,
    page: PageDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    tenancy_id: uuid.UUID | None = None,
) -> Page[ResidentPublic]:
    """Residents in the order they were registered, a page at a time; filter by home
    or tenancy."""
    residents = await repository.page(
        session, after=_after(page), limit=page.limit + 1, uprn=uprn, tenancy_id=tenancy_id
    )
    items = [to_public(r) for r in residents[: page.limit]]
    next_cursor = (
        encode_cursor(items[-1].registered_at.isoformat(), items[-1].id)
        if len(residents) > page.limit
        else None
    )
    return Page(items=items, next_cursor=next_cursor)


def _after(page: PageParams) -> tuple[datetime, uuid.UUID] | None:
    after = page.after()
    if after is None:
        return None
    try:
        registered_at, resident_id = after
        return datetime.fromisoformat(registered_at), uuid.UUID(resident_id)
    except ValueError as exc:
        raise Unprocessable("The cursor is not one this API issued", field="cursor") from exc

"""HTTP routes for "you said, we did"."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from engagement.you_said_we_did.schemas import YouSaidWeDidCreate, YouSaidWeDidPublic
from engagement.you_said_we_did.service import you_said_we_did_service
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/you-said-we-did", tags=["you said, we did"], responses=PROBLEM_RESPONSES
)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=YouSaidWeDidPublic)
async def publish_you_said_we_did(
    body: YouSaidWeDidCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Publish a change, linked to the complaints and survey responses behind it."""
    return await idempotency.create(
        session,
        lambda: you_said_we_did_service.publish(session, body),
        location=lambda item: f"/v1/you-said-we-did/{item.id}",
    )


@router.get("/{item_id}", response_model=YouSaidWeDidPublic)
async def get_you_said_we_did(item_id: uuid.UUID, session: SessionDep) -> YouSaidWeDidPublic:
    """One published change (the Location `POST /v1/you-said-we-did` answers with; the
    list's scope, surveys:read). A 404 for an id never published."""
    return await you_said_we_did_service.get(session, item_id)


@router.get("", response_model=Page[YouSaidWeDidPublic])
async def list_you_said_we_did(session: SessionDep, page: PageDep) -> Page[YouSaidWeDidPublic]:
    """Published changes, latest first, with the complaints and feedback behind them."""
    return await you_said_we_did_service.page(session, page)

"""HTTP routes for a resident's messages, and the untranslated ones across residents."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from engagement.messages.schemas import MessagePublic, MessageRequest, UntranslatedMessage
from engagement.messages.service import MessageService
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES, Unprocessable

router = APIRouter(
    prefix="/v1/residents/{resident_id}/messages", tags=["messages"], responses=PROBLEM_RESPONSES
)


def _service(request: Request) -> MessageService:
    """The message pipeline app.py built from the settings (channels, retries)."""
    service: MessageService = request.app.state.message_service
    return service


MessageServiceDep = Annotated[MessageService, Depends(_service)]

across_residents_router = APIRouter(
    prefix="/v1/messages", tags=["messages"], responses=PROBLEM_RESPONSES
)


@across_residents_router.get("", response_model=Page[UntranslatedMessage])
async def list_untranslated_messages(
    session: SessionDep,
    page: PageDep,
    messages: MessageServiceDep,
    untranslated: Annotated[
        bool,
        Query(
            description="true: the statutory messages written in English because none "
            "of their templates is in the resident's language (ADR 0119). The one list "
            "of messages across residents; a resident's are at "
            "/v1/residents/{resident_id}/messages",
            json_schema_extra={"const": True},
        ),
    ],
) -> Page[UntranslatedMessage]:
    """Every resident's messages written in English for want of a translation, latest
    first, for staff to follow up with one (ADR 0119): ids, template, channel, language
    and dates, never the text (a message is opened on its resident's list)."""
    if not untranslated:
        raise Unprocessable(
            "Only the untranslated messages are listed across residents: untranslated=true",
            field="untranslated",
        )
    return await messages.untranslated(session, page)


@router.get("", response_model=Page[MessagePublic])
async def list_messages(
    resident_id: uuid.UUID, session: SessionDep, page: PageDep, messages: MessageServiceDep
) -> Page[MessagePublic]:
    """Letters, emails and texts to the resident, latest first, with their status."""
    return await messages.page(session, resident_id, page)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MessagePublic)
async def send_message(
    resident_id: uuid.UUID,
    body: MessageRequest,
    session: SessionDep,
    idempotency: IdempotencyDep,
    messages: MessageServiceDep,
) -> Response:
    """Send the resident a message from a template, in their language and format (or
    the language given); the scheduled job sends it."""
    return await idempotency.create(
        session,
        lambda: messages.send_to_resident(session, resident_id, body),
        location=lambda message: f"/v1/residents/{resident_id}/messages",
    )

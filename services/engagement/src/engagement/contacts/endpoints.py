"""HTTP routes for contacts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from engagement.contacts.schemas import ContactCreate, ContactPublic
from engagement.contacts.service import ContactService
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import CallerDep
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/contacts", tags=["contacts"], responses=PROBLEM_RESPONSES)


def _service(request: Request) -> ContactService:
    """The contact service app.py built from the settings (the report window)."""
    service: ContactService = request.app.state.contact_service
    return service


ContactServiceDep = Annotated[ContactService, Depends(_service)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ContactPublic)
async def log_contact(
    body: ContactCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    caller: CallerDep,
    contacts: ContactServiceDep,
) -> Response:
    """Log a contact from any channel (publishes contact-logged, without its content;
    not for a newcomer's contact dated while the household before them lived there,
    kept under the newcomer and counted for no household, ADR 0224).
    `contacted_at` is never in the future nor more than the report window
    (`HEARTH_ENGAGEMENT_REPORT_WINDOW_YEARS`, 10 by default) ago: a 422 naming it."""
    return await idempotency.create(
        session,
        lambda: contacts.log(session, body, caller),
        location=lambda contact: f"/v1/contacts/{contact.id}",
    )


@router.get("/{contact_id}", response_model=ContactPublic)
async def get_contact(contact_id: uuid.UUID, session: SessionDep) -> ContactPublic:
    """One contact, notes included (the Location `POST /v1/contacts` answers with; the
    list's scope, residents:read). A 404 for an id never logged."""
    return await ContactService.get(session, contact_id)


@router.get("", response_model=Page[ContactPublic])
async def list_contacts(
    session: SessionDep,
    page: PageDep,
    contacts: ContactServiceDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    resident_id: uuid.UUID | None = None,
) -> Page[ContactPublic]:
    """Contacts, latest first; filter by home or resident."""
    return await contacts.page(session, page, uprn=uprn, resident_id=resident_id)

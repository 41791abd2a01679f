"""Use cases for residents. Never commits: the caller owns the transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.models import Resident
from engagement.residents import repository, rules
from engagement.residents.schemas import ResidentCreate, ResidentPublic
from hearth_contracts.events.engagement import ResidentRegistered
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import NotFound, Unprocessable

CONTACT_DETAIL_WORDS = {"email": "an email address", "phone": "a phone number"}


def to_public(resident: Resident) -> ResidentPublic:
    return ResidentPublic.model_validate(resident)


class ResidentService:
    async def register(self, session: AsyncSession, data: ResidentCreate) -> ResidentPublic:
        """Register a resident on a tenancy and announce it (resident-registered, which
        carries no contact details)."""
        missing = rules.missing_contact_detail(data.preferred_channel, data.email, data.phone)
        if missing is not None:
            raise Unprocessable(
                f"A preferred channel of {data.preferred_channel.value} needs "
                f"{CONTACT_DETAIL_WORDS[missing]}",
                field=missing,
            )
        # Income's tenancy-started may not have reached us yet: an unknown tenancy is
        # accepted, but a known one must be of the same home.
        tenancy = await repository.known_tenancy(session, data.tenancy_id)
        if tenancy is not None and tenancy.uprn != data.uprn:
            raise Unprocessable(
                f"Tenancy {data.tenancy_id} is of home {tenancy.uprn}, not {data.uprn}",
                field="uprn",
            )
        resident = Resident(id=uuid.uuid4(), **data.model_dump(), registered_at=datetime.now(UTC))
        repository.add(session, resident)
        await session.flush()
        await publish(
            session,
            ResidentRegistered(
                resident_id=resident.id,
                tenancy_id=resident.tenancy_id,
                uprn=resident.uprn,
                full_name=resident.full_name,
                preferred_channel=resident.preferred_channel,
                language=resident.language,
                registered_at=resident.registered_at,
            ),
        )
        return to_public(resident)

    async def get(self, session: AsyncSession, resident_id: uuid.UUID) -> ResidentPublic:
        resident = await repository.get(session, resident_id)
        if resident is None:
            raise NotFound(f"No resident {resident_id}")
        return to_public(resident)

    async def page(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        uprn: str | None,
        tenancy_id: uuid.UUID | None,
    ) -> Page[ResidentPublic]:
        """Residents in the order they were registered, a page at a time."""
        residents = await repository.page(
            session,
            after=page.after_as(datetime, uuid.UUID),
            limit=page.fetch,
            uprn=uprn,
            tenancy_id=tenancy_id,
        )
        return Page.from_rows(
            [to_public(r) for r in residents],
            page.limit,
            cursor_of=lambda resident: (resident.registered_at, resident.id),
        )


resident_service = ResidentService()

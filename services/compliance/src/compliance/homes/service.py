"""Use cases for the asset register. Never commits: the caller owns the transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from compliance.homes import repository, rules
from compliance.homes.schemas import HomeCreate, HomePublic
from compliance.models import Home
from hearth_contracts.events.compliance import PropertyRegistered
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound


def to_public(home: Home) -> HomePublic:
    return HomePublic.model_validate(
        {
            **home.model_dump(),
            "needs_gas_safety_check": rules.needs_gas_safety_check(
                home.heating_fuel, home.gas_supply
            ),
        }
    )


class HomeService:
    async def register(self, session: AsyncSession, data: HomeCreate) -> HomePublic:
        """Add a home to the register and announce it (property-registered)."""
        if await repository.get(session, data.uprn) is not None:
            raise Conflict(f"Home {data.uprn} is already registered", field="uprn")
        home = Home(**data.model_dump(), registered_at=datetime.now(UTC))
        repository.add(session, home)
        await session.flush()
        await publish(
            session,
            PropertyRegistered(**data.model_dump(), registered_at=home.registered_at),
        )
        return to_public(home)

    async def get(self, session: AsyncSession, uprn: str) -> HomePublic:
        home = await repository.get(session, uprn)
        if home is None:
            raise NotFound(f"No home with UPRN {uprn}")
        return to_public(home)

    async def page(
        self, session: AsyncSession, page: PageParams, *, postcode: str | None
    ) -> Page[HomePublic]:
        """Homes in UPRN order, a page at a time."""
        homes = await repository.page(
            session, after=page.after_as(str), limit=page.fetch, postcode=postcode
        )
        return Page.from_rows(
            [to_public(h) for h in homes], page.limit, cursor_of=lambda home: (home.uprn,)
        )


home_service = HomeService()

"""Use cases for tenancies. Never commits: the caller owns the transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.income import TenancyStarted
from hearth_contracts.events.income import Tenant as TenantOnEvent
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound
from income.models import RentAccount, Tenancy, TenancyStatus, Tenant
from income.tenancies import repository, rules
from income.tenancies.schemas import TenancyCreate, TenancyPublic, TenantPublic


def to_public(tenancy: Tenancy, tenants: list[Tenant]) -> TenancyPublic:
    return TenancyPublic.model_validate(
        {
            **tenancy.model_dump(),
            "tenants": [TenantPublic.model_validate(t) for t in tenants],
            "introductory_ends_on": rules.introductory_ends_on(
                tenancy.tenancy_type, tenancy.start_date
            ),
        }
    )


class TenancyService:
    async def start(self, session: AsyncSession, data: TenancyCreate) -> TenancyPublic:
        """Start a tenancy of a home, open its rent account at a zero balance and
        announce it (tenancy-started). The home need not be known to income yet."""
        if await repository.by_reference(session, data.tenancy_reference) is not None:
            raise Conflict(
                f"Tenancy reference {data.tenancy_reference} is already in use",
                field="tenancy_reference",
            )
        if (current := await repository.current_of_home(session, data.uprn)) is not None:
            raise Conflict(
                f"Home {data.uprn} already has a current tenancy ({current.tenancy_reference})",
                field="uprn",
            )
        tenancy = Tenancy(
            id=uuid.uuid4(),
            tenancy_reference=data.tenancy_reference,
            uprn=data.uprn,
            start_date=data.start_date,
            tenancy_type=data.tenancy_type,
            weekly_rent_pence=data.weekly_rent_pence,
            status=TenancyStatus.CURRENT,
            created_at=datetime.now(UTC),
        )
        tenants = [
            Tenant(
                tenancy_id=tenancy.id,
                person_id=t.person_id or uuid.uuid4(),
                position=position,
                full_name=t.full_name,
            )
            for position, t in enumerate(data.tenants)
        ]
        account = RentAccount(tenancy_id=tenancy.id, balance_pence=0, opened_on=data.start_date)
        try:
            await repository.add(session, tenancy, tenants, account)
        except IntegrityError as exc:
            # A concurrent request took the reference or the home between our checks
            # and our insert; the unique indexes kept the rule.
            raise Conflict(
                "The tenancy reference is already in use, or the home already has a current tenancy"
            ) from exc
        await publish(
            session,
            TenancyStarted(
                tenancy_id=tenancy.id,
                tenancy_reference=tenancy.tenancy_reference,
                uprn=tenancy.uprn,
                tenants=[
                    TenantOnEvent(person_id=t.person_id, full_name=t.full_name) for t in tenants
                ],
                start_date=tenancy.start_date,
                tenancy_type=tenancy.tenancy_type,
                weekly_rent_pence=tenancy.weekly_rent_pence,
            ),
        )
        return to_public(tenancy, tenants)

    async def get(self, session: AsyncSession, tenancy_id: uuid.UUID) -> TenancyPublic:
        tenancy = await repository.get(session, tenancy_id)
        if tenancy is None:
            raise NotFound(f"No tenancy {tenancy_id}")
        tenants = await repository.tenants_of(session, [tenancy.id])
        return to_public(tenancy, tenants[tenancy.id])

    async def page(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        uprn: str | None,
        status: TenancyStatus | None,
    ) -> Page[TenancyPublic]:
        """Tenancies in reference order, a page at a time."""
        tenancies = await repository.page(
            session, after=page.after_as(str), limit=page.fetch, uprn=uprn, status=status
        )
        tenants = await repository.tenants_of(session, [t.id for t in tenancies])
        return Page.from_rows(
            [to_public(t, tenants[t.id]) for t in tenancies],
            page.limit,
            cursor_of=lambda tenancy: (tenancy.tenancy_reference,),
        )


tenancy_service = TenancyService()

"""Use cases for rent changes (the April rent change): record a tenancy's new weekly
rent and service charge from a rent week not yet charged. Never commits: the request
owns the transaction.

A week already charged keeps what was charged: the ledger is never rewritten, and a
change back-dated into charged weeks would need adjustment entries nobody asked for.
Charging the new rent for a week means recording the change before that week's run
charges it (the run and a change both lock the rent account, so a change either lands
before the week is charged, and the run charges the new rent, or is refused)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.logs import get_logger
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from hearth_kit.working_days import london_day
from income.accounts import repository as accounts
from income.models import AccountKind, RentChange, Tenancy, TenancyStatus
from income.rents import repository
from income.rents.schemas import RentChangeCreate, RentChangePublic
from income.tenancies import repository as tenancies
from income.tenancies.rules import RECORDED_AHEAD_MONTHS, latest_day_ahead, why_not_current

log = get_logger(__name__)


class RentChangeService:
    async def _current_tenancy(self, session: AsyncSession, tenancy_id: uuid.UUID) -> Tenancy:
        """The tenancy, locked (a change and its withdrawal are one at a time)."""
        tenancy = await tenancies.get_for_update(session, tenancy_id)
        if tenancy is None:
            raise NotFound(f"No tenancy {tenancy_id}")
        if tenancy.status is not TenancyStatus.CURRENT:
            raise Conflict(
                f"Tenancy {tenancy_id} {why_not_current(tenancy.status)}",
                field="status",
                reason=f"tenancy_{tenancy.status.value}",
            )
        return tenancy

    async def _refuse_charged(
        self, session: AsyncSession, tenancy_id: uuid.UUID, effective_from: date
    ) -> None:
        """A 409 naming `effective_from` when rent is charged for that week or a later
        one. Locks the rent account, as the rent run does, so a change or withdrawal
        lands before the week is charged or is refused."""
        account = await accounts.account_of_tenancy(
            session, tenancy_id, AccountKind.RENT, for_update=True
        )
        if account is not None and (
            charged := await repository.charged_from(session, account.id, effective_from)
        ):
            raise Conflict(
                f"Rent is already charged for the week from {charged.isoformat()}: a rent "
                "change takes effect from a week not yet charged",
                field="effective_from",
            )

    async def changes(
        self, session: AsyncSession, tenancy_id: uuid.UUID, page: PageParams
    ) -> Page[RentChangePublic]:
        """The rent changes recorded on a tenancy, by the week they take effect from
        (charged or waiting)."""
        if await tenancies.get(session, tenancy_id) is None:
            raise NotFound(f"No tenancy {tenancy_id}")
        after = page.after_as(str)
        try:
            after_week = None if after is None else date.fromisoformat(after)
        except ValueError as exc:
            raise Unprocessable(
                "The cursor is not one this API issued", field="cursor", location="query"
            ) from exc
        rows = await repository.page_of_tenancy(
            session, tenancy_id, after=after_week, limit=page.fetch
        )
        return Page.from_rows(
            [RentChangePublic.model_validate(r) for r in rows],
            page.limit,
            cursor_of=lambda change: (change.effective_from.isoformat(),),
        )

    async def withdraw(
        self, session: AsyncSession, tenancy_id: uuid.UUID, effective_from: date
    ) -> None:
        """Withdraw a change recorded by mistake, before its week (or any later one) is
        charged: the rent in force for those weeks is again the one before it."""
        tenancy = await self._current_tenancy(session, tenancy_id)
        await self._refuse_charged(session, tenancy.id, effective_from)
        change = await repository.of_week(session, tenancy.id, effective_from)
        if change is None:
            raise NotFound(
                f"No rent change from {effective_from.isoformat()} on tenancy {tenancy_id}"
            )
        await repository.remove(session, change)
        log.info(
            "rent change withdrawn",
            tenancy_id=str(tenancy.id),
            effective_from=effective_from.isoformat(),
        )

    async def change(
        self,
        session: AsyncSession,
        tenancy_id: uuid.UUID,
        data: RentChangeCreate,
        now: datetime,
    ) -> RentChangePublic:
        """Record the tenancy's rent and service charge from `effective_from` on (a
        Monday, not before the tenancy's start, at most a year after London's today,
        no rent charged for it or any later week yet). Sent again for the same week, it
        replaces the change recorded."""
        tenancy = await self._current_tenancy(session, tenancy_id)
        if data.effective_from.weekday() != 0:
            raise Unprocessable(
                "A rent change takes effect from a rent week's Monday", field="effective_from"
            )
        if data.effective_from > (latest := latest_day_ahead(london_day(now))):
            raise Unprocessable(
                f"A rent change is recorded at most {RECORDED_AHEAD_MONTHS} months ahead "
                f"(by {latest})",
                field="effective_from",
            )
        if data.effective_from < tenancy.start_date:
            raise Unprocessable(
                f"The tenancy started on {tenancy.start_date.isoformat()}: a rent change "
                "cannot take effect before it",
                field="effective_from",
            )
        await self._refuse_charged(session, tenancy.id, data.effective_from)
        change = await repository.of_week(session, tenancy.id, data.effective_from)
        if change is None:
            change = RentChange(
                id=uuid.uuid4(),
                tenancy_id=tenancy.id,
                effective_from=data.effective_from,
                weekly_rent_pence=data.weekly_rent_pence,
                weekly_service_charge_pence=data.weekly_service_charge_pence,
                made_at=now,
            )
            await repository.add(session, change)
        else:
            change.weekly_rent_pence = data.weekly_rent_pence
            change.weekly_service_charge_pence = data.weekly_service_charge_pence
            change.made_at = now
            await session.flush()
        log.info(
            "rent change recorded",
            tenancy_id=str(tenancy.id),
            effective_from=data.effective_from.isoformat(),
        )
        return RentChangePublic.model_validate(change)


rent_change_service = RentChangeService()

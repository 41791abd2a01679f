"""The weekly rent run: charge every current rent account its week's rent and service
charge (those in force that week: income.rents), in advance, on the rent week's Monday,
exactly once.

Once, even re-run or killed in the middle: each batch locks up to a batch of accounts
not yet charged for the week (FOR UPDATE SKIP LOCKED), posts their charges, publishes
rent-charged through the outbox and commits, all in one transaction; the unique key
(account, kind, week) refuses a second charge. A run killed mid-batch commits nothing of
that batch, and the next run carries on from the accounts still uncharged."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.income import RentCharged
from hearth_kit.outbox import publish
from hearth_kit.problems import Unprocessable
from hearth_kit.working_days import london_day
from income import metrics
from income.accounts import repository as accounts
from income.accounts import rules
from income.models import Account, EntryKind, Tenancy
from income.rent_run import repository
from income.rents import repository as rents
from income.settings import IncomeSettings


class RentRun:
    def __init__(self, settings: IncomeSettings) -> None:
        self.settings = settings
        self._after: dict[date, uuid.UUID] = {}
        """Where this runner's last batch of each week ended (accounts in id order), so
        the next batch reads on from there instead of past every account charged: a
        run is linear in the number of accounts. Only a hint: when it finds nothing the
        batch looks once more from the start, which picks up any account a rolled-back
        batch or another runner's lock left behind."""

    @staticmethod
    def check_week(week: date, today: date) -> None:
        """A rent week is named by its Monday, and is the current rent week (that of
        `today`, London) or an earlier one: a week not yet begun is not charged, since
        rent charged ahead counts as owed at once (and a run ahead would leave the
        weeks between looking done to anyone reading the ledger's latest week)."""
        if week.weekday() != 0:
            raise Unprocessable("A rent week is named by its Monday", field="week")
        current = rules.rent_week_of(today)
        if week > current:
            raise Unprocessable(
                f"The rent week from {week.isoformat()} has not begun: the current rent week "
                f"is from {current.isoformat()}",
                field="week",
            )

    async def to_charge(self, session: AsyncSession, week: date, now: datetime) -> int:
        """How many accounts the week has still to charge (for a progress bar)."""
        self.check_week(week, london_day(now))
        if week in self.settings.rent_free_weeks:
            return 0
        return await repository.count_uncharged(session, week)

    async def charge_batch(self, session: AsyncSession, week: date, now: datetime) -> int:
        """Charge one batch of accounts for `week`; returns how many it charged (0: all
        done). A rent-free week charges nothing.

        A run going at the same moment may have charged some of the accounts this batch
        selected (its commit landed after this statement's snapshot); the unique key
        skips those, and when it skipped them all the batch looks again, so 0 always
        means the week is done."""
        self.check_week(week, london_day(now))
        if week in self.settings.rent_free_weeks:
            return 0
        for _ in range(3):
            selected, charged = await self._charge(session, week, now)
            if charged or not selected:
                metrics.RENT_CHARGED.inc(charged)
                return charged
        return 0

    async def _charge(self, session: AsyncSession, week: date, now: datetime) -> tuple[int, int]:
        size = self.settings.rent_run_batch_size
        after = self._after.get(week)
        due = await repository.uncharged(session, week, size, after=after)
        if not due and after is not None:
            # Two runs at once in one process share this position: the other may
            # have let it go already.
            self._after.pop(week, None)
            due = await repository.uncharged(session, week, size)
        if not due:
            return 0, 0
        self._after[week] = due[-1][0].id
        rows = []
        charges: dict[uuid.UUID, tuple[int, int, uuid.UUID]] = {}
        changes = await rents.changes_by(session, [tenancy.id for _, tenancy in due], week)
        for account, tenancy in due:
            # The rent in force that week: its latest change from then or before, else
            # the rent at the start (read after the account is locked, so a change
            # recorded meanwhile is either seen here or refused as charged).
            change = changes.get(tenancy.id)
            weekly_rent, weekly_service = (
                (change.weekly_rent_pence, change.weekly_service_charge_pence)
                if change is not None
                else (tenancy.weekly_rent_pence, tenancy.weekly_service_charge_pence)
            )
            rent = rules.week_charge(weekly_rent, tenancy.start_date, week)
            service = rules.week_charge(weekly_service, tenancy.start_date, week)
            rent_id = uuid.uuid4()
            charges[account.id] = (rent, service, rent_id)
            rows.extend(self._week_rows(rent_id, account.id, rent, service, week, now))
        posted = await repository.post_charges(session, rows)
        await repository.stamp_charged(session, [account.id for account, _ in due], week)
        balances = await accounts.balances(session, [a.id for a, _ in due])
        for account, tenancy in due:
            rent, service, rent_id = charges[account.id]
            if rent_id not in posted:
                continue
            await publish(
                session,
                RentCharged(
                    charge_id=rent_id,
                    tenancy_id=tenancy.id,
                    uprn=tenancy.uprn,
                    week_starting=week,
                    rent_pence=rent,
                    service_charge_pence=service,
                    balance_pence=balances[account.id],
                    charged_at=now,
                ),
            )
        return len(due), sum(1 for _, _, rent_id in charges.values() if rent_id in posted)

    @staticmethod
    def _week_rows(
        rent_id: uuid.UUID,
        account_id: uuid.UUID,
        rent: int,
        service: int,
        week: date,
        now: datetime,
    ) -> list[dict[str, object]]:
        """A week's charges as the rent run posts them (the run and a tenancy recorded
        after its start alike): the rent under `rent_id`, and the service charge
        beside it when there is one."""
        rows = [RentRun._row(rent_id, account_id, EntryKind.RENT, rent, week, now)]
        if service:
            rows.append(
                RentRun._row(uuid.uuid4(), account_id, EntryKind.SERVICE_CHARGE, service, week, now)
            )
        return rows

    @staticmethod
    def _row(
        entry_id: uuid.UUID,
        account_id: uuid.UUID,
        kind: EntryKind,
        amount: int,
        week: date,
        now: datetime,
    ) -> dict[str, object]:
        return {
            "id": entry_id,
            "account_id": account_id,
            "kind": kind,
            "amount_pence": amount,
            "effective_on": week,
            "posted_at": now,
            "charge_week": week,
        }

    async def scheduled_batch(self, session: AsyncSession, now: datetime) -> int:
        """The scheduler's job: charge the current rent week (from its Monday on)."""
        return await self.charge_batch(session, rules.rent_week_of(london_day(now)), now)


async def charge_weeks_on_recording(
    session: AsyncSession,
    account: Account,
    tenancy: Tenancy,
    weeks: Sequence[date],
    now: datetime,
) -> int:
    """Charge a tenancy recorded after its start the rent weeks it already owes
    (`weeks`: accounts.rules.weeks_charged_back, ADR 0112), in the transaction that
    records it: each week's rent and service charge as the rent run posts them (the
    rent at the start, pro rata for the week it starts in), with the rent run's unique
    key (account, kind, week), so `hearth rent-run --week` or the scheduler charges none
    of them again, and rent-charged for each, after tenancy-started. Returns how many
    weeks were charged."""
    rows: list[dict[str, object]] = []
    charged: list[tuple[date, uuid.UUID, int, int]] = []
    for week in weeks:
        rent = rules.week_charge(tenancy.weekly_rent_pence, tenancy.start_date, week)
        service = rules.week_charge(tenancy.weekly_service_charge_pence, tenancy.start_date, week)
        rent_id = uuid.uuid4()
        charged.append((week, rent_id, rent, service))
        rows.extend(RentRun._week_rows(rent_id, account.id, rent, service, week, now))
    posted = await repository.post_charges(session, rows)
    if weeks:
        await repository.stamp_charged(session, [account.id], max(weeks))
    balance = await accounts.balance(session, account.id) - sum(
        rent + service for _, rent_id, rent, service in charged if rent_id in posted
    )
    count = 0
    for week, rent_id, rent, service in charged:
        if rent_id not in posted:
            continue
        balance += rent + service
        count += 1
        await publish(
            session,
            RentCharged(
                charge_id=rent_id,
                tenancy_id=tenancy.id,
                uprn=tenancy.uprn,
                week_starting=week,
                rent_pence=rent,
                service_charge_pence=service,
                balance_pence=balance,
                charged_at=now,
            ),
        )
    metrics.RENT_CHARGED.inc(count)
    return count

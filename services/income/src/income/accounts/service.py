"""Use cases for accounts: post payments, reverse entries, write off former tenant
arrears, post recharges, and read statements and summaries. Never commits: the caller
owns the transaction. Every posting locks its account first, so postings to one account
are serialised and the balance each event carries is the balance after that posting."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.income import (
    FormerTenantArrearsWrittenOff,
    PaymentReceived,
    RechargePaid,
    RechargeSettledBy,
)
from hearth_contracts.events.repairs import RechargeRaised
from hearth_kit.db import ReadConnection
from hearth_kit.logs import get_logger
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, Forbidden, NotFound, Unprocessable
from hearth_kit.working_days import london_day, start_of_london_day
from income.accounts import repository, rules
from income.accounts.schemas import (
    AccountPublic,
    ArrangementBrief,
    EntryPublic,
    HeldRechargeCharge,
    HeldRechargeChargedPublic,
    HeldRechargePublic,
    HeldRechargesPublic,
    LastPayment,
    PaymentCreate,
    PostedPublic,
    ReversalCreate,
    StatementLinePublic,
    StatementPublic,
    SummaryPublic,
    WriteOffCreate,
)
from income.arrears import rules as arrears_rules
from income.models import (
    Account,
    AccountKind,
    EntryKind,
    LedgerEntry,
    Tenancy,
    TenancyStatus,
)
from income.settings import IncomeSettings
from income.tenancies import repository as tenancies

log = get_logger(__name__)

DESCRIPTIONS = {
    EntryKind.RENT: "Rent",
    EntryKind.SERVICE_CHARGE: "Service charge",
    EntryKind.PAYMENT: "Payment",
    EntryKind.RECHARGE: "Recharge",
    EntryKind.REVERSAL: "Correction (reversal)",
    EntryKind.WRITE_OFF: "Written off",
    EntryKind.OPENING_BALANCE: "Opening balance",
}


def describe(entry: LedgerEntry) -> str:
    text = DESCRIPTIONS[entry.kind]
    if entry.kind in (EntryKind.RENT, EntryKind.SERVICE_CHARGE) and entry.charge_week:
        return f"{text}, week from {entry.charge_week.isoformat()}"
    if entry.kind is EntryKind.PAYMENT and entry.payment_method:
        return f"{text} ({entry.payment_method.value.replace('_', ' ')})"
    return text


async def recharges_outstanding(
    session: AsyncSession, account: Account
) -> list[tuple[LedgerEntry, int]]:
    """Each recharge on a sundry account with what is still owed on it, oldest first (the
    account's credits pay the oldest first)."""
    recharges = await repository.recharges_of(session, account.id)
    charged = [owed for _, owed in recharges]
    credits = sum(charged) - await repository.balance(session, account.id)
    outstanding = rules.recharges_outstanding(charged, credits)
    return [(entry, left) for (entry, _), left in zip(recharges, outstanding, strict=True)]


async def recharges_covered(
    session: AsyncSession, account: Account
) -> list[tuple[LedgerEntry, int, int]]:
    """Each recharge on a sundry account with what is still owed on it and how much of
    it the account's write-offs cover, oldest first (rules.recharges_written_off): what
    decides `settled_by` when credit moves onto a recharge (docs/adr/0183)."""
    recharges = await repository.recharges_of(session, account.id)
    charged = [owed for _, owed in recharges]
    credits = sum(charged) - await repository.balance(session, account.id)
    outstanding = rules.recharges_outstanding(charged, credits)
    written_off = rules.recharges_written_off(
        charged, credits, await repository.written_off(session, account.id)
    )
    return [
        (entry, left, by_write_off)
        for (entry, _), left, by_write_off in zip(recharges, outstanding, written_off, strict=True)
    ]


async def invoice_recharge(session: AsyncSession, recharge: RechargeRaised) -> None:
    """Invoice a recharge from repairs on its household's sundry account (opened on
    their first recharge). Posted once: the recharge id is the entry's source key, and
    a replay (the same recharge again, even at the same moment) opens and posts nothing.

    The household is the tenancy repairs names (a recharge held for approval names the
    household that was held, ADR 0105), when it is a tenancy of the recharge's home
    not withdrawn before its first day (its household never lived there, ADR 0111);
    else the tenancy last in the home on the day the recharge was raised: the one in
    force then, or a former tenant's when the
    home stood empty (damage found after they left is their former tenant arrears, not
    the next household's); see tenancies.household_of_home_on. The income team chases
    one account per debtor, so every recharge of a tenancy lands on its one sundry
    account. A home that has never had a tenancy here, or a recharge dated before its
    first tenancy began (damage from before the first household moved in is not
    theirs), has no one to charge: such recharges are held on one sundry account of the
    home, with no tenancy, for a decision (charge or cancel), never one account per
    recharge; GET /v1/income/held-recharges lists those accounts.

    An account's credits pay its recharges oldest first, so a recharge invoiced on an
    account already in credit (an overpayment, a cancelled recharge that was paid) is
    paid by that credit, in whole or part, at once: recharge-paid says so, in the
    invoice's transaction, `paid_at` and `posted_at` both the invoice's posting (when
    the credit was applied), as a payment would; without it repairs would never learn
    the recharge was paid. A recharge raised earlier than ones already invoiced but
    arriving after them comes first in that order and takes the credit from the newer
    ones: each of those is owed again, and a recharge-paid with `correction` true says
    so."""
    source_key = f"recharge:{recharge.recharge_id}"
    if await repository.by_source_key(session, source_key) is not None:
        return
    await repository.lock_recharges_of_home(session, recharge.uprn)
    if await repository.by_source_key(session, source_key) is not None:
        return  # the same recharge, invoiced while this one waited for the home
    raised_on = london_day(recharge.raised_at)
    named = (
        await tenancies.get(session, recharge.tenancy_id)
        if recharge.tenancy_id is not None
        else None
    )
    if named is not None and named.uprn != recharge.uprn:
        # a tenancy of another home is not the household the damage is at (a flag
        # carried from a household's earlier home): the home's household on the day is
        log.info(
            "recharge names a tenancy of another home",
            recharge_id=str(recharge.recharge_id),
            tenancy_id=str(named.id),
        )
        named = None
    if named is not None and named.status is TenancyStatus.WITHDRAWN:
        # held for a household put on a tenancy from its announcement whose offer then
        # fell through (ADR 0111): it never lived there, so the damage is not theirs
        log.info(
            "recharge names a tenancy withdrawn before its first day",
            recharge_id=str(recharge.recharge_id),
            tenancy_id=str(named.id),
        )
        named = None
    tenancy = named or await tenancies.household_of_home_on(session, recharge.uprn, raised_on)
    account, _ = await post_recharge(
        session,
        tenancy,
        recharge.uprn,
        amount_pence=recharge.amount_pence,
        effective_on=raised_on,
        source_key=source_key,
        reason=recharge.reason.value[:64],
        recharge_id=recharge.recharge_id,
        repair_id=recharge.repair_id,
    )
    log.info("recharge invoiced", recharge_id=str(recharge.recharge_id), account_id=str(account.id))


async def post_recharge(
    session: AsyncSession,
    tenancy: Tenancy | None,
    uprn: str,
    *,
    amount_pence: int,
    effective_on: date,
    source_key: str,
    reason: str | None,
    recharge_id: uuid.UUID | None,
    repair_id: uuid.UUID | None,
) -> tuple[Account, LedgerEntry]:
    """Post a recharge where ADR 0036 routes it: `tenancy`'s sundry account (opened on
    its first recharge; an ended tenancy's is its former tenant arrears), or with no
    tenancy the home's held account. The caller holds the home's recharges
    (repository.lock_recharges_of_home), so one account is found or opened; the account
    is locked here. What the account's credit pays of it, or takes from newer
    recharges, says recharge-paid (_recharges_paid_by_credit). Used by a recharge from
    repairs and by a held recharge charged to a named tenancy."""
    if tenancy is not None:
        account = await repository.account_of_tenancy(
            session, tenancy.id, AccountKind.SUNDRY, for_update=True
        )
    else:
        account = await repository.held_recharges_account(session, uprn, for_update=True)
    if account is None:
        account = Account(
            id=uuid.uuid4(),
            tenancy_id=tenancy.id if tenancy is not None else None,
            uprn=uprn,
            kind=AccountKind.SUNDRY,
            opened_on=effective_on,
        )
        await repository.add_account(session, account)
        owed_before: dict[uuid.UUID, tuple[int, int]] | None = None  # no credit yet
    else:
        owed_before = {
            e.id: (left, by_write_off)
            for e, left, by_write_off in await recharges_covered(session, account)
        }
    posted_at = rules.posting_time(
        datetime.now(UTC), await repository.last_posted_at(session, account.id)
    )
    invoice = LedgerEntry(
        id=uuid.uuid4(),
        account_id=account.id,
        kind=EntryKind.RECHARGE,
        amount_pence=amount_pence,
        effective_on=effective_on,
        posted_at=posted_at,
        source_key=source_key,
        reason=reason,
        recharge_id=recharge_id,
        repair_id=repair_id,
    )
    await repository.add_entry(session, invoice)
    if owed_before is not None:
        await _recharges_paid_by_credit(session, account, invoice, owed_before, posted_at)
    return account, invoice


async def _recharges_paid_by_credit(
    session: AsyncSession,
    account: Account,
    invoice: LedgerEntry,
    owed_before: dict[uuid.UUID, tuple[int, int]],
    posted_at: datetime,
) -> None:
    """recharge-paid for the new recharge where the account's credit paid some of it,
    and (`correction` true) for each older-invoiced recharge it took credit from. Credit
    a write-off brought (an account whose write-off a cancelled recharge freed) settles
    the new recharge as `settled_by` write_off, never paid in full (docs/adr/0183). An
    older recharge owing nothing still whose cover changed kind says so too
    (_cover_changed)."""
    covered = await recharges_covered(session, account)
    for entry, left, by_write_off in covered:
        before = (
            invoice.amount_pence
            if entry.id == invoice.id
            else owed_before[entry.id][0]
            if entry.id in owed_before
            else None
        )
        if before is None or before == left:
            continue
        await _recharge_paid(
            session,
            account,
            entry,
            amount_pence=abs(before - left),
            outstanding_pence=left,
            by_write_off=left < before and by_write_off > 0,
            paid_at=posted_at,
            posted_at=posted_at,
            correction=entry.id != invoice.id,
        )
    older = [(e, left, by_write_off) for e, left, by_write_off in covered if e.id in owed_before]
    await _cover_changed(
        session,
        account,
        [e for e, _, _ in older],
        rules.cover_changes(
            [owed_before[e.id] for e, _, _ in older], [(left, w) for _, left, w in older]
        ),
        posted_at,
    )


async def _cover_changed(
    session: AsyncSession,
    account: Account,
    recharges: Sequence[LedgerEntry],
    changes: Sequence[rules.CoverChanged],
    posted_at: datetime,
) -> None:
    """recharge-paid (`correction` true) for each recharge owing nothing before and
    after a posting whose covering credit changed kind (rules.cover_changes): money now
    pays all of it, `settled_by` payment and paid in full, or a write-off's credit now
    covers some, `settled_by` write_off and not paid in full; `outstanding_pence` 0 and
    `amount_pence` the part that changed kind. Without it repairs kept the kind the
    recharge's last event said: a payment reversed on an account with a write-off left
    an older recharge collected though the write-off now covers it, and a payment on
    such an account left one written off though money now pays it (docs/adr/0183,
    amended). `recharges` are the account's, oldest first, as the changes index them."""
    for change in changes:
        await _recharge_paid(
            session,
            account,
            recharges[change.index],
            amount_pence=change.moved_pence,
            outstanding_pence=0,
            by_write_off=change.by_write_off,
            paid_at=posted_at,
            posted_at=posted_at,
            correction=True,
        )


async def _recharge_paid(
    session: AsyncSession,
    account: Account,
    entry: LedgerEntry,
    *,
    amount_pence: int,
    outstanding_pence: int,
    by_write_off: bool,
    paid_at: datetime,
    posted_at: datetime,
    correction: bool,
) -> None:
    """recharge-paid for one recharge's share of a posting: `settled_by` write_off when
    a write-off's credit settled it, and paid in full only when nothing is owed and
    money, not a write-off, paid it (docs/adr/0183). Nothing for a recharge invoiced
    before income kept recharge ids: there is nothing to tell repairs."""
    if entry.recharge_id is None or entry.repair_id is None:
        return
    await publish(
        session,
        RechargePaid(
            recharge_id=entry.recharge_id,
            repair_id=entry.repair_id,
            uprn=account.uprn,
            amount_pence=amount_pence,
            outstanding_pence=outstanding_pence,
            paid_in_full=outstanding_pence == 0 and not by_write_off,
            paid_at=paid_at,
            correction=correction,
            posted_at=posted_at,
            settled_by=RechargeSettledBy.WRITE_OFF if by_write_off else RechargeSettledBy.PAYMENT,
        ),
    )


APPROVE_SCOPE = "income:approve"
"""Taking former tenant arrears off the books: a write-off, or a charge on a former
tenant's account reversed."""


class AccountService:
    def __init__(self, settings: IncomeSettings) -> None:
        self.settings = settings

    async def _account(
        self, session: AsyncSession, account_id: uuid.UUID, *, for_update: bool = False
    ) -> Account:
        account = await repository.get_account(session, account_id, for_update=for_update)
        if account is None:
            raise NotFound(f"No account {account_id}")
        return account

    async def _posted_at(self, session: AsyncSession, account: Account, now: datetime) -> datetime:
        """When a posting to a locked account is posted. On a sundry account, strictly
        after its last posting (rules.posting_time): recharge-paid's `posted_at`, which
        orders a recharge's events for repairs whatever day a payment was received on.
        Elsewhere `now`."""
        if account.kind is not AccountKind.SUNDRY:
            return now
        return rules.posting_time(now, await repository.last_posted_at(session, account.id))

    async def _tenancy_of(self, session: AsyncSession, account: Account) -> Tenancy | None:
        return (
            None if account.tenancy_id is None else await tenancies.get(session, account.tenancy_id)
        )

    async def get(self, session: AsyncSession, account_id: uuid.UUID) -> AccountPublic:
        account = await self._account(session, account_id)
        return AccountPublic(
            id=account.id,
            tenancy_id=account.tenancy_id,
            uprn=account.uprn,
            kind=account.kind,
            opened_on=account.opened_on,
            balance_pence=await repository.balance(session, account.id),
        )

    async def entry(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        entry_id: uuid.UUID,
        *,
        reads_officers_words: bool,
    ) -> EntryPublic:
        """One entry of the account, as posted: where a posting's Location leads (ADR
        0181). An entry of another account is a 404, as one never posted.

        A correction on a held account (one no tenancy holds: ADR 0036) is where a held
        recharge's decision keeps the officer's reason in their own words, which may say
        something about a person (ADR 0042): its `reason` is shown only to a caller who
        may decide held recharges (`income:write`, `reads_officers_words`), as the
        decision's own answer showed it; to a reader of the account (the contact centre,
        a complaints handler) it is null, as the statement leaves it out."""
        entry = await repository.get_entry(session, account_id, entry_id)
        if entry is None:
            raise NotFound(f"No entry {entry_id} on account {account_id}")
        public = EntryPublic.model_validate(entry)
        if reads_officers_words or entry.kind is not EntryKind.REVERSAL:
            return public
        account = await repository.get_account(session, account_id)
        if account is not None and account.tenancy_id is None:
            return public.model_copy(update={"reason": None})
        return public

    async def receive_payment(
        self, session: AsyncSession, account_id: uuid.UUID, data: PaymentCreate, now: datetime
    ) -> PostedPublic:
        """Credit a payment (publishes payment-received). A payment to an ended tenancy
        goes to its former tenant arrears, up to what is owed; beyond that, or when
        nothing is owed, it is refused with the reason (the ledger unchanged).

        A payment with a `reference` is posted once per account, method and reference
        (its natural key, whoever sends it and however late): sent again with the same
        amount and day, the first entry is answered and nothing is posted or published;
        with a different amount or day it is a 409 naming `reference`.

        `received_on` is refused (422) in the future or before the account was opened:
        a rent account's tenancy start, or the day the tenancy was recorded if earlier
        (rent in advance at sign-up); a sundry account's opening. On the rent account of
        a tenancy loaded with its balance brought forward, a payment received on or
        before that balance's `as_at` is refused too (422 naming `received_on`, nothing
        posted): the balance already holds it (ADR 0144)."""
        if data.received_on > london_day(now):
            raise Unprocessable("A payment cannot be received in the future", field="received_on")
        account = await self._account(session, account_id, for_update=True)
        tenancy = await self._tenancy_of(session, account)
        # A rent account counts from its tenancy's start, or from the day the tenancy
        # was recorded when that is earlier: rent taken in advance at sign-up (received
        # before a future start) is a credit, while a mistyped year is still refused.
        opened = (
            min(tenancy.start_date, london_day(tenancy.created_at))
            if tenancy is not None and account.kind is AccountKind.RENT
            else await repository.opened_on(session, account)
        )
        if data.received_on < opened:
            raise Unprocessable(
                f"A payment cannot be received before the account was opened ({opened})",
                field="received_on",
            )
        if (
            tenancy is not None
            and account.kind is AccountKind.RENT
            and (as_at := tenancy.balance_brought_forward_as_at) is not None
            and data.received_on <= as_at
        ):
            # The old system's balance brought forward at the load holds every payment
            # received up to the day it was struck (ADR 0132): posted again (a bank
            # file overlapping the cut-over) it would be counted twice (ADR 0144).
            raise Unprocessable(
                f"A payment received on or before {as_at} is in the balance brought "
                "forward from the old system: it is not posted again",
                field="received_on",
            )
        balance = await repository.balance(session, account.id)
        applied_to = "rent_account" if account.kind is AccountKind.RENT else "sundry_account"
        if tenancy is not None and tenancy.status is TenancyStatus.ENDED:
            applied_to = "former_tenant_arrears"
        if data.reference is not None and (
            first := await repository.payment_by_reference(
                session, account.id, data.method, data.reference
            )
        ):
            if (-first.amount_pence, first.effective_on) != (data.amount_pence, data.received_on):
                raise Conflict(
                    f"Reference already used on account {account_id} for a {data.method.value} "
                    f"payment of {-first.amount_pence} pence received on {first.effective_on}",
                    field="reference",
                )
            return PostedPublic(
                entry=EntryPublic.model_validate(first),
                balance_pence=balance,
                applied_to=applied_to,
                already_posted=True,
            )
        if tenancy is not None and tenancy.status is TenancyStatus.WITHDRAWN:
            # The household never moved in (ADR 0111): nothing is owed under it, and a
            # payment would be a credit to hand back.
            raise Conflict(
                f"Tenancy {tenancy.id} was withdrawn before it started: return the payment",
                field="amount_pence",
                reason="tenancy_withdrawn",
            )
        if tenancy is not None and tenancy.status is TenancyStatus.ENDED:
            if balance <= 0:
                raise Unprocessable(
                    f"Tenancy {tenancy.id} has ended and owes nothing: return the payment",
                    field="amount_pence",
                )
            if data.amount_pence > balance:
                raise Unprocessable(
                    f"Tenancy {tenancy.id} has ended; the payment is more than its former "
                    f"tenant arrears ({balance} pence): return the difference",
                    field="amount_pence",
                )
            applied_to = "former_tenant_arrears"
        posted_at = await self._posted_at(session, account, now)
        entry = LedgerEntry(
            id=uuid.uuid4(),
            account_id=account.id,
            kind=EntryKind.PAYMENT,
            amount_pence=-data.amount_pence,
            effective_on=data.received_on,
            posted_at=posted_at,
            payment_method=data.method,
            reference=data.reference,
        )
        recharges = (
            await repository.recharges_of(session, account.id)
            if account.kind is AccountKind.SUNDRY
            else []
        )
        await repository.add_entry(session, entry)
        await self._recharges_paid(session, account, recharges, balance, data, now, posted_at)
        balance -= data.amount_pence
        if tenancy is not None:
            await publish(
                session,
                PaymentReceived(
                    payment_id=entry.id,
                    tenancy_id=tenancy.id,
                    uprn=account.uprn,
                    amount_pence=data.amount_pence,
                    method=data.method,
                    received_on=data.received_on,
                    balance_pence=balance,
                    recorded_at=now,
                ),
            )
        return PostedPublic(
            entry=EntryPublic.model_validate(entry), balance_pence=balance, applied_to=applied_to
        )

    async def _recharges_paid(
        self,
        session: AsyncSession,
        account: Account,
        recharges: list[tuple[LedgerEntry, int]],
        balance_before: int,
        data: PaymentCreate,
        now: datetime,
        posted_at: datetime,
    ) -> None:
        """recharge-paid for each recharge a payment to a sundry account paid (oldest
        first), in the payment's transaction. The account's credits so far are what its
        recharges charge beyond its balance. A recharge invoiced before income kept
        recharge ids is paid off all the same, without an event. `paid_at` is the day
        the payment was received (a cheque received yesterday: yesterday's start);
        `posted_at`, the payment's posting, orders the recharge's events.

        Money pays what it can and the account's write-offs cover what money leaves
        (rules.recharges_written_off, docs/adr/0183): a payment on an account with a
        write-off moves the write-off's cover onto a later recharge, so a recharge some
        of which a write-off's credit covers after the payment says `settled_by`
        write_off and not paid in full, and only one money covers in full is paid in
        full (before, both were paid in full: repairs counted what was written off as
        collected). A recharge owing nothing before and after whose cover the payment
        turned from a write-off's to money says so too (_cover_changed)."""
        if not recharges:
            return
        charged = [owed for _, owed in recharges]
        credits_before = sum(charged) - balance_before
        credits_after = credits_before + data.amount_pence
        paid_at = (
            now if data.received_on == london_day(now) else start_of_london_day(data.received_on)
        )
        parts = rules.recharge_payments(charged, credits_before, data.amount_pence)
        written_off = await repository.written_off(session, account.id)
        covered_by_write_off = rules.recharges_written_off(charged, credits_after, written_off)
        for part in parts:
            await _recharge_paid(
                session,
                account,
                recharges[part.index][0],
                amount_pence=part.paid_pence,
                outstanding_pence=part.outstanding_pence,
                by_write_off=covered_by_write_off[part.index] > 0,
                paid_at=paid_at,
                posted_at=posted_at,
                correction=False,
            )
        changes = rules.cover_changes(
            list(
                zip(
                    rules.recharges_outstanding(charged, credits_before),
                    rules.recharges_written_off(charged, credits_before, written_off),
                    strict=True,
                )
            ),
            list(
                zip(
                    rules.recharges_outstanding(charged, credits_after),
                    covered_by_write_off,
                    strict=True,
                )
            ),
        )
        await _cover_changed(session, account, [e for e, _ in recharges], changes, posted_at)

    async def reverse(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        entry_id: uuid.UUID,
        data: ReversalCreate,
        now: datetime,
        *,
        approver: str | None = None,
    ) -> PostedPublic:
        """Correct a posted entry by posting its reverse: the entry itself never
        changes. An entry is reversed once; a reversal is not reversed (post again).
        On a sundry account a correction changes what its recharges owe (a payment
        reversed owes again what it paid): recharge-paid for each recharge it changed,
        in the same transaction, so repairs no longer counts it collected. A recharge's
        own entry reversed cancels it: recharge-paid `cancelled` true for it too, so
        repairs no longer counts it owed (docs/adr/0176).

        A charge on a former tenant's account (its tenancy ended) is former tenant
        arrears, which only an approved decision takes off the books (DOMAIN.md): its
        reversal needs an `approver` (a caller with income:approve; 403 naming the
        scope otherwise, nothing posted), recorded as `approved_by`, within the
        approver's write-off limit on the account (a 422 naming entry_id past it). A
        credit reversed there (a returned payment, a write-off undone) owes more, and
        needs none."""
        account = await self._account(session, account_id, for_update=True)
        entry = await repository.get_entry(session, account.id, entry_id)
        if entry is None:
            raise NotFound(f"No entry {entry_id} on account {account_id}")
        if entry.kind is EntryKind.REVERSAL:
            raise Unprocessable(
                "A reversal is not reversed; post the entry again",
                field="entry_id",
                location="path",
            )
        if await repository.is_reversed(session, entry.id):
            raise Conflict(f"Entry {entry_id} is already reversed")
        approved_by = None
        if entry.amount_pence > 0 and (
            (tenancy := await self._tenancy_of(session, account)) is not None
            and tenancy.status is TenancyStatus.ENDED
        ):
            if approver is None:
                raise Forbidden(
                    f"Tenancy {tenancy.id} has ended: taking a charge off its former tenant "
                    f"arrears is an approved decision, which needs the scope {APPROVE_SCOPE}",
                    required_scopes=[APPROVE_SCOPE],
                    missing_scopes=[APPROVE_SCOPE],
                )
            await self._within_write_off_limit(
                session, account.id, approver, entry.amount_pence, field="entry_id"
            )
            approved_by = approver
        posted_at = await self._posted_at(session, account, now)
        reversal = LedgerEntry(
            id=uuid.uuid4(),
            account_id=account.id,
            kind=EntryKind.REVERSAL,
            amount_pence=-entry.amount_pence,
            effective_on=max(entry.effective_on, london_day(now)),
            posted_at=posted_at,
            reverses_entry_id=entry.id,
            reason=data.reason,
            approved_by=approved_by,
        )
        sundry = account.kind is AccountKind.SUNDRY
        owed_before = await recharges_covered(session, account) if sundry else []
        await repository.add_entry(session, reversal)
        if sundry:
            await self._recharges_changed(
                session, account, owed_before, posted_at, reversed_entry=entry
            )
        if sundry and entry.kind is EntryKind.RECHARGE:
            await self._recharge_cancelled(session, account, entry, posted_at)
        return PostedPublic(
            entry=EntryPublic.model_validate(reversal),
            balance_pence=await repository.balance(session, account.id),
            applied_to="rent_account" if account.kind is AccountKind.RENT else "sundry_account",
        )

    async def _recharges_changed(
        self,
        session: AsyncSession,
        account: Account,
        owed_before: list[tuple[LedgerEntry, int, int]],
        posted_at: datetime,
        reversed_entry: LedgerEntry | None = None,
    ) -> None:
        """recharge-paid for each recharge whose outstanding amount a write-off
        (`reversed_entry` None) or a reversal changed, oldest first, `paid_at` and
        `posted_at` both its posting, so it is the latest word on the recharge.

        A write-off's say `settled_by` write_off and `paid_in_full` false: nothing was
        paid. A reversal's are corrections (`correction` true); a reversed recharge itself
        is left out here (cancelled is not paid: _recharge_cancelled says it is
        cancelled), and a write-off undone says `settled_by` write_off too: repairs makes
        a recharge it had written off owed again (docs/adr/0179). A recharge invoiced
        before income kept recharge ids changes all the same, without an event.

        Credit a posting moves onto another recharge (a recharge cancelled frees what
        was paid or written off on it, and the next recharges take it) is announced by
        the kind of credit now covering that recharge, not by the entry just posted or
        reversed: any of it covered by a write-off's credit says `settled_by` write_off
        and not paid in full, as a write-off of a part-paid recharge does; only a
        recharge payments cover in full is paid in full (rules.recharges_written_off,
        docs/adr/0183). What is owed again (a credit taken away) is said as before. A
        recharge owing nothing before and after whose cover changed kind says so too
        (_cover_changed: a payment reversed slides a write-off's cover onto an older
        recharge money had paid). `owed_before`: recharges_covered before the posting."""
        covered = await recharges_covered(session, account)
        owed_after = [(entry, left) for entry, left, _ in covered]
        skip = (
            None
            if reversed_entry is None
            else next((i for i, (e, _) in enumerate(owed_after) if e.id == reversed_entry.id), None)
        )
        by_write_off = reversed_entry is None or reversed_entry.kind is EntryKind.WRITE_OFF
        for change in rules.recharge_changes(
            [left for _, left, _ in owed_before], [left for _, left in owed_after], skip=skip
        ):
            entry, _, by_write_off_now = covered[change.index]
            await _recharge_paid(
                session,
                account,
                entry,
                amount_pence=change.changed_pence,
                outstanding_pence=change.outstanding_pence,
                by_write_off=(
                    by_write_off_now > 0
                    if change.outstanding_pence < owed_before[change.index][1]
                    else by_write_off
                ),
                paid_at=posted_at,
                posted_at=posted_at,
                correction=reversed_entry is not None,
            )
        changes = rules.cover_changes(
            [(left, by) for _, left, by in owed_before],
            [(left, by) for _, left, by in covered],
            skip=skip,
        )
        await _cover_changed(session, account, [e for e, _, _ in covered], changes, posted_at)

    async def _recharge_cancelled(
        self,
        session: AsyncSession,
        account: Account,
        recharge: LedgerEntry,
        posted_at: datetime,
    ) -> None:
        """recharge-paid (`cancelled` true) for a recharge whose own charge a reversal
        took off the sundry account: owed no more and not paid (`paid_in_full` false,
        `outstanding_pence` 0; `amount_pence` the charge cancelled), `paid_at` and
        `posted_at` the reversal's posting, after any correction the credit it freed sent
        to the other recharges. Before, a cancellation published nothing, and repairs
        kept the recharge owed (or collected) for ever (docs/adr/0176). Final: a reversal
        is never reversed, so nothing follows it. A recharge invoiced before income kept
        recharge ids is cancelled all the same, without an event."""
        if recharge.recharge_id is None or recharge.repair_id is None:
            return
        if recharge.amount_pence <= 0:  # not a charge: nothing was owed to cancel
            return
        await publish(
            session,
            RechargePaid(
                recharge_id=recharge.recharge_id,
                repair_id=recharge.repair_id,
                uprn=account.uprn,
                amount_pence=recharge.amount_pence,
                outstanding_pence=0,
                paid_in_full=False,
                paid_at=posted_at,
                correction=True,
                posted_at=posted_at,
                cancelled=True,
            ),
        )

    async def _within_write_off_limit(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        approver: str,
        amount_pence: int,
        *,
        field: str,
    ) -> None:
        """Refuse (422 naming `field`) taking `amount_pence` more off a former tenant's
        arrears than the approver's limit leaves on this account: a write-off and a
        charge reversed after the end draw on one limit, so a reversal is not a way
        round it."""
        limit = self.settings.write_off_limit_of(approver)
        already = await repository.written_off_by(session, account_id, approver)
        if already + amount_pence > limit:
            raise Unprocessable(
                f"Above the approver's write-off limit of {limit} pence on this account "
                f"({already} pence taken off already)",
                field=field,
                location="path" if field == "entry_id" else "body",
            )

    async def write_off(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        data: WriteOffCreate,
        approver: str,
        now: datetime,
    ) -> PostedPublic:
        """Write off former tenant arrears: an approved decision with a reason, within
        the approver's limit and no more than is owed (publishes
        former-tenant-arrears-written-off). The limit is per approver and account: what
        the approver has already written off there (not since reversed) counts, so
        splitting an amount into smaller write-offs does not beat it.

        On a sundry account the write-off takes its recharges off the books, oldest
        first as a payment would pay them: recharge-paid for each recharge it changed,
        `settled_by` write_off and never `paid_in_full`, in the write-off's transaction,
        so repairs counts a recharge it leaves owing nothing written off, neither owed
        for ever nor collected (docs/adr/0179). Posted strictly after the account's last
        posting, as a payment there is, so the event is the recharge's latest word."""
        account = await self._account(session, account_id, for_update=True)
        await self._within_write_off_limit(
            session, account.id, approver, data.amount_pence, field="amount_pence"
        )
        tenancy = await self._tenancy_of(session, account)
        if tenancy is None or tenancy.status is not TenancyStatus.ENDED:
            raise Conflict(
                f"Account {account_id} is not a former tenancy's: only former tenant arrears "
                "are written off"
            )
        balance = await repository.balance(session, account.id)
        if data.amount_pence > balance:
            raise Unprocessable(
                f"More than the former tenant arrears of {max(balance, 0)} pence",
                field="amount_pence",
            )
        posted_at = await self._posted_at(session, account, now)
        entry = LedgerEntry(
            id=uuid.uuid4(),
            account_id=account.id,
            kind=EntryKind.WRITE_OFF,
            amount_pence=-data.amount_pence,
            effective_on=london_day(now),
            posted_at=posted_at,
            reason=data.reason.value,
            approved_by=approver,
        )
        sundry = account.kind is AccountKind.SUNDRY
        owed_before = await recharges_covered(session, account) if sundry else []
        await repository.add_entry(session, entry)
        if sundry:
            await self._recharges_changed(session, account, owed_before, posted_at)
        await publish(
            session,
            FormerTenantArrearsWrittenOff(
                write_off_id=entry.id,
                tenancy_id=tenancy.id,
                uprn=account.uprn,
                amount_pence=data.amount_pence,
                reason=data.reason,
                approved_by=approver,
                written_off_at=now,
            ),
        )
        return PostedPublic(
            entry=EntryPublic.model_validate(entry),
            balance_pence=balance - data.amount_pence,
            applied_to="former_tenant_arrears",
        )

    async def statement(
        self, session: AsyncSession, account_id: uuid.UUID, first: date, last: date
    ) -> StatementPublic:
        """The account's entries from `first` to `last` with running balances."""
        if last < first:
            raise Unprocessable("`to` must not be before `from`", field="to", location="query")
        account = await self._account(session, account_id)
        tenancy = await self._tenancy_of(session, account)
        opening = await repository.balance(session, account.id, before=first)
        entries = await repository.entries_between(session, account.id, first, last)
        lines = rules.statement_lines(
            opening, [(e.effective_on, e.kind.value, describe(e), e.amount_pence) for e in entries]
        )
        return StatementPublic(
            account_id=account.id,
            tenancy_reference=tenancy.tenancy_reference if tenancy else None,
            uprn=account.uprn,
            from_=first,
            to=last,
            opening_balance_pence=opening,
            lines=[StatementLinePublic(**asdict(line)) for line in lines] if lines else [],
            closing_balance_pence=lines[-1].balance_pence if lines else opening,
        )

    async def held_recharges(
        self, connection: ReadConnection, page: PageParams, *, uprn: str | None
    ) -> Page[HeldRechargesPublic]:
        """Held accounts (a home's sundry account with no tenancy: recharges no household
        was in the home to pay) still owed something, by home, a page at a time, each
        with its recharges still owed: what the income team decides on (reverse an
        entry to cancel it). One statement on a read connection; what each recharge
        still owes is worked out as a payment would (rules.recharges_outstanding)."""
        rows = await repository.held_recharges_rows(
            connection, after=page.after_as(str, uuid.UUID), limit=page.fetch, uprn=uprn
        )
        by_account: dict[uuid.UUID, list[Row[Any]]] = {}
        for row in rows:
            by_account.setdefault(row.id, []).append(row)
        held = []
        for account_rows in by_account.values():
            first = account_rows[0]
            recharges = [row for row in account_rows if row.entry_id is not None]
            charged = [int(row.amount_pence) + int(row.reversed_pence) for row in recharges]
            balance = int(first.balance_pence)
            outstanding = rules.recharges_outstanding(charged, sum(charged) - balance)
            held.append(
                HeldRechargesPublic(
                    account_id=first.id,
                    uprn=first.uprn,
                    balance_pence=balance,
                    recharges=[
                        HeldRechargePublic(
                            entry_id=row.entry_id,
                            recharge_id=row.recharge_id,
                            amount_pence=row.amount_pence,
                            outstanding_pence=left,
                            raised_on=row.effective_on,
                        )
                        for row, left in zip(recharges, outstanding, strict=True)
                        if left > 0
                    ],
                )
            )
        return Page.from_rows(held, page.limit, cursor_of=lambda item: (item.uprn, item.account_id))

    async def charge_held_recharge(
        self,
        session: AsyncSession,
        entry_id: uuid.UUID,
        data: HeldRechargeCharge,
        decided_by: str,
        now: datetime,
    ) -> HeldRechargeChargedPublic:
        """The decision on a held recharge (adr/0042): what is still owed on it is
        charged to a named tenancy of its home, in one transaction: a credit reversing
        it on the held account (the reason and who decided are kept there, never in an
        event or a log) and a recharge posted as ADR 0036 routes one (post_recharge): the
        tenancy's sundry account, its former tenant arrears once it has ended. Dated
        today on both: a statement already given does not change.

        Locks as a recharge from repairs does, then in income's one order: the home's
        recharges, the tenancy, the held account, the tenancy's sundry account. What is
        owed is read once they are held, so two decisions on one recharge take turns
        and the second finds it no longer held (409), and a payment to the held account
        posted meanwhile is not charged again. No new event: what is owed on the
        recharge is unchanged by the move (repairs still counts it owed); recharge-paid
        says so where the tenancy's account is in credit and pays some of it."""
        entry = await repository.entry_by_id(session, entry_id)
        if entry is None:
            raise NotFound(f"No entry {entry_id}")
        held = await repository.get_account(session, entry.account_id)
        if (
            held is None
            or entry.kind is not EntryKind.RECHARGE
            or held.kind is not AccountKind.SUNDRY
            or held.tenancy_id is not None
        ):
            raise Conflict(
                f"Entry {entry_id} is not a held recharge (a recharge on a home's account "
                "with no tenancy)",
                field="entry_id",
                location="path",
            )
        await repository.lock_recharges_of_home(session, held.uprn)
        # The tenancy is first read locked: read before, its status would be the one
        # seen then (the session keeps the object), not an end committed meanwhile.
        tenancy = await tenancies.get_for_update(session, data.tenancy_id)
        if tenancy is None:
            raise Unprocessable(f"No tenancy {data.tenancy_id}", field="tenancy_id")
        if tenancy.uprn != held.uprn:
            raise Unprocessable(
                f"Tenancy {data.tenancy_id} is not of the recharge's home {held.uprn}",
                field="tenancy_id",
            )
        if tenancy.status is TenancyStatus.WITHDRAWN:
            # Its household never moved in (ADR 0111): no damage of the home is theirs.
            raise Unprocessable(
                f"Tenancy {data.tenancy_id} was withdrawn before it started", field="tenancy_id"
            )
        await repository.get_account(session, held.id, for_update=True)
        if await repository.is_reversed(session, entry.id):
            raise Conflict(
                f"Entry {entry_id} is no longer held: it was cancelled or charged already",
                field="entry_id",
                location="path",
            )
        owed_before = await recharges_covered(session, held)
        owed = next(left for e, left, _ in owed_before if e.id == entry.id)
        if owed <= 0:
            raise Conflict(
                f"Nothing is owed on entry {entry_id}: it has been paid",
                field="entry_id",
                location="path",
            )
        today = london_day(now)
        posted_at = await self._posted_at(session, held, now)
        credit = LedgerEntry(
            id=uuid.uuid4(),
            account_id=held.id,
            kind=EntryKind.REVERSAL,
            amount_pence=-owed,
            effective_on=max(entry.effective_on, today),
            posted_at=posted_at,
            reverses_entry_id=entry.id,
            reason=data.reason,
            approved_by=decided_by,
        )
        await repository.add_entry(session, credit)
        await self._recharges_changed(session, held, owed_before, posted_at, reversed_entry=entry)
        account, charge = await post_recharge(
            session,
            tenancy,
            held.uprn,
            amount_pence=owed,
            effective_on=today,
            source_key=f"held-recharge:{entry.id}",
            reason=entry.reason,
            recharge_id=entry.recharge_id,
            repair_id=entry.repair_id,
        )
        log.info(
            "held recharge charged",
            entry_id=str(entry.id),
            account_id=str(account.id),
            held_account_id=str(held.id),
        )
        ended = tenancy.status is TenancyStatus.ENDED
        return HeldRechargeChargedPublic(
            entry=EntryPublic.model_validate(charge),
            balance_pence=await repository.balance(session, account.id),
            applied_to="former_tenant_arrears" if ended else "sundry_account",
            held_entry=EntryPublic.model_validate(credit),
            held_balance_pence=await repository.balance(session, held.id),
        )

    async def summary(
        self, connection: ReadConnection, account_id: uuid.UUID, now: datetime
    ) -> SummaryPublic:
        """Balance, arrears, weeks in arrears, arrears stage, arrangement and last
        payment: what anyone handling a contact sees. One statement on a read
        connection (repository.SUMMARY), the row straight into the summary."""
        today = london_day(now)
        row = await repository.summary_row(connection, account_id, today, rules.rent_week_of(today))
        if row is None:
            raise NotFound(f"No account {account_id}")
        return self.summary_of_row(row, today)

    async def summaries(
        self, connection: ReadConnection, account_ids: Sequence[uuid.UUID], now: datetime
    ) -> dict[uuid.UUID, SummaryPublic]:
        """The summaries of several accounts (a page of tenancies' rent accounts) by
        account id, in one statement (repository.SUMMARIES); an id with no account is
        left out."""
        today = london_day(now)
        rows = await repository.summary_rows(
            connection, account_ids, today, rules.rent_week_of(today)
        )
        return {row.id: self.summary_of_row(row, today) for row in rows}

    def summary_of_row(self, row: Row[Any], today: date) -> SummaryPublic:
        """One SUMMARY row as the summary, on London day `today`."""
        balance = int(row.balance_pence)
        ended = row.tenancy_status is TenancyStatus.ENDED
        arrears = 0 if ended else rules.arrears_of(balance, int(row.week_charges_pence))
        # A sundry account (recharges) has no weekly charge, so no weeks in arrears;
        # it is never on the arrears ladder (no case: stage none).
        weekly = (
            row.weekly_rent_pence + row.weekly_service_charge_pence
            if row.tenancy_status is not None and row.kind is AccountKind.RENT
            else 0
        )
        nosp_live_until = None
        if row.nosp_served_at is not None and not ended:
            # An ended tenancy's notice died with it: possession is no longer sought.
            # A withdrawn notice is live to the day before it was withdrawn (ADR 0081).
            until = arrears_rules.nosp_live_until(
                row.nosp_served_at, self.settings.ladder, row.nosp_withdrawn_on
            )
            nosp_live_until = until if until >= today else None
        has_case = row.stage is not None
        # The ladder's tasks are a current tenancy's: an ended one's case left the ladder
        # (its end clears them; a case closed by an earlier release may keep them).
        on_ladder = has_case and not ended
        return SummaryPublic(
            account_id=row.id,
            tenancy_id=row.tenancy_id,
            uprn=row.uprn,
            tenancy_ended=ended,
            balance_pence=balance,
            arrears_pence=arrears,
            former_tenant_arrears_pence=max(balance, 0) if ended else 0,
            weekly_charge_pence=weekly,
            weeks_in_arrears=rules.weeks_in_arrears(arrears, weekly),
            arrears_stage=row.stage if has_case else "none",
            nosp_live_until=nosp_live_until,
            paused_for_review=bool(on_ladder and row.paused_for_review),
            personal_contact_needed=bool(on_ladder and row.personal_contact_needed_at),
            blocked_by=row.blocked_by if on_ladder else None,
            arrangement=ArrangementBrief(
                id=row.arrangement_id,
                status=row.arrangement_status,
                instalment_pence=row.instalment_pence,
                frequency=row.frequency,
                first_instalment_on=row.first_instalment_on,
                review_on=row.review_on,
            )
            if row.arrangement_id is not None
            else None,
            last_payment=LastPayment(
                amount_pence=-row.payment_amount_pence,
                method=row.payment_method,
                received_on=row.payment_effective_on,
            )
            if row.payment_amount_pence is not None
            else None,
        )

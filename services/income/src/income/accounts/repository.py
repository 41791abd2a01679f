"""All SQL about accounts and their ledgers. Entries are only ever inserted: there is
no update or delete of a posted entry here, by design."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    inspect,
    or_,
    tuple_,
)
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from hearth_contracts.events.income import PaymentMethod
from hearth_kit.db import ReadConnection, hold_until_commit
from income.models import (
    Account,
    AccountKind,
    Arrangement,
    ArrearsCase,
    EntryKind,
    LedgerEntry,
    PossessionNotice,
    RentChange,
    Tenancy,
    TenancyStatus,
)

CHARGE_KINDS = (EntryKind.RENT, EntryKind.SERVICE_CHARGE)


async def add_account(session: AsyncSession, account: Account) -> None:
    session.add(account)
    await session.flush()


async def get_account(
    session: AsyncSession, account_id: uuid.UUID, *, for_update: bool = False
) -> Account | None:
    """An account; `for_update` locks it, so postings to one account are serialised
    and each event's balance-after is the balance after that posting."""
    query = select(Account).where(Account.id == account_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def account_of_tenancy(
    session: AsyncSession, tenancy_id: uuid.UUID, kind: AccountKind, *, for_update: bool = False
) -> Account | None:
    query = select(Account).where(Account.tenancy_id == tenancy_id, Account.kind == kind)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


RECHARGE_LOCK_SPACE = 0x52434847  # "RCHG"
"""The first key of the two-key advisory lock a recharge holds on its home (the second
is a hash of the UPRN): a space of its own, apart from hearth_kit's."""


async def lock_recharges_of_home(session: AsyncSession, uprn: str) -> None:
    """Hold the home's recharges until the transaction ends, so two recharges for the
    same home at once find one sundry account rather than each opening one (an account
    held for a decision has no tenancy, so no unique index stops a second). On SQLite
    the transaction already holds the database's write lock."""
    await hold_until_commit(session, RECHARGE_LOCK_SPACE, uprn)


async def held_recharges_account(
    session: AsyncSession, uprn: str, *, for_update: bool = False
) -> Account | None:
    """The home's sundry account for recharges with no tenancy to charge (held for a
    decision), the oldest if earlier versions opened several."""
    query = (
        select(Account)
        .where(
            Account.uprn == uprn,
            Account.kind == AccountKind.SUNDRY,
            col(Account.tenancy_id).is_(None),
        )
        .order_by(col(Account.opened_on), col(Account.id))
        .limit(1)
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def rent_accounts_of(
    session: AsyncSession, tenancy_ids: Sequence[uuid.UUID], kind: AccountKind = AccountKind.RENT
) -> dict[uuid.UUID, uuid.UUID]:
    """Each tenancy's rent (or sundry) account id, one query for a page of tenancies."""
    if not tenancy_ids:
        return {}
    query = select(Account.tenancy_id, Account.id).where(
        col(Account.tenancy_id).in_(tenancy_ids), Account.kind == kind
    )
    return {
        tenancy_id: account_id
        for tenancy_id, account_id in (await session.execute(query)).all()
        if tenancy_id is not None
    }


async def opened_on(session: AsyncSession, account: Account) -> date:
    """The first day the account counts from: its opening, or an entry dated earlier
    (a sundry account opened on a recharge that arrived before an older one)."""
    query = select(func.min(LedgerEntry.effective_on)).where(LedgerEntry.account_id == account.id)
    earliest = (await session.execute(query)).scalar_one()
    return account.opened_on if earliest is None else min(account.opened_on, earliest)


async def add_entry(session: AsyncSession, entry: LedgerEntry) -> None:
    """Post an entry (an insert; posted entries never change)."""
    session.add(entry)
    await session.flush()


async def last_posted_at(session: AsyncSession, account_id: uuid.UUID) -> datetime | None:
    """When the account's latest posting was posted (None for an empty ledger)."""
    query = select(func.max(LedgerEntry.posted_at)).where(LedgerEntry.account_id == account_id)
    return (await session.execute(query)).scalar_one()


async def entry_by_id(session: AsyncSession, entry_id: uuid.UUID) -> LedgerEntry | None:
    """An entry by its id alone, whatever its account (a held recharge's entry id is
    what GET /v1/income/held-recharges gives)."""
    return await session.get(LedgerEntry, entry_id)


async def get_entry(
    session: AsyncSession, account_id: uuid.UUID, entry_id: uuid.UUID
) -> LedgerEntry | None:
    query = select(LedgerEntry).where(
        LedgerEntry.id == entry_id, LedgerEntry.account_id == account_id
    )
    return (await session.execute(query)).scalars().first()


async def is_reversed(session: AsyncSession, entry_id: uuid.UUID) -> bool:
    query = select(LedgerEntry.id).where(LedgerEntry.reverses_entry_id == entry_id)
    return (await session.execute(query)).first() is not None


async def payment_by_reference(
    session: AsyncSession, account_id: uuid.UUID, method: PaymentMethod, reference: str
) -> LedgerEntry | None:
    """The payment already posted on the account with this method and reference."""
    query = select(LedgerEntry).where(
        LedgerEntry.account_id == account_id,
        LedgerEntry.kind == EntryKind.PAYMENT,
        LedgerEntry.payment_method == method,
        LedgerEntry.reference == reference,
    )
    return (await session.execute(query)).scalars().first()


async def written_off_by(session: AsyncSession, account_id: uuid.UUID, approver: str) -> int:
    """What `approver` has taken off the account's former tenant arrears so far, in
    pence: write-offs (leaving out those since reversed) and charges reversed with the
    approver's approval after the tenancy ended. What counts against the limit."""
    reversal = aliased(LedgerEntry)
    reversed_already = exists().where(col(reversal.reverses_entry_id) == col(LedgerEntry.id))
    query = select(func.coalesce(func.sum(-col(LedgerEntry.amount_pence)), 0)).where(
        LedgerEntry.account_id == account_id,
        LedgerEntry.approved_by == approver,
        or_(
            and_(col(LedgerEntry.kind) == EntryKind.WRITE_OFF, ~reversed_already),
            and_(col(LedgerEntry.kind) == EntryKind.REVERSAL, col(LedgerEntry.amount_pence) < 0),
        ),
    )
    return int((await session.execute(query)).scalar_one())


async def written_off(session: AsyncSession, account_id: uuid.UUID) -> int:
    """The account's write-offs in pence, leaving out those since reversed: the
    written-off share of its credits (rules.recharges_written_off)."""
    reversal = aliased(LedgerEntry)
    reversed_already = exists().where(col(reversal.reverses_entry_id) == col(LedgerEntry.id))
    query = select(func.coalesce(func.sum(-col(LedgerEntry.amount_pence)), 0)).where(
        LedgerEntry.account_id == account_id,
        col(LedgerEntry.kind) == EntryKind.WRITE_OFF,
        ~reversed_already,
    )
    return int((await session.execute(query)).scalar_one())


async def by_source_key(session: AsyncSession, source_key: str) -> LedgerEntry | None:
    query = select(LedgerEntry).where(LedgerEntry.source_key == source_key)
    return (await session.execute(query)).scalars().first()


async def charges_from(
    session: AsyncSession, account_id: uuid.UUID, week: date
) -> list[LedgerEntry]:
    """The account's weekly charges (rent and service charge) for rent weeks from
    `week` on that nothing has reversed yet, week by week."""
    reversal = aliased(LedgerEntry)
    reversed_already = exists().where(col(reversal.reverses_entry_id) == col(LedgerEntry.id))
    query = (
        select(LedgerEntry)
        .where(
            LedgerEntry.account_id == account_id,
            col(LedgerEntry.kind).in_(CHARGE_KINDS),
            col(LedgerEntry.charge_week) >= week,
            ~reversed_already,
        )
        .order_by(col(LedgerEntry.charge_week), col(LedgerEntry.kind))
    )
    return list((await session.execute(query)).scalars().all())


async def recharges_of(
    session: AsyncSession, account_id: uuid.UUID
) -> list[tuple[LedgerEntry, int]]:
    """A sundry account's recharge entries, oldest first, each with what it still
    charges once any reversal of it is counted (0 when reversed)."""
    reversal = aliased(LedgerEntry)
    query = (
        select(LedgerEntry, func.coalesce(func.sum(reversal.amount_pence), 0))
        .outerjoin(reversal, col(reversal.reverses_entry_id) == col(LedgerEntry.id))
        .where(LedgerEntry.account_id == account_id, LedgerEntry.kind == EntryKind.RECHARGE)
        .group_by(col(LedgerEntry.id))
        .order_by(col(LedgerEntry.effective_on), col(LedgerEntry.posted_at), col(LedgerEntry.id))
    )
    return [
        (entry, entry.amount_pence + int(reversed_pence))
        for entry, reversed_pence in (await session.execute(query)).all()
    ]


async def balance(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    before: date | None = None,
    through: date | None = None,
) -> int:
    """The sum of the account's entries (effective before `before`, and on or before
    `through`, when given: what is owed by a day leaves out a charge not yet due)."""
    query = select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0)).where(
        LedgerEntry.account_id == account_id
    )
    if before is not None:
        query = query.where(LedgerEntry.effective_on < before)
    if through is not None:
        query = query.where(LedgerEntry.effective_on <= through)
    return int((await session.execute(query)).scalar_one())


async def balances(session: AsyncSession, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Each account's balance, one query for many."""
    if not account_ids:
        return {}
    query = (
        select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_pence))
        .where(col(LedgerEntry.account_id).in_(account_ids))
        .group_by(col(LedgerEntry.account_id))
    )
    found = {account_id: 0 for account_id in account_ids}
    for account_id, total in (await session.execute(query)).all():
        found[account_id] = int(total or 0)
    return found


_account = inspect(Account).local_table
_tenancy = inspect(Tenancy).local_table
_entry = inspect(LedgerEntry).local_table
_case = inspect(ArrearsCase).local_table
_arrangement = inspect(Arrangement).local_table
_latest_arrangement = _arrangement.alias("latest_arrangement")
_payment = _entry.alias("payment")
_payment_reversal = _entry.alias("payment_reversal")
_week_charge = _entry.alias("week_charge")
_week_reversal = _entry.alias("week_reversal")


def week_charges_net(account_id: Any, week: Any, through: Any) -> Any:
    """The rent and service charges of rent week `week` on account `account_id` (a
    column to correlate with, or a value), net of what reversed them by day `through`
    (as the balance they are taken from counts entries): two scalar subqueries, each
    served by the charge's key (uq_ledger_entry_weekly_charge), the reversals by their
    unique `reverses_entry_id`. A reversal carries no charge week of its own, so
    counting the week's charges alone took a reversed one (a rent-free week charged in
    error, a wrong rent) off the balance twice: once by its reversal, once as the week
    under way, and the arrears read that much too low."""
    of_the_week = (
        _week_charge.c.account_id == account_id,
        _week_charge.c.charge_week == week,
        or_(*(_week_charge.c.kind == kind for kind in CHARGE_KINDS)),
    )
    charged = (
        core_select(func.coalesce(func.sum(_week_charge.c.amount_pence), 0))
        .where(*of_the_week)
        .scalar_subquery()
    )
    reversed_ = (
        core_select(func.coalesce(func.sum(_week_reversal.c.amount_pence), 0))
        .select_from(
            _week_reversal.join(
                _week_charge, _week_charge.c.id == _week_reversal.c.reverses_entry_id
            )
        )
        .where(*of_the_week, _week_reversal.c.effective_on <= through)
        .scalar_subquery()
    )
    return charged + reversed_


_rent_change = inspect(RentChange).local_table
_notice = inspect(PossessionNotice).local_table


def _rent_in_force(column: Any) -> Any:
    """`column` of the tenancy's latest rent change in force by rent week `week`
    (NULL when there is none: the rent at the start is in force)."""
    return (
        core_select(column)
        .where(
            _rent_change.c.tenancy_id == _account.c.tenancy_id,
            _rent_change.c.effective_from <= bindparam("week"),
        )
        .order_by(_rent_change.c.effective_from.desc())
        .limit(1)
        .correlate(_account)
        .scalar_subquery()
    )


_SUMMARY_OF_ANY = core_select(
    _account.c.id,
    _account.c.tenancy_id,
    _account.c.uprn,
    _account.c.kind,
    _tenancy.c.status.label("tenancy_status"),
    func.coalesce(
        _rent_in_force(_rent_change.c.weekly_rent_pence), _tenancy.c.weekly_rent_pence
    ).label("weekly_rent_pence"),
    func.coalesce(
        _rent_in_force(_rent_change.c.weekly_service_charge_pence),
        _tenancy.c.weekly_service_charge_pence,
    ).label("weekly_service_charge_pence"),
    core_select(func.coalesce(func.sum(_entry.c.amount_pence), 0))
    .where(_entry.c.account_id == _account.c.id, _entry.c.effective_on <= bindparam("today"))
    .scalar_subquery()
    .label("balance_pence"),
    week_charges_net(_account.c.id, bindparam("week"), bindparam("today")).label(
        "week_charges_pence"
    ),
    _case.c.stage,
    _case.c.nosp_served_at,
    # the withdrawal of the case's latest notice: withdrawn, it is live no more
    core_select(_notice.c.withdrawn_on)
    .where(
        _notice.c.account_id == _case.c.account_id,
        _notice.c.served_at == _case.c.nosp_served_at,
    )
    .limit(1)
    .correlate(_case)
    .scalar_subquery()
    .label("nosp_withdrawn_on"),
    _case.c.paused_for_review,
    _case.c.personal_contact_needed_at,
    _case.c.blocked_by,
    _latest_arrangement.c.id.label("arrangement_id"),
    _latest_arrangement.c.status.label("arrangement_status"),
    _latest_arrangement.c.instalment_pence,
    _latest_arrangement.c.frequency,
    _latest_arrangement.c.first_instalment_on,
    _latest_arrangement.c.review_on,
    _payment.c.amount_pence.label("payment_amount_pence"),
    _payment.c.payment_method,
    _payment.c.effective_on.label("payment_effective_on"),
).select_from(
    _account.outerjoin(_tenancy, _tenancy.c.id == _account.c.tenancy_id)
    .outerjoin(_case, _case.c.account_id == _account.c.id)
    .outerjoin(
        _latest_arrangement,
        _latest_arrangement.c.id
        == core_select(_arrangement.c.id)
        .where(_arrangement.c.account_id == _account.c.id)
        .order_by(_arrangement.c.made_at.desc())
        .limit(1)
        .correlate(_account)
        .scalar_subquery(),
    )
    .outerjoin(
        _payment,
        _payment.c.id
        == core_select(_entry.c.id)
        .where(
            _entry.c.account_id == _account.c.id,
            _entry.c.kind == EntryKind.PAYMENT,
            # a payment reversed (a direct debit returned, posted in error) was not paid
            ~exists().where(_payment_reversal.c.reverses_entry_id == _entry.c.id),
        )
        .order_by(_entry.c.effective_on.desc(), _entry.c.posted_at.desc())
        .limit(1)
        .correlate(_account)
        .scalar_subquery(),
    )
)
SUMMARY = _SUMMARY_OF_ANY.where(_account.c.id == bindparam("account_id"))
"""Everything an account's summary shows, in one round trip: the account, its
tenancy's status and weekly charges (those in force in rent week `week`), its balance
(the sum of its entries effective by `today`: a charge for a week not yet begun is not
owed yet), the charges posted for one rent week (`week`, net of their reversals:
`week_charges_net`), its arrears case (with the
withdrawal of the notice it names, if any), its latest arrangement and its last
payment not reversed (each NULL when there is none). Built once: its cache key and
compiled SQL are reused by every call."""


async def summary_row(
    connection: ReadConnection, account_id: uuid.UUID, today: date, week: date
) -> Row[Any] | None:
    """The SUMMARY row of one account (None when there is no such account), on a read
    connection, no ORM objects."""
    result = await connection.execute(
        SUMMARY, {"account_id": account_id, "today": today, "week": week}
    )
    return result.first()


SUMMARIES = _SUMMARY_OF_ANY.where(_account.c.id.in_(bindparam("account_ids", expanding=True)))
"""SUMMARY for several accounts at once (a page of tenancies' rent accounts), one row
each, in one round trip. Built once, like SUMMARY."""


async def summary_rows(
    connection: ReadConnection, account_ids: Sequence[uuid.UUID], today: date, week: date
) -> list[Row[Any]]:
    """The SUMMARY rows of these accounts (those that exist; none asked, no statement
    run), on a read connection, no ORM objects."""
    if not account_ids:
        return []
    result = await connection.execute(
        SUMMARIES, {"account_ids": list(account_ids), "today": today, "week": week}
    )
    return list(result.all())


async def week_charges(
    session: AsyncSession, account_id: uuid.UUID, week: date, *, through: date
) -> int:
    """The rent and service charges posted for one rent week, net of their reversals
    effective by day `through` (`week_charges_net`): the day the balance they are taken
    from is read to."""
    query = core_select(week_charges_net(account_id, week, through))
    return int((await session.execute(query)).scalar_one())


async def entries_between(
    session: AsyncSession, account_id: uuid.UUID, first: date, last: date
) -> list[LedgerEntry]:
    """Entries effective from `first` to `last` (both included), in posting order."""
    query = (
        select(LedgerEntry)
        .where(
            LedgerEntry.account_id == account_id,
            LedgerEntry.effective_on >= first,
            LedgerEntry.effective_on <= last,
        )
        .order_by(
            col(LedgerEntry.effective_on),
            col(LedgerEntry.posted_at),
            col(LedgerEntry.kind),
            col(LedgerEntry.id),
        )
    )
    return list((await session.execute(query)).scalars().all())


async def arrears_totals(session: AsyncSession, week: date) -> tuple[int, int]:
    """Current tenancies' rent accounts in arrears at rent week `week`, and their
    arrears in pence (balance beyond that week's charges, net of their reversals as
    `week_charges_net` counts them), in one query."""
    reversed_charge = aliased(LedgerEntry)
    per_account = (
        select(
            col(LedgerEntry.account_id).label("account_id"),
            func.sum(LedgerEntry.amount_pence).label("balance"),
            func.sum(
                case(
                    (
                        (
                            (col(LedgerEntry.charge_week) == week)
                            & col(LedgerEntry.kind).in_(CHARGE_KINDS)
                        )
                        | (
                            (col(reversed_charge.charge_week) == week)
                            & col(reversed_charge.kind).in_(CHARGE_KINDS)
                        ),
                        LedgerEntry.amount_pence,
                    ),
                    else_=0,
                )
            ).label("week_charges"),
        )
        .outerjoin(reversed_charge, col(reversed_charge.id) == col(LedgerEntry.reverses_entry_id))
        .join(Account, col(Account.id) == col(LedgerEntry.account_id))
        .join(Tenancy, col(Tenancy.id) == col(Account.tenancy_id))
        .where(
            Account.kind == AccountKind.RENT,
            Tenancy.status == TenancyStatus.CURRENT,
            col(LedgerEntry.effective_on) <= week + timedelta(days=6),
        )
        .group_by(col(LedgerEntry.account_id))
        .subquery()
    )
    owed = per_account.c.balance - func.greatest(per_account.c.week_charges, 0)
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        owed = per_account.c.balance - func.max(per_account.c.week_charges, 0)
    query = select(
        func.count().filter(owed > 0), func.coalesce(func.sum(case((owed > 0, owed), else_=0)), 0)
    ).select_from(per_account)
    count, total = (await session.execute(query)).one()
    return int(count or 0), int(total or 0)


@cache
def _held_recharges_statement(*, after: bool, uprn: bool) -> Select[Any]:
    """A page of held accounts (sundry, no tenancy) still owed something, by home, with
    their recharges, in one round trip: the page (a subquery, so the limit counts
    accounts) outer-joined to its recharge entries, each with what its reversals took
    off. The page walks the held accounts in (uprn, id) order, each account's balance
    a subquery on its own entries, so PostgreSQL reads them from ix_account_held_recharges
    (a partial index of exactly those accounts, in that order) and stops at the page's
    end instead of summing every held account's ledger and sorting them first. Built
    once per combination of filters."""
    balance = (
        core_select(func.coalesce(func.sum(_entry.c.amount_pence), 0))
        .where(_entry.c.account_id == _account.c.id)
        .correlate(_account)
        .scalar_subquery()
    )
    page = (
        core_select(_account.c.id, _account.c.uprn, balance.label("balance_pence"))
        .where(
            _account.c.kind == AccountKind.SUNDRY,
            _account.c.tenancy_id.is_(None),
            balance > 0,
        )
        .order_by(_account.c.uprn, _account.c.id)
        .limit(bindparam("limit"))
    )
    if after:
        page = page.where(
            tuple_(_account.c.uprn, _account.c.id)
            > tuple_(
                # typed as the columns: SQLite binds a UUID only through its column's type
                bindparam("after_uprn", type_=_account.c.uprn.type),
                bindparam("after_id", type_=_account.c.id.type),
            )
        )
    if uprn:
        page = page.where(_account.c.uprn == bindparam("uprn"))
    held = page.subquery("page")
    recharge = _entry.alias("recharge")
    reversal = _entry.alias("reversal")
    return (
        core_select(
            held.c.id,
            held.c.uprn,
            held.c.balance_pence,
            recharge.c.id.label("entry_id"),
            recharge.c.recharge_id,
            recharge.c.amount_pence,
            recharge.c.effective_on,
            core_select(func.coalesce(func.sum(reversal.c.amount_pence), 0))
            .where(reversal.c.reverses_entry_id == recharge.c.id)
            .correlate(recharge)
            .scalar_subquery()
            .label("reversed_pence"),
        )
        .select_from(
            held.outerjoin(
                recharge,
                and_(recharge.c.account_id == held.c.id, recharge.c.kind == EntryKind.RECHARGE),
            )
        )
        .order_by(
            held.c.uprn, held.c.id, recharge.c.effective_on, recharge.c.posted_at, recharge.c.id
        )
    )


async def held_recharges_rows(
    connection: ReadConnection,
    *,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
    uprn: str | None,
) -> list[Row[Any]]:
    """Held accounts (sundry, no tenancy) whose balance is above zero, by home then
    account id, one row per recharge (id, uprn, balance_pence, entry_id, recharge_id,
    amount_pence, effective_on, reversed_pence), the recharges oldest first as
    recharges_of orders them: one statement on a read connection, no ORM objects. A
    balance above zero is exactly "a recharge still owed": a held account has only
    recharges, payments and their reversals, so its balance is never above what its
    recharges charge."""
    statement = _held_recharges_statement(after=after is not None, uprn=uprn is not None)
    values: dict[str, Any] = {"limit": limit}
    if after is not None:
        values["after_uprn"], values["after_id"] = after
    if uprn is not None:
        values["uprn"] = uprn
    return list((await connection.execute(statement, values)).all())

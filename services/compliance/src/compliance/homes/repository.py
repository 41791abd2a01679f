"""All SQL about the asset register: homes, blocks, estates, appliances."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    and_,
    bindparam,
    delete,
    func,
    insert,
    inspect,
    or_,
    text,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from compliance.checks.rules import GAS_APPLIANCES, LEASED
from compliance.models import (
    Appliance,
    Block,
    Check,
    Estate,
    Home,
    MissingAlarm,
    TenancyStart,
)
from hearth_contracts.events.compliance import CheckType, GasSupply, HeatingFuel
from hearth_kit.db import ReadConnection, hold_until_commit


async def get(session: AsyncSession, uprn: str, *, for_update: bool = False) -> Home | None:
    """The home; `for_update` locks its row against another change of the home (FOR NO
    KEY UPDATE: the UPRN, its key, never changes), but not against a row that only refers
    to it. A check's access attempt or certificate locks its check and then inserts a
    row referring to the home (a key share on the home's row); FOR UPDATE here would
    wait for that while a gas record holding the home waited for the check: a deadlock."""
    query = select(Home).where(Home.uprn == uprn)
    if for_update:
        query = query.with_for_update(key_share=True)
    return (await session.execute(query)).scalars().first()


_home = inspect(Home).local_table
_appliance = inspect(Appliance).local_table
ENTRY_COLUMNS = (
    "uprn",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "property_type",
    "tenure",
    "heating_fuel",
    "gas_supply",
    "block_id",
    "estate_id",
    "storeys_with_living_space",
    "smoke_alarm_storeys",
    "co_alarm_rooms",
    "registered_at",
    "updated_at",
    "version",
)
"""The home's columns its public entry shows (compliance.homes.schemas.HomePublic)."""
HOME_WITH_APPLIANCES = (
    core_select(
        *(_home.c[name] for name in ENTRY_COLUMNS),
        _appliance.c.id.label("appliance_id"),
        _appliance.c.appliance_type,
        _appliance.c.location,
        _appliance.c.landlord_owned,
    )
    .select_from(_home.outerjoin(_appliance, _appliance.c.uprn == _home.c.uprn))
    .where(_home.c.uprn == bindparam("uprn"))
    .order_by(_appliance.c.location)
)
"""A home and its appliances in one round trip: one row per appliance (the home's
columns repeated), or one row with no appliance. Built once: its cache key and its
compiled SQL are reused by every call."""


async def home_with_appliances(connection: ReadConnection, uprn: str) -> list[Row[Any]]:
    """The rows of HOME_WITH_APPLIANCES for `uprn` (none when there is no such home)."""
    return list((await connection.execute(HOME_WITH_APPLIANCES, {"uprn": uprn})).all())


async def get_many(
    session: AsyncSession, uprns: Sequence[str], *, for_update: bool = False
) -> dict[str, Home]:
    """The homes among `uprns`; `for_update` locks them as `get` does (FOR NO KEY
    UPDATE), in UPRN order, so two callers locking overlapping sets take them in the
    same order, and takes each row as it is once locked (populate_existing: a home read
    earlier in the transaction is read again)."""
    if not uprns:
        return {}
    query = select(Home).where(col(Home.uprn).in_(uprns))
    if for_update:
        query = (
            query.order_by(col(Home.uprn))
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    return {home.uprn: home for home in (await session.execute(query)).scalars().all()}


async def page(
    session: AsyncSession, *, after: str | None, limit: int, postcode: str | None
) -> list[Home]:
    query = select(Home).order_by(col(Home.uprn)).limit(limit)
    if after is not None:
        query = query.where(col(Home.uprn) > after)
    if postcode is not None:
        query = query.where(Home.postcode == postcode)
    return list((await session.execute(query)).scalars().all())


async def count_after(session: AsyncSession, after: str | None) -> int:
    """How many homes the register holds with a UPRN after `after` (all when None), in
    the order `page` walks them."""
    query = select(func.count()).select_from(Home)
    if after is not None:
        query = query.where(col(Home.uprn) > after)
    return int((await session.execute(query)).scalar_one())


def add(session: AsyncSession, home: Home) -> None:
    session.add(home)


async def add_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(Home), list(rows))


async def update_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Rewrite changed homes (each row holds its uprn and every column to set)."""
    if rows:
        await session.execute(update(Home), list(rows))


async def appliances_of(session: AsyncSession, uprn: str) -> list[Appliance]:
    query = select(Appliance).where(Appliance.uprn == uprn).order_by(col(Appliance.location))
    return list((await session.execute(query)).scalars().all())


async def appliances_of_many(
    session: AsyncSession, uprns: Sequence[str]
) -> dict[str, list[Appliance]]:
    found: dict[str, list[Appliance]] = {uprn: [] for uprn in uprns}
    if uprns:
        query = select(Appliance).where(col(Appliance.uprn).in_(uprns))
        for appliance in (await session.execute(query)).scalars().all():
            found[appliance.uprn].append(appliance)
    return found


async def replace_appliances(
    session: AsyncSession, uprn: str, appliances: Sequence[Appliance]
) -> None:
    await session.execute(delete(Appliance).where(col(Appliance.uprn) == uprn))
    session.add_all(list(appliances))


async def get_block(session: AsyncSession, uprn: str, *, for_update: bool = False) -> Block | None:
    """The block; `for_update` locks its row as `get` locks a home's (FOR NO KEY UPDATE):
    a communal boiler's gas safety record holds it, as a home's record holds the home, so
    two records for it at once take turns (the certificate reference check)."""
    query = select(Block).where(col(Block.uprn) == uprn)
    if for_update:
        query = query.with_for_update(key_share=True)
    return (await session.execute(query)).scalars().first()


async def refresh_statistics(session: AsyncSession) -> None:
    """Have PostgreSQL take the homes table's statistics again, in the session's
    transaction (it counts the rows this transaction added). SKIP_LOCKED: if another
    import's transaction holds the table's analyze lock, this one goes on without (a
    role that may not analyze the table gets PostgreSQL's warning, not an error).
    SQLite's planner takes an IN on the primary key through its index regardless."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("ANALYZE (SKIP_LOCKED) home"))


STOCK_IMPORT_LOCK_SPACE = 0x53544F4B  # "STOK"
"""The first key of the two-key advisory lock the stock import holds (the second is
STOCK_IMPORT_LOCK_KEY): a space of its own, apart from hearth_kit's (KEYS) and the
one-key locks (the relay)."""
STOCK_IMPORT_LOCK_KEY = 1


async def take_turn_to_import(session: AsyncSession) -> None:
    """Hold the stock import's turn until the transaction ends (ADR 0083): a second
    import's batch waits here, before it reads anything, until the first's transaction
    has committed, then reads the homes as the first left them. Sorting each batch
    could not keep two imports from deadlocking: POST /v1/homes/import holds every
    batch of a file (streamed, never sorted whole) to its end, and each batch locks
    the homes it changes in one pass and inserts its new homes in another, chosen by
    what it read; and a batch inserting a home another import had inserted meanwhile
    failed on the key even without a deadlock. Taken again by each batch of the same
    transaction, at once (PostgreSQL counts them; all are released at commit). On
    SQLite the transaction already holds the database's write lock."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(
        core_select(
            func.pg_advisory_xact_lock(
                bindparam("space", STOCK_IMPORT_LOCK_SPACE, Integer),
                bindparam("key", STOCK_IMPORT_LOCK_KEY, Integer),
            )
        )
    )


UPRN_LOCK_SPACE = 0x5550524E  # "UPRN"
"""The first key of the two-key advisory lock `hold_uprn` takes (the second is the
UPRN's hashtext): a space apart from the stock import's and hearth_kit's."""


async def hold_uprn(session: AsyncSession, uprn: str) -> None:
    """Hold `uprn` until the transaction ends, so a home and a block registered at the
    same UPRN at the same moment take turns: the second reads what the first committed
    (ADR 0106). Neither table's key can keep the two apart; they are separate tables.
    On SQLite the transaction already holds the database's write lock."""
    await hold_until_commit(session, UPRN_LOCK_SPACE, uprn)


async def is_home(session: AsyncSession, uprn: str) -> bool:
    """Whether a home is registered at `uprn`."""
    query = core_select(col(Home.uprn)).where(col(Home.uprn) == uprn)
    return (await session.execute(query)).first() is not None


async def block_uprns(session: AsyncSession, uprns: Sequence[str]) -> set[str]:
    if not uprns:
        return set()
    query = select(Block.uprn).where(col(Block.uprn).in_(uprns))
    return set((await session.execute(query)).scalars().all())


def add_block(session: AsyncSession, block: Block) -> None:
    session.add(block)


async def get_estate(session: AsyncSession, estate_id: str) -> Estate | None:
    return await session.get(Estate, estate_id)


def add_estate(session: AsyncSession, estate: Estate) -> None:
    session.add(estate)


def needs_gas_check_by_register() -> ColumnElement[bool]:
    """The home (Home) needs an annual gas check by the register today
    (checks.rules.gas_status annual): a landlord gas appliance; in a home let to a
    tenant also a live supply, or gas heating on a supply not capped. The cross-check's
    condition, and BS01's for a home missing from the programme (ADR 0188)."""
    landlord_gas = (
        select(Appliance.uprn)
        .where(col(Appliance.landlord_owned), col(Appliance.appliance_type).in_(GAS_APPLIANCES))
        .scalar_subquery()
    )
    return or_(
        and_(
            col(Home.tenure).not_in(LEASED),
            or_(
                col(Home.gas_supply) == GasSupply.LIVE,
                and_(
                    col(Home.heating_fuel) == HeatingFuel.GAS,
                    col(Home.gas_supply) != GasSupply.CAPPED,
                ),
            ),
        ),
        col(Home.uprn).in_(landlord_gas),
    )


async def homes_with_gas_missing_from_programme(
    session: AsyncSession, *, after: str | None, limit: int
) -> list[Home]:
    """Homes that need an annual gas check by the register (checks.rules.gas_status:
    a landlord gas appliance; in a home let to a tenant also a live supply, or gas
    heating on a supply not capped) with no open gas check in the programme: the
    cross-check."""
    open_gas = (
        select(Check.uprn)
        .where(Check.check_type == CheckType.GAS_SAFETY, col(Check.completed_at).is_(None))
        .scalar_subquery()
    )
    query = (
        select(Home)
        .where(col(Home.uprn).not_in(open_gas), needs_gas_check_by_register())
        .order_by(col(Home.uprn))
        .limit(limit)
    )
    if after is not None:
        query = query.where(col(Home.uprn) > after)
    return list((await session.execute(query)).scalars().all())


async def blocks_with_communal_boiler_missing_from_programme(
    session: AsyncSession, *, after: str | None, limit: int
) -> list[Block]:
    """Blocks whose register shows a communal boiler (checks_for_block: an annual gas
    check, ADR 0088) with no open gas check in the programme: the cross-check's
    blocks."""
    open_gas = (
        select(Check.uprn)
        .where(Check.check_type == CheckType.GAS_SAFETY, col(Check.completed_at).is_(None))
        .scalar_subquery()
    )
    query = (
        select(Block)
        .where(col(Block.communal_boiler), col(Block.uprn).not_in(open_gas))
        .order_by(col(Block.uprn))
        .limit(limit)
    )
    if after is not None:
        query = query.where(col(Block.uprn) > after)
    return list((await session.execute(query)).scalars().all())


async def homes_missing_alarms(session: AsyncSession) -> int:
    """Homes let to tenants (not LEASED: a leaseholder's alarms are their own) whose
    register shows a required smoke or CO alarm missing (Home.alarms_missing), today:
    the figures' count and the idle sweep's gauge (ix_home_alarms_missing)."""
    query = (
        core_select(func.count())
        .select_from(Home)
        .where(col(Home.alarms_missing) > 0, col(Home.tenure).not_in(LEASED))
    )
    return int((await session.execute(query)).scalar_one())


async def open_missing_alarms(session: AsyncSession, uprn: str) -> list[MissingAlarm]:
    """The alarms the home's register shows missing whose repair was raised, not yet
    cleared (uq_missing_alarm_open)."""
    query = select(MissingAlarm).where(
        col(MissingAlarm.uprn) == uprn, col(MissingAlarm.cleared_at).is_(None)
    )
    return list((await session.execute(query)).scalars().all())


async def homes_missing_alarms_not_raised(session: AsyncSession, limit: int) -> list[Home]:
    """Let homes whose register shows a required alarm missing with none of them open in
    missing_alarm (missing before migration 0020, or let again by a stock import), in
    UPRN order, locked (SKIP LOCKED: a home being changed is taken by its change)."""
    raised = (
        core_select(col(MissingAlarm.uprn))
        .where(col(MissingAlarm.uprn) == Home.uprn, col(MissingAlarm.cleared_at).is_(None))
        .exists()
    )
    query = (
        select(Home)
        .where(col(Home.alarms_missing) > 0, col(Home.tenure).not_in(LEASED), ~raised)
        .order_by(col(Home.uprn))
        .limit(limit)
        .with_for_update(skip_locked=True, key_share=True)
    )
    return list((await session.execute(query)).scalars().all())


async def note_tenancy_start(session: AsyncSession, uprn: str, start_date: date) -> bool:
    """Keep the start of the home's newest tenancy; True when this one is newer than
    what was held (so a replayed or older tenancy-started changes nothing)."""
    result = await session.execute(
        update(Home)
        .where(
            col(Home.uprn) == uprn,
            or_(
                col(Home.tenancy_start_date).is_(None),
                col(Home.tenancy_start_date) < start_date,
            ),
        )
        .values(tenancy_start_date=start_date)
    )
    return bool(getattr(result, "rowcount", 0))


async def note_tenancy_end(session: AsyncSession, uprn: str, end_date: date) -> bool:
    """Keep the last day of the home's latest tenancy to end; True when this one ended
    later than what was held (a replayed or older tenancy-ended changes nothing)."""
    result = await session.execute(
        update(Home)
        .where(
            col(Home.uprn) == uprn,
            or_(col(Home.tenancy_end_date).is_(None), col(Home.tenancy_end_date) < end_date),
        )
        .values(tenancy_end_date=end_date)
    )
    return bool(getattr(result, "rowcount", 0))


async def tenancy_start(session: AsyncSession, uprn: str) -> date | None:
    """The start of the home's newest tenancy, as note_tenancy_start keeps it (None: no
    tenancy yet, or no such home)."""
    query = core_select(col(Home.tenancy_start_date)).where(col(Home.uprn) == uprn)
    return (await session.execute(query)).scalar_one_or_none()


async def note_tenancy(
    session: AsyncSession, tenancy_id: uuid.UUID, uprn: str, start_date: date
) -> bool:
    """Keep a tenancy announced at the home (once: a replay keeps what is held); False
    when it was withdrawn already (its tenancy-withdrawn handled first: a tenancy-started
    replayed late), and nothing of its start is to be done."""
    held = await session.get(TenancyStart, tenancy_id, with_for_update=True)
    if held is None:
        session.add(TenancyStart(tenancy_id=tenancy_id, uprn=uprn, start_date=start_date))
        await session.flush()
        return True
    return held.withdrawn_at is None


async def note_tenancy_withdrawn(
    session: AsyncSession,
    tenancy_id: uuid.UUID,
    uprn: str,
    start_date: date,
    withdrawn_at: datetime,
) -> None:
    """Keep that the tenancy was withdrawn before its first day (ADR 0111), even when its
    start has not been handled yet, so a later one changes nothing. The first withdrawal
    kept stands (a redelivery changes nothing)."""
    held = await session.get(TenancyStart, tenancy_id, with_for_update=True)
    if held is None:
        session.add(
            TenancyStart(
                tenancy_id=tenancy_id, uprn=uprn, start_date=start_date, withdrawn_at=withdrawn_at
            )
        )
    elif held.withdrawn_at is None:
        held.withdrawn_at = withdrawn_at
    await session.flush()


async def tenancy_start_and_end(
    session: AsyncSession, uprn: str
) -> tuple[date | None, date | None]:
    """The home's newest tenancy start and its latest tenancy end, as held in the database
    now (not an object loaded earlier in the transaction); (None, None) for no such home."""
    query = core_select(col(Home.tenancy_start_date), col(Home.tenancy_end_date)).where(
        col(Home.uprn) == uprn
    )
    row = (await session.execute(query)).first()
    return (None, None) if row is None else (row[0], row[1])


async def forget_tenancy_start(session: AsyncSession, uprn: str, start_date: date) -> None:
    """The home's newest tenancy start was `start_date`, a tenancy withdrawn before that
    day (ADR 0111): the start of the newest tenancy at the home not withdrawn is the
    home's again (the household living there, whose no-access history counts from its
    first day), None when none is known (announced before migration 0026). The next
    household's start, earlier or later than the withdrawn one, is then newer, and gets
    its first-day alarm check. A home whose newest start is another day's keeps it."""
    newest_not_withdrawn = (
        core_select(func.max(col(TenancyStart.start_date)))
        .where(col(TenancyStart.uprn) == uprn, col(TenancyStart.withdrawn_at).is_(None))
        .scalar_subquery()
    )
    await session.execute(
        update(Home)
        .where(col(Home.uprn) == uprn, col(Home.tenancy_start_date) == start_date)
        .values(tenancy_start_date=newest_not_withdrawn)
    )

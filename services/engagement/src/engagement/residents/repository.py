"""All SQL about residents (and the tenancies engagement knows of)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    CursorResult,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    inspect,
    or_,
    text,
    tuple_,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from engagement.models import (
    PERSON_ID_TO_FOLLOW_UP_SQL,
    Complaint,
    Contact,
    DiversityProfile,
    Home,
    HomeTenure,
    Message,
    MessageStatus,
    Resident,
    ServiceRequest,
    SurveyInvitation,
    SurveyResponse,
    Tenancy,
    TenancyEnd,
    TenancyTenant,
    Vulnerability,
    VulnerabilityRead,
)
from engagement.residents.rules import LEASED_TENURES, Stock
from hearth_contracts.events.compliance import Tenure
from hearth_kit.db import ReadConnection
from hearth_kit.projection import upsert_newer, upsert_newer_many


async def get(
    session: AsyncSession,
    resident_id: uuid.UUID,
    *,
    for_update: bool = False,
    merged: bool = False,
) -> Resident | None:
    """A resident; `for_update` locks them and reads them as they now stand
    (populate_existing: one read unlocked earlier in the session is not kept over the
    row the lock waited for). A resident merged into another (ADR 0124) is no one any
    more: None, unless `merged` asks for their row too (to say whom they were merged into)."""
    query = select(Resident).where(Resident.id == resident_id)
    if not merged:
        query = query.where(col(Resident.merged_into).is_(None))
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalars().first()


def moved_in_by(resident: Any, day: date) -> Any:
    """Whether the resident placed on a home (`resident.uprn`) lived there on `day` as
    far as their tenancy's start tells: it had started by then (income records a
    tenancy up to a year ahead and announces it at once, and its tenants do not live in
    the home until its first day: docs/adr/0096, the household living there, not the one
    announced ahead). With no start known (a tenant registered on a tenancy income has
    not announced yet: docs/adr/0118), only on a day no other tenancy of the home was
    running (another_household_on): on a day one ran, that tenancy's household lived
    there, the one before them, and theirs had not begun (docs/adr/0165, 0184). Every
    reader of who lives in a home on a day (on_home, lived_in_then, the survey's
    living_on) takes it from here. A SQL condition correlated to `resident`."""
    return or_(
        col(resident.tenancy_started_on) <= day,
        and_(
            col(resident.tenancy_started_on).is_(None),
            ~exists(another_household_on(resident, day)),
        ),
    )


def tenancy_running(uprn: Any, day: date) -> Select[Any]:
    """The tenancies of the home `uprn` running on the London day `day`: started by then
    and not ended before it (by the end date income announced: one whose end is not
    announced yet is still running). Their tenants were the household living there that
    day (docs/adr/0122)."""
    return select(col(Tenancy.tenancy_id)).where(
        col(Tenancy.uprn) == uprn,
        col(Tenancy.start_date) <= day,
        ~exists().where(
            col(TenancyEnd.tenancy_id) == col(Tenancy.tenancy_id),
            col(TenancyEnd.end_date) < day,
        ),
    )


def another_household_on(resident: Any, day: date) -> Select[Any]:
    """The tenancies of the home the resident is placed on, other than the one they are
    placed on, running on the London day `day` (tenancy_running): another household's.
    Correlated to `resident`."""
    return (
        tenancy_running(col(resident.uprn), day)
        .where(col(Tenancy.tenancy_id).is_distinct_from(col(resident.tenancy_id)))
        .correlate(resident)
    )


async def on_home(session: AsyncSession, uprn: str, day: date) -> list[Resident]:
    """The residents living in a home on the London day `day`: on a tenancy of it that
    had started by then and has not ended (a former tenant keeps the home as their last
    one, and gets none of its letters). A tenancy announced ahead puts its tenants on
    the home only from its first day, and one income has not announced yet (no start
    known) only on a day no other tenancy of the home ran: a letter about the home while
    the household before them lives there is not theirs (moved_in_by, docs/adr/0184).
    And a tenant moving within the landlord's homes, put on the new home's tenancy as
    soon as it was announced, still lives in the old home until then: they are its
    residents while that tenancy of the old home (their tenancy history) has started and
    income has not said it ended."""
    living_there = select(Resident).where(
        Resident.uprn == uprn, col(Resident.tenancy_ended_on).is_(None), moved_in_by(Resident, day)
    )
    still_there = (
        select(Resident)
        .join(TenancyTenant, col(TenancyTenant.resident_id) == col(Resident.id))
        .join(Tenancy, col(Tenancy.tenancy_id) == col(TenancyTenant.tenancy_id))
        .where(
            Tenancy.uprn == uprn,
            col(Tenancy.start_date) <= day,
            ~exists().where(col(TenancyEnd.tenancy_id) == col(Tenancy.tenancy_id)),
            col(Resident.tenancy_started_on) > day,
        )
    )
    found = {
        resident.id: resident
        for query in (living_there, still_there)
        for resident in (await session.execute(query)).scalars().all()
    }
    return sorted(found.values(), key=lambda resident: (resident.registered_at, resident.id))


async def home_lived_in(session: AsyncSession, resident: Resident, day: date) -> str | None:
    """The home the resident lives in on the London day `day`: the one they are placed
    on (`uprn`) once its tenancy has started; before then, for a tenant moving within
    the landlord's homes (placed on the new tenancy from its announcement), the home of
    the latest tenancy of theirs (their tenancy history) that had started by then and
    had not ended before it. None when engagement knows no such tenancy (one registered
    through the API only gives no history), and for a resident with no home. With no
    start known (a tenant registered ahead of a tenancy income has not announced: docs/
    adr/0118), they live in the home they are placed on only on a day no other tenancy
    of it runs (moved_in_by); on a day one does, that household lives there, and theirs
    is read from their tenancy history as a mover's is, None when it gives none: a
    letter to them is never one to the household before them (docs/adr/0226). So for a
    tenant announced ahead (their tenancy starting after `day`) whose tenancy history
    gives no home then: the home they are placed on while no other tenancy of it runs
    (empty, waiting for them), else None, never the household before them's."""
    started_on = resident.tenancy_started_on
    if started_on is not None and started_on <= day:
        return resident.uprn
    if started_on is None and (
        resident.uprn is None or not await _another_household_there(session, resident, day)
    ):
        return resident.uprn
    query = (
        select(Tenancy.uprn)
        .join(TenancyTenant, col(TenancyTenant.tenancy_id) == col(Tenancy.tenancy_id))
        .where(
            TenancyTenant.resident_id == resident.id,
            col(Tenancy.start_date) <= day,
            ~exists().where(
                col(TenancyEnd.tenancy_id) == col(Tenancy.tenancy_id),
                col(TenancyEnd.end_date) < day,
            ),
        )
        .order_by(col(Tenancy.start_date).desc())
        .limit(1)
    )
    home: str | None = (await session.execute(query)).scalar_one_or_none()
    if (
        home is None
        and started_on is not None
        and resident.uprn is not None
        and not await _another_household_there(session, resident, day)
    ):
        return resident.uprn
    return home


async def _another_household_there(session: AsyncSession, resident: Resident, day: date) -> bool:
    """Whether a tenancy of the home the resident is placed on, other than theirs, runs
    on the London day `day` (another_household_on): another household lives there.
    False for a resident not stored (no row to read the home from)."""
    query = select(exists(another_household_on(Resident, day))).where(Resident.id == resident.id)
    return bool((await session.execute(query)).scalar())


def lived_in_then(resident_id: uuid.UUID, uprn: str, day: date) -> Any:
    """Whether the resident lived in the home on the London day `day`, as it was on that
    day whenever it is asked (a contact or a survey form typed in after a move): placed
    on it (`resident.uprn`) with their tenancy started by then, or no start known
    (moved_in_by), and not ended before it; or a tenant of a tenancy of the home (their
    tenancy history) that had started by then and had not ended before it, the latest
    of theirs started by then (a tenant who moved within the landlord's homes since, or
    is moving: placed on the new tenancy from its announcement; the old tenancy's end
    may not be announced yet). A former tenant lived there on the days of their tenancy,
    not after it. on_home reads the home's residents as they stand now, so a tenant
    whose move out was announced since is none of them on any day: this reads the
    tenancy's end date instead. Placed with no start known (a tenancy income has not
    announced yet), they did not live there on a day another tenancy of the home ran:
    that was the household before them (moved_in_by: docs/adr/0165). A SQL condition,
    for one statement."""
    placed = select(col(Resident.id)).where(
        Resident.id == resident_id,
        Resident.uprn == uprn,
        moved_in_by(Resident, day),
        or_(col(Resident.tenancy_ended_on).is_(None), col(Resident.tenancy_ended_on) >= day),
    )
    later, later_tenant = aliased(Tenancy), aliased(TenancyTenant)
    moved_on_since = (
        select(col(later.tenancy_id))
        .join(later_tenant, col(later_tenant.tenancy_id) == col(later.tenancy_id))
        .where(
            col(later_tenant.resident_id) == resident_id,
            col(later.start_date) <= day,
            col(later.start_date) > col(Tenancy.start_date),
        )
    )
    tenant_then = (
        select(col(TenancyTenant.resident_id))
        .join(Tenancy, col(Tenancy.tenancy_id) == col(TenancyTenant.tenancy_id))
        .where(
            TenancyTenant.resident_id == resident_id,
            col(Tenancy.uprn) == uprn,
            col(Tenancy.start_date) <= day,
            ~exists().where(
                col(TenancyEnd.tenancy_id) == col(Tenancy.tenancy_id),
                col(TenancyEnd.end_date) < day,
            ),
            ~exists(moved_on_since),
        )
    )
    return or_(exists(placed), exists(tenant_then))


def a_household_then(uprn: str, day: date) -> Any:
    """Whether engagement knows a household of the home on the London day `day`: a
    tenancy of it running then (tenancy_running: its tenants, as visits and the survey
    figures read the household then: docs/adr/0122, 0151). A SQL condition, for one
    statement."""
    return exists(tenancy_running(uprn, day))


async def not_of_the_household(
    session: AsyncSession, resident_id: uuid.UUID, uprn: str, day: date
) -> bool:
    """Whether the home had a household engagement knows of on the London day `day` (a
    tenancy of it running: a_household_then) and the resident was not of it
    (lived_in_then). One statement."""
    query = select(and_(a_household_then(uprn, day), ~lived_in_then(resident_id, uprn, day)))
    return bool((await session.execute(query)).scalar_one())


async def lived_in(session: AsyncSession, resident_id: uuid.UUID, uprn: str, day: date) -> bool:
    """lived_in_then, asked on its own."""
    query = select(lived_in_then(resident_id, uprn, day))
    return bool((await session.execute(query)).scalar_one())


async def of_no_household_there(
    session: AsyncSession, resident_id: uuid.UUID, uprn: str, day: date
) -> bool:
    """Whether the resident had not moved into the home by the London day `day` while a
    household engagement knows of lived there (a tenancy of it running:
    a_household_then): they are of none of its households. Someone engagement knows no
    home or tenancy of (registered on no tenancy: docs/adr/0164), and a newcomer whose
    own living there had not begun by then (placed on the home with their tenancy
    starting after it, or with no start known while the household before them lived
    there: moved_in_by, docs/adr/0204) alike. One who lived there by then is of it: a
    tenant, or a former tenant or mover about the home they left (on a tenancy of it
    started by then: docs/adr/0114). The survey's check on who answers for a piece of
    work (docs/adr/0204) and the contact's on a resident placed on the home (docs/adr/
    0224) read it. One statement."""
    placed_by_then = select(col(Resident.id)).where(
        Resident.id == resident_id, Resident.uprn == uprn, moved_in_by(Resident, day)
    )
    tenant_by_then = (
        select(col(TenancyTenant.resident_id))
        .join(Tenancy, col(Tenancy.tenancy_id) == col(TenancyTenant.tenancy_id))
        .where(
            TenancyTenant.resident_id == resident_id,
            col(Tenancy.uprn) == uprn,
            col(Tenancy.start_date) <= day,
        )
    )
    query = select(
        and_(a_household_then(uprn, day), ~exists(placed_by_then), ~exists(tenant_by_then))
    )
    return bool((await session.execute(query)).scalar_one())


async def known_tenancy(session: AsyncSession, tenancy_id: uuid.UUID) -> Tenancy | None:
    """The tenancy as income announced it, or None when no tenancy-started arrived yet."""
    return await session.get(Tenancy, tenancy_id)


_resident = inspect(Resident).local_table
ENTRY_COLUMNS = (
    "id",
    "tenancy_id",
    "uprn",
    "tenancy_started_on",
    "tenancy_ended_on",
    "full_name",
    "email",
    "phone",
    "preferred_channel",
    "language",
    "format_needs",
    "accessibility_needs",
    "accessibility_notes",
    "age_band",
    "lives_alone",
    "household_size",
    "details_confirmed_at",
    "details_to_follow_up",
    "registered_at",
    "version",
)
"""The resident's columns its public entry shows (schemas.ResidentPublic)."""


@cache
def _page_statement(*, after: bool, uprn: bool, tenancy_id: bool, follow_up: bool) -> Select[Any]:
    """A page of residents in registration order for one combination of filters, built
    once per combination (its cache key and compiled SQL reused by every call)."""
    query = (
        core_select(*(_resident.c[name] for name in ENTRY_COLUMNS))
        .order_by(_resident.c.registered_at, _resident.c.id)
        .limit(bindparam("limit"))
    )
    if after:
        query = query.where(
            tuple_(_resident.c.registered_at, _resident.c.id)
            > tuple_(
                bindparam("after_registered_at", type_=_resident.c.registered_at.type),
                bindparam("after_id", type_=_resident.c.id.type),
            )
        )
    if uprn:  # the home's residents now: not a former tenant's last home
        query = query.where(
            _resident.c.uprn == bindparam("uprn"), _resident.c.tenancy_ended_on.is_(None)
        )
    if tenancy_id:
        query = query.where(_resident.c.tenancy_id == bindparam("tenancy_id"))
    if follow_up:  # word for word the partial index's predicate, so it is read off it
        query = query.where(text(PERSON_ID_TO_FOLLOW_UP_SQL))
    if not (uprn or tenancy_id or follow_up):
        # A resident merged into another (ADR 0124) is on no home or tenancy and has
        # nothing to follow up, so only the list of everyone needs to leave them out.
        query = query.where(_resident.c.merged_into.is_(None))
    return query


async def page_rows(
    connection: ReadConnection,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    uprn: str | None,
    tenancy_id: uuid.UUID | None,
    person_id_to_follow_up: bool = False,
) -> list[Row[Any]]:
    """Residents in the order they were registered, as rows of ENTRY_COLUMNS: one
    statement on a read connection, no ORM objects. `person_id_to_follow_up`: only
    those with `person_id` in `details_to_follow_up` (ADR 0118)."""
    statement = _page_statement(
        after=after is not None,
        uprn=uprn is not None,
        tenancy_id=tenancy_id is not None,
        follow_up=person_id_to_follow_up,
    )
    values: dict[str, Any] = {"limit": limit, "uprn": uprn, "tenancy_id": tenancy_id}
    if after is not None:
        values["after_registered_at"], values["after_id"] = after
    return list((await connection.execute(statement, values)).all())


_RESIDENT = cast(Table, inspect(Resident).local_table)


async def insert_unless_known(session: AsyncSession, resident: Resident) -> Resident | None:
    """Insert a new resident unless one with the same person id exists: the API and
    the consumer of income's tenancy-started can both find a person unknown and both
    write them. INSERT ... ON CONFLICT DO NOTHING waits for the other transaction and
    leaves this one usable either way (a refused INSERT would abort it on PostgreSQL).
    The stored resident, in the session; None when the person id was taken meanwhile."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {column.name: getattr(resident, column.name) for column in _RESIDENT.columns}
    inserted = cast(
        CursorResult[Any],
        await session.execute(
            insert(_RESIDENT).values(values).on_conflict_do_nothing(index_elements=[_RESIDENT.c.id])
        ),
    )
    if inserted.rowcount == 0:
        return None
    return await get(session, resident.id)


async def save_tenancy(
    session: AsyncSession,
    *,
    tenancy_id: uuid.UUID,
    uprn: str,
    tenancy_reference: str,
    start_date: date,
    as_of: datetime,
) -> None:
    """Keep income's view of a tenancy, unless a later one is already kept."""
    await upsert_newer(
        session,
        Tenancy,
        key={"tenancy_id": tenancy_id},
        values={
            "uprn": uprn,
            "tenancy_reference": tenancy_reference,
            "start_date": start_date,
            "as_of": as_of,
        },
        version="as_of",
    )


_TENANCY_TENANT = cast(Table, inspect(TenancyTenant).local_table)


async def record_tenant(
    session: AsyncSession, *, tenancy_id: uuid.UUID, resident_id: uuid.UUID, uprn: str
) -> None:
    """Keep that the person was a tenant of the tenancy (their tenancy history); once is
    enough: INSERT ... ON CONFLICT DO NOTHING, so the same event again changes nothing."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        insert(_TENANCY_TENANT)
        .values(tenancy_id=tenancy_id, resident_id=resident_id, uprn=uprn)
        .on_conflict_do_nothing(
            index_elements=[_TENANCY_TENANT.c.tenancy_id, _TENANCY_TENANT.c.resident_id]
        )
    )


async def was_tenant_of(session: AsyncSession, resident_id: uuid.UUID, uprn: str) -> bool:
    """Whether the resident was on a tenancy of the home, now or before."""
    query = (
        select(func.count())
        .select_from(TenancyTenant)
        .where(TenancyTenant.resident_id == resident_id, TenancyTenant.uprn == uprn)
    )
    return int((await session.execute(query)).scalar_one()) > 0


async def save_tenancy_end(
    session: AsyncSession, *, tenancy_id: uuid.UUID, uprn: str, end_date: date, as_of: datetime
) -> None:
    """Keep that income ended a tenancy, unless a later word on its end is already kept."""
    await upsert_newer(
        session,
        TenancyEnd,
        key={"tenancy_id": tenancy_id},
        values={"uprn": uprn, "end_date": end_date, "as_of": as_of},
        version="as_of",
    )


async def tenancy_end(session: AsyncSession, tenancy_id: uuid.UUID) -> TenancyEnd | None:
    """The tenancy's end, when income said it ended."""
    return await session.get(TenancyEnd, tenancy_id)


async def running_tenancy_before(
    session: AsyncSession, resident_id: uuid.UUID, withdrawn_id: uuid.UUID
) -> Tenancy | None:
    """The tenancy the resident was on before being put on `withdrawn_id`, a tenancy
    withdrawn before its first day (ADR 0111): the latest other tenancy of theirs (their
    tenancy history) that income has not said ended. None when they had none (their
    first tenancy) or it has ended."""
    query = (
        select(Tenancy)
        .join(TenancyTenant, col(TenancyTenant.tenancy_id) == col(Tenancy.tenancy_id))
        .where(
            TenancyTenant.resident_id == resident_id,
            col(Tenancy.tenancy_id) != withdrawn_id,
            ~exists().where(col(TenancyEnd.tenancy_id) == col(Tenancy.tenancy_id)),
        )
        .order_by(col(Tenancy.start_date).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


_HOME = cast(Table, inspect(Home).local_table)

_KEEP_EARLIEST_REGISTRATION = (
    _HOME.update()
    .where(
        _HOME.c.uprn == bindparam("home"),
        or_(_HOME.c.registered_at.is_(None), _HOME.c.registered_at > bindparam("joined")),
    )
    .values(registered_at=bindparam("joined"))
)
"""A home's registration moment, kept apart from its tenure's version: the earliest
seen wins whatever order the events arrive in. Written under the tenure's `as_of`, a
registration handled after the home's update (a replayed dead letter, a rebuilt topic)
is older than it and was dropped whole, leaving the home counted in every period."""


class HomeEntry(NamedTuple):
    """A home's entry in the asset register as an event gives it, at the event's moment."""

    uprn: str
    tenure: Tenure
    block_id: str | None
    as_of: datetime


async def save_homes(session: AsyncSession, homes: list[HomeEntry], *, registered: bool) -> None:
    """Keep the homes in the asset register with their tenure and block (one statement
    for a run of events): `registered` for property-registered, whose moment is also
    when the home was registered (a second statement: `_KEEP_EARLIEST_REGISTRATION`);
    property-updated changes the tenure and block and leaves that alone. Both are
    versioned by the moment: the same event again, or an older one arriving late,
    changes nothing. The event carries the register's whole entry, so a null block_id
    is no block (a house), not "unchanged". Each event's tenure also joins the home's
    tenure history at its moment (`_keep_tenure_history`)."""
    await upsert_newer_many(
        session,
        Home,
        key=["uprn"],
        rows=[
            {"uprn": h.uprn, "as_of": h.as_of, "tenure": h.tenure, "block_id": h.block_id}
            for h in homes
        ],
        version="as_of",
    )
    if registered and homes:
        await session.execute(
            _KEEP_EARLIEST_REGISTRATION, [{"home": h.uprn, "joined": h.as_of} for h in homes]
        )
    await _keep_tenure_history(session, homes)


_HOME_TENURE = cast(Table, inspect(HomeTenure).local_table)


async def _keep_tenure_history(session: AsyncSession, homes: list[HomeEntry]) -> None:
    """Add each entry's tenure to its home's history at the event's own moment. Keyed
    by home and moment, so the same event again adds nothing (ON CONFLICT DO NOTHING),
    and an older event handled late is kept at its own moment, before the newer ones:
    the history is the same whatever order, and however often, the events arrive. Two
    different entries at one moment (not something the register sends) keep the first
    handled."""
    rows = {
        (h.uprn, h.as_of): {"uprn": h.uprn, "effective_from": h.as_of, "tenure": h.tenure}
        for h in homes
    }
    if not rows:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        insert(_HOME_TENURE)
        .values(list(rows.values()))
        .on_conflict_do_nothing(index_elements=[_HOME_TENURE.c.uprn, _HOME_TENURE.c.effective_from])
    )


def _tenure_as_at(moment: datetime) -> Any:
    """The home's tenure at `moment` (`rules.tenure_as_at` in SQL, for each home of the
    outer query): the entry of its history that took effect last before the moment,
    read backwards off the history's key; NULL when none had."""
    return (
        select(HomeTenure.tenure)
        .where(HomeTenure.uprn == Home.uprn, col(HomeTenure.effective_from) < moment)
        .order_by(col(HomeTenure.effective_from).desc())
        .limit(1)
        .correlate(Home)
        .scalar_subquery()
    )


def tenure_when(uprn: Any, moment: Any, outer: Any) -> Any:
    """The tenure of the home `uprn` at `moment`, both columns of the outer query's
    `outer` row (a complaint's home when it was received): `rules.tenure_as_at` in SQL,
    the entry that took effect last at or before the moment (a change at the very moment
    has taken effect), read backwards off the history's key; NULL when none had."""
    return (
        select(HomeTenure.tenure)
        .where(HomeTenure.uprn == uprn, col(HomeTenure.effective_from) <= moment)
        .order_by(col(HomeTenure.effective_from).desc())
        .limit(1)
        .correlate(outer)
        .scalar_subquery()
    )


def in_stock(tenure: Any, stock: Stock) -> Any:
    """`rules.stock_of(tenure) == stock` in SQL, for a tenure read as at a moment (NULL
    when not known, which counts as let): low cost home ownership is shared ownership
    only; low cost rental is any tenure but leasehold and shared ownership, or none
    known. A leasehold home is in neither."""
    if stock is Stock.LOW_COST_HOME_OWNERSHIP:
        return tenure == Tenure.SHARED_OWNERSHIP
    return or_(tenure.is_(None), tenure.not_in(LEASED_TENURES))


async def homes_count(
    session: AsyncSession, registered_before: datetime, stock: Stock = Stock.LOW_COST_RENTAL
) -> int:
    """CH01's denominator: the homes of the `stock` as at `registered_before` (the end
    of the period: the regulator counts the homes at the year's end, docs/adr/0085),
    registered before it. Low cost rental (the default) is the homes let to tenants: not
    leasehold or shared ownership (checks' LEASED: the regulator's measures are of
    tenants' homes); low cost home ownership is the shared ownership homes, whose own
    CH01 is reported apart (docs/adr/0091). Each by the tenure the home had then, from
    its history: a home sold after the period is counted in it, one that became let
    after it is not. A home whose tenure then, or registration, engagement was never
    told of (rows kept before it read them; a home heard of only after the period) is
    counted, as let."""
    tenure_then = _tenure_as_at(registered_before)
    query = (
        select(func.count())
        .select_from(Home)
        .where(
            in_stock(tenure_then, stock),
            or_(col(Home.registered_at).is_(None), col(Home.registered_at) < registered_before),
        )
    )
    return int((await session.execute(query)).scalar_one())


async def tenure_histories(
    session: AsyncSession, uprns: Iterable[str]
) -> dict[str, list[tuple[datetime, Tenure]]]:
    """The tenure history of each of these homes that has one, oldest first: TP01 to
    TP12 judge each perception response by its home's tenure when it was given
    (rules.tenure_as_at). Read a thousand homes at a time (a perception survey has
    thousands of respondents), off the history's key."""
    wanted = sorted(set(uprns))
    histories: dict[str, list[tuple[datetime, Tenure]]] = {}
    for at in range(0, len(wanted), 1000):
        rows = await session.execute(
            select(HomeTenure.uprn, HomeTenure.effective_from, HomeTenure.tenure)
            .where(col(HomeTenure.uprn).in_(wanted[at : at + 1000]))
            .order_by(col(HomeTenure.uprn), col(HomeTenure.effective_from))
        )
        for uprn, since, tenure in rows.tuples():
            histories.setdefault(uprn, []).append((since, tenure))
    return histories


async def on_tenancy(
    session: AsyncSession, tenancy_id: uuid.UUID, *, for_update: bool = False
) -> list[Resident]:
    """The residents on a tenancy (its tenants still after it ended: its arrears are
    theirs), in the order they were registered. `for_update` locks them, and then they
    come in person id order: the one order engagement locks a household's residents
    in (tenancy-started takes its tenants in it too), so two events of one household
    handled side by side wait for each other instead of deadlocking."""
    query = select(Resident).where(Resident.tenancy_id == tenancy_id)
    if for_update:
        query = query.order_by(col(Resident.id)).with_for_update()
    else:
        query = query.order_by(col(Resident.registered_at), col(Resident.id))
    return list((await session.execute(query)).scalars().all())


async def merged_into(
    session: AsyncSession, person_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Of these person ids, those merged into another resident (ADR 0124), with the id
    of the resident kept: an event naming the old id (an old tenancy-started replayed)
    is about the resident kept."""
    ids = list(person_ids)
    if not ids:
        return {}
    query = select(Resident.id, Resident.merged_into).where(
        col(Resident.id).in_(ids), col(Resident.merged_into).is_not(None)
    )
    return {row.id: row.merged_into for row in (await session.execute(query)).all()}


async def as_kept(session: AsyncSession, person_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """The person ids another service's event names, as engagement holds them now: one
    merged into another resident (ADR 0124) is the resident kept, so what the event
    says is applied to them and never stored under the old id again (an event from a
    service still holding it, or published before it heard of the merge and handled
    after it: another topic, no order between them). In the order given, each once (an
    event naming both records of one person names one person). A merge into a resident
    later merged in turn is re-pointed then (re_key), so one step is enough. Handling
    the same event again finds the same resident: idempotent as the handler is."""
    ids = list(person_ids)
    merged = await merged_into(session, ids)
    return list(dict.fromkeys(merged.get(person_id, person_id) for person_id in ids))


async def re_key(
    session: AsyncSession, *, duplicate: uuid.UUID, kept: uuid.UUID
) -> list[uuid.UUID]:
    """Everything engagement holds under the duplicate's person id, re-keyed to the
    resident kept (ADR 0124). Where only one per resident may be kept (a message of one
    template about one thing, an invitation to one survey about one thing, a tenancy in
    their history, the diversity profile), the kept resident's stays: the duplicate's
    tenancy history, invitations and diversity profile then go, a pending message goes
    (it would be the same letter twice), and one already sent or failed stays under the
    duplicate's id, as the record of what went to that record. A resident merged earlier
    into the duplicate now names the resident kept (so as_kept is one step): returns
    their ids, in id order, for resident-merged to name (a consumer may hear of the
    earlier merge after this one, ADR 0148)."""
    re_pointed = await session.execute(
        update(Resident)
        .where(col(Resident.merged_into) == duplicate)
        .values(merged_into=kept)
        .returning(col(Resident.id))
        .execution_options(synchronize_session=False)
    )
    earlier = sorted(re_pointed.scalars().all())
    for model in (
        Vulnerability,
        VulnerabilityRead,
        Contact,
        Complaint,
        ServiceRequest,
        SurveyResponse,
    ):
        await session.execute(
            update(model)
            .where(col(model.resident_id) == duplicate)
            .values(resident_id=kept)
            .execution_options(synchronize_session=False)
        )
    await _re_key_unique(session, Message, ("template", "source_id"), duplicate, kept)
    await session.execute(
        delete(Message)
        .where(col(Message.resident_id) == duplicate, col(Message.status) == MessageStatus.PENDING)
        .execution_options(synchronize_session=False)
    )
    one_each: tuple[tuple[Any, tuple[str, ...]], ...] = (
        (SurveyInvitation, ("survey", "about_id")),
        (TenancyTenant, ("tenancy_id",)),
        (DiversityProfile, ()),
    )
    for one_of, columns in one_each:
        await _re_key_unique(session, one_of, columns, duplicate, kept)
        await session.execute(
            delete(one_of)
            .where(col(one_of.resident_id) == duplicate)
            .execution_options(synchronize_session=False)
        )
    return earlier


async def _re_key_unique(
    session: AsyncSession,
    model: Any,
    columns: tuple[str, ...],
    duplicate: uuid.UUID,
    kept: uuid.UUID,
) -> None:
    """Re-key the duplicate's rows of a table unique by resident and `columns`, except
    those the kept resident already has a row of (left for the caller)."""
    table = cast(Table, inspect(model).local_table)
    kept_rows = table.alias("kept_rows")
    already = exists().where(
        kept_rows.c.resident_id == kept,
        *(kept_rows.c[name] == table.c[name] for name in columns),
    )
    await session.execute(
        table.update().where(table.c.resident_id == duplicate, ~already).values(resident_id=kept)
    )

"""All SQL about the projections the visit programme scores homes from (homes, tenancies,
residents, contacts, access failures, damp cases, gas checks due, officer visits asked
for by compliance's no-access procedure), the visit history it
reads, and the stored scores the ranking reads. Every projection write is one idempotent
statement (upsert_newer or INSERT ... ON CONFLICT DO NOTHING), so an event handled
twice, or late, changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    Row,
    Table,
    and_,
    bindparam,
    delete,
    func,
    inspect,
    literal,
    literal_column,
    or_,
    tuple_,
    update,
)
from sqlalchemy import select as select_columns
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_contracts.events.compliance import (
    CheckType,
    GasSupply,
    HeatingFuel,
    Tenure,
    combined_appointment_attempt_id,
)
from hearth_contracts.events.engagement import AgeBand
from hearth_contracts.events.income import ArrearsStage, TenancyType
from hearth_contracts.events.visits import HazardType, VisitKind
from hearth_kit.projection import upsert_newer, upsert_newer_many
from hearth_kit.working_days import london_day
from visits.models import (
    AccessFailure,
    CustomerAction,
    DampCase,
    GasCheckDue,
    HomeProfile,
    HomeTenure,
    HouseholdContact,
    OfficerVisitForAccess,
    ProgrammeScore,
    ResidentProfile,
    TenancyMember,
    TenancyRecord,
    Visit,
    VisitHazardFinding,
    VisitStatus,
)
from visits.programme.rules import HOUSEHOLD_GAVE_NO_ACCESS, OUT_OF_PROGRAMME
from visits.visits.repository import inventory_recorded


async def get(session: AsyncSession, uprn: str) -> HomeProfile | None:
    return await session.get(HomeProfile, uprn)


async def areas_of(session: AsyncSession, uprns: Iterable[str]) -> dict[str, str | None]:
    """The area (postcode district) visits keeps for each of the homes it knows."""
    query = select(col(HomeProfile.uprn), col(HomeProfile.area)).where(
        col(HomeProfile.uprn).in_(set(uprns))
    )
    return {uprn: area for uprn, area in (await session.execute(query)).tuples().all()}


def area_of(postcode: str) -> str:
    """The postcode district (the outward code): "YO10 3AB" -> "YO10"."""
    cleaned = postcode.upper().replace(" ", "")
    return cleaned[:-3] if len(cleaned) > 3 else cleaned


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """The asset register's view of a home as of a moment (the event's own time)."""

    uprn: str
    heating_fuel: HeatingFuel
    gas_supply: GasSupply
    postcode: str
    as_of: datetime
    registered_at: datetime | None = None
    """When the home joined the register (property-registered only)."""
    needs_gas_safety_check: bool | None = None
    """Compliance's decision on the home's annual gas check; None: the event did not
    say (one from before compliance said it)."""
    tenure: Tenure | None = None
    """The register's tenure: a leasehold or shared ownership home is out of the
    programme (ADR 0115)."""


_home_profile = cast(Table, inspect(HomeProfile).local_table)

KEEP_EARLIEST_REGISTRATION = (
    update(_home_profile)
    .where(
        _home_profile.c.uprn == bindparam("home"),
        or_(
            _home_profile.c.registered_at.is_(None),
            _home_profile.c.registered_at > bindparam("joined"),
        ),
    )
    .values(registered_at=bindparam("joined"))
)
"""A home's registration moment, kept once: the earliest seen wins, whatever order the
events arrive in (a replay, a rebuild), and property-updated never touches it."""


async def save_properties(session: AsyncSession, entries: Iterable[RegisterEntry]) -> None:
    """Record the asset register's view of each home, in the order given, unless a later
    one is already kept: one statement for them all; then the registration moments of
    those registered (one statement, run for each), and each event's tenure from its
    moment on (home_tenure, one statement: the figures' past periods, ADR 0130)."""
    entries = list(entries)
    await upsert_newer_many(
        session,
        HomeProfile,
        key=["uprn"],
        rows=[
            {
                "uprn": entry.uprn,
                "heating_fuel": entry.heating_fuel,
                "gas_supply": entry.gas_supply,
                "needs_gas_safety_check": entry.needs_gas_safety_check,
                "postcode": entry.postcode,
                "area": area_of(entry.postcode),
                "tenure": entry.tenure,
                "property_as_of": entry.as_of,
            }
            for entry in entries
        ],
        version="property_as_of",
    )
    registered = [
        {"home": entry.uprn, "joined": entry.registered_at}
        for entry in entries
        if entry.registered_at is not None
    ]
    if registered:
        await session.execute(KEEP_EARLIEST_REGISTRATION, registered)
    # the tenure from the event's moment on (ADR 0130): one row per event, kept once,
    # so a redelivered or late event leaves the history as it is
    await _insert_new(
        session,
        HomeTenure,
        [
            {"uprn": entry.uprn, "effective_from": entry.as_of, "tenure": entry.tenure}
            for entry in entries
            if entry.tenure is not None
        ],
    )


@dataclass(frozen=True, slots=True)
class StartedTenancy:
    uprn: str
    tenancy_id: uuid.UUID
    start_date: date
    tenancy_type: TenancyType
    introductory_ends_on: date | None


_tenancy = cast(Table, inspect(TenancyRecord).local_table)

TYPE_AT_START_UNLESS_DECIDED = (
    update(_tenancy)
    .where(_tenancy.c.tenancy_id == bindparam("tenancy"), _tenancy.c.type_as_of.is_(None))
    .values(
        tenancy_type=bindparam("tenancy_type"),
        introductory_ends_on=bindparam("ends_on"),
        type_as_of=bindparam("started_on"),
    )
)
"""A started tenancy's type, kept only when no type is held: the type it started with
is the oldest word on it, so any type change (tenancy-type-changed) is newer, even one
taking effect on the first day (the same date as the start's) and delivered before it
(a replayed dead letter): versioned by date, the start would win that tie."""


async def save_tenancies(session: AsyncSession, tenancies: Sequence[StartedTenancy]) -> None:
    """Tenancies that started: their start, and their type as of the start unless a type
    change is kept already (TYPE_AT_START_UNLESS_DECIDED). An end already recorded is never
    touched."""
    await upsert_newer_many(
        session,
        TenancyRecord,
        key=["tenancy_id"],
        rows=[
            {"tenancy_id": t.tenancy_id, "uprn": t.uprn, "start_date": t.start_date}
            for t in tenancies
        ],
        version="start_date",
    )
    if tenancies:  # each has a row now (the statement above)
        await session.execute(
            TYPE_AT_START_UNLESS_DECIDED,
            [
                {
                    "tenancy": t.tenancy_id,
                    "tenancy_type": t.tenancy_type,
                    "ends_on": t.introductory_ends_on,
                    "started_on": t.start_date,
                }
                for t in tenancies
            ],
        )


async def change_tenancy_type(
    session: AsyncSession,
    *,
    tenancy_id: uuid.UUID,
    uprn: str,
    tenancy_type: TenancyType,
    introductory_ends_on: date | None,
    effective_on: date,
) -> None:
    await upsert_newer(
        session,
        TenancyRecord,
        key={"tenancy_id": tenancy_id},
        values={
            "uprn": uprn,
            "tenancy_type": tenancy_type,
            "introductory_ends_on": introductory_ends_on,
            "type_as_of": effective_on,
        },
        version="type_as_of",
    )


async def end_tenancy(
    session: AsyncSession, *, tenancy_id: uuid.UUID, uprn: str, end_date: date
) -> None:
    """Record the end for good (ended_on is never cleared)."""
    await upsert_newer(
        session,
        TenancyRecord,
        key={"tenancy_id": tenancy_id},
        values={"uprn": uprn, "ended_on": end_date},
        version="ended_on",
    )


async def save_arrears_stage(
    session: AsyncSession,
    *,
    tenancy_id: uuid.UUID,
    uprn: str,
    stage: ArrearsStage,
    changed_at: datetime,
) -> None:
    await upsert_newer(
        session,
        TenancyRecord,
        key={"tenancy_id": tenancy_id},
        values={"uprn": uprn, "arrears_stage": stage, "arrears_as_of": changed_at},
        version="arrears_as_of",
    )


async def tenancy(
    session: AsyncSession, tenancy_id: uuid.UUID, *, lock: bool = False
) -> TenancyRecord | None:
    """The tenancy; `lock` holds it (FOR SHARE) against tenancy-ended, whose upsert
    of its end waits until this transaction commits, and reads it as it is once held
    (populate_existing: an end committed while this waited is seen)."""
    if not lock:
        return await session.get(TenancyRecord, tenancy_id)
    query = (
        select(TenancyRecord)
        .where(col(TenancyRecord.tenancy_id) == tenancy_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalars().first()


async def tenancy_on(session: AsyncSession, uprn: str, day: date) -> TenancyRecord | None:
    """The home's tenancy on `day`: the one that started last on or before it and had
    not ended before it (`ended_on` is the tenancy's last day). Not simply the latest
    not ended: income announces a tenancy up to a year before it starts, so that one is
    the incoming household's while the outgoing one still lives there; and a visit
    booked after the fact was made in the tenancy of its own day."""
    query = (
        select(TenancyRecord)
        .where(
            col(TenancyRecord.uprn) == uprn,
            col(TenancyRecord.start_date) <= day,
            or_(col(TenancyRecord.ended_on).is_(None), col(TenancyRecord.ended_on) >= day),
        )
        .order_by(col(TenancyRecord.start_date).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def current_tenancy(session: AsyncSession, uprn: str, today: date) -> TenancyRecord | None:
    """The home's tenancy that started last, by `today`, and has not ended: never one
    income announced to start later (up to a year ahead), whose household has not moved
    in (the programme's factors are the household's living there)."""
    query = (
        select(TenancyRecord)
        .where(
            col(TenancyRecord.uprn) == uprn,
            col(TenancyRecord.ended_on).is_(None),
            col(TenancyRecord.start_date) <= today,
        )
        .order_by(col(TenancyRecord.start_date).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def save_resident_details(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Residents' details as engagement last said (version details_as_of)."""
    await upsert_newer_many(
        session, ResidentProfile, key=["resident_id"], rows=rows, version="details_as_of"
    )


async def save_vulnerability(
    session: AsyncSession,
    *,
    resident_id: uuid.UUID,
    uprn: str,
    vulnerable: bool,
    adjustments: list[str],
    recorded_at: datetime,
) -> None:
    await upsert_newer(
        session,
        ResidentProfile,
        key={"resident_id": resident_id},
        values={
            "uprn": uprn,
            "vulnerable": vulnerable,
            "adjustments": adjustments,
            "vulnerability_as_of": recorded_at,
        },
        version="vulnerability_as_of",
    )


async def _insert_new(session: AsyncSession, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert facts that never change (a contact, an access failure), skipping any
    already kept: one statement."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(insert(model).values(rows).on_conflict_do_nothing())


async def save_members(session: AsyncSession, rows: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """The people of tenancies' households, (tenancy_id, resident_id) each: kept once,
    for good (a member who moves on was still of the tenancy while it ran)."""
    await _insert_new(
        session,
        TenancyMember,
        [
            {"tenancy_id": tenancy_id, "resident_id": resident_id}
            for tenancy_id, resident_id in dict.fromkeys(rows)
        ],
    )


async def save_contacts(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Contacts, each kept once; one kept before visits kept who made it (migration
    0021) takes its resident when its contact-logged is handled again (a rebuild of the
    projection), and nothing else about a kept contact changes."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # each contact once: redelivered within one batch, a row updated twice is an error
    statement = insert(HouseholdContact).values(
        list({row["contact_id"]: row for row in rows}.values())
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["contact_id"],
            set_={"resident_id": statement.excluded.resident_id},
            where=and_(
                col(HouseholdContact.resident_id).is_(None),
                statement.excluded.resident_id.is_not(None),
            ),
        )
    )


async def save_access_failures(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await _insert_new(session, AccessFailure, rows)


async def save_damp_cases(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await _insert_new(session, DampCase, rows)


async def save_officer_visits_for_access(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """The officer visits compliance's no-access procedures asked for, once per check
    (the first escalation to the step is kept; a redelivery changes nothing)."""
    await _insert_new(session, OfficerVisitForAccess, rows)


async def officer_visits_for_access(session: AsyncSession, uprns: Sequence[str]) -> dict[str, date]:
    """Per home, the London day of the latest officer visit asked for a check that is
    not completed (the caller closes it when a full visit was made since)."""
    query = (
        select(OfficerVisitForAccess.uprn, func.max(OfficerVisitForAccess.asked_at))
        .outerjoin(GasCheckDue, col(GasCheckDue.check_id) == col(OfficerVisitForAccess.check_id))
        .where(
            col(OfficerVisitForAccess.uprn).in_(uprns),
            col(GasCheckDue.completed_at).is_(None),
        )
        .group_by(col(OfficerVisitForAccess.uprn))
    )
    return {uprn: london_day(asked) for uprn, asked in (await session.execute(query)).all()}


async def save_check_due(
    session: AsyncSession,
    *,
    check_id: uuid.UUID,
    uprn: str,
    check_type: CheckType,
    due_by: date,
    raised_at: datetime,
) -> None:
    await upsert_newer(
        session,
        GasCheckDue,
        key={"check_id": check_id},
        values={"uprn": uprn, "check_type": check_type, "due_by": due_by, "raised_at": raised_at},
        version="raised_at",
    )


async def complete_check(
    session: AsyncSession,
    *,
    check_id: uuid.UUID,
    uprn: str,
    check_type: CheckType,
    completed_at: datetime,
) -> None:
    await upsert_newer(
        session,
        GasCheckDue,
        key={"check_id": check_id},
        values={"uprn": uprn, "check_type": check_type, "completed_at": completed_at},
        version="completed_at",
    )


async def gas_check_to_pair(
    session: AsyncSession, uprn: str, *, due_from: date, due_to: date
) -> GasCheckDue | None:
    """An open gas safety check at the home due between the two dates."""
    query = (
        select(GasCheckDue)
        .where(
            col(GasCheckDue.uprn) == uprn,
            col(GasCheckDue.check_type) == CheckType.GAS_SAFETY,
            col(GasCheckDue.completed_at).is_(None),
            col(GasCheckDue.due_by) >= due_from,
            col(GasCheckDue.due_by) <= due_to,
        )
        .order_by(col(GasCheckDue.due_by))
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def resident(session: AsyncSession, resident_id: uuid.UUID) -> ResidentProfile | None:
    """What engagement's events said of the resident (their home among it), if any."""
    return await session.get(ResidentProfile, resident_id)


def _living_there(day: date) -> Any:
    """A resident's tenancy has not ended and had started by `day` (a tenancy income
    announced ahead is the incoming household's); a resident of no tenancy visits knows
    of counts, as before."""
    return and_(
        col(TenancyRecord.ended_on).is_(None),
        or_(col(TenancyRecord.start_date).is_(None), col(TenancyRecord.start_date) <= day),
    )


async def residents_at(session: AsyncSession, uprn: str, day: date) -> list[ResidentProfile]:
    """Residents living at the home on `day`: not those of a tenancy that has ended,
    nor of one that starts later (_living_there)."""
    query = (
        select(ResidentProfile)
        .outerjoin(TenancyRecord, col(TenancyRecord.tenancy_id) == col(ResidentProfile.tenancy_id))
        .where(col(ResidentProfile.uprn) == uprn, _living_there(day))
        .order_by(col(ResidentProfile.resident_id))
    )
    return list((await session.execute(query)).scalars().all())


async def residents_on(
    session: AsyncSession, uprn: str, day: date, tenancy_id: uuid.UUID | None
) -> list[ResidentProfile]:
    """Residents of the household that lived at the home on `day`, as visits knows it
    now: their tenancy had started by it and had not ended before it (`ended_on` its last
    day; a tenancy withdrawn held no day, visits.rules.held_the_home_on). Unlike
    residents_at (the household there now, for the programme), a tenancy ended since
    `day` still counts: a visit booked after the fact, or not yet reported, is with the
    household of its own day (ADR 0096, 0228). Of the tenancies that held the day (one
    household's last day, the next's first), only `tenancy_id`'s residents, the
    household the visit is with, when it is known. A resident of no tenancy visits knows
    of counts, as there."""
    held_the_day = [
        col(ResidentProfile.uprn) == uprn,
        or_(col(TenancyRecord.start_date).is_(None), col(TenancyRecord.start_date) <= day),
        or_(col(TenancyRecord.ended_on).is_(None), col(TenancyRecord.ended_on) >= day),
    ]
    if tenancy_id is not None:
        held_the_day.append(
            or_(
                col(TenancyRecord.tenancy_id).is_(None), col(TenancyRecord.tenancy_id) == tenancy_id
            )
        )
    query = (
        select(ResidentProfile)
        .outerjoin(TenancyRecord, col(TenancyRecord.tenancy_id) == col(ResidentProfile.tenancy_id))
        .where(*held_the_day)
        .order_by(col(ResidentProfile.resident_id))
    )
    return list((await session.execute(query)).scalars().all())


# What a home's score is worked out from: each read is one grouped query for a batch of
# homes (the homes an event or a visit touched, or a batch of the re-scoring job).


class RegisteredHome(NamedTuple):
    uprn: str
    area: str | None
    gas_supply: GasSupply | None
    needs_gas_safety_check: bool | None
    """Compliance's decision on its annual gas check; None: not said."""
    registered_on: date | None
    """The London day it joined the asset register, when known."""
    tenure: Tenure | None = None
    """The register's tenure (None: not heard yet); rules.in_programme decides."""


async def homes(session: AsyncSession, uprns: Sequence[str]) -> list[RegisteredHome]:
    """The homes among `uprns` the asset register knows: uprn, area, gas supply,
    whether compliance gives it an annual gas check, the day it was registered, and its
    tenure."""
    query = select_columns(  # sqlmodel's select is typed for at most four columns
        col(HomeProfile.uprn),
        col(HomeProfile.area),
        col(HomeProfile.gas_supply),
        col(HomeProfile.needs_gas_safety_check),
        col(HomeProfile.registered_at),
        col(HomeProfile.tenure),
    ).where(col(HomeProfile.uprn).in_(uprns))
    return [
        RegisteredHome(
            row[0], row[1], row[2], row[3], None if row[4] is None else london_day(row[4]), row[5]
        )
        for row in (await session.execute(query)).all()
    ]


class CurrentTenancy(NamedTuple):
    start_date: date | None
    tenancy_type: TenancyType | None
    arrears_stage: ArrearsStage | None


async def current_tenancies(
    session: AsyncSession, uprns: Sequence[str], today: date
) -> dict[str, CurrentTenancy]:
    """Each home's current tenancy (started last by `today`, not ended: never one that
    starts later, current_tenancy): start, type (as income last said) and arrears."""
    query = (
        select_columns(  # sqlmodel's select is typed for at most four columns
            col(TenancyRecord.uprn),
            col(TenancyRecord.start_date),
            col(TenancyRecord.tenancy_type),
            col(TenancyRecord.arrears_stage),
        )
        .where(
            col(TenancyRecord.ended_on).is_(None),
            col(TenancyRecord.start_date) <= today,
            col(TenancyRecord.uprn).in_(uprns),
        )
        .order_by(col(TenancyRecord.uprn), col(TenancyRecord.start_date))
    )
    found: dict[str, CurrentTenancy] = {}
    for uprn, start, kind, stage in (await session.execute(query)).all():
        found[uprn] = CurrentTenancy(start, kind, stage)  # the latest start wins
    return found


async def tenancies_starting(
    session: AsyncSession, uprns: Sequence[str], today: date
) -> dict[str, date]:
    """Per home, the first day after `today` a tenancy income announced ahead starts:
    the day the programme's factors become that household's."""
    query = (
        select(TenancyRecord.uprn, func.min(TenancyRecord.start_date))
        .where(
            col(TenancyRecord.uprn).in_(uprns),
            col(TenancyRecord.start_date) > today,
            col(TenancyRecord.ended_on).is_(None),
        )
        .group_by(col(TenancyRecord.uprn))
    )
    return {uprn: starts for uprn, starts in (await session.execute(query)).all()}


class Resident(NamedTuple):
    """What the score reads of a resident (columns only, no ORM objects)."""

    age_band: AgeBand | None
    lives_alone: bool | None
    vulnerable: bool | None


async def households(
    session: AsyncSession, uprns: Sequence[str], today: date
) -> dict[str, list[Resident]]:
    """Each home's residents living there today (_living_there)."""
    query = (
        select(
            col(ResidentProfile.uprn),
            col(ResidentProfile.age_band),
            col(ResidentProfile.lives_alone),
            col(ResidentProfile.vulnerable),
        )
        .outerjoin(TenancyRecord, col(TenancyRecord.tenancy_id) == col(ResidentProfile.tenancy_id))
        .where(_living_there(today), col(ResidentProfile.uprn).in_(uprns))
    )
    found: dict[str, list[Resident]] = {}
    for uprn, age_band, lives_alone, vulnerable in (await session.execute(query)).all():
        found.setdefault(uprn, []).append(Resident(age_band, lives_alone, vulnerable))
    return found


async def _counts(session: AsyncSession, query: Any) -> dict[str, int]:
    return {uprn: int(n) for uprn, n in (await session.execute(query)).all()}


async def contacts_since(
    session: AsyncSession,
    uprns: Sequence[str],
    since: datetime,
    household_since: Mapping[str, datetime],
) -> dict[str, tuple[int, datetime]]:
    """Per home: how many contacts since `since` and since the household living there
    moved in (`household_since`; a home with none, since `since`), and when the oldest
    of them was. An outgoing household's calls are not the next one's; nor are the
    calls a former tenant makes about the home after leaving (arrears, a deposit): a
    contact naming a resident counts only when they were of the household living there
    on its day (ADR 0151, households_then). One naming no resident is the household's,
    as engagement logs it: a contact with the household at the home."""
    query = select(
        HouseholdContact.uprn, HouseholdContact.contacted_at, HouseholdContact.resident_id
    ).where(
        col(HouseholdContact.contacted_at) >= since,
        col(HouseholdContact.uprn).in_(uprns),
    )
    rows = (await session.execute(query)).all()
    of_household = await households_then(
        session, uprns, {resident for _, _, resident in rows if resident is not None}
    )
    found: dict[str, tuple[int, datetime]] = {}
    for uprn, contacted_at, resident_id in rows:
        moved_in = household_since.get(uprn)
        if moved_in is not None and contacted_at < moved_in:
            continue
        if resident_id is not None and not of_household(
            uprn, resident_id, london_day(contacted_at)
        ):
            continue
        count, oldest = found.get(uprn, (0, contacted_at))
        found[uprn] = (count + 1, min(oldest, contacted_at))
    return found


class _Tenancy(NamedTuple):
    tenancy_id: uuid.UUID
    start_date: date | None
    ended_on: date | None


async def households_then(
    session: AsyncSession, uprns: Sequence[str], residents: set[uuid.UUID]
) -> Callable[[str, uuid.UUID, date], bool]:
    """Whether a resident was of the household living in a home on a London day: a
    member (TenancyMember: a tenant income named, a resident engagement registered on
    it) or the resident visits' profile puts on it, of the home's tenancy that day (the
    one started last by then and not ended before it, tenancy_on; one whose start visits
    has not heard yet as started, as _living_there reads it). A resident whose
    profile is at the home on no tenancy visits knows of is of it on any day
    (_living_there), and so is a resident visits knows nothing of (no profile, of no
    tenancy: an event not handled yet, its person merged away): visits cannot say they
    are someone else, and the contact counts as it did before ADR 0151. Three queries
    for a batch of homes."""
    if not residents:
        return lambda uprn, resident, day: True
    tenancies: dict[str, list[_Tenancy]] = {}
    for uprn, tenancy_id, start, ended in (
        await session.execute(
            select_columns(
                col(TenancyRecord.uprn),
                col(TenancyRecord.tenancy_id),
                col(TenancyRecord.start_date),
                col(TenancyRecord.ended_on),
            ).where(col(TenancyRecord.uprn).in_(uprns))
        )
    ).all():
        tenancies.setdefault(uprn, []).append(_Tenancy(tenancy_id, start, ended))
    members: set[tuple[uuid.UUID, uuid.UUID]] = {
        (tenancy_id, resident_id)
        for tenancy_id, resident_id in (
            await session.execute(
                select(TenancyMember.tenancy_id, TenancyMember.resident_id).where(
                    col(TenancyMember.resident_id).in_(residents)
                )
            )
        ).all()
    }
    known = {resident_id for _, resident_id in members}
    without_tenancy: set[tuple[str, uuid.UUID]] = set()
    for resident_id, uprn, tenancy_id, recorded in (
        await session.execute(
            select_columns(
                col(ResidentProfile.resident_id),
                col(ResidentProfile.uprn),
                col(ResidentProfile.tenancy_id),
                col(TenancyRecord.tenancy_id),
            )
            .outerjoin(
                TenancyRecord, col(TenancyRecord.tenancy_id) == col(ResidentProfile.tenancy_id)
            )
            .where(col(ResidentProfile.resident_id).in_(residents))
        )
    ).all():
        known.add(resident_id)
        if recorded is None:
            without_tenancy.add((uprn, resident_id))
        else:
            members.add((tenancy_id, resident_id))

    def of_household(uprn: str, resident_id: uuid.UUID, day: date) -> bool:
        if resident_id not in known or (uprn, resident_id) in without_tenancy:
            return True
        then = [
            t
            for t in tenancies.get(uprn, [])
            if (t.start_date is None or t.start_date <= day)
            and (t.ended_on is None or t.ended_on >= day)
        ]
        if not then:
            return False
        tenancy = max(then, key=lambda t: (t.start_date or date.min, str(t.tenancy_id)))
        return (tenancy.tenancy_id, resident_id) in members

    return of_household


def _since(rows: Iterable[Any], household_since: Mapping[str, datetime]) -> dict[str, int]:
    """Per home, the (uprn, moment) rows at or after its household's first moment there
    (`household_since`; a home with none, every row)."""
    counts: dict[str, int] = {}
    for uprn, moment in rows:
        since = household_since.get(uprn)
        if since is None or moment is None or moment >= since:
            counts[uprn] = counts.get(uprn, 0) + 1
    return counts


async def open_actions(
    session: AsyncSession, uprns: Sequence[str], household_since: Mapping[str, datetime]
) -> dict[str, int]:
    """Customer actions still open, per home, promised to the household living there:
    at or after `household_since` (its tenancy's first London day). One promised to the
    household before (an outgoing tenant's debt advice referral) is not this household's
    outstanding action (ADR 0096: the factors are the household's living there), and
    one that lapsed when its household left is owed to nobody (a home empty between
    tenancies counts every action not lapsed)."""
    rows = await session.execute(
        select(CustomerAction.uprn, CustomerAction.promised_at).where(
            col(CustomerAction.closed_at).is_(None),
            col(CustomerAction.lapsed_at).is_(None),
            col(CustomerAction.uprn).in_(uprns),
        )
    )
    return _since(rows.all(), household_since)


async def no_access(
    session: AsyncSession, uprns: Sequence[str], household_since: Mapping[str, datetime]
) -> dict[str, int]:
    """Visits with no access and compliance attempts with no access, per home (a visit
    only when the household gave the officer at the door none: HOUSEHOLD_GAVE_NO_ACCESS), since
    the household living there moved in (`household_since`, its tenancy's first London
    day; a home with no current tenancy, all of them): the doors an earlier household
    did not open are not this household's no-access history.

    Each trip once (ADR 0199): a combined appointment (the visit booked with the gas
    check) that got no access is the visit's no access and, from compliance, the gas
    check's access-failed, whose attempt id is derived from the visit
    (combined_appointment_attempt_id). That attempt is the visit's trip, counted by the
    visit's own rule, and never again; an attempt of the engineer's own is counted."""
    missed = await session.execute(
        select_columns(  # sqlmodel's select is typed for at most four columns
            col(Visit.id),
            col(Visit.attempt_number),
            col(Visit.uprn),
            col(Visit.visited_at),
            col(Visit.kind),
            col(Visit.no_access_reason),
        ).where(col(Visit.status) == VisitStatus.NO_ACCESS, col(Visit.uprn).in_(uprns))
    )
    visits: list[tuple[str, datetime | None]] = []
    trips_of_visits: set[uuid.UUID] = set()
    for visit_id, attempt_number, uprn, visited_at, kind, reason in missed.all():
        trips_of_visits.add(combined_appointment_attempt_id(visit_id, attempt_number))
        # the household not letting anyone in: a full visit, for a reason of its side
        if kind == VisitKind.FULL and reason in HOUSEHOLD_GAVE_NO_ACCESS:
            visits.append((uprn, visited_at))
    checks = await session.execute(
        select(AccessFailure.attempt_id, AccessFailure.uprn, AccessFailure.attempted_at).where(
            col(AccessFailure.uprn).in_(uprns)
        )
    )
    attempts = [
        (uprn, attempted_at)
        for attempt_id, uprn, attempted_at in checks.all()
        if attempt_id not in trips_of_visits
    ]
    return _since([*visits, *attempts], household_since)


async def damp_homes(session: AsyncSession, uprns: Sequence[str]) -> set[str]:
    """Homes with a damp and mould hazard found on a visit or a damp case in repairs."""
    hazards = await session.execute(
        select(Visit.uprn)
        .join(VisitHazardFinding, col(Visit.id) == col(VisitHazardFinding.visit_id))
        .where(
            col(VisitHazardFinding.hazard_type) == HazardType.DAMP_AND_MOULD.value,
            col(Visit.uprn).in_(uprns),
        )
        .distinct()
    )
    cases = await session.execute(
        select(DampCase.uprn).where(col(DampCase.uprn).in_(uprns)).distinct()
    )
    return {row[0] for row in hazards.all()} | {row[0] for row in cases.all()}


@dataclass
class LastVisits:
    last_visit: date | None = None
    last_full_visit: date | None = None
    last_stock_condition_survey: date | None = None


def _day(moment: datetime | None) -> date | None:
    return None if moment is None else london_day(moment)


async def visits_of(session: AsyncSession, uprn: str) -> LastVisits:
    return (await last_visits(session, [uprn])).get(uprn, LastVisits())


async def last_visits(session: AsyncSession, uprns: Sequence[str]) -> dict[str, LastVisits]:
    """Each home's latest completed visit: any, full, and stock condition survey. A
    visit booked as the survey counts as the survey only when its report holds the room
    inventory (ADR 0098): completed with none (the one-shot report), the landlord holds
    no condition record from it, so the survey stays due; it still counts as the full
    visit it was, an officer in the home."""
    query = (
        select(
            Visit.uprn,
            func.max(Visit.visited_at),
            func.max(Visit.visited_at).filter(col(Visit.kind) == VisitKind.FULL),
            func.max(Visit.visited_at).filter(
                col(Visit.stock_condition_survey).is_(True), inventory_recorded()
            ),
        )
        .where(col(Visit.status) == VisitStatus.COMPLETED, col(Visit.uprn).in_(uprns))
        .group_by(col(Visit.uprn))
    )
    return {
        uprn: LastVisits(_day(a), _day(f), _day(s))
        for uprn, a, f, s in (await session.execute(query)).all()
    }


# The stored scores: written a batch of homes at a time, read by the ranking.


async def lock_scores(session: AsyncSession, uprns: Sequence[str]) -> set[str]:
    """Lock the stored scores of these homes (FOR UPDATE, in UPRN order) before their
    factors are read (ProgrammeService.rescore); the homes that have one. On SQLite the
    transaction already holds the database's write lock (BEGIN IMMEDIATE)."""
    if not uprns:
        return set()
    query = (
        select(ProgrammeScore.uprn)
        .where(col(ProgrammeScore.uprn).in_(uprns))
        .order_by(col(ProgrammeScore.uprn))
        .with_for_update()
    )
    return {row[0] for row in (await session.execute(query)).all()}


async def save_scores(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> set[str]:
    """Store each home's score as just worked out (one statement; the last word wins:
    a score is worked out from everything committed once its row is locked,
    lock_scores). The homes whose row this found already there rather than inserted
    (PostgreSQL; none on SQLite, where writers take turns): one among them that had no
    row when lock_scores ran was inserted meanwhile by another transaction."""
    if not rows:
        return set()
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # in UPRN order: two transactions inserting the same new homes wait, not deadlock
    statement = insert(ProgrammeScore).values(sorted(rows, key=lambda row: str(row["uprn"])))
    columns = [name for name in rows[0] if name != "uprn"]
    upsert = statement.on_conflict_do_update(
        index_elements=["uprn"], set_={name: statement.excluded[name] for name in columns}
    )
    if dialect != "postgresql":
        await session.execute(upsert)
        return set()
    # xmax is 0 on a row version this statement inserted, not on one it updated
    returned: Sequence[Row[Any]] = (
        await session.execute(
            upsert.returning(col(ProgrammeScore.uprn), literal_column("xmax = 0"))
        )
    ).all()
    return {str(uprn) for uprn, inserted in returned if not inserted}


async def drop_scores(session: AsyncSession, uprns: Sequence[str]) -> None:
    """Take these homes out of the ranking: their stored scores go (a home whose tenure
    is now leasehold or shared ownership, ADR 0115), so it is neither ranked nor counted
    beyond its interval, and the re-scoring job does not pick it up again."""
    if uprns:
        await session.execute(delete(ProgrammeScore).where(col(ProgrammeScore.uprn).in_(uprns)))


def programmed_home() -> Any:
    """The homes the programme holds (a condition on home_profile): not a leasehold or
    shared ownership home (ADR 0115); one whose tenure visits has not heard yet is in."""
    tenure = col(HomeProfile.tenure)
    return or_(tenure.is_(None), tenure.not_in(sorted(OUT_OF_PROGRAMME)))


async def due_for_rescoring(
    session: AsyncSession, *, today: date, configuration: str, limit: int
) -> list[str]:
    """Homes whose stored score a date has moved (rescore_on reached) or that were
    scored under another configuration, locked (FOR UPDATE SKIP LOCKED) so two replicas
    re-score different homes. "Another configuration" is said as before or after it,
    not `!=`, which no index can serve: each of the three is a range of an index
    (ix_programme_score_rescore_on, ix_programme_score_configuration), so a run that
    finds nothing due reads no score."""
    fingerprint = col(ProgrammeScore.configuration)
    query = (
        select(ProgrammeScore.uprn)
        .where(
            or_(
                col(ProgrammeScore.rescore_on) <= today,
                fingerprint < configuration,
                fingerprint > configuration,
            )
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [row[0] for row in (await session.execute(query)).all()]


async def never_scored(session: AsyncSession, *, limit: int) -> list[str]:
    """Homes on the asset register with no stored score yet (a database migrated from
    before scores were stored), leaving out those the programme does not hold (ADR 0115:
    they keep no score, so would otherwise be found again every round)."""
    query = (
        select(HomeProfile.uprn)
        .where(
            ~select(ProgrammeScore.uprn).where(ProgrammeScore.uprn == HomeProfile.uprn).exists(),
            programmed_home(),
        )
        .limit(limit)
    )
    return [row[0] for row in (await session.execute(query)).all()]


RankKey = tuple[int, date, str]
"""Where a home stands in the ranking: (score, due_by, uprn), highest score first, then
the earliest due date, then the uprn."""


async def ranked(
    session: AsyncSession, *, area: str | None, after: RankKey | None, limit: int
) -> list[ProgrammeScore]:
    """Stored scores in ranking order (score DESC, due_by, uprn), after a keyset cursor:
    an index range scan on ix_programme_score_(area_)rank, however deep the page."""
    query = select(ProgrammeScore).order_by(
        col(ProgrammeScore.score).desc(), col(ProgrammeScore.due_by), col(ProgrammeScore.uprn)
    )
    if area is not None:
        query = query.where(col(ProgrammeScore.area) == area)
    if after is not None:
        score, due_by, uprn = after
        query = query.where(
            col(ProgrammeScore.score) <= score,
            or_(
                col(ProgrammeScore.score) < score,
                tuple_(col(ProgrammeScore.due_by), col(ProgrammeScore.uprn))
                > tuple_(literal(due_by), literal(uprn)),
            ),
        )
    return list((await session.execute(query.limit(limit))).scalars().all())


async def ranking_counts(
    session: AsyncSession, *, area: str | None, today: date
) -> tuple[int, int]:
    """How many homes the ranking holds (in the area), and how many of them are past
    their maximum visit interval today."""
    query = select(func.count(), func.count().filter(col(ProgrammeScore.due_by) < today))
    if area is not None:
        query = query.where(col(ProgrammeScore.area) == area)
    homes_ranked, beyond = (await session.execute(query)).one()
    return int(homes_ranked), int(beyond)


async def beyond_interval(session: AsyncSession, today: date) -> int:
    """Homes past their maximum visit interval today (from the stored due dates)."""
    return (await ranking_counts(session, area=None, today=today))[1]

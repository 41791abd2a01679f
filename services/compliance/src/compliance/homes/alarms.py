"""The required alarms a let home's register shows missing, each raising its repair once
(docs/adr/0109). DOMAIN.md: a smoke alarm on every storey with living space, a CO alarm
in every room with a fixed combustion appliance; faulty alarms repaired or replaced. The
home's read lists them and the figures count the homes (migration 0019); this keeps one
row per alarm missing (MissingAlarm) and sends repairs required-alarm-missing when the
row is opened, so a home read, changed or swept again raises nothing twice, and an alarm
fitted and then missing again is a new row and a new repair. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from compliance.checks.rules import (
    LEASED,
    ApplianceFact,
    co_alarm_rooms_missing,
    storeys_without_smoke_alarm,
)
from compliance.homes import repository
from compliance.models import Appliance, Home, MissingAlarm
from hearth_contracts.events.compliance import AlarmKind, RequiredAlarmMissing
from hearth_contracts.events.repairs import RepairPriority
from hearth_contracts.events.visits import Trade
from hearth_kit.outbox import publish

MISSING_ALARM_PRIORITY = RepairPriority.URGENT
"""The priority of the repair to fit a missing alarm: urgent, as for an alarm a gas
engineer finds faulty or missing (gas_safety_records.service)."""


def storey_name(storey: int) -> str:
    return "ground floor" if storey == 0 else f"storey {storey} above the ground floor"


def required_and_missing(
    home: Home, appliances: Iterable[Appliance]
) -> dict[tuple[AlarmKind, str], int | None]:
    """The alarms the register shows the home missing, by (kind, place), each with its
    storey (a smoke alarm) or None (a CO alarm, its place the room). None for a
    leaseholder's or shared owner's home (LEASED): their alarms are their own, as the
    figures count them."""
    if home.tenure in LEASED:
        return {}
    missing: dict[tuple[AlarmKind, str], int | None] = {
        (AlarmKind.SMOKE, str(storey)): storey
        for storey in storeys_without_smoke_alarm(
            home.storeys_with_living_space, home.smoke_alarm_storeys
        )
    }
    facts = [
        ApplianceFact(a.appliance_type.value, a.landlord_owned, a.location) for a in appliances
    ]
    for room in co_alarm_rooms_missing(facts, home.co_alarm_rooms):
        missing[(AlarmKind.CARBON_MONOXIDE, room)] = None
    return missing


def _event(alarm: MissingAlarm, storey: int | None) -> RequiredAlarmMissing:
    if alarm.kind is AlarmKind.SMOKE and storey is not None:
        location = storey_name(storey)
        description = "Fit a smoke alarm: none on this storey with living space"
    else:
        location = alarm.place
        description = (
            "Fit a carbon monoxide alarm: a fixed combustion appliance in this room has none"
        )
    return RequiredAlarmMissing(
        alarm_id=alarm.id,
        uprn=alarm.uprn,
        kind=alarm.kind,
        storey=storey,
        priority=MISSING_ALARM_PRIORITY,
        trade=Trade.ELECTRICAL,
        location=location,
        description=description,
        found_at=alarm.found_at,
    )


async def raise_missing_alarms(
    session: AsyncSession,
    home: Home,
    appliances: Iterable[Appliance],
    now: datetime,
    *,
    found_at: datetime | None = None,
) -> int:
    """Bring the home's missing alarms in line with its register: an alarm newly missing
    opens its row and sends its repair (required-alarm-missing); one fitted, or no
    longer required (the room's appliance gone, the home sold to its leaseholder), is
    cleared; one still missing changes nothing. The caller holds the home's row (its
    change, its registration, or the sweep), so two cannot open the same alarm. A row
    opened is found `found_at` (a gas visit's moment), else `now`. Returns how many were
    raised."""
    wanted = required_and_missing(home, appliances)
    held = {(a.kind, a.place): a for a in await repository.open_missing_alarms(session, home.uprn)}
    for key, alarm in held.items():
        if key not in wanted:
            alarm.cleared_at = now
    raised = [
        (
            MissingAlarm(
                id=uuid.uuid4(),
                uprn=home.uprn,
                kind=kind,
                place=place,
                found_at=found_at or now,
            ),
            storey,
        )
        for (kind, place), storey in wanted.items()
        if (kind, place) not in held
    ]
    session.add_all([alarm for alarm, _ in raised])
    await session.flush()
    for alarm, storey in raised:
        await publish(session, _event(alarm, storey))
    return len(raised)


async def raise_for_homes_not_yet_raised(session: AsyncSession, now: datetime, limit: int) -> int:
    """A batch of the idle sweep: let homes the register shows missing an alarm with no
    missing alarm open (missing one before migration 0020, or let again by a stock
    import's new tenure), each locked and brought in line as a change would. Returns
    how many homes it took."""
    homes = await repository.homes_missing_alarms_not_raised(session, limit)
    appliances = await repository.appliances_of_many(session, [h.uprn for h in homes])
    for home in homes:
        await raise_missing_alarms(session, home, appliances[home.uprn], now)
    return len(homes)


def storey_of(
    kind: AlarmKind, storey: int | None, storeys_with_living_space: int | None
) -> int | None:
    """A tested smoke alarm's storey: the one sent, or, sent without one, the ground floor
    (0) of a home with exactly one storey with living space, the only storey the
    register could keep it by (a flat, a bungalow: ADR 0123). None when it cannot be
    told (several storeys, or the register does not know how many), and for a CO alarm
    (placed by its room)."""
    if kind is not AlarmKind.SMOKE:
        return None
    if storey is None and storeys_with_living_space == 1:
        return 0
    return storey


async def rows_not_repaired_by(
    session: AsyncSession, uprn: str, found_at: datetime
) -> dict[tuple[AlarmKind, str], uuid.UUID]:
    """The home's open missing alarm rows, by (kind, place), whose repair had not been
    completed by `found_at`: an alarm found faulty or missing then is that row's repair
    (ADR 0120). One repaired before is a new finding, its own repair."""
    return {
        (a.kind, a.place): a.id
        for a in await repository.open_missing_alarms(session, uprn)
        if a.repaired_at is None or a.repaired_at > found_at
    }


def place_of(kind: AlarmKind, storey: int | None, location: str) -> str | None:
    """Where the register keeps an alarm (MissingAlarm.place): a smoke alarm's storey
    number, a CO alarm's room as compared (stripped, lower case); None for a smoke alarm
    whose storey was not given (the register cannot tell which it is)."""
    if kind is AlarmKind.SMOKE:
        return None if storey is None else str(storey)
    return location.strip().lower() or None


@dataclass(frozen=True)
class AlarmTested:
    """An alarm a gas engineer tested (or found not there) at a home, placed as the
    register places it (place_of)."""

    kind: AlarmKind
    place: str
    room: str
    """The room as the engineer wrote it (a CO alarm's, kept in co_alarm_rooms)."""
    there: bool
    """Working or faulty: fitted. Missing: not."""


def _lists_after(home: Home, tested: Iterable[AlarmTested]) -> tuple[list[int], list[str]]:
    """The home's smoke alarm storeys and CO alarm rooms once the tests are taken: a
    tested alarm is added (a room already listed, in any spelling, kept as listed), one
    missing removed."""
    storeys = set(home.smoke_alarm_storeys)
    rooms = list(home.co_alarm_rooms)
    for alarm in tested:
        if alarm.kind is AlarmKind.SMOKE:
            if alarm.there:
                storeys.add(int(alarm.place))
            else:
                storeys.discard(int(alarm.place))
            continue
        listed = [room for room in rooms if room.strip().lower() == alarm.place]
        if alarm.there and not listed:
            rooms.append(alarm.room.strip())
        elif not alarm.there:
            rooms = [room for room in rooms if room not in listed]
    return sorted(storeys), rooms


async def follow_alarm_tests(
    session: AsyncSession,
    home: Home,
    appliances: Sequence[Appliance],
    tested: Sequence[AlarmTested],
    *,
    found_at: datetime,
    register_follows: bool,
    now: datetime,
) -> dict[tuple[AlarmKind, str], uuid.UUID]:
    """A gas engineer's alarm tests at a home, taken into the register (ADR 0121): when
    `register_follows` (the home's latest record) and nothing told the register about
    the alarms after the visit (alarms_noted_at), a tested alarm is fitted and a missing
    one is not, in smoke_alarm_storeys and co_alarm_rooms, and the missing alarms are
    brought in line (a missing one the register requires opens its row and its one
    repair, dated `found_at`; a fitted one clears its row). Returns the alarms (kind,
    place) whose repair the register's rows raise, open before the tests or opened by
    them, each with the row's id: a finding at one of them raises no repair of its own
    (ADR 0120). The caller holds the home's row."""
    held = await repository.open_missing_alarms(session, home.uprn)
    # a row whose repair was completed before the visit has had its repair: an alarm
    # found missing or faulty there now is a new finding, not that row's
    repaired = {
        (a.kind, a.place): a
        for a in held
        if a.repaired_at is not None and a.repaired_at <= found_at
    }
    before = {(a.kind, a.place): a.id for a in held if (a.kind, a.place) not in repaired}
    if register_follows and (home.alarms_noted_at is None or home.alarms_noted_at <= found_at):
        for alarm in tested:
            if not alarm.there and (gone := repaired.get((alarm.kind, alarm.place))):
                # fitted by its repair and gone again: a new row and a new repair
                gone.cleared_at = now
        storeys, rooms = _lists_after(home, tested)
        home.alarms_noted_at = found_at
        if storeys != sorted(home.smoke_alarm_storeys) or rooms != list(home.co_alarm_rooms):
            home.smoke_alarm_storeys = storeys
            home.co_alarm_rooms = rooms
            home.alarms_missing = len(
                storeys_without_smoke_alarm(home.storeys_with_living_space, storeys)
            ) + len(
                co_alarm_rooms_missing(
                    [
                        ApplianceFact(a.appliance_type.value, a.landlord_owned, a.location)
                        for a in appliances
                    ],
                    rooms,
                )
            )
            home.version += 1
            home.updated_at = now
        await session.flush()
    # in line with the register as it stands (a let home missing one before 0020, not
    # yet taken by the sweep, is taken now: its one repair, not a second)
    await raise_missing_alarms(session, home, appliances, now, found_at=found_at)
    after = {
        (a.kind, a.place): a.id
        for a in await repository.open_missing_alarms(session, home.uprn)
        if (a.kind, a.place) not in repaired or a.id != repaired[(a.kind, a.place)].id
    }
    return before | after

"""The required alarms a let home's register shows missing, each raising its repair once
(docs/adr/0109). DOMAIN.md: a smoke alarm on every storey with living space, a CO alarm
in every room with a fixed combustion appliance; faulty alarms repaired or replaced. The
home's read lists them and the figures count the homes (migration 0019); this keeps one
row per alarm missing (MissingAlarm) and sends repairs required-alarm-missing when the
row is opened, so a home read, changed or swept again raises nothing twice, and an alarm
fitted and then missing again is a new row and a new repair. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
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
    session: AsyncSession, home: Home, appliances: Iterable[Appliance], now: datetime
) -> int:
    """Bring the home's missing alarms in line with its register: an alarm newly missing
    opens its row and sends its repair (required-alarm-missing); one fitted, or no
    longer required (the room's appliance gone, the home sold to its leaseholder), is
    cleared; one still missing changes nothing. The caller holds the home's row (its
    change, its registration, or the sweep), so two cannot open the same alarm. Returns
    how many were raised."""
    wanted = required_and_missing(home, appliances)
    held = {(a.kind, a.place): a for a in await repository.open_missing_alarms(session, home.uprn)}
    for key, alarm in held.items():
        if key not in wanted:
            alarm.cleared_at = now
    raised = [
        (
            MissingAlarm(id=uuid.uuid4(), uprn=home.uprn, kind=kind, place=place, found_at=now),
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

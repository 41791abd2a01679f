"""Pure rules of the safety programme: when a certificate expires, when a check falls
due, which checks a home or block needs, and the no-access ladder. No I/O: the
configuration (intervals, lead times, ladder) comes in as arguments."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from hearth_contracts.events.compliance import (
    CheckType,
    GasSupply,
    HeatingFuel,
    NoAccessStep,
    Tenure,
)

RENEWAL_WINDOW_MONTHS = 2
"""A gas check in the last 2 months before the current expiry keeps the anniversary."""

GAS_INTERVAL_MONTHS = 12
"""A landlord gas safety record lasts at most 12 months."""

RECORDS_KEPT_MONTHS = 24
"""A landlord keeps a gas safety record for 2 years from the check (Gas Safety
(Installation and Use) Regulations 1998, regulation 36(3)(c)): the least history the
register must be able to hold for any check (ADR 0070)."""


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months; a day the target month lacks becomes its
    last day (31 January + 1 month = 28 or 29 February; 29 February + 12 months =
    28 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def in_renewal_window(check_date: date, current_expiry: date) -> bool:
    """A check made in the last 2 months before the current expiry (the expiry day
    itself included) keeps the old anniversary."""
    return add_months(current_expiry, -RENEWAL_WINDOW_MONTHS) <= check_date <= current_expiry


def next_gas_expiry(
    check_date: date, current_expiry: date | None, *, interval_months: int = GAS_INTERVAL_MONTHS
) -> date:
    """The expiry a new gas safety record gives (the 2-month rule): a check in the last
    2 months before the current expiry keeps the anniversary (current expiry + 12
    months); an earlier or a later check, or the first one, runs 12 months from the
    check date. 29 February rolls back to 28 February."""
    if current_expiry is not None and in_renewal_window(check_date, current_expiry):
        return add_months(current_expiry, interval_months)
    return add_months(check_date, interval_months)


def corrects_the_latest(day: date, latest_day: date | None) -> bool:
    """Whether a safety record done on `day` replaces the latest record of its type held
    for the home or block (done on `latest_day`) rather than completing the next cycle:
    it is done the same day (a re-test after a repair, a corrected certificate). It is
    then recorded against the cycle the latest completed, names it, and dates the next
    cycle; no cycle is completed or opened again. One rule for the gas safety record and
    every other certificate (an EICR): ADR 0139. A record of another day replaces the
    latest only when it names it (`corrects`, ADR 0158): a later day is otherwise a
    genuine next check."""
    return latest_day is not None and day == latest_day


def oldest_check_day(today: date, history_months: int) -> date:
    """The earliest day a check (or a certificate's expiry) may be dated on `today`:
    `history_months` calendar months before it, that day itself accepted (ADR 0070)."""
    return add_months(today, -history_months)


def default_history_months(interval_months: int | None) -> int:
    """How far back the register goes for a check type unless configured: the 2 years a
    gas safety record is kept, or the type's interval where that is longer (a record is
    kept until the next check is due: an EICR's 5 years). ADR 0070."""
    return max(RECORDS_KEPT_MONTHS, interval_months or 0)


def next_expiry(check_date: date, interval_months: int) -> date:
    """The expiry of any other certificate: the interval from the check date."""
    return add_months(check_date, interval_months)


def latest_expiry(today: date, interval_months: int, *, renewal_window_months: int = 0) -> date:
    """The latest expiry a certificate held today can have: one from a check made today
    (the interval from today), or for gas one made in the renewal window before an
    expiry up to `renewal_window_months` from today, which keeps that anniversary (gas:
    today + 14 months; an EICR: today + 5 years). A later one is a mistyped date, and
    would keep the home counted in date for years."""
    return add_months(today, interval_months + renewal_window_months)


def due_from(due_by: date, lead_days: int) -> date:
    """The day a check is raised as due: `lead_days` before the date it must be done by."""
    return due_by - timedelta(days=lead_days)


def household_no_access_history(
    noted_on: date | None, tenancy_start: date | None, today: date
) -> bool:
    """Whether the household living in the home on `today` has a history of not giving
    access (DOMAIN.md: its checks start earlier): a failure noted since its tenancy's
    first day. One noted before it was the household before's, which moved out. With
    no tenancy known, or the newest one not started yet (announced ahead: the
    household there is the one before, whose first day is not kept), every failure
    noted counts, as before."""
    if noted_on is None:
        return False
    return tenancy_start is None or tenancy_start > today or noted_on >= tenancy_start


def lead_days_for(*, no_access_history: bool, lead_days: int, no_access_lead_days: int) -> int:
    """A household with a history of not giving access is started earlier."""
    return no_access_lead_days if no_access_history else lead_days


def escalate_on(due_by: date, months: int) -> date:
    """The day an overdue check is escalated: the first day it has been overdue *over*
    `months` (DOMAIN.md: "over 3 months is escalated"), the day after the anniversary of
    its due date `months` on (add_months: 31 January + 3 months is 30 April, so 1 May).
    On the anniversary itself it has been overdue exactly 3 months, not over: its age is
    counted from its due date (days_overdue, 1 on the first day overdue, the day after
    it). ADR 0195, 0221."""
    return add_months(due_by, months) + timedelta(days=1)


def overdue_on(day: date, due_by: date) -> bool:
    """Whether a check due by `due_by` is overdue on `day`: the one reading of a due
    date (ADR 0221). A due date is the last day the check is in time, as a certificate's
    expiry date is the last day it is in date: a gas safety record lasts "not more than
    12 months" (Gas Safety (Installation and Use) Regulations 1998, reg. 36(3)(a)), so one
    from 1 December runs through the next 1 December, and a check made that day is in
    time (the 2-month window of in_renewal_window ends with it). Overdue from the next
    day: the sweep raises certificate-expired then, and the figures, the overdue list and
    BS01 count the check late from then (their SQL is checks.repository.overdue_on_sql,
    the same comparison)."""
    return day > due_by


def in_date_on(day: date, expires_on: date) -> bool:
    """Whether a certificate expiring on `expires_on` is in date on `day`: through its
    expiry date (the negation of overdue_on, ADR 0221)."""
    return not overdue_on(day, expires_on)


def due_at_once(today: date) -> date:
    """The due date of a check needed at once with no certificate to run out (a home's
    first check, a supply uncapped): the day before `today`, so it is overdue from
    `today` (overdue_on), as it was when a due date was the first day late (ADR 0221).
    A home with no record is not in date on the day the programme learns of it."""
    return today - timedelta(days=1)


def due_by_for_day(day: date) -> date:
    """The due date of a check that must be done on a given day (smoke and CO alarms on
    the first day of a tenancy): that day. A due date is the last day a check is in time
    (overdue_on), so a check done on the day itself is in time and one the next day is
    late (ADR 0221; before it the due date was the day after, the first day late)."""
    return day


def day_of_check(due_by: date) -> date:
    """The day a check that must be done on a given day is for (due_by_for_day's day):
    the tenancy's first day for its smoke and CO alarm check. A test before it (a void
    gas visit the week before the tenancy) says nothing of the alarms on that day, so it
    does not complete the check (the Smoke and Carbon Monoxide Alarm (England)
    Regulations 2015, reg. 4(1)(b): in working order on the day the tenancy begins)."""
    return due_by


def last_remedy_day(done_on: date, days: int) -> date:
    """The last day an EICR's C2, FI (or a faulty alarm) may be remedied: the period runs
    "starting with the date of the inspection and testing" (Electrical Safety Standards
    in the Private Rented Sector (England) Regulations 2020, reg. 3(4)), so the check's
    own day is the first of the `days` and the 28th is 27 days after it. Not the 28 days
    *after* the check a tenant's copy has ("within 28 days of" it, reg. 3(3)): that
    reading gave the landlord a day the law does not (ADR 0102)."""
    return done_on + timedelta(days=days - 1)


def copy_before_moving_in(tenancy_start: date) -> date:
    """The last day a new tenancy's copy of a safety record is in time ("new tenants
    before moving in", DOMAIN.md): the tenancy's start date. A due date is the last day
    in time (ADR 0221), and a copy handed over at the sign-up on the first day, before
    the keys, is before they occupy (Gas Safety (Installation and Use) Regulations 1998,
    reg. 36(6)(b); Electrical Safety Standards ... Regulations 2020, reg. 3(3)(b)); from
    the next day it is late. The one rule for both orderings (ADR 0094): the tenancy
    known first (the household's copy, `copy_to_tenant_by`) and the record first (the
    tenancy's own copy, `tenant_copies.service`), so one tenancy gets one deadline."""
    return tenancy_start


def copy_to_tenant_by(check_date: date, tenancy_start: date | None, days: int = 28) -> date:
    """The tenant's copy is due within 28 days of the check; a new tenancy that starts
    sooner (on the check day or later, by the 28th day) gets it before moving in
    (`copy_before_moving_in`: by the start date)."""
    deadline = check_date + timedelta(days=days)
    if tenancy_start is not None and check_date <= tenancy_start <= deadline:
        return copy_before_moving_in(tenancy_start)
    return deadline


class CheckStatus(StrEnum):
    """Where an open check stands on a given day."""

    IN_DATE = "in_date"
    """Not yet inside its lead time."""
    DUE = "due"
    """Inside its lead time; the certificate has not expired."""
    OVERDUE = "overdue"
    """Its date has passed: the certificate expired (or a first check was not done)."""
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    """No longer needed (a capped supply): closed without a record."""


def status_on(today: date, *, due_by: date, due_from_day: date, completed: bool) -> CheckStatus:
    """An open check's status on `today`: overdue once `due_by` has passed (overdue_on:
    a certificate is in date through its expiry date), due from its lead time, else in
    date."""
    if completed:
        return CheckStatus.COMPLETED
    if overdue_on(today, due_by):
        return CheckStatus.OVERDUE
    if today >= due_from_day:
        return CheckStatus.DUE
    return CheckStatus.IN_DATE


def days_overdue(today: date, due_by: date) -> int:
    """How long a check has been overdue: 1 the day after its due date, the first day
    it is overdue (0 when it is not)."""
    return max(0, (today - due_by).days)


class GasStatus(StrEnum):
    """A home's place in the gas programme."""

    ANNUAL = "annual"
    """A live supply or a landlord gas appliance: an annual gas safety check."""
    CAPPED = "capped"
    """A capped supply and no landlord gas appliance: listed as capped, checked before
    the supply is uncapped."""
    NONE = "none"
    """No gas."""
    LEASEHOLDER = "leaseholder"
    """A leasehold or shared ownership home with gas but no landlord gas appliance: the
    leaseholder's own installation, not the landlord's to check (see LEASED)."""


LEASED: frozenset[Tenure] = frozenset({Tenure.LEASEHOLD, Tenure.SHARED_OWNERSHIP})
"""Tenures held on a long lease: the home is not the landlord's "relevant premises"
under the Gas Safety (Installation and Use) Regulations 1998 (regulation 36 leaves out
leases of over 7 years), so the landlord checks only the gas appliances it owns there;
a shared owner holds such a lease and is responsible for their own gas safety as a
leaseholder is. General needs and sheltered homes are let to tenants."""


GAS_APPLIANCES: frozenset[str] = frozenset(
    {
        "boiler",
        "combi_boiler",
        "back_boiler",
        "gas_fire",
        "gas_cooker",
        "gas_hob",
        "water_heater",
        "warm_air_unit",
        "communal_boiler",
    }
)
"""The gas appliance types of the fixed list (homes.schemas.ApplianceType)."""

COMBUSTION_APPLIANCES_NEEDING_CO_ALARM: frozenset[str] = frozenset(
    {
        "boiler",
        "combi_boiler",
        "back_boiler",
        "gas_fire",
        "water_heater",
        "warm_air_unit",
        "communal_boiler",
        "solid_fuel_stove",
        "oil_boiler",
    }
)
"""Fixed combustion appliances that need a CO alarm in their room (gas cookers and hobs
do not)."""


@dataclass(frozen=True)
class ApplianceFact:
    """What the rules need to know about an appliance."""

    appliance_type: str
    landlord_owned: bool
    location: str = ""


def gas_status(
    heating_fuel: HeatingFuel,
    gas_supply: GasSupply,
    appliances: Iterable[ApplianceFact],
    *,
    tenure: Tenure = Tenure.GENERAL_NEEDS,
) -> GasStatus:
    """Any landlord-owned gas appliance needs an annual check, whatever the tenure. In
    a home let to a tenant so does a live supply (and gas heating on a supply not
    capped counts as a landlord boiler); a capped supply with no landlord gas appliance
    is capped, not annual. In a leasehold or shared ownership home (LEASED) the supply
    and the appliances are the leaseholder's: with gas and no landlord gas appliance it
    is LEASEHOLDER, out of the landlord's gas programme."""
    landlord_gas = any(a.landlord_owned and a.appliance_type in GAS_APPLIANCES for a in appliances)
    if landlord_gas:
        return GasStatus.ANNUAL
    has_gas = gas_supply is not GasSupply.NONE or heating_fuel is HeatingFuel.GAS
    if tenure in LEASED:
        return GasStatus.LEASEHOLDER if has_gas else GasStatus.NONE
    if gas_supply is GasSupply.LIVE:
        return GasStatus.ANNUAL
    if gas_supply is GasSupply.CAPPED:
        return GasStatus.CAPPED
    if heating_fuel is HeatingFuel.GAS:
        return GasStatus.ANNUAL
    return GasStatus.NONE


def checks_for_home(
    status: GasStatus, *, tenure: Tenure = Tenure.GENERAL_NEEDS
) -> frozenset[CheckType]:
    """The recurring checks a home needs: a home let to a tenant an EICR; an annual gas
    check when its gas status says so. A leasehold or shared ownership home (LEASED)
    gets no EICR: the installation inside it is the leaseholder's (the Electrical Safety
    Standards regulations of 2020 leave out long leases and shared ownership leases, as
    the gas regulations do); the block's communal electrics keep their own check. Alarm
    checks are raised by events (a gas visit, the first day of a tenancy), not on an
    interval."""
    needed: set[CheckType] = set() if tenure in LEASED else {CheckType.ELECTRICAL}
    if status is GasStatus.ANNUAL:
        needed.add(CheckType.GAS_SAFETY)
    return frozenset(needed)


def checks_for_block(*, communal_boiler: bool, has_lift: bool) -> frozenset[CheckType]:
    """A block's checks: fire risk, asbestos, water and its communal electrics; lifts
    when it has one; gas when a communal boiler puts it in the gas programme."""
    needed = {
        CheckType.FIRE_RISK_ASSESSMENT,
        CheckType.ASBESTOS,
        CheckType.WATER,
        CheckType.ELECTRICAL,
    }
    if has_lift:
        needed.add(CheckType.LIFT)
    if communal_boiler:
        needed.add(CheckType.GAS_SAFETY)
    return frozenset(needed)


def co_alarm_rooms_missing(
    appliances: Iterable[ApplianceFact], co_alarm_rooms: Iterable[str]
) -> list[str]:
    """Rooms with a fixed combustion appliance and no CO alarm."""
    alarmed = {room.strip().lower() for room in co_alarm_rooms}
    needing = {
        a.location.strip().lower()
        for a in appliances
        if a.appliance_type in COMBUSTION_APPLIANCES_NEEDING_CO_ALARM and a.location.strip()
    }
    return sorted(needing - alarmed)


def storeys_without_smoke_alarm(
    storeys_with_living_space: int | None, smoke_alarm_storeys: Iterable[int]
) -> list[int]:
    """Storeys with living space (numbered from 0, the ground floor) with no smoke alarm."""
    if storeys_with_living_space is None:
        return []
    covered = set(smoke_alarm_storeys)
    return [storey for storey in range(storeys_with_living_space) if storey not in covered]


@dataclass(frozen=True)
class LadderStep:
    """One configured step of the no-access procedure: `days` after the first failed
    attempt."""

    step: NoAccessStep
    days: int


def next_ladder_step(
    ladder: Sequence[LadderStep], started_on: date, steps_taken: int
) -> tuple[int, LadderStep, date] | None:
    """The next step of the ladder after `steps_taken` steps, with its number (from 1)
    and the day it is due; None when the ladder is finished."""
    if steps_taken >= len(ladder):
        return None
    step = ladder[steps_taken]
    return steps_taken + 1, step, started_on + timedelta(days=step.days)


def ladder_step_after_raising(
    ladder: Sequence[LadderStep], raised_on: date, steps_taken: int
) -> tuple[int, LadderStep, date] | None:
    """The step after `steps_taken` steps when the last of them was raised on
    `raised_on`, with its number and the day it is due: the configured gap between the
    two steps' offsets after that raising, never the offset from the ladder's start.
    A ladder started from a backdated attempt (months ago) so raises its steps one at a
    time, each its gap after the one before (the household gets the appointment letter,
    then two weeks later the second appointment, ...), not every step in one run. None
    when the ladder is finished."""
    if steps_taken >= len(ladder):
        return None
    step = ladder[steps_taken]
    gap = step.days - ladder[steps_taken - 1].days if steps_taken else step.days
    return steps_taken + 1, step, raised_on + timedelta(days=gap)

"""The programme's pure rules: the 2-month rule, leap days and month ends, lead times,
which checks a home needs, and the no-access ladder."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from compliance.checks.rules import (
    ApplianceFact,
    CheckStatus,
    GasStatus,
    LadderStep,
    add_months,
    checks_for_block,
    checks_for_home,
    co_alarm_rooms_missing,
    copy_before_moving_in,
    copy_to_tenant_by,
    day_of_check,
    days_overdue,
    due_at_once,
    due_by_for_day,
    due_from,
    escalate_on,
    gas_status,
    in_date_on,
    in_renewal_window,
    ladder_step_after_raising,
    latest_expiry,
    next_gas_expiry,
    next_ladder_step,
    overdue_on,
    status_on,
    storeys_without_smoke_alarm,
)
from hearth_contracts.events.compliance import CheckType, GasSupply, HeatingFuel, NoAccessStep

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def test_the_latest_expiry_held_today_is_gas_14_months_and_an_eicr_5_years() -> None:
    assert latest_expiry(date(2026, 11, 30), 12, renewal_window_months=2) == date(2028, 1, 30)
    assert latest_expiry(date(2028, 2, 29), 60) == date(2033, 2, 28)


@given(days, days)
def test_no_gas_record_made_by_today_expires_after_the_latest_expiry(
    check_date: date, current_expiry: date
) -> None:
    """Whatever the record (first, early, in the window, late), a check made on or
    before today gives an expiry no later than today + 14 months."""
    latest = latest_expiry(check_date, 12, renewal_window_months=2)
    assert next_gas_expiry(check_date, current_expiry) <= latest


def test_a_first_check_runs_twelve_months_from_the_check_date() -> None:
    assert next_gas_expiry(date(2026, 3, 10), None) == date(2027, 3, 10)


def test_a_check_in_the_last_two_months_keeps_the_anniversary() -> None:
    expiry = date(2026, 6, 15)
    assert next_gas_expiry(date(2026, 4, 15), expiry) == date(2027, 6, 15)  # window's first day
    assert next_gas_expiry(date(2026, 6, 1), expiry) == date(2027, 6, 15)
    assert next_gas_expiry(date(2026, 6, 15), expiry) == date(2027, 6, 15)  # the expiry day


def test_a_check_a_day_before_the_window_resets_the_anniversary() -> None:
    expiry = date(2026, 6, 15)
    assert next_gas_expiry(date(2026, 4, 14), expiry) == date(2027, 4, 14)


def test_a_late_check_runs_from_its_own_date() -> None:
    assert next_gas_expiry(date(2026, 7, 1), date(2026, 6, 15)) == date(2027, 7, 1)


def test_29_february_rolls_to_28_february() -> None:
    assert next_gas_expiry(date(2028, 2, 29), None) == date(2029, 2, 28)
    assert next_gas_expiry(date(2028, 1, 10), date(2028, 2, 29)) == date(2029, 2, 28)


def test_month_ends_clamp_to_the_shorter_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    # the window of a 30 April expiry starts on the last day of February
    assert in_renewal_window(date(2026, 2, 28), date(2026, 4, 30))
    assert not in_renewal_window(date(2026, 2, 27), date(2026, 4, 30))


@given(check=days, expiry=st.one_of(st.none(), days))
def test_a_new_expiry_is_never_a_29_february_and_never_more_than_14_months_away(
    check: date, expiry: date | None
) -> None:
    new = next_gas_expiry(check, expiry)
    assert not (new.month == 2 and new.day == 29)
    assert check < new <= add_months(check, 14)


@given(expiry=days, before=st.integers(min_value=0, max_value=400))
def test_the_window_decides_between_anniversary_and_reset(expiry: date, before: int) -> None:
    check = expiry - timedelta(days=before)
    new = next_gas_expiry(check, expiry)
    if check >= add_months(expiry, -2):
        assert new == add_months(expiry, 12)
        assert new >= add_months(check, 12)  # never shorter than a fresh 12 months
    else:
        assert new == add_months(check, 12)


@given(day=days, months=st.integers(min_value=-120, max_value=120))
def test_adding_months_lands_in_the_right_month_on_the_same_or_last_day(
    day: date, months: int
) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + timedelta(days=1)).day == 1)


@given(due_by=days, lead=st.integers(min_value=0, max_value=365), offset=st.integers(-400, 400))
def test_status_follows_the_lead_time_and_the_due_date(
    due_by: date, lead: int, offset: int
) -> None:
    today = due_by + timedelta(days=offset)
    status = status_on(today, due_by=due_by, due_from_day=due_from(due_by, lead), completed=False)
    if offset > 0:  # in time through its due date (ADR 0221)
        assert status is CheckStatus.OVERDUE
    elif -offset <= lead:
        assert status is CheckStatus.DUE
    else:
        assert status is CheckStatus.IN_DATE


@given(days)
def test_a_due_date_is_the_last_day_in_time_for_every_kind_of_check(day: date) -> None:
    """ADR 0221: a certificate is in date through its expiry date and its check is overdue
    from the next day, 1 day overdue then, the 2-month window ending with that day; a
    tenancy's alarm check is in time on its first day; a check needed at once is overdue
    on the day it is needed."""
    after = day + timedelta(days=1)
    assert in_date_on(day, day)
    assert not overdue_on(day, day)
    assert days_overdue(day, day) == 0
    assert overdue_on(after, day)
    assert not in_date_on(after, day)
    assert days_overdue(after, day) == 1
    assert in_renewal_window(day, day)
    assert not in_renewal_window(after, day)
    assert status_on(day, due_by=day, due_from_day=day, completed=False) is CheckStatus.DUE
    assert status_on(after, due_by=day, due_from_day=day, completed=False) is CheckStatus.OVERDUE
    alarm = due_by_for_day(day)
    assert day_of_check(alarm) == day
    assert not overdue_on(day, alarm)
    assert overdue_on(after, alarm)
    assert overdue_on(day, due_at_once(day))
    assert not overdue_on(day - timedelta(days=1), due_at_once(day))


def test_the_lead_time_is_longer_with_a_no_access_history() -> None:
    assert due_from(date(2026, 12, 31), 60) == date(2026, 11, 1)
    assert due_from(date(2026, 12, 31), 90) == date(2026, 10, 2)


def test_overdue_checks_are_escalated_once_overdue_over_three_months() -> None:
    """Over 3 months: the day after the anniversary 3 months on, not the anniversary
    (ADR 0195). A month end the target month lacks takes its last day first."""
    assert escalate_on(date(2026, 6, 15), 3) == date(2026, 9, 16)
    assert escalate_on(date(2027, 1, 31), 3) == date(2027, 5, 1)  # 30 April + 1
    assert escalate_on(date(2026, 11, 30), 3) == date(2027, 3, 1)  # 28 February + 1
    assert escalate_on(date(2027, 11, 30), 3) == date(2028, 3, 1)  # 29 February + 1


@given(days, st.integers(min_value=1, max_value=24))
def test_the_anniversary_is_never_escalated_and_the_next_day_always_is(
    due_by: date, months: int
) -> None:
    anniversary = add_months(due_by, months)
    assert escalate_on(due_by, months) == anniversary + timedelta(days=1)


def test_the_tenants_copy_is_due_in_28_days_or_before_a_new_tenancy_starts() -> None:
    assert copy_to_tenant_by(date(2026, 3, 1), None) == date(2026, 3, 29)
    assert copy_to_tenant_by(date(2026, 3, 1), date(2026, 3, 10)) == date(2026, 3, 10)
    assert copy_to_tenant_by(date(2026, 3, 1), date(2025, 1, 1)) == date(2026, 3, 29)


def test_a_tenancy_starting_on_the_check_day_gets_its_copy_that_day() -> None:
    # the new tenant moves in on the day of the check: before moving in is that day (the
    # earliest the copy can exist), not 28 days later
    assert copy_to_tenant_by(date(2026, 3, 1), date(2026, 3, 1)) == date(2026, 3, 1)
    # the day after: by the start date (at the sign-up on the first day, ADR 0094)
    assert copy_to_tenant_by(date(2026, 3, 1), date(2026, 3, 2)) == date(2026, 3, 2)
    # on the 28-day deadline: that day; the day after it: 28 days
    assert copy_to_tenant_by(date(2026, 3, 1), date(2026, 3, 29)) == date(2026, 3, 29)
    assert copy_to_tenant_by(date(2026, 3, 1), date(2026, 3, 30)) == date(2026, 3, 29)


def test_before_moving_in_is_one_deadline_whichever_came_first() -> None:
    """The tenancy known first (the household's copy of a record made before the start)
    and the record first (the tenancy's own copy) owe one tenancy the same day: its
    start date, the last day in time (ADR 0221). Before, the first was the day before."""
    start = date(2026, 3, 10)
    for check_date in (date(2026, 2, 11), date(2026, 3, 1), date(2026, 3, 9), start):
        assert copy_to_tenant_by(check_date, start) == copy_before_moving_in(start) == start


def boiler(owned: bool = True, location: str = "kitchen") -> ApplianceFact:
    return ApplianceFact("boiler", owned, location)


def test_a_live_supply_or_a_landlord_gas_appliance_needs_an_annual_check() -> None:
    assert gas_status(HeatingFuel.ELECTRIC, GasSupply.LIVE, []) is GasStatus.ANNUAL
    assert gas_status(HeatingFuel.ELECTRIC, GasSupply.CAPPED, [boiler()]) is GasStatus.ANNUAL
    assert gas_status(HeatingFuel.GAS, GasSupply.CAPPED, []) is GasStatus.CAPPED
    assert gas_status(HeatingFuel.GAS, GasSupply.CAPPED, [boiler(owned=False)]) is (
        GasStatus.CAPPED
    )
    assert gas_status(HeatingFuel.ELECTRIC, GasSupply.NONE, []) is GasStatus.NONE


def test_every_home_needs_an_eicr_and_gas_only_when_annual() -> None:
    assert checks_for_home(GasStatus.ANNUAL) == {CheckType.ELECTRICAL, CheckType.GAS_SAFETY}
    assert checks_for_home(GasStatus.CAPPED) == {CheckType.ELECTRICAL}
    assert checks_for_home(GasStatus.NONE) == {CheckType.ELECTRICAL}


def test_a_communal_boiler_puts_the_block_in_the_gas_programme() -> None:
    block = checks_for_block(communal_boiler=True, has_lift=True)
    assert CheckType.GAS_SAFETY in block
    assert CheckType.LIFT in block
    assert CheckType.FIRE_RISK_ASSESSMENT in block
    plain = checks_for_block(communal_boiler=False, has_lift=False)
    assert CheckType.GAS_SAFETY not in plain
    assert CheckType.LIFT not in plain


def test_co_alarms_are_needed_beside_fixed_combustion_appliances_not_cookers() -> None:
    appliances = [boiler(location="Kitchen"), ApplianceFact("gas_cooker", True, "dining room")]
    assert co_alarm_rooms_missing(appliances, []) == ["kitchen"]
    assert co_alarm_rooms_missing(appliances, ["kitchen"]) == []


def test_every_storey_with_living_space_needs_a_smoke_alarm() -> None:
    assert storeys_without_smoke_alarm(2, [0]) == [1]
    assert storeys_without_smoke_alarm(None, []) == []


LADDER = [
    LadderStep(NoAccessStep.APPOINTMENT_LETTER, 0),
    LadderStep(NoAccessStep.SECOND_APPOINTMENT, 14),
]


def test_the_ladder_steps_come_at_their_day_offsets_then_stop() -> None:
    start = date(2026, 1, 1)
    assert next_ladder_step(LADDER, start, 0) == (1, LADDER[0], start)
    assert next_ladder_step(LADDER, start, 1) == (2, LADDER[1], date(2026, 1, 15))
    assert next_ladder_step(LADDER, start, 2) is None


def test_each_step_is_due_its_gap_after_the_one_before_was_raised() -> None:
    raised = date(2026, 6, 1)  # the letter, raised months after the ladder's start
    assert ladder_step_after_raising(LADDER, raised, 1) == (2, LADDER[1], date(2026, 6, 15))
    assert ladder_step_after_raising(LADDER, raised, 0) == (1, LADDER[0], raised)
    assert ladder_step_after_raising(LADDER, raised, 2) is None


@given(
    offsets=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=6),
    late_by=st.integers(min_value=0, max_value=400),
    run_every=st.integers(min_value=1, max_value=10),
)
def test_a_late_ladder_never_raises_a_step_before_its_gap_after_the_last(
    offsets: list[int], late_by: int, run_every: int
) -> None:
    """However late the ladder starts (a backdated attempt), climbing it on runs every
    `run_every` days raises each step no sooner than its configured gap after the step
    before, and at most one step a run unless two steps share an offset."""
    days = sorted(offsets)
    ladder = [LadderStep(NoAccessStep.APPOINTMENT_LETTER, d) for d in days]
    started_on = date(2026, 1, 1)
    today = started_on + timedelta(days=late_by)
    due = next_ladder_step(ladder, started_on, 0)
    raised: list[date] = []
    while due is not None:
        number, _, on = due
        while on > today:
            today += timedelta(days=run_every)
        raised.append(today)
        due = ladder_step_after_raising(ladder, today, number)
    assert len(raised) == len(ladder)
    for n in range(1, len(raised)):
        assert (raised[n] - raised[n - 1]).days >= days[n] - days[n - 1]

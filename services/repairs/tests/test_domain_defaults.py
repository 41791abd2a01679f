"""DOMAIN.md's repairs numbers are the settings' defaults, each pinned here where a
landlord that changes none of them gets them (the rules' own tests count with them;
the integration tests only see some through the dates they expect): emergency make
safe in 24 calendar hours, urgent 5 and routine 20 working days, planned 90 days;
Awaab's Law's 24 hours, 10, 3 and 5 working days and 12 weeks; AM / PM, 2-hour and
evening slots on weekdays and Saturday mornings."""

from __future__ import annotations

from hearth_contracts.events.repairs import AppointmentSlot
from repairs.settings import RepairsSettings, default_slots


def test_the_response_targets_are_domains_priorities() -> None:
    targets = RepairsSettings.model_fields["response_targets"].default
    assert (
        targets.emergency_hours,
        targets.urgent_working_days,
        targets.routine_working_days,
        targets.planned_days,
    ) == (24, 5, 20, 90)


def test_the_awaab_targets_are_the_laws_deadlines() -> None:
    targets = RepairsSettings.model_fields["awaab_targets"].default
    assert (
        targets.emergency_hours,
        targets.investigate_working_days,
        targets.written_summary_working_days,
        targets.safety_work_working_days,
        targets.further_work_weeks,
    ) == (24, 10, 3, 5, 12)


def test_the_slots_offer_am_pm_two_hours_evenings_and_saturdays() -> None:
    assert RepairsSettings.model_fields["slots"].default_factory is default_slots
    slots = default_slots()
    kinds = {slot.kind for slot in slots}
    assert {
        AppointmentSlot.AM,
        AppointmentSlot.PM,
        AppointmentSlot.TWO_HOUR,
        AppointmentSlot.EVENING,
    } <= kinds
    assert any(5 in slot.weekdays for slot in slots)  # Saturday
    two_hours = [s for s in slots if s.kind is AppointmentSlot.TWO_HOUR]
    assert all((s.end.hour - s.start.hour) == 2 for s in two_hours)

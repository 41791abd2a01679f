"""Repairs' figures for a period: RP02 (emergency and non-emergency responsive repairs
completed on time; planned work is not responsive and is left out), right first time,
appointments made at first contact and kept (and those left with no outcome), the
emergency:urgent:routine mix, recharges, and Awaab's Law cases open and breached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.repairs import AwaabMilestone, RepairPriority
from hearth_kit.figures import Figures, Measure, Period
from hearth_kit.working_days import start_of_london_day
from repairs.figures import repository
from repairs.settings import PerformanceTargets


async def figures(
    session: AsyncSession, period: Period, targets: PerformanceTargets | None = None
) -> Figures:
    """The period's measures; the landlord's performance targets (configuration) are
    named in the descriptions of the measures that have one."""
    targets = targets or PerformanceTargets()
    start = start_of_london_day(period.first)
    end = start_of_london_day(period.last + timedelta(days=1))
    done = await repository.completions(session, start, end)
    reported = await repository.reported_by_priority(session, start, end)
    rft_done, rft_total = await repository.right_first_time(session, start, end)
    booked = await repository.appointments(session, start, end)
    unrecorded = await repository.appointments_without_outcome(
        session, start, end, datetime.now(UTC)
    )
    recharged = await repository.recharges(session, start, end)
    open_cases, running, breached = await repository.awaab(session, start, end)
    total_reported = sum(reported.values())
    measures = [
        Measure.ratio(
            "RP02.1",
            "Non-emergency responsive repairs (urgent, routine) completed within the "
            "landlord's target timescale (planned work left out)",
            done["other_on_time"],
            done["other"],
        ),
        Measure.ratio(
            "RP02.2",
            "Emergency responsive repairs completed within the landlord's target timescale",
            done["emergency_on_time"],
            done["emergency"],
        ),
        Measure.ratio(
            "repairs.right_first_time",
            "Repairs none of whose work orders needed a follow-on, of those whose first work "
            "order was completed in the period (follow-on work orders and no-access visits "
            f"left out; target {targets.right_first_time_percent}%)",
            rft_done,
            rft_total,
        ),
        Measure.ratio(
            "repairs.appointments_at_first_contact",
            "Appointments made at first contact "
            f"(target {targets.appointments_at_first_contact_percent}%)",
            booked["first_contact"],
            booked["booked"],
        ),
        Measure.ratio(
            "repairs.appointments_kept",
            "Appointments kept, of those kept or missed by the landlord's side "
            f"(target {targets.appointments_kept_percent}%)",
            booked["kept"],
            booked["kept"] + booked["missed_by_landlord"],
        ),
        Measure.count(
            "repairs.appointments_split",
            "Appointments booked in the period without work of the same visit their "
            "contractor could have done in them, with a reason (split_reason): each one "
            "more trip to the home (ADR 0145)",
            booked["split"],
        ),
        Measure.count(
            "repairs.appointments_without_outcome",
            "Appointments whose window started in the period and has ended with no outcome "
            "recorded: in appointments kept only once recorded (kept, missed or no access)",
            unrecorded,
        ),
        *(
            Measure.ratio(
                f"repairs.reported.{priority.value}",
                f"Share of repairs reported as {priority.value} (the E:U:R ratio)",
                reported.get(priority.value, 0),
                total_reported,
            )
            for priority in RepairPriority
        ),
        Measure.count("repairs.recharges_raised", "Recharges raised", recharged["raised"]),
        Measure.count(
            "repairs.recharges_raised_pence", "Recharges raised (pence)", recharged["raised_pence"]
        ),
        Measure.count(
            "repairs.recharges_collected",
            "Recharges collected: paid in full by a payment in the period",
            recharged["collected"],
        ),
        Measure.count(
            "repairs.recharges_written_off",
            "Recharges written off in the period (income took them off the books as former "
            "tenant arrears; not collected)",
            recharged["written_off"],
        ),
        Measure.count(
            "repairs.recharges_awaiting_approval",
            "Recharges held for a manager's approval (recorded vulnerability), now",
            recharged["awaiting_approval"],
        ),
        Measure.count("repairs.awaab_open", "Open Awaab's Law cases, now", open_cases),
        Measure.count(
            "repairs.awaab_breached",
            "Awaab's Law deadlines falling in the period that were breached",
            sum(breached.values()),
        ),
    ]
    breakdowns = {
        "awaab_running_by_clock": [
            Measure.count(
                f"repairs.awaab_running.{m.value}",
                f"Running {m.value} clocks",
                running.get(m.value, 0),
            )
            for m in AwaabMilestone
        ],
        "awaab_breached_by_clock": [
            Measure.count(
                f"repairs.awaab_breached.{m.value}",
                f"Breached {m.value} deadlines",
                breached.get(m.value, 0),
            )
            for m in AwaabMilestone
        ],
    }
    return period.figures(measures, breakdowns)

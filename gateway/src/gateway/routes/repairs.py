"""The repairs service's routes the gateway passes through (gateway.passthrough).

Staff read with `repairs:read`, report repairs, raise work orders, book appointments and
triage communal issues reported from visits with `repairs:write`, and approve variations,
approve or decline recharges and run Awaab's Law cases with `repairs:manage`.
Contractors use only the `/v1/contractor/...` rows (scope `contractor`); their internal
token carries `contractor_id`, and the repairs service filters every contractor query by it (another
contractor's work order is a 404 there, not only here). `/v1/repairs/figures` comes
before `/v1/repairs/{repair_id}`, and `/v1/appointments/availability` before
`/v1/appointments/{appointment_id}`. Each POST answering 201 with a Location has the GET
that Location names (docs/adr/0181)."""

from __future__ import annotations

from gateway.passthrough import PassThrough

READ = ("repairs:read",)
WRITE = ("repairs:write",)
MANAGE = ("repairs:manage",)
CONTRACTOR = ("contractor",)

ROUTES: list[PassThrough] = [
    # repair requests
    PassThrough("GET", "/v1/repairs", "repairs", READ, "Repair requests, by home or status"),
    PassThrough(
        "GET",
        "/v1/repairs/figures",
        "repairs",
        READ,
        "RP02.1, RP02.2, right first time, appointments, E:U:R, recharges, Awaab's Law",
    ),
    PassThrough(
        "GET",
        "/v1/repairs/homes/{uprn}",
        "repairs",
        READ,
        "A home's first 50 open repairs and appointment requests in one read, with whether "
        "more exist (contractors refused)",
    ),
    PassThrough(
        "POST",
        "/v1/repairs",
        "repairs",
        WRITE,
        "Report a repair from any source, a complaint among them (priority or triage "
        "answers); publishes repair-reported v3",
        status_code=201,
    ),
    PassThrough("GET", "/v1/repairs/{repair_id}", "repairs", READ, "One repair request"),
    # recharges
    PassThrough(
        "POST",
        "/v1/repairs/{repair_id}/recharges",
        "repairs",
        WRITE,
        "Recharge the household (held for a manager where a vulnerability is recorded)",
        status_code=201,
    ),
    PassThrough(
        "GET",
        "/v1/recharges/{recharge_id}",
        "repairs",
        READ,
        "One recharge and its status now: where asking for it leads (ADR 0181)",
    ),
    PassThrough(
        "POST",
        "/v1/recharges/{recharge_id}/approval",
        "repairs",
        MANAGE,
        "Approve a recharge held for a recorded vulnerability; publishes recharge-raised",
    ),
    PassThrough(
        "POST",
        "/v1/recharges/{recharge_id}/decline",
        "repairs",
        MANAGE,
        "Decline a recharge held for a recorded vulnerability, with a reason code: never "
        "raised, nothing published (Idempotency-Key)",
    ),
    # work orders
    PassThrough(
        "POST",
        "/v1/work-orders",
        "repairs",
        WRITE,
        "Raise a work order with SOR lines for one contractor (pushed to its webhook)",
        status_code=201,
    ),
    PassThrough("GET", "/v1/work-orders", "repairs", READ, "Work orders, by home and status"),
    PassThrough("GET", "/v1/work-orders/{work_order_id}", "repairs", READ, "One work order"),
    PassThrough(
        "GET",
        "/v1/work-orders/{work_order_id}/status-updates",
        "repairs",
        READ,
        "The contractor's status updates of one work order, in the order they happened",
    ),
    PassThrough(
        "POST",
        "/v1/work-orders/{work_order_id}/cancel",
        "repairs",
        WRITE,
        "Cancel a work order raised in error, before its work started (a reason code); "
        "its contractor is sent cancel-repair",
    ),
    PassThrough(
        "POST",
        "/v1/work-orders/{work_order_id}/follow-on-of",
        "repairs",
        WRITE,
        "Link a work order raised without follow_on_of to the completed work order whose "
        "follow-on it is; its completion then does that follow-on",
    ),
    PassThrough(
        "POST",
        "/v1/work-orders/{work_order_id}/variation-approval",
        "repairs",
        MANAGE,
        "Approve a variation within the approver's limit",
    ),
    # appointments
    PassThrough(
        "GET",
        "/v1/appointments/availability",
        "repairs",
        READ,
        "Free slots for one appointment covering the given trades at a home, and the "
        "home's open work its contractor could do in it too (ADR 0189)",
    ),
    PassThrough(
        "POST",
        "/v1/appointments",
        "repairs",
        WRITE,
        "Book one appointment for work orders at one home; publishes appointment-booked",
        status_code=201,
    ),
    PassThrough(
        "GET", "/v1/appointments", "repairs", READ, "Appointments, soonest first, by home/status"
    ),
    PassThrough(
        "GET",
        "/v1/appointments/{appointment_id}",
        "repairs",
        READ,
        "One appointment: where booking and rebooking lead (ADR 0181; after availability, "
        "which it would shadow; staff only, a contractor reads it on its work order)",
    ),
    PassThrough(
        "POST",
        "/v1/appointments/{appointment_id}/rebook",
        "repairs",
        WRITE,
        "Move an appointment to another slot",
        status_code=201,
    ),
    PassThrough(
        "POST",
        "/v1/appointments/{appointment_id}/outcome",
        "repairs",
        WRITE,
        "Kept, missed or no access; publishes appointment-missed for the last two",
    ),
    PassThrough(
        "POST",
        "/v1/appointments/{appointment_id}/cancel",
        "repairs",
        WRITE,
        "Cancel a booked appointment (slot freed); publishes appointment-cancelled",
    ),
    PassThrough(
        "GET",
        "/v1/appointment-requests",
        "repairs",
        READ,
        "Work found on a visit waiting for one appointment",
    ),
    # Awaab's Law
    PassThrough(
        "POST",
        "/v1/awaab-cases",
        "repairs",
        MANAGE,
        "Open an Awaab's Law case from a contact or complaint",
        status_code=201,
    ),
    PassThrough("GET", "/v1/awaab-cases", "repairs", READ, "Awaab's Law cases with their clocks"),
    PassThrough("GET", "/v1/awaab-cases/{case_id}", "repairs", READ, "One Awaab's Law case"),
    *(
        PassThrough(
            "POST",
            f"/v1/awaab-cases/{{case_id}}/clocks/{{milestone}}/{action}",
            "repairs",
            MANAGE,
            summary,
        )
        for action, summary in (
            ("pause", "Pause a clock, with the reason"),
            ("resume", "Resume a paused clock (its deadline moves on)"),
            ("stop", "Stop a clock: the step was done, with evidence"),
        )
    ),
    PassThrough(
        "POST",
        "/v1/awaab-cases/{case_id}/close-as-duplicate",
        "repairs",
        MANAGE,
        "Close a case as the same damp as another at the home (its clocks withdrawn)",
    ),
    PassThrough(
        "POST",
        "/v1/awaab-cases/{case_id}/clocks/complete_work/revised-summary",
        "repairs",
        MANAGE,
        "A revised written summary sets or moves the day to finish the work",
    ),
    # communal issues reported from visits (docs/adr/0044)
    PassThrough(
        "GET",
        "/v1/communal-issues",
        "repairs",
        READ,
        "Communal issues noticed on visits, oldest first (status=open: awaiting triage)",
    ),
    PassThrough(
        "POST",
        "/v1/communal-issues/{issue_id}/triage",
        "repairs",
        WRITE,
        "Raise a repair at the UPRN named (publishes repair-reported v3) or close the issue",
    ),
    # the contractor API (HACT-shaped)
    PassThrough(
        "GET", "/v1/contractor/work-orders", "repairs", CONTRACTOR, "The contractor's work orders"
    ),
    PassThrough(
        "GET",
        "/v1/contractor/work-orders/{work_order_id}",
        "repairs",
        CONTRACTOR,
        "One of the contractor's work orders (another contractor's is a 404)",
    ),
    PassThrough(
        "GET",
        "/v1/contractor/work-orders/{work_order_id}/status-updates",
        "repairs",
        CONTRACTOR,
        "The contractor's status updates of one of its work orders, in the order they happened",
    ),
    PassThrough(
        "POST",
        "/v1/contractor/work-orders/{work_order_id}/status",
        "repairs",
        CONTRACTOR,
        "Job status update (appointment, on the way, no access, in progress, variation)",
    ),
    PassThrough(
        "POST",
        "/v1/contractor/work-orders/{work_order_id}/completion",
        "repairs",
        CONTRACTOR,
        "Work order complete; publishes repair-completed",
    ),
]

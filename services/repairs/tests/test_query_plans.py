"""The statements repairs runs on its tables that grow without bound (repairs, work
orders and their status updates, appointments, webhook messages, Awaab's Law cases,
recharges) are served by an index, as PostgreSQL plans them with sequential scans off
(tests/harness/plans.py): the list routes with their filters and cursors, the home's
repairs read, the scheduled jobs' selections and the consumers' look-ups. PostgreSQL
only (its planner)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.db import Database, ReadConnection
from repairs import jobs
from repairs.appointments import repository as appointments
from repairs.awaab import repository as awaab
from repairs.communal_issues import repository as communal_issues
from repairs.figures import repository as figures
from repairs.models import (
    AppointmentRequestStatus,
    AppointmentStatus,
    AwaabCaseStatus,
    CommunalIssueStatus,
    RepairStatus,
    WorkOrderStatus,
    WorkOrderStatusUpdate,
)
from repairs.orders import repository as orders
from repairs.recharges import repository as recharges
from repairs.webhooks import repository as webhooks
from repairs.work_orders import repository as work_orders
from tests.harness.plans import Action, assert_served_by_indexes, case, postgresql_plans

GROWING = {
    "repair_request",
    "appointment_request",
    "work_order",
    "work_order_status_update",
    "appointment",
    "booked_slot",
    "webhook_delivery",
    "ended_tenancy",
    "recharge",
    "recharge_payment",
    "awaab_case",
    "awaab_clock",
    "awaab_case_hazard",
    "communal_issue",
}
NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
UPRN = "100023336956"
PERIOD = (NOW - timedelta(days=30), NOW)
AN_ID = uuid.UUID(int=7)
AN_UPDATE = WorkOrderStatusUpdate(
    work_order_id=AN_ID, status=WorkOrderStatus.NO_ACCESS, at=NOW, received_at=NOW
)


def repairs_page(**filters: Any) -> Action:
    arguments: dict[str, Any] = {"uprn": None, "status": None, "after": AN_ID, "limit": 51}

    async def read(_session: AsyncSession, reader: ReadConnection) -> object:
        return await work_orders.page_rows(reader, **(arguments | filters))

    return read


CASES = [
    # GET /v1/repairs (and the home overview's open repairs).
    case("repairs", repairs_page()),
    case("a home's repairs", repairs_page(uprn=UPRN)),
    case("open repairs", repairs_page(status=RepairStatus.OPEN)),
    case("a home's open repairs", repairs_page(uprn=UPRN, status=RepairStatus.OPEN)),
    case(
        "overdue repairs",
        repairs_page(overdue=True, now=NOW, non_emergency_overdue_before=NOW),
    ),
    case("an appointment request's repairs", repairs_page(appointment_request_id=AN_ID)),
    case("the home's open repairs read", lambda _s, r: work_orders.home_open_repairs(r, UPRN, 10)),
    case("overdue repairs measured", lambda s, _r: jobs.measure_overdue(s, NOW)),
    # Consumers: a visit's finding, a safety defect, a complaint's damp and mould.
    case("a finding's repair", lambda s, _r: work_orders.by_finding(s, AN_ID)),
    case("a safety defect's repair", lambda s, _r: work_orders.by_safety_defect(s, AN_ID)),
    case(
        "a complaint's Awaab case",
        lambda s, _r: awaab.by_complaint(s, AN_ID),
        "ix_awaab_case_complaint_id",
    ),
    case("a hazard's Awaab case", lambda s, _r: awaab.by_hazard(s, AN_ID)),
    case(
        "a home's open damp case",
        lambda s, _r: awaab.open_damp_case_at(s, UPRN, aware_at=datetime.now(UTC)),
    ),
    case(
        "a case's investigation found none", lambda s, _r: awaab.investigation_found_none(s, AN_ID)
    ),
    case("the case a hazard is recorded on", lambda s, _r: awaab.case_recording(s, AN_ID)),
    case(
        "the hazards recorded on a page of cases",
        lambda s, _r: awaab.hazards_recorded_on(s, [AN_ID]),
        "ix_awaab_case_hazard_case_id",
    ),
    # GET /v1/appointment-requests, /v1/appointments; the home's requests.
    case(
        "appointment requests",
        lambda _s, r: appointments.page_rows(r, uprn=None, status=None, after=AN_ID, limit=51),
    ),
    case(
        "pending appointment requests of a home",
        lambda _s, r: appointments.page_rows(
            r, uprn=UPRN, status=AppointmentRequestStatus.PENDING, after=None, limit=51
        ),
    ),
    case(
        "the home's appointment requests",
        lambda _s, r: appointments.home_appointment_requests(r, UPRN, 10),
    ),
    case(
        "appointments",
        lambda s, _r: appointments.appointments_page(
            s, uprn=None, status=None, after=(NOW, AN_ID), limit=51
        ),
        "ix_appointment_window_start_id",
        seek="appointment",
    ),
    case(
        "a home's booked appointments",
        lambda s, _r: appointments.appointments_page(
            s, uprn=UPRN, status=AppointmentStatus.BOOKED, after=None, limit=51
        ),
    ),
    case(
        "a home's repairs with appointments",
        lambda s, _r: appointments.repairs_with_appointments(s, UPRN),
    ),
    case("a work order's booking", lambda s, _r: appointments.booked_covering(s, AN_ID, UPRN)),
    case(
        "work orders booked before (first contact)",
        lambda s, _r: appointments.ever_in_an_appointment(s, [AN_ID]),
    ),
    case("a visit's appointment request", lambda s, _r: appointments.for_visit(s, AN_ID)),
    case(
        "a home's open work a contractor could add (availability)",
        lambda s, _r: appointments.waiting_at_home(
            s, UPRN, "plumbfast", (WorkOrderStatus.RAISED, WorkOrderStatus.NO_ACCESS)
        ),
        "ix_work_order_uprn",
    ),
    # GET /v1/work-orders (staff's and a contractor's); status updates.
    case(
        "work orders",
        lambda s, _r: orders.page(s, uprn=None, status=None, after=AN_ID, limit=51),
    ),
    case(
        "a contractor's raised work orders",
        lambda s, _r: orders.page(
            s,
            uprn=None,
            status=WorkOrderStatus.RAISED,
            contractor_id="plumbfast",
            after=AN_ID,
            limit=51,
        ),
    ),
    case(
        "a home's work orders",
        lambda s, _r: orders.page(s, uprn=UPRN, status=None, after=None, limit=51),
    ),
    case("a repair's completed work orders", lambda s, _r: orders.completed_for_repair(s, AN_ID)),
    case(
        "a work order's status updates",
        lambda s, _r: orders.status_updates(s, AN_ID, after=(NOW, NOW, AN_ID), limit=51),
    ),
    case(
        "a later status update",
        lambda s, _r: orders.a_later_update(s, AN_ID, WorkOrderStatus.NO_ACCESS, NOW),
    ),
    case("a status update kept already", lambda s, _r: orders.kept_already(s, AN_UPDATE)),
    # Awaab's Law: the list and the clocks' sweep.
    case(
        "open Awaab cases",
        lambda s, _r: awaab.page(s, uprn=None, status=AwaabCaseStatus.OPEN, after=AN_ID, limit=51),
    ),
    case(
        "a home's Awaab cases",
        lambda s, _r: awaab.page(s, uprn=UPRN, status=None, after=None, limit=51),
    ),
    case("Awaab clocks run out", lambda s, _r: awaab.run_out(s, NOW, 100)),
    # Contractor webhooks: the sender's round, the backlog, a contractor's undelivered.
    case("webhook messages due", lambda s, _r: webhooks.due(s, NOW, 100)),
    case("webhook backlog", lambda s, _r: jobs.measure_webhook_backlog(s, NOW)),
    case(
        "a contractor's undelivered messages",
        lambda s, _r: webhooks.undelivered(s, "plumbfast", 51),
    ),
    case("a webhook message by event", lambda s, _r: webhooks.for_event(s, AN_ID)),
    # Communal issues: triage list, a block's.
    case(
        "open communal issues of a block",
        lambda _s, r: communal_issues.page_rows(
            r, status=CommunalIssueStatus.OPEN, block_id="B-1", after=(NOW, AN_ID), limit=51
        ),
        seek="communal_issue",
    ),
    # Recharges: is the household vulnerable (a recharge's check).
    case("a household flagged", lambda s, _r: recharges.household_flagged(s, UPRN)),
    case("a flagged household's tenancy", lambda s, _r: recharges.flagged_tenancy(s, UPRN)),
    # GET /v1/repairs/figures: each measure reads the period's rows (or, for a figure
    # of now, the few rows in that state), never every row ever made (migration 0025).
    # Before it, appointments and recharges were read whole, and the breaches of a
    # period were found by `stopped_at IS NOT NULL` (every clock ever stopped: an index
    # condition, so only naming the index the period's deadlines are in catches it).
    case("repairs completed in a period", lambda s, _r: figures.completions(s, *PERIOD)),
    case("repairs reported in a period", lambda s, _r: figures.reported_by_priority(s, *PERIOD)),
    case("right first time in a period", lambda s, _r: figures.right_first_time(s, *PERIOD)),
    case(
        "appointments booked or ended in a period",
        lambda s, _r: figures.appointments(s, *PERIOD),
        "ix_appointment_booked_at",
        "ix_appointment_outcome_at",
    ),
    case(
        "appointments of a period left with no outcome",
        lambda s, _r: figures.appointments_without_outcome(s, *PERIOD, NOW),
    ),
    case(
        "recharges raised, held and collected in a period",
        lambda s, _r: figures.recharges(s, *PERIOD),
        "ix_recharge_raised_at",
        "ix_recharge_awaiting_approval",
    ),
    case(
        "Awaab cases and deadlines in a period",
        lambda s, _r: figures.awaab(s, *PERIOD),
        "ix_awaab_clock_breached_deadline",
    ),
]


@pytest.fixture(scope="module")
async def planned(repairs_db_url: str) -> AsyncIterator[Database]:
    async with postgresql_plans(repairs_db_url) as db:
        yield db


@pytest.mark.parametrize(("action", "indexes", "seek"), CASES)
async def test_an_index_serves_the_statement(
    planned: Database, action: Action, indexes: tuple[str, ...], seek: str | None
) -> None:
    await assert_served_by_indexes(planned, action, indexes, seek, GROWING)

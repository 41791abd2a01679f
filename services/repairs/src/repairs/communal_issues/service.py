"""Communal issues reported from visits, and a repairs manager's triage of them. Never
commits: the caller owns the transaction.

The home the issue was noticed from is not the communal area, and only a person can
tell a duplicate or an estate issue from the block's, so nothing is raised by itself: a
manager raises a repair at the UPRN they name, or closes the issue. The list shows the
block of the home (repairs' copy of the asset register, read with the list), and a
repair raised at a UPRN the register gives as a block's is communal (docs/adr/0044)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.repairs import RepairSourceV2
from hearth_contracts.events.visits import CommunalIssueFound
from hearth_kit.db import ReadConnection
from hearth_kit.logs import get_logger
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from repairs.communal_issues import repository
from repairs.communal_issues.schemas import CommunalIssuePublic, CommunalIssueTriage
from repairs.models import CommunalIssue, CommunalIssueStatus
from repairs.work_orders.service import RepairService

log = get_logger(__name__)


def to_public(issue: CommunalIssue, block_id: str | None) -> CommunalIssuePublic:
    """The entry as the list shows it, with the block the register puts its home in."""
    entry = {name: getattr(issue, name) for name in repository.ENTRY_COLUMNS}
    return CommunalIssuePublic(**entry, block_id=block_id)


async def record(session: AsyncSession, found: CommunalIssueFound) -> CommunalIssue | None:
    """Record an issue visits reported, awaiting triage, once per `issue_id` (the same
    issue re-published under a new event id changes nothing: None). Its time is when
    the officer noticed it (`found_at`), never when repairs heard of it."""
    if await repository.get(session, found.issue_id) is not None:
        return None
    issue = CommunalIssue(
        issue_id=found.issue_id,
        visit_id=found.visit_id,
        uprn=found.uprn,
        issue=found.issue,
        found_at=found.found_at,
    )
    repository.add(session, issue)
    await session.flush()  # a second copy later in the same batch finds it
    return issue


async def page_of_issues(
    connection: ReadConnection,
    page: PageParams,
    *,
    status: CommunalIssueStatus,
    block_id: str | None = None,
) -> Page[CommunalIssuePublic]:
    """Issues in one status, oldest found first, a page at a time; with `block_id`, only
    those reported from homes in that block (a manager sees one block's reports
    together)."""
    rows = await repository.page_rows(
        connection,
        status=status,
        block_id=block_id,
        after=page.after_as(datetime, uuid.UUID),
        limit=page.fetch,
    )
    return Page.from_rows(
        [CommunalIssuePublic(**row._mapping) for row in rows],
        page.limit,
        cursor_of=lambda issue: (issue.found_at, issue.issue_id),
    )


async def triage(
    session: AsyncSession,
    repair_service: RepairService,
    issue_id: uuid.UUID,
    data: CommunalIssueTriage,
    manager: str,
) -> CommunalIssuePublic:
    """A manager's decision on an open issue: raise a repair at the UPRN they name
    (source home_visit, the visit's id, its clock from when the officer noticed the
    issue), or close it with a reason. The issue is locked first, so of two triages at
    once exactly one wins and the other is a 409.

    The repair is communal when the asset register gives its UPRN as a block's (some
    home's block_id), as every repair is (RepairService.report decides it): the manager
    already names where the work is, and a flag beside it could contradict it (a
    communal survey sent to a flat's household, or a block's repair surveyed as one
    home's). An estate's UPRN is no block's, so not communal."""
    if (data.repair is None) == (data.closed_because is None):
        field = "repair" if data.repair is None else "closed_because"
        raise Unprocessable("Give either a repair to raise or closed_because", field=field)
    issue = await repository.get_for_triage(session, issue_id)
    if issue is None:
        raise NotFound(f"No communal issue {issue_id}")
    if issue.status is not CommunalIssueStatus.OPEN:
        raise Conflict(f"Communal issue {issue_id} is already {issue.status}", field="status")
    now = datetime.now(UTC)
    if data.repair is not None:
        repair = await repair_service.report(
            session,
            uprn=data.repair.uprn,
            description=data.repair.description,
            location=data.repair.location,
            trade=data.repair.trade,
            priority=data.repair.priority,
            source=RepairSourceV2.HOME_VISIT,
            reported_at=issue.found_at,
            visit_id=issue.visit_id,
        )
        issue.status = CommunalIssueStatus.REPAIR_RAISED
        issue.repair_id = repair.id
    else:
        issue.status = CommunalIssueStatus.CLOSED
        issue.closed_because = data.closed_because
    issue.triaged_at = now
    issue.triaged_by = manager[:200]
    await session.flush()
    log.info(
        "communal issue triaged",
        issue_id=str(issue.issue_id),
        status=issue.status,
        repair_id=str(issue.repair_id) if issue.repair_id else None,
    )
    return to_public(issue, await repository.block_of(session, issue.uprn))

"""All SQL about communal issues reported from visits."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, inspect, tuple_
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from hearth_kit.db import ReadConnection
from repairs.models import CommunalIssue, CommunalIssueStatus, KnownHome

ENTRY_COLUMNS = (
    "issue_id",
    "issue",
    "uprn",
    "visit_id",
    "found_at",
    "status",
    "repair_id",
    "closed_because",
    "triaged_at",
    "triaged_by",
)
"""The columns the public entry shows (with the home's `block_id`, from the register)."""

_issue = inspect(CommunalIssue).local_table
_home = inspect(KnownHome).local_table


async def get(session: AsyncSession, issue_id: uuid.UUID) -> CommunalIssue | None:
    """One issue, unlocked (the consumer's check that it is already recorded)."""
    return await session.get(CommunalIssue, issue_id)


async def get_for_triage(session: AsyncSession, issue_id: uuid.UUID) -> CommunalIssue | None:
    """One issue locked FOR UPDATE and read as it is once locked (populate_existing):
    of two triages at once the second waits, then finds it triaged."""
    query = (
        select(CommunalIssue)
        .where(CommunalIssue.issue_id == issue_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalars().first()


def add(session: AsyncSession, issue: CommunalIssue) -> None:
    session.add(issue)


async def block_of(session: AsyncSession, uprn: str) -> str | None:
    """The block the asset register puts the home in, as repairs' copy has it now (None:
    a house, or a home not yet registered)."""
    home = await session.get(KnownHome, uprn)
    return home.block_id if home is not None else None


@cache
def _page_statement(*, after: bool, block: bool) -> Select[Any]:
    """A page of issues in one status, oldest found first (the order a manager works
    through them), built once per combination of filters. The block is the register's
    when the list is read (an outer join on the home's UPRN), so a home registered, or
    moved to another block, after its issue was recorded shows the block it is in now."""
    query = (
        core_select(*(_issue.c[name] for name in ENTRY_COLUMNS), _home.c.block_id)
        .select_from(_issue.outerjoin(_home, _home.c.uprn == _issue.c.uprn))
        .where(_issue.c.status == bindparam("status"))
        .order_by(_issue.c.found_at, _issue.c.issue_id)
        .limit(bindparam("limit"))
    )
    if block:
        query = query.where(_home.c.block_id == bindparam("block_id"))
    if after:
        query = query.where(
            tuple_(_issue.c.found_at, _issue.c.issue_id)
            > tuple_(
                bindparam("after_found_at", type_=_issue.c.found_at.type),
                bindparam("after_issue_id", type_=_issue.c.issue_id.type),
            )
        )
    return query


async def page_rows(
    connection: ReadConnection,
    *,
    status: CommunalIssueStatus,
    block_id: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Row[Any]]:
    """Issues in `status` (reported from a home in block `block_id`, when given) by
    (found_at, issue_id) after the cursor's: one statement on a read connection, no ORM
    objects."""
    statement = _page_statement(after=after is not None, block=block_id is not None)
    values: dict[str, Any] = {"status": status, "limit": limit}
    if block_id is not None:
        values["block_id"] = block_id
    if after is not None:
        values["after_found_at"], values["after_issue_id"] = after
    return list((await connection.execute(statement, values)).all())

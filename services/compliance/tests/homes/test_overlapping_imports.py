"""Two stock imports at once over the same homes, in opposite orders.

An import holds what each batch locks until its transaction ends: every batch of a
file sent to POST /v1/homes/import (one transaction), one batch of `hearth import
homes` (a transaction each). A batch locks the registered homes it changes (FOR NO KEY
UPDATE) and inserts its new homes (a second insert of the same UPRN waits for the
first's transaction). Two files naming the same homes in other orders took them in
other orders: the first held A and wanted B, the second held B and wanted A, and
PostgreSQL aborted one (deadlock_detected: that import failed). A batch that waited for
another's new homes, once that one committed, inserted them again: a unique violation,
the batch failed all the same. Imports now take turns (ADR 0083): each batch first
takes the stock import's advisory lock, held to the end of its transaction, so the
second import reads the homes once the first has committed them, and applies its rows
to them as to any registered home."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from compliance.checks.service import ProgrammeService
from compliance.homes.schemas import ImportResult
from compliance.homes.service import HomeService, read_homes_csv
from compliance.settings import Programme
from hearth_kit.db import Database
from tests.harness.locks import until_a_backend_waits_for_a_lock

from .test_import import HEADER, a_uprn, row


def nothing_yet() -> ImportResult:
    return ImportResult(rows=0, registered=0, updated=0, unchanged=0, rejected=0, errors=[])


def two_uprns() -> tuple[str, str]:
    """Two homes the test has to itself (random UPRNs, as the other import tests')."""
    first, second = a_uprn(), a_uprn()
    while second == first:
        second = a_uprn()
    return first, second


async def import_rows(
    session: AsyncSession, rows: list[str], total: ImportResult, *, batch: int
) -> ImportResult:
    """Import `rows` in the session's transaction `batch` rows a batch, as
    HomeService.import_file does a file over 1,000 rows (one transaction, several
    batches) and `hearth import homes` does each of its batches (a transaction each)."""
    service = HomeService(ProgrammeService(Programme()))
    now = datetime.now(UTC)
    text = "\n".join([HEADER, *rows]) + "\n"
    for parsed in read_homes_csv(io.StringIO(text), size=batch):
        await service.import_parsed(session, parsed, total, now)
    return total


async def second_import(db: Database, rows: list[str], *, batch: int) -> ImportResult:
    async with db.sessionmaker() as session, session.begin():
        return await import_rows(session, rows, nothing_yet(), batch=batch)


@pytest.mark.parametrize("homes", ["new", "registered"])
async def test_two_files_of_the_same_homes_in_opposite_orders_both_go_in(
    compliance_database: Database, published: Any, homes: str
) -> None:
    """Two files sent to POST /v1/homes/import at once, each home its own batch (a file
    over 1,000 rows has several; one row a batch here): the first has written A and the
    second B, then each comes to the other's. Before, each waited for the other (a
    deadlock, one import failed); now the second waits for the first to commit."""
    if not compliance_database.is_postgresql:
        pytest.skip("PostgreSQL's row and advisory locks; SQLite serialises writers as a whole")
    a, b = two_uprns()
    if homes == "registered":
        async with compliance_database.sessionmaker() as session, session.begin():
            await import_rows(session, [row(a), row(b)], nothing_yet(), batch=1000)
    first_total = nothing_yet()
    async with compliance_database.sessionmaker() as first, first.begin():
        await import_rows(first, [row(a, town="Hackney")], first_total, batch=1)
        second = asyncio.create_task(
            second_import(
                compliance_database, [row(b, town="Islington"), row(a, town="Islington")], batch=1
            )
        )
        await until_a_backend_waits_for_a_lock(compliance_database)
        await import_rows(first, [row(b, town="Hackney")], first_total, batch=1)
    second_total = await second
    if homes == "new":
        assert (first_total.registered, first_total.updated) == (2, 0)
    else:
        assert (first_total.registered, first_total.updated) == (0, 2)
    # the second reads the homes once the first has committed them: registered, and
    # changed by its rows (another town)
    assert (second_total.registered, second_total.updated, second_total.rejected) == (0, 2, 0)
    for uprn in (a, b):
        assert len(await published("property-registered", uprn)) == 1
        towns = [event["town"] for event in await published("property-updated", uprn)]
        assert towns == (["Hackney", "Islington"] if homes == "registered" else ["Islington"])


async def test_a_batch_waiting_for_another_imports_new_homes_finds_them_registered(
    compliance_database: Database, published: Any
) -> None:
    """Two `hearth import homes` runs at once (a transaction a batch), their batches
    naming the same new homes in opposite orders: the second batch waits for the first
    to commit and finds the homes registered (unchanged: the same rows), where it
    inserted them again after waiting (a unique violation: the batch failed)."""
    if not compliance_database.is_postgresql:
        pytest.skip("PostgreSQL's row and advisory locks; SQLite serialises writers as a whole")
    a, b = two_uprns()
    first_total = nothing_yet()
    async with compliance_database.sessionmaker() as first, first.begin():
        await import_rows(first, [row(a), row(b)], first_total, batch=1000)
        second = asyncio.create_task(
            second_import(compliance_database, [row(b), row(a)], batch=1000)
        )
        await until_a_backend_waits_for_a_lock(compliance_database)
    second_total = await second
    assert first_total.registered == 2
    assert (second_total.registered, second_total.updated, second_total.unchanged) == (0, 0, 2)
    for uprn in (a, b):
        assert len(await published("property-registered", uprn)) == 1

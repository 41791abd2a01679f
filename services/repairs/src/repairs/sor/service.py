"""Importing the landlord's Schedule of Rates. Never commits: the caller owns the
transaction (the CLI commits each batch, so a long file shows progress)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from repairs.sor import repository
from repairs.sor.rules import BadRow, SorRow, read_schedule

BATCH = 500


@dataclass
class ImportReport:
    """What an import did: rows added, updated and left as they were, and the bad rows
    by line number."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)


def parse(lines: Iterable[str]) -> tuple[list[SorRow], list[BadRow]]:
    """The good rows and the bad rows of a Schedule of Rates CSV."""
    good: list[SorRow] = []
    bad: list[BadRow] = []
    for row in read_schedule(lines):
        if isinstance(row, SorRow):
            good.append(row)
        else:
            bad.append(row)
    return good, bad


async def save_batch(session: AsyncSession, rows: list[SorRow], report: ImportReport) -> None:
    """Save one batch of good rows, counting what changed."""
    added, updated = await repository.save(session, rows, datetime.now(UTC))
    report.added += added
    report.updated += updated
    report.unchanged += len(rows) - added - updated


async def import_schedule(
    session: AsyncSession,
    lines: Iterable[str],
    *,
    on_batch: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a whole file in the caller's transaction."""
    good, bad = parse(lines)
    report = ImportReport(bad_rows=bad)
    for start in range(0, len(good), BATCH):
        batch = good[start : start + BATCH]
        await save_batch(session, batch, report)
        if on_batch is not None:
            on_batch(len(batch))
    return report

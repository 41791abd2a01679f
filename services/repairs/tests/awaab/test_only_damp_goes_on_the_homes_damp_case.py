"""Only significant damp and mould seen at a home whose damp has an open case is recorded
on that case (docs/adr/0193). Before, the handler recorded any significant hazard there,
whatever its type: unreachable while the law covers only damp and mould (phase 1), but
visits sends every significant hazard at the draft's save (docs/adr/0227), and once a
later phase widens under_awaabs_law a significant falls hazard would have landed on the
home's damp case with no clock of its own. A significant hazard the law does not cover
opens nothing, and is now logged (the event's id and type only) so ops can see it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import structlog

from hearth_contracts.events.visits import HazardSeverity, HazardType
from hearth_kit.db import Database
from repairs import handlers as repairs_handlers
from repairs.awaab import rules as awaab_rules
from repairs.awaab.rules import recorded_on_open_damp_case
from services.repairs.tests.awaab.test_a_hazard_at_a_home_with_a_damp_case_open import (
    handled,
    seen_on_a_visit,
)
from services.repairs.tests.awaab.test_cases import a_uprn
from services.repairs.tests.awaab.test_damp_reported_as_a_repair_opens_a_case import (
    cases_at,
    report,
)


def test_only_significant_damp_and_mould_is_recorded_on_the_open_damp_case() -> None:
    assert recorded_on_open_damp_case(HazardSeverity.SIGNIFICANT, "damp_and_mould")
    assert recorded_on_open_damp_case(HazardSeverity.SIGNIFICANT, "Mould in the bathroom")
    assert not recorded_on_open_damp_case(HazardSeverity.SIGNIFICANT, HazardType.FALLS)
    assert not recorded_on_open_damp_case(HazardSeverity.SIGNIFICANT, HazardType.EXCESS_COLD)
    assert not recorded_on_open_damp_case(HazardSeverity.EMERGENCY, "damp_and_mould")


@pytest.fixture
def a_later_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    """The law widened to every significant hazard, as a later phase may: the handler's
    early return no longer keeps a falls hazard away from the damp case look-up."""

    def widened(severity: HazardSeverity, hazard_type: str) -> bool:
        return severity is not HazardSeverity.MINOR

    monkeypatch.setattr(awaab_rules, "under_awaabs_law", widened)


@pytest.mark.usefixtures("a_later_phase")
async def test_a_significant_hazard_of_another_type_opens_its_own_case(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    [damp] = await cases_at(staff, uprn)

    falls = seen_on_a_visit(
        uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC) - timedelta(hours=1)
    ).model_copy(update={"hazard_type": HazardType.FALLS})
    await handled(repairs_database, falls)

    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert len(cases) == 2
    assert cases[damp["id"]]["hazards_recorded"] == []
    [own] = [c for c in cases.values() if c["id"] != damp["id"]]
    assert (own["severity"], own["hazard_id"]) == ("significant", str(falls.hazard_id))
    assert [c["milestone"] for c in own["clocks"]] == ["investigate"]


@pytest.fixture
def log_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """The handlers' log lines. A fresh logger: capture_logs cannot see one an earlier
    test in the process has already used (cache_logger_on_first_use)."""
    monkeypatch.setattr(repairs_handlers, "log", structlog.get_logger("repairs.handlers"))
    with structlog.testing.capture_logs() as lines:
        yield lines


async def test_a_significant_hazard_the_law_does_not_cover_is_logged_and_opens_nothing(
    staff: httpx.AsyncClient, repairs_database: Database, log_lines: list[dict[str, Any]]
) -> None:
    uprn = a_uprn()
    falls = seen_on_a_visit(
        uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC) - timedelta(hours=1)
    ).model_copy(update={"hazard_type": HazardType.FALLS})
    await handled(repairs_database, falls)

    assert await cases_at(staff, uprn) == []
    [line] = [line for line in log_lines if "law does not cover" in line["event"]]
    assert line["log_level"] == "info"
    assert line["event_type"] == falls.type
    # the event's id and type only: no home, no hazard's words
    assert set(line) == {"event", "log_level", "event_id", "event_type"}

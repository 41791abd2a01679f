"""The projection rebuild's summary is read by people and by scripts (upgrading.md:
"read equals the total and the line says (complete)"). It is printed where no terminal
is, under `kubectl exec` or into a log, where rich wraps at 80 columns: the line broke
after "other types", splitting a count from its name. Each line of it stays whole."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from rich.console import Console

from hearth_kit import operations
from hearth_kit.projection_rebuild import RebuildCount


def test_the_summary_keeps_each_line_whole_at_80_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.StringIO()
    monkeypatch.setattr(operations, "console", Console(file=out, width=80))
    count = RebuildCount(
        topics=["hearth.income.events"],
        total=40211,
        read=40211,
        applied=21873,
        skipped=18338,
        applied_by_type=Counter(
            {
                "uk.hearth.income.tenancy-ended.v1": 3902,
                "uk.hearth.income.tenancy-started.v1": 11210,
                "uk.hearth.income.tenancy-started.v2": 6761,
            }
        ),
    )
    operations.print_summary("engagement", count)
    assert out.getvalue().splitlines() == [
        "engagement: read 40211 of 40211 events on 1 topic(s) (complete); applied 21873, "
        "other types 18338, unreadable 0",
        "  applied by type: uk.hearth.income.tenancy-ended.v1 3902, "
        "uk.hearth.income.tenancy-started.v1 11210, uk.hearth.income.tenancy-started.v2 6761",
    ]

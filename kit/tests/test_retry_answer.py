"""`hearth outbox retry`'s answer is one line, where there is no terminal (`kubectl
exec`, a pipe: rich wraps at 80 columns): with an event type of forty characters it
broke after "the relay", so a grep for the row's line missed half of it."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from hearth_kit import operations


def test_the_answer_is_one_line_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(operations, "console", Console(file=out, width=80))
    operations.print_unparked({"id": 40, "event_type": "uk.hearth.compliance.property-updated.v1"})
    assert out.getvalue().splitlines() == [
        "outbox row 40 (uk.hearth.compliance.property-updated.v1) unparked; the relay sends it next"
    ]

"""`hearth outbox parked` where there is no terminal (`kubectl exec` without a tty, a
pipe: rich draws 80 columns). The event type, topic and key were cut to "uk.hear…",
"hearth.…" and "6f1c2a…", so the row could not be told from its neighbours, and the
last error folded into a column eight characters wide, fifteen lines for one row. The
columns an operator acts on are whole; the last error is one line (`--json` has all)."""

from __future__ import annotations

import io

from rich.console import Console

from hearth_kit.operations import parked_table

LAST_ERROR = (
    "KafkaTimeoutError: Timeout after waiting for 40000 secs. "
    "Failed to update metadata after 60.0 secs."
)


def columns(rendered: str) -> list[str]:
    """Each column's text, its folded pieces joined, from the table's body rows."""
    body = rendered.split("┡")[1].splitlines()[1:-1]
    cells = [line.split("│")[1:-1] for line in body]
    return ["".join(piece.strip() for piece in column) for column in zip(*cells, strict=True)]


def test_the_event_type_topic_and_key_are_whole_and_the_error_one_line_at_80_columns() -> None:
    out = io.StringIO()
    table = parked_table(
        "compliance",
        [
            {
                "id": 40,
                "event_id": "0b7e1c52-6a43-4d1e-9f0a-3c2d1e0f9a88",
                "event_type": "uk.hearth.compliance.property-updated.v1",
                "topic": "hearth.compliance.events",
                "message_key": "6f1c2a90-41d7-4b8e-a3c5-0e9d8b7a6c51",
                "attempts": 12,
                "last_error": LAST_ERROR,
                "created_at": "2026-11-30T19:29:58.101442Z",
                "parked_at": "2026-11-30T19:30:30.263735Z",
                "held_back": 3,
            }
        ],
    )
    Console(file=out, width=80).print(table)
    rendered = out.getvalue()

    assert max(len(line) for line in rendered.splitlines()) <= 80
    cells = columns(rendered)
    assert cells[:7] == [
        "40",
        "uk.hearth.compliance.property-updated.v1",
        "hearth.compliance.events",
        "6f1c2a90-41d7-4b8e-a3c5-0e9d8b7a6c51",
        "12",
        "2026-11-30T19:30:30.263735Z",
        "3",
    ]
    assert cells[7].startswith("KafkaTimeout")
    assert cells[7].endswith("…")
    assert len(rendered.splitlines()) < 20

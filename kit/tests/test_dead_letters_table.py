"""`hearth dead-letters list` where there is no terminal (`kubectl exec` without a tty,
a pipe: rich draws 80 columns). The event type and origin were cut to "uk.hear…" and
"hearth.…", and the error folded into a column eight characters wide, forty lines for
one dead letter. The columns an operator acts on are whole; the error is one line."""

from __future__ import annotations

import io

from rich.console import Console

from hearth_kit.operations import dead_letters_table

ERROR = (
    "Poison: 8 validation error(s) for PropertyUpdated: address_line_1: Field required; "
    "town: Field required; postcode: Field required; property_type: Field required"
)


def columns(rendered: str) -> list[str]:
    """Each column's text, its folded pieces joined, from the table's body rows."""
    body = rendered.split("┡")[1].splitlines()[1:-1]
    cells = [line.split("│")[1:-1] for line in body]
    return ["".join(piece.strip() for piece in column) for column in zip(*cells, strict=True)]


def test_the_event_type_and_origin_are_whole_and_the_error_one_line_at_80_columns() -> None:
    out = io.StringIO()
    table = dead_letters_table(
        "visits",
        1,
        [
            {
                "id": 1,
                "event_type": "uk.hearth.compliance.property-updated.v1",
                "consumer_group": "visits",
                "topic": "hearth.compliance.events",
                "partition": 0,
                "offset": 8,
                "attempts": 4,
                "dead_lettered_at": "2026-11-30T19:30:30.263735Z",
                "replayed_at": None,
                "error": ERROR,
            }
        ],
    )
    Console(file=out, width=80).print(table)
    rendered = out.getvalue()

    assert max(len(line) for line in rendered.splitlines()) <= 80
    cells = columns(rendered)
    assert cells[:7] == [
        "1",
        "uk.hearth.compliance.property-updated.v1",
        "visits",
        "hearth.compliance.events[0]@8",
        "4",
        "2026-11-30T19:30:30.263735Z",
        "",
    ]
    assert cells[7].startswith("Poison")
    assert cells[7].endswith("…")
    assert len(rendered.splitlines()) < 20

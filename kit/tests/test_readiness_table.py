"""`hearth health` where there is no terminal (`kubectl exec` without a tty, a pipe:
rich draws 80 columns). With the gateway named by hostname (`--gateway-url`,
HEARTH_GATEWAY_URL) and a service down, its url was cut to "https://api.hearth.exa…":
the one thing that says which gateway answered. Every column is whole."""

from __future__ import annotations

import io
from itertools import pairwise

from rich.console import Console

from hearth_kit.operations import readiness_table

DOWN = "unavailable: ClientConnectorError while connecting"


def columns(rendered: str) -> list[list[str]]:
    """Each body row's lines, as each column's pieces (stripped, blanks left out)."""
    body = rendered.split("┡")[1].splitlines()[1:-1]
    return [[piece.strip() for piece in line.split("│")[1:-1]] for line in body]


def test_every_column_is_whole_at_80_columns() -> None:
    targets = {
        "gateway": "https://api.hearth.example.org/",
        "repairs": "http://repairs:8000",
        "compliance": "http://compliance:8000",
    }
    answers = {
        "gateway": (
            "degraded",
            {
                "visits": "ok",
                "repairs": DOWN,
                "compliance": "ok",
                "income": "ok",
                "engagement": "ok",
            },
        ),
        "repairs": ("unreachable", {"error": "ConnectError"}),
        "compliance": (
            "degraded",
            {"database": "ok", "kafka": "unreachable"},
        ),
    }
    out = io.StringIO()
    Console(file=out, width=80).print(readiness_table(targets, answers))
    rendered = out.getvalue()

    assert max(len(line) for line in rendered.splitlines()) <= 80
    lines = columns(rendered)
    # A row starts on the line naming its process; the lines after it are its own.
    starts = [i for i, line in enumerate(lines) if line[0]] + [len(lines)]
    rows = [lines[start:end] for start, end in pairwise(starts)]
    whole = [
        [
            row[0][0],
            row[0][1],
            " ".join(line[2] for line in row if line[2]),
            "".join(line[3] for line in row),
        ]
        for row in rows
    ]
    assert whole == [
        [
            "gateway",
            "degraded",
            f"visits ok, repairs {DOWN}, compliance ok, income ok, engagement ok",
            "https://api.hearth.example.org",
        ],
        ["repairs", "unreachable", "error ConnectError", "http://repairs:8000"],
        ["compliance", "degraded", "database ok, kafka unreachable", "http://compliance:8000"],
    ]

"""The operations commands' help names what an operator may type (the runbooks quote it)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hearth_kit.cli import build_app


@pytest.mark.parametrize(
    "command",
    [
        ["projection", "rebuild"],
        ["dead-letters", "list"],
        ["dead-letters", "show"],
        ["dead-letters", "replay"],
        ["outbox", "parked"],
        ["outbox", "retry"],
    ],
    ids=" ".join,
)
def test_the_service_option_lists_the_services(command: list[str]) -> None:
    result = CliRunner().invoke(
        build_app(registered=[]), [*command, "--help"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "[visits|repairs|compliance|income|engagement]" in result.output
    assert "<function>" not in result.output


def test_the_service_option_still_refuses_another_name() -> None:
    result = CliRunner().invoke(
        build_app(registered=[]), ["projection", "rebuild", "--service", "payroll"]
    )
    assert result.exit_code != 0
    assert "payroll" in result.output + str(result.exception)

"""The `hearth` command line: the kit's commands plus those packages register through
the `hearth.commands` entry-point group."""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

import pytest
import typer
from typer.testing import CliRunner

from hearth_kit.cli import COMMANDS_GROUP, build_app

runner = CliRunner()


def register_sample(root: typer.Typer, imports: typer.Typer) -> None:
    """A package's commands, as a service registers them."""

    @root.command("sample-greeting")
    def greeting() -> None:
        typer.echo("hello from a package")

    @imports.command("sample-homes")
    def sample_homes(count: int = 1) -> None:
        typer.echo(f"imported {count} homes")


def register_broken(root: typer.Typer, imports: typer.Typer) -> None:
    raise RuntimeError("half-written")


def entry(name: str, function: str) -> EntryPoint:
    return EntryPoint(name=name, value=f"tests.ops.test_cli:{function}", group=COMMANDS_GROUP)


def test_a_registered_package_adds_commands_to_the_root_and_to_import() -> None:
    app = build_app([entry("sample", "register_sample")])
    assert runner.invoke(app, ["sample-greeting"]).stdout == "hello from a package\n"
    result = runner.invoke(app, ["import", "sample-homes", "--count", "3"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported 3 homes\n"


def test_a_package_whose_commands_fail_to_load_is_named_and_the_rest_still_work(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = build_app([entry("broken", "register_broken"), entry("sample", "register_sample")])
    assert "the broken commands are not available" in capsys.readouterr().err
    assert runner.invoke(app, ["sample-greeting"]).exit_code == 0
    assert runner.invoke(app, ["health", "--help"]).exit_code == 0


def test_the_gateway_registers_its_token_commands_through_the_entry_point_group() -> None:
    assert "gateway" in {e.name for e in entry_points(group=COMMANDS_GROUP)}
    result = runner.invoke(build_app(), ["--help"])
    assert result.exit_code == 0
    for command in ("dev-token", "admin-token", "health", "dead-letters", "outbox", "projection"):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["dev-token", "--role", "no-such-role"], "Unknown role 'no-such-role'"),
        (["dead-letters", "replay", "--service", "repairs"], "give the dead letters' ids or --all"),
    ],
    ids=["unknown role", "replay without ids or --all"],
)
def test_bad_usage_is_exit_2_with_the_reason_not_a_traceback(
    argv: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A command refusing how it was called says why and exits 2, as docs/conventions.md
    says. Typer carries its own click: a UsageError from the click package is not one
    Typer knows, and went out as a traceback with exit 1."""
    from hearth_kit.cli import main

    monkeypatch.setenv("HEARTH_ENVIRONMENT", "development")
    assert main(argv) == 2
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert message in " ".join(err.replace("│", " ").split())  # the message as one line

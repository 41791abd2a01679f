"""`hearth`: the platform's command line (Typer), for developers and operations.

    uv run hearth --help
    uv run hearth health                               # every process's /readyz, one table
    uv run hearth dead-letters list --service repairs
    uv run hearth projection rebuild --service visits

The kit's own commands (health, dead letters, parked outbox rows, projection rebuilds:
hearth_kit.operations) are added here; every other package adds its commands through
the entry-point group `hearth.commands`: an entry point names a function

    def register(root: typer.Typer, imports: typer.Typer) -> None

which adds commands to `root` (`hearth <command>`) or to `imports` (`hearth import
<command>`). The gateway registers `dev-token` and `admin-token` this way
(gateway.cli:register). See docs/conventions.md, "Command line".

A package whose commands fail to load is named on stderr and left out, so one broken
package never takes the whole command line (and the ops commands) down with it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint, entry_points

import typer

COMMANDS_GROUP = "hearth.commands"
"""The entry-point group packages register their commands in."""

Register = Callable[[typer.Typer, typer.Typer], None]


def build_app(registered: Sequence[EntryPoint] | None = None) -> typer.Typer:
    """The whole `hearth` command: the kit's commands plus every registered package's.
    `registered` defaults to the installed entry points of `hearth.commands`."""
    root = typer.Typer(
        name="hearth",
        help="Hearth's command line: operations (health, dead letters, parked outbox "
        "rows, projection rebuilds), imports and development tokens.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    imports = typer.Typer(
        help="Load a landlord's existing records into a service.", no_args_is_help=True
    )
    root.add_typer(imports, name="import")

    from hearth_kit.operations import register as register_operations

    register_operations(root, imports)
    root.command("relay")(relay)
    found = entry_points(group=COMMANDS_GROUP) if registered is None else registered
    for entry_point in sorted(found, key=lambda e: e.name):
        try:
            register: Register = entry_point.load()
            register(root, imports)
        except Exception as exc:
            print(
                f"hearth: the {entry_point.name} commands are not available "
                f"({entry_point.value}): {type(exc).__name__}: {exc}",
                file=sys.stderr,
            )
    return root


def relay(
    service: str = typer.Argument(help="the service whose outbox to publish"),
    lane: int | None = typer.Option(
        None, help="publish only this lane (default: any lane no other relay holds)"
    ),
) -> None:
    """Run a service's outbox relay on its own, until interrupted: with
    HEARTH_<SERVICE>_OUTBOX_RELAY_LANES > 1, N of these publish one outbox side by side
    (docs/adr/0018-relay-lanes.md)."""
    import asyncio
    import importlib

    from hearth_kit.outbox import relay_until_stopped

    settings = importlib.import_module(f"{service}.settings").settings_from_env()
    try:
        import uvloop
    except ImportError:
        asyncio.run(relay_until_stopped(settings, lane=lane))
    else:
        uvloop.run(relay_until_stopped(settings, lane=lane))


def main(argv: Sequence[str] | None = None) -> int:
    """Run `hearth` with `argv` (default: the process's arguments); the exit code."""
    command = typer.main.get_command(build_app())
    try:
        command.main(args=list(argv) if argv is not None else None, prog_name="hearth")
    except SystemExit as exited:
        code = exited.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

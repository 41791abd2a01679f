"""The gateway's `hearth` commands: tokens for developers and operations.

export HEARTH_ENVIRONMENT=development   # development tokens only exist there
uv run hearth dev-token --role staff
uv run hearth dev-token --role contractor --contractor-id gasco --ttl-minutes 30
uv run hearth admin-token --service repairs --subject ops-jane

Registered with the kit's command line through the `hearth.commands` entry point
(`gateway = "gateway.cli:register"` in gateway/pyproject.toml).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import click
import typer

from hearth_contracts.topics import SERVICES

if TYPE_CHECKING:
    from gateway.settings import GatewaySettings

# The gateway's modules are imported by the commands, so that loading these commands
# (every `hearth` run does) costs nothing.

ADMIN_TOKEN_MAX_MINUTES = 60


def default_subject(role: str, contractor_id: str | None) -> str:
    """A development token's subject when none is given: dev-<role>, and for a
    contractor dev-contractor-<contractor-id>, so each contractor's tokens are told apart
    by subject too (its own idempotency keys, its own lines in the gateway's logs)."""
    if role == "contractor" and contractor_id:
        return f"dev-contractor-{contractor_id}"
    return f"dev-{role}"


def dev_token(
    role: Annotated[
        str,
        typer.Option(
            help="the token's role: contractor, or a staff role the gateway's settings "
            "define (docs/api.md lists the defaults)"
        ),
    ],
    subject: Annotated[
        str | None,
        typer.Option(
            help="the token's sub (default: dev-<role>; a contractor's: "
            "dev-contractor-<contractor-id>)"
        ),
    ] = None,
    contractor_id: Annotated[
        str | None,
        typer.Option(help="the contractor a contractor token is bound to (required then)"),
    ] = None,
    ttl_minutes: Annotated[int, typer.Option(min=1, help="lifetime in minutes")] = 60,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            help="a scope granted on top of the role's, as the identity provider grants a "
            "need-to-know one (vulnerabilities:read, diversity:read) to one person; repeat it "
            "for more"
        ),
    ] = None,
) -> None:
    """Print a development access token for the gateway.

    An HS256 token signed with the gateway's development secret
    (HEARTH_GATEWAY_JWT_SECRET). Use it as 'Authorization: Bearer <token>'. Refused
    unless HEARTH_ENVIRONMENT=development."""
    from gateway.auth import DevelopmentTokenRefused, issue_development_token

    if role == "contractor" and not contractor_id:
        raise typer.BadParameter(
            "a contractor token is bound to one contractor: give --contractor-id",
            param_hint="--contractor-id",
        )
    settings = _settings()
    try:
        token = issue_development_token(
            role,
            subject or default_subject(role, contractor_id),
            contractor_id=contractor_id,
            ttl=timedelta(minutes=ttl_minutes),
            settings=settings,
            scopes=tuple(scope or ()),
        )
    except DevelopmentTokenRefused as exc:
        typer.echo(f"hearth: {exc}", err=True)
        raise typer.Exit(1) from exc
    except ValueError as exc:
        hint = "--scope" if "scope" in str(exc) else "--role"
        raise typer.BadParameter(str(exc), param_hint=hint) from exc
    if settings.jwt_algorithm != "HS256":
        typer.echo(
            "hearth: note: the gateway is set to verify RS256 tokens and will not accept "
            "this HS256 development token",
            err=True,
        )
    typer.echo(token)


def admin_token(
    service: Annotated[
        str,
        typer.Option(click_type=click.Choice(SERVICES), help="the service whose /admin it opens"),
    ],
    subject: Annotated[str, typer.Option(help="who is acting, for the service's records")] = "ops",
    ttl_minutes: Annotated[
        int,
        typer.Option(
            min=1, max=ADMIN_TOKEN_MAX_MINUTES, help=f"lifetime, at most {ADMIN_TOKEN_MAX_MINUTES}"
        ),
    ] = 15,
) -> None:
    """Print an internal token with the admin scope for one service's /admin routes.

    Signed with the gateway's internal-token private key
    (HEARTH_GATEWAY_INTERNAL_TOKEN_PRIVATE_KEY; in development the development key).
    Run it where that key is, e.g. in the gateway's pod. Use it as 'Authorization:
    Bearer <token>' on the service's /admin routes (or give it to `hearth dead-letters`
    and `hearth outbox` as --token); it works on no other service."""
    from hearth_kit.auth import ADMIN_SCOPE, issue_internal_token

    settings = _settings()
    typer.echo(
        issue_internal_token(
            settings.internal_token_key(),
            service=service,
            subject=subject,
            scopes=[ADMIN_SCOPE],
            ttl=timedelta(minutes=ttl_minutes),
        )
    )


def _settings() -> GatewaySettings:
    """The gateway's settings, or exit 1 saying what is wrong with them."""
    from pydantic import ValidationError

    from gateway.settings import GatewaySettings
    from hearth_kit.settings import environment_from_env

    try:
        return GatewaySettings()
    except ValidationError as exc:
        typer.echo(f"hearth: the gateway settings are not valid:\n{exc}", err=True)
        if environment_from_env() == "production":
            typer.echo(
                "hearth: this shell is production (HEARTH_ENVIRONMENT is not development). "
                "On a developer's machine, as `make run` does: "
                "export HEARTH_ENVIRONMENT=development",
                err=True,
            )
        raise typer.Exit(1) from exc


def register(root: typer.Typer, imports: typer.Typer) -> None:
    """The gateway's commands on `hearth` (entry point group hearth.commands)."""
    root.command("dev-token")(dev_token)
    root.command("admin-token")(admin_token)

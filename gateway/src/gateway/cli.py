"""`hearth`: the developer's command line.

export HEARTH_ENVIRONMENT=development   # development tokens only exist there
uv run hearth dev-token --role staff
uv run hearth dev-token --role contractor --contractor-id gasco --ttl-minutes 30
uv run hearth admin-token --service repairs --subject ops-jane
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import timedelta

from pydantic import ValidationError

from gateway.auth import ROLE_SCOPES, DevelopmentTokenRefused, issue_development_token
from gateway.settings import GatewaySettings
from hearth_contracts.topics import SERVICES
from hearth_kit.auth import ADMIN_SCOPE, issue_internal_token
from hearth_kit.settings import environment_from_env

ADMIN_TOKEN_MAX_MINUTES = 60


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hearth", description="Hearth developer tools.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    dev_token = commands.add_parser(
        "dev-token",
        help="print a development access token for the gateway",
        description=(
            "Print an HS256 access token signed with the gateway's development secret "
            "(HEARTH_GATEWAY_JWT_SECRET). Use it as 'Authorization: Bearer <token>'. "
            "Refused unless HEARTH_ENVIRONMENT=development."
        ),
    )
    dev_token.add_argument("--role", required=True, choices=sorted(ROLE_SCOPES))
    dev_token.add_argument("--subject", help="the token's sub (default: dev-<role>)")
    dev_token.add_argument(
        "--contractor-id", help="the contractor a contractor token is bound to (required then)"
    )
    dev_token.add_argument("--ttl-minutes", type=_positive_int, default=60)
    admin_token = commands.add_parser(
        "admin-token",
        help="print an internal token with the admin scope for one service's /admin routes",
        description=(
            "Print an internal token for one service, with the admin scope, signed with "
            "the gateway's internal-token private key (HEARTH_GATEWAY_INTERNAL_TOKEN_"
            "PRIVATE_KEY; in development the development key). Run it where that key is, "
            "e.g. in the gateway's pod. Use it as 'Authorization: Bearer <token>' on the "
            "service's /admin routes; it works on no other service."
        ),
    )
    admin_token.add_argument("--service", required=True, choices=SERVICES)
    admin_token.add_argument(
        "--subject", default="ops", help="who is acting, for the service's records (default ops)"
    )
    admin_token.add_argument(
        "--ttl-minutes",
        type=_positive_int,
        default=15,
        help=f"lifetime, at most {ADMIN_TOKEN_MAX_MINUTES} (default 15)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "admin-token":
        return _admin_token(parser, args)
    if args.command != "dev-token":
        parser.print_help()
        return 2
    if args.role == "contractor" and not args.contractor_id:
        parser.error("a contractor token is bound to one contractor: give --contractor-id")
    try:
        settings = GatewaySettings()
    except ValidationError as exc:
        return _invalid_settings(exc)
    try:
        token = issue_development_token(
            args.role,
            args.subject or f"dev-{args.role}",
            contractor_id=args.contractor_id,
            ttl=timedelta(minutes=args.ttl_minutes),
            settings=settings,
        )
    except DevelopmentTokenRefused as exc:
        print(f"hearth: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        parser.error(str(exc))
    if settings.jwt_algorithm != "HS256":
        print(
            "hearth: note: the gateway is set to verify RS256 tokens and will not accept "
            "this HS256 development token",
            file=sys.stderr,
        )
    print(token)
    return 0


def _invalid_settings(exc: ValidationError) -> int:
    print(f"hearth: the gateway settings are not valid:\n{exc}", file=sys.stderr)
    if environment_from_env() == "production":
        print(
            "hearth: this shell is production (HEARTH_ENVIRONMENT is not development). On a "
            "developer's machine, as `make run` does: export HEARTH_ENVIRONMENT=development",
            file=sys.stderr,
        )
    return 1


def _admin_token(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.ttl_minutes > ADMIN_TOKEN_MAX_MINUTES:
        parser.error(f"--ttl-minutes is at most {ADMIN_TOKEN_MAX_MINUTES}")
    try:
        settings = GatewaySettings()
    except ValidationError as exc:
        return _invalid_settings(exc)
    token = issue_internal_token(
        settings.internal_token_key(),
        service=args.service,
        subject=args.subject,
        scopes=[ADMIN_SCOPE],
        ttl=timedelta(minutes=args.ttl_minutes),
    )
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())

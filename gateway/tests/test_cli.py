from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.auth import TokenVerifier
from gateway.settings import GatewaySettings
from hearth_kit.auth import InternalTokenVerifier, load_public_keys, private_key_pem
from hearth_kit.cli import main
from hearth_kit.problems import Unauthorized
from tests.harness.tokens import PUBLIC_KEY_VARIABLE


async def test_dev_token_prints_a_token_the_gateway_accepts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["dev-token", "--role", "staff", "--subject", "officer-7"]) == 0
    token = capsys.readouterr().out.strip()
    principal = await TokenVerifier(GatewaySettings()).verify(token)
    assert principal.subject == "officer-7"
    assert "homes:write" in principal.scopes


async def test_dev_token_for_a_contractor_names_the_contractor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(
            ["dev-token", "--role", "contractor", "--contractor-id", "gasco", "--ttl-minutes", "5"]
        )
        == 0
    )
    principal = await TokenVerifier(GatewaySettings()).verify(capsys.readouterr().out.strip())
    assert principal.contractor_id == "gasco"
    assert principal.subject == "dev-contractor-gasco"


async def test_dev_token_grants_a_need_to_know_scope_asked_for(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/api/engagement.md's vulnerability and diversity examples need a token with a
    need-to-know scope, which no role carries: --scope grants it on top of the role's."""
    assert (
        main(
            [
                "dev-token",
                "--role",
                "staff",
                "--scope",
                "vulnerabilities:read",
                "--scope",
                "diversity:read",
            ]
        )
        == 0
    )
    principal = await TokenVerifier(GatewaySettings()).verify(capsys.readouterr().out.strip())
    assert {"vulnerabilities:read", "diversity:read", "homes:write"} <= principal.scopes


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        (["--role", "staff", "--scope", "homes:everything"], "Unknown scope 'homes:everything'"),
        (
            ["--role", "contractor", "--contractor-id", "gasco", "--scope", "homes:read"],
            "carries the contractor",
        ),
    ],
    ids=["unknown-scope", "contractor-with-a-scope"],
)
def test_dev_token_refuses_a_scope_it_cannot_grant(
    words: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dev-token", *words]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert reason in " ".join(captured.err.split())


def test_dev_token_for_a_contractor_without_its_id_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["dev-token", "--role", "contractor"]) == 2
    assert "--contractor-id" in capsys.readouterr().err


def test_dev_token_is_refused_in_production(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEARTH_ENVIRONMENT", "production")
    monkeypatch.setenv("HEARTH_GATEWAY_JWT_SECRET", "a-production-secret-of-at-least-32-bytes")
    monkeypatch.setenv(
        "HEARTH_GATEWAY_INTERNAL_TOKEN_PRIVATE_KEY", private_key_pem(Ed25519PrivateKey.generate())
    )
    assert main(["dev-token", "--role", "staff"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "production" in captured.err


def test_admin_token_opens_one_services_admin_routes_and_no_others(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["admin-token", "--service", "repairs", "--subject", "ops-jane"]) == 0
    token = capsys.readouterr().out.strip()
    public_keys = load_public_keys(os.environ[PUBLIC_KEY_VARIABLE])
    caller = InternalTokenVerifier("repairs", public_keys).verify(token)
    assert caller.subject == "ops-jane"
    assert caller.scopes == {"admin"}
    with pytest.raises(Unauthorized, match="not for this service"):
        InternalTokenVerifier("income", public_keys).verify(token)


def test_admin_token_lives_at_most_an_hour(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin-token", "--service", "repairs", "--ttl-minutes", "61"]) == 2
    error = capsys.readouterr().err
    assert "--ttl-minutes" in error
    assert "60" in error


def test_the_hearth_command_is_installed_and_explains_itself() -> None:
    hearth = Path(sys.executable).parent / "hearth"
    result = subprocess.run(
        [str(hearth), "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "dev-token" in result.stdout  # the gateway's commands, through hearth.commands
    assert "dead-letters" in result.stdout  # the kit's own

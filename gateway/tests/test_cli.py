from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.auth import TokenVerifier
from gateway.cli import main
from gateway.settings import GatewaySettings


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
    assert principal.subject == "dev-contractor"


def test_dev_token_for_a_contractor_without_its_id_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["dev-token", "--role", "contractor"])
    assert exited.value.code == 2
    assert "--contractor-id" in capsys.readouterr().err


def test_dev_token_is_refused_in_production(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEARTH_GATEWAY_ENVIRONMENT", "production")
    monkeypatch.setenv("HEARTH_GATEWAY_JWT_SECRET", "a-production-secret-of-at-least-32-bytes")
    assert main(["dev-token", "--role", "staff"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "production" in captured.err


def test_the_hearth_command_is_installed_and_explains_itself() -> None:
    hearth = Path(sys.executable).parent / "hearth"
    result = subprocess.run(
        [str(hearth), "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "dev-token" in result.stdout

"""Development tokens made for two contractors as docs/contractors.md says carry two
subjects (dev-contractor-<id>), so nothing keyed by subject (idempotency keys, logs) ever
treats them as one caller; a subject given on the command line is kept as given."""

from __future__ import annotations

import pytest

from gateway.auth import TokenVerifier
from gateway.cli import default_subject
from gateway.settings import GatewaySettings
from hearth_kit.cli import main


async def token_for(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str | None]:
    assert main(["dev-token", "--role", "contractor", *args]) == 0
    principal = await TokenVerifier(GatewaySettings()).verify(capsys.readouterr().out.strip())
    return principal.subject, principal.contractor_id


async def test_two_contractors_tokens_carry_two_subjects(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plumbfast = await token_for(capsys, "--contractor-id", "plumbfast")
    drainco = await token_for(capsys, "--contractor-id", "drainco")
    assert plumbfast == ("dev-contractor-plumbfast", "plumbfast")
    assert drainco == ("dev-contractor-drainco", "drainco")


async def test_a_subject_given_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    subject = await token_for(capsys, "--contractor-id", "drainco", "--subject", "drainco-van-3")
    assert subject == ("drainco-van-3", "drainco")


def test_a_staff_tokens_default_subject_is_its_role() -> None:
    assert default_subject("staff", None) == "dev-staff"
    assert default_subject("contractor", "gasco") == "dev-contractor-gasco"

"""`hearth rent-run --week 2027-04-05` charges every current rent account once, with a
progress bar, against income's database from its settings; run again it charges
nothing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from income.cli import register


@pytest.fixture(scope="module")
async def three_accounts(income: httpx.AsyncClient) -> list[str]:
    found = []
    for _ in range(3):
        response = await income.post(
            "/v1/tenancies",
            json={
                "tenancy_reference": f"CLI-{uuid.uuid4().hex[:10]}",
                "uprn": str(10**11 + uuid.uuid4().int % (9 * 10**11)),
                "tenants": [{"full_name": "A Tenant"}],
                "start_date": "2027-01-04",
                "tenancy_type": "secure",
                "weekly_rent_pence": 9_999,
            },
        )
        assert response.status_code == 201
        found.append(response.json()["rent_account_id"])
    return found


def command_line() -> typer.Typer:
    root, imports = typer.Typer(), typer.Typer()
    register(root, imports)
    root.command("noop")(lambda: None)  # a group of two, so the command is named
    return root


def test_the_rent_run_command_charges_each_account_once(
    three_accounts: list[str], income_db_url: str, monkeypatch: Any
) -> None:
    monkeypatch.setenv("HEARTH_INCOME_DATABASE_URL", income_db_url)
    runner = CliRunner()
    first = runner.invoke(command_line(), ["rent-run", "--week", "2027-04-05"])
    assert first.exit_code == 0, first.output
    assert "Charged 3 rent accounts for the week from 2027-04-05" in first.output
    again = runner.invoke(command_line(), ["rent-run", "--week", "2027-04-05"])
    assert "Charged 0 rent accounts" in again.output
    tuesday = runner.invoke(command_line(), ["rent-run", "--week", "2027-04-06"])
    assert tuesday.exit_code == 2

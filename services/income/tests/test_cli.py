"""`hearth rent-run --week 2026-04-06` charges every current rent account once, with a
progress bar, against income's database from its settings; run again it charges
nothing; a week not yet begun is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from hearth_kit.working_days import london_day
from income.accounts.rules import rent_week_of
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
                "start_date": "2026-01-05",
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
    first = runner.invoke(command_line(), ["rent-run", "--week", "2026-04-06"])
    assert first.exit_code == 0, first.output
    assert "Charged 3 rent accounts for the week from 2026-04-06" in first.output
    again = runner.invoke(command_line(), ["rent-run", "--week", "2026-04-06"])
    assert "Charged 0 rent accounts" in again.output
    tuesday = runner.invoke(command_line(), ["rent-run", "--week", "2026-04-07"])
    assert tuesday.exit_code == 2


def test_the_rent_run_command_refuses_a_week_not_yet_begun(
    three_accounts: list[str], income_db_url: str, monkeypatch: Any
) -> None:
    monkeypatch.setenv("HEARTH_INCOME_DATABASE_URL", income_db_url)
    next_week = rent_week_of(london_day(datetime.now(UTC))) + timedelta(weeks=1)
    result = CliRunner().invoke(command_line(), ["rent-run", "--week", next_week.isoformat()])
    assert result.exit_code == 2
    assert "has not begun" in result.output

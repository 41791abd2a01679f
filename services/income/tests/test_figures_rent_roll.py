"""The rent roll the current arrears are a share of holds the tenancies the rent run
charges: one recorded ahead (up to a year before its first day, ADR 0075) is charged
nothing until its week, so it is not in this week's roll. Before, every current tenancy
was, begun or not, and a new household signed up for next month's keys raised the
annual rent roll by a year of its rent while owing nothing yet. A module of its own: its
database holds no other test's tenancies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.working_days import london_day
from income.accounts import rules
from income.settings import IncomeSettings
from services.income.tests.test_figures import measure


async def test_a_tenancy_recorded_ahead_is_not_in_the_rent_roll_until_its_week(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    today = london_day(datetime.now(UTC))
    week = rules.rent_week_of(today)
    await start_tenancy(weekly_rent_pence=10_000, weekly_service_charge_pence=1_000)
    # Its first day in the rent week after next: the rent run charges it nothing before.
    await start_tenancy(
        start_date=(week + timedelta(days=15)).isoformat(),
        weekly_rent_pence=9_000,
        weekly_service_charge_pence=500,
    )
    # One starting later this week is charged this week (pro rata): in the roll.
    await start_tenancy(start_date=(week + timedelta(days=6)).isoformat(), weekly_rent_pence=8_000)

    figures = await income.get(
        "/v1/income/figures",
        params={"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()},
    )
    assert figures.status_code == 200, figures.text
    share = measure(figures.json(), "income.current_arrears_share_of_rent_roll")
    weeks = rules.chargeable_weeks(rules.rent_year_of(today), IncomeSettings().rent_free_weeks)
    assert share["denominator"] == (11_000 + 8_000) * weeks

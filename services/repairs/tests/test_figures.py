"""Repairs' figures: RP02.1 and RP02.2 apart, the E:U:R mix, in the kit's Figures shape."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import httpx

from hearth_kit.working_days import london_day


async def test_figures_name_the_regulators_codes_and_count_the_period(
    staff: httpx.AsyncClient,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    reported = datetime.now(UTC) - timedelta(minutes=5)
    for priority in ("emergency", "urgent", "routine"):
        response = await staff.post(
            "/v1/repairs",
            json={
                "uprn": uprn,
                "description": "Leak",
                "location": "bathroom",
                "trade": "plumbing",
                "priority": priority,
                "reported_at": reported.isoformat(),
            },
        )
        assert response.status_code == 201
    today = london_day(datetime.now(UTC))
    response = await staff.get(
        "/v1/repairs/figures", params={"from": str(today - timedelta(days=1)), "to": str(today)}
    )
    assert response.status_code == 200, response.text
    figures = response.json()
    measures = {m["code"]: m for m in figures["measures"]}
    assert {"RP02.1", "RP02.2", "repairs.right_first_time", "repairs.appointments_kept"} <= set(
        measures
    )
    assert measures["repairs.reported.emergency"]["numerator"] >= 1
    assert measures["repairs.reported.emergency"]["denominator"] >= 3
    assert "awaab_breached_by_clock" in figures["breakdowns"]
    assert figures["from"] == str(today - timedelta(days=1))


async def test_a_period_ending_before_it_starts_is_a_problem_naming_to(
    staff: httpx.AsyncClient,
) -> None:
    response = await staff.get(
        "/v1/repairs/figures", params={"from": "2026-02-01", "to": "2026-01-01"}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["to"]

"""The Tenant Satisfaction Measures report: the regulator's codes from the services'
figures, with numerators and denominators, as JSON and CSV."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from gateway_stand_ins import FIGURES, OpenGateway, StandIns, bearer

from gateway.reports.schemas import LCHO_CODES, TSM_CODES


async def test_the_report_combines_every_code_from_the_services_figures(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    response = await gateway.get(
        "/v1/reports/tsm", params={"year": "2026-27"}, headers=bearer("repairs_manager")
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["year"], report["from"], report["to"]) == ("2026-27", "2026-04-01", "2027-03-31")
    assert [m["code"] for m in report["measures"]] == list(TSM_CODES)
    by_code = {m["code"]: m for m in report["measures"]}
    assert by_code["RP02.1"] | {"description": None} == {
        "code": "RP02.1",
        "description": None,
        "numerator": 80,
        "denominator": 100,
        "per": 1,
        "value": 0.8,
        "source": "repairs",
        "status": "reported",
    }
    assert by_code["CH01.1"]["per"] == 1000
    assert by_code["TP12"]["source"] == "engagement"
    assert report["missing"] == ["BS05"]
    assert by_code["BS05"]["numerator"] is None
    assert report["degraded"] == []
    asked = stand_ins.received("repairs", "GET", "/v1/repairs/figures")
    assert asked


async def test_the_report_as_csv_by_accept_or_format(gateway: httpx.AsyncClient) -> None:
    for request in (
        {"params": {"year": "2026-27", "format": "csv"}},
        {"params": {"year": "2026-27"}, "headers": {"Accept": "text/csv"}},
    ):
        headers = {**bearer("admin"), **request.get("headers", {})}
        response = await gateway.get("/v1/reports/tsm", params=request["params"], headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert 'filename="tsm-2026-27.csv"' in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        # The rental rows first, as always; then the shared owners' (docs/adr/0091).
        assert [row["code"] for row in rows] == [*TSM_CODES, *LCHO_CODES]
        assert [row["stock"] for row in rows] == ["LCRA"] * len(TSM_CODES) + ["LCHO"] * len(
            LCHO_CODES
        )
        assert (rows[0]["numerator"], rows[0]["denominator"]) == ("80", "100")


async def test_a_year_that_is_not_april_to_march_is_a_422_naming_year(
    gateway: httpx.AsyncClient,
) -> None:
    for year in ("2026-28", "2026", "26-27"):
        response = await gateway.get(
            "/v1/reports/tsm", params={"year": year}, headers=bearer("admin")
        )
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["year"]


async def test_with_engagement_stopped_its_codes_are_missing_and_it_is_degraded(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    async with open_gateway(engagement_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.get(
            "/v1/reports/tsm", params={"year": "2026-27"}, headers=bearer("admin")
        )
    report = response.json()
    assert report["degraded"] == ["engagement"]
    assert "TP01" in report["missing"]
    assert "CH02.2" in report["missing"]
    assert "RP02.1" not in report["missing"]


async def test_the_report_needs_reports_read(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get(
        "/v1/reports/tsm", params={"year": "2026-27"}, headers=bearer("contact_centre")
    )
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["reports:read"]


async def test_a_year_with_no_calendar_dates_or_before_the_measures_is_a_422_not_a_500(
    gateway: httpx.AsyncClient,
) -> None:
    """0000-01 and 9999-00 are written like reporting years but their days do not
    exist (a date before year 1 or after 9999): they were a 500. The measures began
    with 2023-24 (the regulator's standard from 1 April 2023), so 2022-23 is a 422 too."""
    for year in ("0000-01", "9999-00", "2022-23", "2026/27"):
        response = await gateway.get(
            "/v1/reports/tsm", params={"year": year}, headers=bearer("admin")
        )
        assert response.status_code == 422, (year, response.text)
        assert [e["field"] for e in response.json()["errors"]] == ["year"]


async def test_a_year_that_has_not_begun_is_a_422_and_no_service_is_asked(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    """A year that starts after London's today has no figures yet: the services would
    answer zeros and today's building safety shares under a year to come."""
    asked_before = len(stand_ins.received("repairs", "GET", "/v1/repairs/figures"))
    response = await gateway.get(
        "/v1/reports/tsm", params={"year": "2099-00"}, headers=bearer("admin")
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["year"]
    assert len(stand_ins.received("repairs", "GET", "/v1/repairs/figures")) == asked_before


async def test_each_service_is_asked_for_the_years_london_days(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    """`to` is the year's last day, included: the services count to 1 April 00:00 London."""
    response = await gateway.get(
        "/v1/reports/tsm", params={"year": "2025-26"}, headers=bearer("admin")
    )
    assert response.status_code == 200, response.text
    for service in ("repairs", "compliance", "engagement"):
        asked = stand_ins.received(service, "GET", f"/v1/{service}/figures")
        assert asked[-1].query == "from=2025-04-01&to=2026-03-31", service


async def test_a_service_that_counts_no_measure_is_not_asked_and_not_degraded(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    """Income and visits count none of the regulator's codes: with income stopped every
    measure is still there, and the report is not partial."""
    async with open_gateway(income_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.get(
            "/v1/reports/tsm", params={"year": "2026-27"}, headers=bearer("admin")
        )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["degraded"] == []
    assert report["missing"] == ["BS05"]


async def test_the_csv_says_which_rows_are_missing_and_why(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    """With engagement stopped the CSV's CH and TP rows were blank like a measure no one
    counts: a spreadsheet could not tell a partial report from a complete one."""
    async with open_gateway(engagement_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.get(
            "/v1/reports/tsm", params={"year": "2026-27", "format": "csv"}, headers=bearer("admin")
        )
        report = (
            await gateway.get(
                "/v1/reports/tsm", params={"year": "2026-27"}, headers=bearer("admin")
            )
        ).json()
    assert response.status_code == 200
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(response.text))}
    assert rows["RP02.1"]["status"] == "reported"
    assert rows["BS05"]["status"] == "not_reported"
    assert (rows["TP01"]["status"], rows["TP01"]["source"]) == ("unavailable", "engagement")
    assert rows["CH01.1"]["numerator"] == ""
    by_code = {m["code"]: m for m in report["measures"]}
    assert by_code["CH02.2"]["status"] == "unavailable"
    assert by_code["CH02.2"]["source"] == "engagement"
    assert by_code["BS05"]["status"] == "not_reported"


async def test_a_measure_of_the_wrong_shape_degrades_its_service_not_the_report(
    gateway: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A count that is not a whole number broke the whole report (500)."""
    monkeypatch.setitem(FIGURES, "compliance", [("BS01", 99.5, 100), ("BS02", 10, 10)])
    response = await gateway.get(
        "/v1/reports/tsm", params={"year": "2026-27"}, headers=bearer("admin")
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["degraded"] == ["compliance"]
    by_code = {m["code"]: m for m in report["measures"]}
    assert by_code["BS01"]["numerator"] is None
    assert by_code["BS02"]["numerator"] is None
    assert by_code["RP02.1"]["numerator"] == 80


async def test_json_and_csv_at_one_address_say_they_vary_by_accept(
    gateway: httpx.AsyncClient,
) -> None:
    """The same URL answers JSON or CSV by Accept: without `Vary: Accept` a cache may
    hand the CSV to a client that asked for JSON."""
    for accept in ("application/json", "text/csv"):
        response = await gateway.get(
            "/v1/reports/tsm",
            params={"year": "2026-27"},
            headers={**bearer("admin"), "Accept": accept},
        )
        assert response.status_code == 200
        assert "accept" in response.headers.get("vary", "").lower(), accept


async def test_a_year_in_other_scripts_digits_is_a_422_naming_year(
    gateway: httpx.AsyncClient,
) -> None:
    """Full-width or Arabic-Indic digits passed as a year: they are digits to the
    pattern's `\\d` and to `int`, so the report answered 200 under that year's name."""
    full_width = "\uff12\uff10\uff12\uff16-\uff12\uff17"
    arabic_indic = "\u0662\u0660\u0662\u0666-\u0662\u0667"
    for year in (full_width, arabic_indic):
        for params in ({"year": year}, {"year": year, "format": "csv"}):
            response = await gateway.get("/v1/reports/tsm", params=params, headers=bearer("admin"))
            assert response.status_code == 422, (year, response.status_code)
            assert [e["field"] for e in response.json()["errors"]] == ["year"]

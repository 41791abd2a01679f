"""The Tenant Satisfaction Measures report: the regulator's codes from the services'
figures, with numerators and denominators, as JSON and CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import gateway_stand_ins
import httpx
import pytest
from gateway_stand_ins import FIGURES, OpenGateway, StandIns, bearer

from gateway.reports.schemas import LCHO_CODES, TSM_CODES, counted_by
from gateway.reports.service import inconsistency
from hearth_kit.figures import Measure


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


@pytest.mark.parametrize(
    ("accept", "answered"),
    [
        # JSON preferred, CSV only as a fallback: was CSV (text/csv before the first ";")
        ("application/json, text/csv;q=0.1", "application/json"),
        # CSV preferred by q: was JSON (only the first range before ";" was read)
        ("application/json;q=0.5, text/csv", "text/csv"),
        # CSV refused outright: was CSV
        ("text/csv;q=0, application/json", "application/json"),
        # media types are case-insensitive: was JSON
        ("Text/CSV", "text/csv"),
        ("text/csv", "text/csv"),
        ("*/*", "application/json"),
    ],
)
async def test_the_report_follows_accept_by_its_weights(
    gateway: httpx.AsyncClient, accept: str, answered: str
) -> None:
    """Accept is a list of ranges with weights (RFC 9110, 12.5.1): the report read only
    whether text/csv came before the first ";"."""
    response = await gateway.get(
        "/v1/reports/tsm",
        params={"year": "2026-27"},
        headers={**bearer("admin"), "Accept": accept},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == answered


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


@pytest.mark.parametrize(
    ("code", "numerator", "denominator"),
    [("BS01", 101, 100), ("RP02.2", 19, None), ("TP03", -1, 100)],
    ids=["more-than-the-whole", "a-count-without-a-denominator", "a-negative-count"],
)
async def test_a_measure_whose_figures_disagree_degrades_its_service(
    gateway: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    numerator: int,
    denominator: int | None,
) -> None:
    """A share of 101 homes out of 100, a plain count under a regulator's code (no
    denominator) or a negative count was shown as reported, a figure no measure can
    have (docs/adr/0187): the service that answered it is degraded instead."""
    service = counted_by(code)
    counted = [m for m in FIGURES[service] if m[0] != code]
    monkeypatch.setitem(FIGURES, service, [(code, numerator, denominator), *counted])
    response = await gateway.get(
        "/v1/reports/tsm", params={"year": "2026-27"}, headers=bearer("admin")
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["degraded"] == [service]
    measures = {m["code"]: m for m in report["measures"]}
    assert (measures[code]["numerator"], measures[code]["status"]) == (None, "unavailable")
    assert measures["RP02.1" if service != "repairs" else "BS01"]["status"] == "reported"


async def test_figures_of_another_period_degrade_their_service(
    gateway: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service answering figures for other days than the year asked (its `from` and
    `to`) was read as the year's."""
    answer = gateway_stand_ins._figures

    def last_year(service: str, start: str, end: str) -> dict[str, Any]:
        if service == "compliance":
            return answer(service, "2025-04-01", "2026-03-31")
        return answer(service, start, end)

    monkeypatch.setattr(gateway_stand_ins, "_figures", last_year)
    response = await gateway.get(
        "/v1/reports/tsm", params={"year": "2026-27"}, headers=bearer("admin")
    )
    report = response.json()
    assert report["degraded"] == ["compliance"]
    assert {m["code"]: m["status"] for m in report["measures"]}["BS01"] == "unavailable"


def measure(
    code: str, numerator: int, denominator: int | None, per: int, value: float | None
) -> Measure:
    return Measure(
        code=code,
        description="as counted",
        numerator=numerator,
        denominator=denominator,
        per=per,
        value=value,
    )


def test_a_measure_is_consistent_only_on_its_codes_scale_with_its_value() -> None:
    """CH01 is per 1,000 homes and the rest shares; the value is numerator x per /
    denominator to 4 decimal places either way at a tie (1 of 32 is 0.0312 or 0.0313;
    263 complaints of 256 homes 1027.3437 or 1027.3438), a number, and null over 0."""
    consistent = [
        measure("CH01.1", 12, 1000, 1000, 12.0),
        measure("CH01.2", 1, 3, 1000, 333.3333),
        measure("TP01", 1, 32, 1, 0.0312),
        measure("TP01", 1, 32, 1, 0.0313),
        measure("BS05", 0, 0, 1, None),
        # A tie over 1,000 per 1,000 homes (1027.34375), rounded either way: a float's
        # error there is past half the fourth place, so it is compared exactly.
        measure("CH01.1", 263, 256, 1000, 1027.3438),
        measure("CH01.1", 263, 256, 1000, 1027.3437),
        measure("CH01.2", 265, 256, 1000, 1035.1563),
    ]
    assert [inconsistency(m.code, m) for m in consistent] == [None] * len(consistent)
    inconsistent = [
        measure("CH01.1", 12, 1000, 1, 0.012),
        measure("TP01", 80, 100, 1000, 800.0),
        measure("TP01", 80, 100, 1, 0.7),
        measure("TP01", 80, 100, 1, None),
        measure("BS05", 0, 0, 1, 0.0),
        measure("TP01", 1, 32, 1, 0.0314),
        measure("CH01.1", 263, 256, 1000, 1027.3439),
        measure("TP01", 1, 2, 1, float("nan")),
        measure("CH01.1", 1, 2, 1000, float("inf")),
    ]
    assert None not in [inconsistency(m.code, m) for m in inconsistent]


async def test_a_missing_ch01_row_keeps_its_scale(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    """With engagement stopped CH01's rows said per 1 (a share), as no figure of theirs
    does: their scale is per 1,000 homes whether reported or not."""
    async with open_gateway(engagement_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.get(
            "/v1/reports/tsm", params={"year": "2026-27", "format": "csv"}, headers=bearer("admin")
        )
    rows = {(row["code"], row["stock"]): row for row in csv.DictReader(io.StringIO(response.text))}
    for stock in ("LCRA", "LCHO"):
        assert (rows["CH01.1", stock]["per"], rows["CH01.1", stock]["status"]) == (
            "1000",
            "unavailable",
        )
        assert rows["CH02.1", stock]["per"] == "1"


async def test_a_code_answered_twice_degrades_its_service(
    gateway: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Repairs answering RP02.1 twice (80 of 100, then 60 of 100): the report showed the
    first as reported, though it cannot tell which the service means. A service's own
    code twice is no matter to the report."""
    monkeypatch.setitem(FIGURES, "repairs", [*FIGURES["repairs"], ("RP02.1", 60, 100)])
    own_twice = [("compliance.overdue", 1, None), ("compliance.overdue", 2, None)]
    monkeypatch.setitem(FIGURES, "compliance", [*FIGURES["compliance"], *own_twice])
    response = await gateway.get(
        "/v1/reports/tsm", params={"year": "2026-27"}, headers=bearer("admin")
    )
    report = response.json()
    assert report["degraded"] == ["repairs"]
    measures = {m["code"]: m for m in report["measures"]}
    assert (measures["RP02.1"]["numerator"], measures["RP02.1"]["status"]) == (None, "unavailable")
    assert measures["BS01"]["status"] == "reported"


async def test_a_code_another_service_counts_does_not_degrade_the_one_answering_it(
    gateway: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compliance answering TP01 as a plain count, twice: the report never shows a code
    from a service that does not count it (counted_by), so it is no reason to make
    compliance's building safety measures unavailable; engagement's TP01 is reported."""
    others = [("TP01", 3, None), ("TP01", 4, None)]
    monkeypatch.setitem(FIGURES, "compliance", [*FIGURES["compliance"], *others])
    response = await gateway.get(
        "/v1/reports/tsm", params={"year": "2026-27"}, headers=bearer("admin")
    )
    report = response.json()
    assert report["degraded"] == []
    measures = {m["code"]: m for m in report["measures"]}
    assert (measures["BS01"]["status"], measures["BS01"]["numerator"]) == ("reported", 99)
    assert (measures["TP01"]["source"], measures["TP01"]["numerator"]) == ("engagement", 71)

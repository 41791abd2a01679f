"""The shared owners' own Tenant Satisfaction Measures in the TSM report (docs/adr/0091):
the regulator asks for CH01, CH02, TP01 and TP05 to TP12 of low cost home ownership
apart from the rental figures. Engagement counts them (`low_cost_home_ownership` in its
figures); the report gives them their own section, each with numerator, denominator and
status, and the CSV its own rows (`stock` LCHO), the rental ones unchanged."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from gateway_stand_ins import LCHO_FIGURES, OpenGateway, StandIns, bearer

from gateway.reports.schemas import LCHO_CODES, TSM_CODES

YEAR = {"year": "2026-27"}


async def report(gateway: httpx.AsyncClient) -> dict[str, Any]:
    response = await gateway.get("/v1/reports/tsm", params=YEAR, headers=bearer("admin"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_code(measures: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {m["code"]: m for m in measures}


async def test_the_shared_owners_measures_are_a_section_of_their_own(
    gateway: httpx.AsyncClient,
) -> None:
    body = await report(gateway)
    section = body["low_cost_home_ownership"]
    assert [m["code"] for m in section["measures"]] == list(LCHO_CODES)
    assert not {"TP02", "TP03", "TP04", "RP02.1", "BS01"} & set(LCHO_CODES)
    shared_owners = by_code(section["measures"])
    assert shared_owners["CH01.1"] == {
        "code": "CH01.1",
        "description": "CH01.1 as engagement counts it",
        "numerator": 2,
        "denominator": 250,
        "per": 1000,
        "value": 8.0,
        "source": "engagement",
        "status": "reported",
    }
    assert (shared_owners["TP01"]["numerator"], shared_owners["TP01"]["denominator"]) == (30, 40)
    assert (shared_owners["TP12"]["numerator"], shared_owners["TP12"]["value"]) == (32, 0.8)
    # An empty denominator is reported, value null, as in the rental measures.
    assert (shared_owners["CH02.2"]["value"], shared_owners["CH02.2"]["status"]) == (
        None,
        "reported",
    )
    assert section["missing"] == []
    # The rental measures are the rental figures still, not the shared owners'.
    assert [m["code"] for m in body["measures"]] == list(TSM_CODES)
    rental = by_code(body["measures"])
    assert (rental["TP01"]["numerator"], rental["TP01"]["denominator"]) == (71, 100)
    assert (rental["CH01.1"]["numerator"], rental["CH01.1"]["denominator"]) == (12, 1000)
    assert body["missing"] == ["BS05"]


async def test_the_csv_gives_the_shared_owners_rows_after_the_rental_ones(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get(
        "/v1/reports/tsm", params={**YEAR, "format": "csv"}, headers=bearer("admin")
    )
    assert response.status_code == 200
    lines = response.text.split("\r\n")
    assert lines[0] == "code,description,numerator,denominator,per,value,source,status,stock"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    rental = {r["code"]: r for r in rows if r["stock"] == "LCRA"}
    shared_owners = {r["code"]: r for r in rows if r["stock"] == "LCHO"}
    assert list(shared_owners) == list(LCHO_CODES)
    assert (shared_owners["TP01"]["numerator"], shared_owners["TP01"]["denominator"]) == (
        "30",
        "40",
    )
    assert (shared_owners["CH01.1"]["per"], shared_owners["CH01.1"]["value"]) == ("1000", "8.0")
    assert shared_owners["CH02.2"]["value"] == ""
    assert (rental["TP01"]["numerator"], rental["TP01"]["denominator"]) == ("71", "100")
    # A reader taking the first row of a code still finds the rental one.
    first_tp01 = next(r for r in rows if r["code"] == "TP01")
    assert first_tp01["stock"] == "LCRA"


async def test_a_landlord_with_no_shared_ownership_gets_the_section_with_empty_denominators(
    gateway: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Engagement answers every shared owners' measure 0 of 0: reported, value null,
    nothing missing (as an empty rental measure is)."""
    monkeypatch.setitem(LCHO_FIGURES, "engagement", [(code, 0, 0) for code in LCHO_CODES])
    section = (await report(gateway))["low_cost_home_ownership"]
    assert [
        (m["numerator"], m["denominator"], m["value"], m["status"]) for m in section["measures"]
    ] == [(0, 0, None, "reported")] * len(LCHO_CODES)
    assert section["missing"] == []


async def test_an_engagement_without_the_section_leaves_it_not_reported(
    gateway: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An engagement older than the gateway (a deploy under way) answers its figures
    without the shared owners' measures: they are not_reported, null, and engagement is
    not degraded; the rental measures are all there."""
    monkeypatch.setitem(LCHO_FIGURES, "engagement", None)
    body = await report(gateway)
    section = body["low_cost_home_ownership"]
    assert {m["status"] for m in section["measures"]} == {"not_reported"}
    assert {m["numerator"] for m in section["measures"]} == {None}
    assert section["missing"] == list(LCHO_CODES)
    assert body["degraded"] == []
    assert body["missing"] == ["BS05"]


async def test_with_engagement_stopped_the_shared_owners_measures_are_unavailable(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    async with open_gateway(engagement_url=stand_ins.unreachable_url) as gateway:
        body = await report(gateway)
        response = await gateway.get(
            "/v1/reports/tsm", params={**YEAR, "format": "csv"}, headers=bearer("admin")
        )
    section = body["low_cost_home_ownership"]
    assert {(m["status"], m["source"]) for m in section["measures"]} == {
        ("unavailable", "engagement")
    }
    assert section["missing"] == list(LCHO_CODES)
    assert body["degraded"] == ["engagement"]
    rows = [r for r in csv.DictReader(io.StringIO(response.text)) if r["stock"] == "LCHO"]
    assert {(r["status"], r["numerator"]) for r in rows} == {("unavailable", "")}


async def test_a_shared_owners_section_of_the_wrong_shape_degrades_engagement(
    gateway: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A count that is not a whole number in the section degrades engagement, as one in
    its rental measures does, rather than failing the report or half-reporting it."""
    monkeypatch.setitem(LCHO_FIGURES, "engagement", [("TP01", 29.5, 40)])
    body = await report(gateway)
    assert body["degraded"] == ["engagement"]
    assert by_code(body["measures"])["TP01"]["status"] == "unavailable"
    assert by_code(body["low_cost_home_ownership"]["measures"])["TP01"]["status"] == "unavailable"
    assert by_code(body["measures"])["RP02.1"]["numerator"] == 80

"""The stock import: bad rows reported by line and reason while the rest go in, and the
same file twice changes nothing."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy

from compliance.checks.service import ProgrammeService
from compliance.homes.service import IMPORT_BATCH, HomeService
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.compliance.tests.factories import a_record
from tests.harness.days import days_from_today

HEADER = (
    "uprn,address_line_1,address_line_2,town,postcode,property_type,tenure,heating_fuel,"
    "gas_supply,block_id,estate_id,gas_certificate_expires_on,electrical_certificate_expires_on"
)


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def gas_expiry() -> str:
    """The gas certificate expiry a row carries: two months from the day the test runs
    (a fixed date would fall out of the 24 months the register goes back, ADR 0070)."""
    return days_from_today(61).isoformat()


def row(uprn: str, town: str = "London", fuel: str = "gas", supply: str = "live") -> str:
    return (
        f"{uprn},1 Mare Street,,{town},E8 1DY,flat,general_needs,{fuel},{supply},,EST1,"
        f"{gas_expiry()},"
    )


async def post_file(compliance: httpx.AsyncClient, text: str) -> httpx.Response:
    return await compliance.post(
        "/v1/homes/import", content=text.encode(), headers={"Content-Type": "text/csv"}
    )


async def test_bad_rows_are_reported_by_line_and_the_rest_go_in(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    good = [a_uprn() for _ in range(3)]
    lines = [
        HEADER,
        row(good[0]),
        row("12AB45"),  # line 3: a bad UPRN
        row(good[1]),
        f"{good[2]},1 Mare Street,,London,NOT A POSTCODE,flat,,gas,live,,,,",  # line 5
        row(good[2]),
        row(good[0]),  # line 7: the same UPRN again
        f"{a_uprn()},1 Mare Street,,London,E8 1DY,flat,,gas,live,{a_uprn()},,,",  # line 8
    ]
    response = await post_file(compliance, "\n".join(lines) + "\n")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["registered"] == 3
    assert result["rejected"] == 4
    assert [(e["line"], e["field"]) for e in result["errors"]] == [
        (3, "uprn"),
        (5, "postcode"),
        (7, "uprn"),
        (8, "block_id"),
    ]
    assert all("12AB45" not in e["reason"] for e in result["errors"])
    for uprn in good:
        assert (await compliance.get(f"/v1/homes/{uprn}")).status_code == 200
        assert len(await published("property-registered", uprn)) == 1
    gas = (await compliance.get(f"/v1/compliance/homes/{good[0]}")).json()["checks"]
    assert {c["check_type"]: c["due_by"] for c in gas}["gas_safety"] == gas_expiry()


async def test_a_row_with_an_expiry_years_ahead_is_refused_by_line(
    compliance: httpx.AsyncClient,
) -> None:
    good, gas_too_late, eicr_too_late = a_uprn(), a_uprn(), a_uprn()
    lines = [
        HEADER,
        row(good),
        f"{gas_too_late},1 Mare Street,,London,E8 1DY,flat,,gas,live,,,2099-01-01,",
        f"{eicr_too_late},1 Mare Street,,London,E8 1DY,flat,,gas,live,,,,2099-01-01",
    ]
    result = (await post_file(compliance, "\n".join(lines) + "\n")).json()
    assert (result["registered"], result["rejected"]) == (1, 2)
    assert [(e["line"], e["field"]) for e in result["errors"]] == [
        (3, "gas_certificate_expires_on"),
        (4, "electrical_certificate_expires_on"),
    ]
    assert (await compliance.get(f"/v1/homes/{gas_too_late}")).status_code == 404
    assert (await compliance.get(f"/v1/homes/{eicr_too_late}")).status_code == 404


async def test_a_field_too_long_for_the_csv_reader_is_a_row_error_and_the_rest_go_in(
    compliance: httpx.AsyncClient,
) -> None:
    before, after = a_uprn(), a_uprn()
    too_long = f"{a_uprn()},{'x' * 140_000},,London,E8 1DY,flat,,gas,live,,,,"
    lines = [HEADER, row(before), too_long, row(after)]
    response = await post_file(compliance, "\n".join(lines) + "\n")
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["rows"], result["registered"], result["rejected"]) == (3, 2, 1)
    assert [(e["line"], e["field"]) for e in result["errors"]] == [(3, None)]
    for uprn in (before, after):
        assert (await compliance.get(f"/v1/homes/{uprn}")).status_code == 200


async def test_a_header_too_long_for_the_csv_reader_is_a_422_naming_file(
    compliance: httpx.AsyncClient,
) -> None:
    response = await post_file(compliance, f"{'x' * 140_000}\n{row(a_uprn())}\n")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["file"]


async def test_the_same_file_twice_changes_nothing(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    uprns = [a_uprn() for _ in range(5)]
    text = "\n".join([HEADER, *(row(u) for u in uprns)]) + "\n"
    first = (await post_file(compliance, text)).json()
    assert first["registered"] == 5
    second = (await post_file(compliance, text)).json()
    assert (second["registered"], second["updated"], second["unchanged"]) == (0, 0, 5)
    for uprn in uprns:
        assert len(await published("property-registered", uprn)) == 1
        assert await published("property-updated", uprn) == []
        home = (await compliance.get(f"/v1/homes/{uprn}")).json()
        assert home["version"] == 1
    changed = "\n".join([HEADER, row(uprns[0], town="Hackney"), *(row(u) for u in uprns[1:])])
    third = (await post_file(compliance, changed + "\n")).json()
    assert (third["updated"], third["unchanged"]) == (1, 4)
    assert [e["town"] for e in await published("property-updated", uprns[0])] == ["Hackney"]


async def test_a_retried_import_with_the_same_key_answers_as_the_first_and_runs_once(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    """The gateway resends a keyed write once when a connection drops: the retry gets the
    first answer (2 registered, not 2 unchanged) and the file is not read again. The key
    is bound to the file's bytes: another file under it is a 422 and changes nothing."""
    uprns = [a_uprn(), a_uprn()]
    text = "\n".join([HEADER, *(row(uprn) for uprn in uprns)]) + "\n"
    headers = {"Content-Type": "text/csv", "Idempotency-Key": f"stock-{uprns[0]}"}
    first = await compliance.post("/v1/homes/import", content=text.encode(), headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["registered"] == 2
    again = await compliance.post("/v1/homes/import", content=text.encode(), headers=headers)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    for uprn in uprns:
        assert len(await published("property-registered", uprn)) == 1
    changed = text.replace(row(uprns[0]), row(uprns[0], town="Hackney"))
    other = await compliance.post("/v1/homes/import", content=changed.encode(), headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    same_rows_other_bytes = text.replace("\n", "\r\n").encode()
    crlf = await compliance.post("/v1/homes/import", content=same_rows_other_bytes, headers=headers)
    assert crlf.status_code == 422
    assert await published("property-updated", uprns[0]) == []
    assert (await compliance.get(f"/v1/homes/{uprns[0]}")).json()["town"] == "London"


def dated_row(uprn: str, gas: date | None, eicr: date | None) -> str:
    gas_text = "" if gas is None else gas.isoformat()
    eicr_text = "" if eicr is None else eicr.isoformat()
    return f"{uprn},1 Mare Street,,London,E8 1DY,flat,,gas,live,,,{gas_text},{eicr_text}"


async def open_checks(compliance: httpx.AsyncClient, uprn: str) -> dict[str, dict[str, Any]]:
    checks = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()["checks"]
    return {c["check_type"]: c for c in checks if c["completed_at"] is None}


async def test_a_changed_certificate_expiry_moves_the_open_checks_dates(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    today = london_day(datetime.now(UTC))
    uprn, blank = a_uprn(), a_uprn()
    expired = today - timedelta(days=10)
    first = [HEADER, dated_row(uprn, expired, None), dated_row(blank, expired, None)]
    assert (await post_file(compliance, "\n".join(first) + "\n")).json()["registered"] == 2
    async with compliance_database.sessionmaker() as session, session.begin():
        while await programme.sweep(session, datetime.now(UTC)):
            pass
    assert len(await published("certificate-expired", uprn)) == 1

    gas, eicr = today + timedelta(days=200), today + timedelta(days=900)
    # The register corrects the gas expiry and gives an EICR; a blank column changes nothing.
    second = [HEADER, dated_row(uprn, gas, eicr), dated_row(blank, None, None)]
    result = (await post_file(compliance, "\n".join(second) + "\n")).json()
    assert (result["updated"], result["unchanged"]) == (1, 1)
    checks = await open_checks(compliance, uprn)
    assert (checks["gas_safety"]["due_by"], checks["gas_safety"]["status"]) == (
        gas.isoformat(),
        "in_date",
    )
    assert checks["gas_safety"]["certificate_expires_on"] == gas.isoformat()
    assert checks["gas_safety"]["due_from"] == (gas - timedelta(days=60)).isoformat()
    assert checks["electrical"]["due_by"] == eicr.isoformat()
    assert (await open_checks(compliance, blank))["gas_safety"]["due_by"] == expired.isoformat()
    assert await published("property-updated", uprn) == []  # the register did not change
    again = (await post_file(compliance, "\n".join(second) + "\n")).json()
    assert (again["updated"], again["unchanged"]) == (0, 2)

    # The corrected certificate lapses in its turn: certificate-expired is raised again.
    async with compliance_database.sessionmaker() as session, session.begin():
        while await programme.sweep(session, datetime.now(UTC) + timedelta(days=201)):
            pass
    assert len(await published("certificate-expired", uprn)) == 2


async def test_a_check_that_follows_a_record_keeps_the_records_expiry(
    compliance: httpx.AsyncClient,
) -> None:
    today = london_day(datetime.now(UTC))
    uprn = a_uprn()
    text = HEADER + "\n" + dated_row(uprn, today + timedelta(days=20), None) + "\n"
    assert (await post_file(compliance, text)).json()["registered"] == 1
    recorded = await compliance.post("/v1/gas-safety-records", json=a_record(uprn, today))
    assert recorded.status_code == 201, recorded.text
    expires_on = recorded.json()["expires_on"]
    stale = HEADER + "\n" + dated_row(uprn, today + timedelta(days=20), None) + "\n"
    result = (await post_file(compliance, stale)).json()
    assert (result["updated"], result["unchanged"]) == (0, 1)
    assert (await open_checks(compliance, uprn))["gas_safety"]["due_by"] == expires_on


async def test_a_file_with_unknown_columns_is_refused_whole(
    compliance: httpx.AsyncClient,
) -> None:
    response = await post_file(compliance, "uprn,colour\n1,red\n")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


async def test_a_large_import_takes_the_tables_statistics_again_as_it_grows(
    compliance_database: Database, programme: ProgrammeService
) -> None:
    """Two and a half batches in one transaction: the statistics are taken again before
    the 2nd and 3rd batches, so within the transaction PostgreSQL knows the 2,000 homes of
    the first two (a planner that still thought the register empty looked each batch's
    UPRNs up by reading the whole table: 100,000 homes took 85 s against 2 s for 10,000)."""
    if not compliance_database.is_postgresql:
        pytest.skip("PostgreSQL's statistics; SQLite's planner uses the key's index anyway")
    text = "\n".join([HEADER, *(row(a_uprn()) for _ in range(2 * IMPORT_BATCH + 500))]) + "\n"
    async with compliance_database.sessionmaker() as session, session.begin():
        result = await HomeService(programme).import_file(session, text, datetime.now(UTC))
        known = await session.scalar(
            sqlalchemy.text("SELECT reltuples FROM pg_class WHERE relname = 'home'")
        )
    assert result.registered == 2 * IMPORT_BATCH + 500
    assert known is not None
    assert known >= 2 * IMPORT_BATCH


async def test_a_file_without_the_optional_columns_leaves_a_registered_home_alone(
    compliance: httpx.AsyncClient, published: Any
) -> None:
    """A home already registered as the row says is left alone: columns the file leaves
    out (tenure, block_id, address_line_2, estate_id) and empty cells keep what the
    register holds, not the defaults a new home takes; a leasehold home never becomes
    general needs (and gains a gas check due at once) by a re-import."""
    block, uprn = a_uprn(), a_uprn()
    created = await compliance.post("/v1/blocks", json={"uprn": block, "name": "C House"})
    assert created.status_code == 201, created.text
    registered = await compliance.post(
        "/v1/homes",
        json={
            "uprn": uprn,
            "address_line_1": "1 Kay Road",
            "address_line_2": "Flat 3",
            "town": "London",
            "postcode": "E8 1DY",
            "property_type": "flat",
            "tenure": "leasehold",
            "heating_fuel": "gas",
            "gas_supply": "live",
            "block_id": block,
            "estate_id": "EST1",
        },
    )
    assert registered.status_code == 201, registered.text
    short = (
        "uprn,address_line_1,town,postcode,property_type,heating_fuel,gas_supply\n"
        f"{uprn},1 Kay Road,London,E8 1DY,flat,gas,live\n"
    )
    result = (await post_file(compliance, short)).json()
    assert (result["updated"], result["unchanged"]) == (0, 1)
    empty_cells = f"{HEADER}\n{uprn},1 Kay Road,,London,E8 1DY,flat,,gas,live,,,,\n"
    result = (await post_file(compliance, empty_cells)).json()
    assert (result["updated"], result["unchanged"]) == (0, 1)
    home = (await compliance.get(f"/v1/homes/{uprn}")).json()
    assert (home["tenure"], home["block_id"], home["address_line_2"], home["estate_id"]) == (
        "leasehold",
        block,
        "Flat 3",
        "EST1",
    )
    assert (home["version"], home["gas_status"]) == (1, "leaseholder")
    assert await published("property-updated", uprn) == []
    assert "gas_safety" not in await open_checks(compliance, uprn)

    # A column the file has, with a value, still changes the home (and only that column).
    changed = f"{HEADER}\n{uprn},1 Kay Road,,Hackney,E8 1DY,flat,,gas,live,,,,\n"
    result = (await post_file(compliance, changed)).json()
    assert result["updated"] == 1
    home = (await compliance.get(f"/v1/homes/{uprn}")).json()
    assert (home["town"], home["tenure"], home["block_id"]) == ("Hackney", "leasehold", block)
    [event] = await published("property-updated", uprn)
    assert (event["tenure"], event["block_id"]) == ("leasehold", block)

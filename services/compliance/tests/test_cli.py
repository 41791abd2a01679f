"""`hearth import homes FILE` and `hearth compliance-sweep` through the `hearth` command
line (its installed entry points), on compliance's own database."""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

import httpx
import pytest

from hearth_kit import cli

HEADER = "uprn,address_line_1,town,postcode,property_type,heating_fuel,gas_supply"


async def hearth(database_url: str, *args: str) -> int:
    """Run `hearth ARGS` (in a thread: the command runs its own event loop)."""
    previous = os.environ.get("HEARTH_COMPLIANCE_DATABASE_URL")
    os.environ["HEARTH_COMPLIANCE_DATABASE_URL"] = database_url
    try:
        return await asyncio.to_thread(cli.main, list(args))
    finally:
        if previous is None:
            os.environ.pop("HEARTH_COMPLIANCE_DATABASE_URL", None)
        else:
            os.environ["HEARTH_COMPLIANCE_DATABASE_URL"] = previous


async def test_hearth_import_homes_reports_bad_lines_and_imports_the_rest_once(
    compliance: httpx.AsyncClient,
    compliance_db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    uprns = [str(random.randint(10**9, 10**12 - 1)) for _ in range(3)]
    rows = [f"{u},1 Kay Road,London,E8 1DY,flat,gas,live" for u in uprns]
    bad = "12AB45,1 Kay Road,London,E8 1DY,flat,gas,live"
    stock = tmp_path / "stock.csv"
    stock.write_text("\n".join([HEADER, rows[0], bad, *rows[1:]]) + "\n")
    assert await hearth(compliance_db_url, "import", "homes", str(stock)) == 2
    out, err = capsys.readouterr()
    assert "registered 3" in out
    assert "line 3: uprn" in err
    for uprn in uprns:
        assert (await compliance.get(f"/v1/homes/{uprn}")).status_code == 200
    await hearth(compliance_db_url, "import", "homes", str(stock))
    assert "registered 0, updated 0, unchanged 3" in capsys.readouterr().out
    assert await hearth(compliance_db_url, "compliance-sweep") == 0
    assert "compliance-sweep:" in capsys.readouterr().out


async def test_hearth_import_homes_leaves_a_registered_leasehold_home_alone(
    compliance: httpx.AsyncClient,
    compliance_db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The command takes the API's path: a file without the tenure column leaves a
    leasehold home leasehold (not reset to general needs)."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    body = {
        "uprn": uprn,
        "address_line_1": "1 Kay Road",
        "address_line_2": "Flat 3",
        "town": "London",
        "postcode": "E8 1DY",
        "property_type": "flat",
        "tenure": "leasehold",
        "heating_fuel": "gas",
        "gas_supply": "live",
    }
    assert (await compliance.post("/v1/homes", json=body)).status_code == 201
    stock = tmp_path / "stock.csv"
    stock.write_text(f"{HEADER}\n{uprn},1 Kay Road,London,E8 1DY,flat,gas,live\n")
    assert await hearth(compliance_db_url, "import", "homes", str(stock)) == 0
    assert "registered 0, updated 0, unchanged 1" in capsys.readouterr().out
    home = (await compliance.get(f"/v1/homes/{uprn}")).json()
    assert (home["tenure"], home["address_line_2"], home["version"]) == ("leasehold", "Flat 3", 1)

"""An investigation that finds no significant hazard owes the tenant its written summary
and nothing else (docs/adr/0108). Every complaint about damp and mould opens a case, and
stopping its investigation started the begin_safety_work and start_further_work clocks
whatever it found: they ran out five working days and twelve weeks later, each raising
hazard-deadline-breached and counting in repairs.awaab_breached, for safety work the law
did not ask for, unless someone stopped them on made-up evidence. The stop of the
investigation now says `hazard_found`; false starts only the written summary's clock,
and the case closes when the summary is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.repairs.tests.awaab.test_finish_work_by import stop
from services.repairs.tests.conftest import a_damp_case


def running(case: dict[str, Any]) -> list[str]:
    return sorted(c["milestone"] for c in case["clocks"] if c["stopped_at"] is None)


async def test_an_investigation_finding_no_hazard_owes_only_the_written_summary(
    staff: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    case_id = await a_damp_case(staff, now - timedelta(days=2))

    investigated = await stop(
        staff, case_id, "investigate", at=(now - timedelta(days=1)).isoformat(), hazard_found=False
    )

    assert investigated.status_code == 200, investigated.text
    assert running(investigated.json()) == ["written_summary"]
    summary = await stop(staff, case_id, "written_summary", at=now.isoformat())
    assert summary.status_code == 200, summary.text
    assert running(summary.json()) == []
    assert summary.json()["status"] == "closed"


@pytest.mark.parametrize("hazard_found", [True, None], ids=["found", "left out"])
async def test_an_investigation_finding_the_hazard_starts_the_safety_work_clocks(
    staff: httpx.AsyncClient, hazard_found: bool | None
) -> None:
    now = datetime.now(UTC)
    case_id = await a_damp_case(staff, now - timedelta(days=2))
    found = {} if hazard_found is None else {"hazard_found": hazard_found}

    investigated = await stop(staff, case_id, "investigate", at=now.isoformat(), **found)

    assert investigated.status_code == 200, investigated.text
    assert running(investigated.json()) == [
        "begin_safety_work",
        "start_further_work",
        "written_summary",
    ]


async def test_hazard_found_goes_only_with_the_investigation(staff: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    case_id = await a_damp_case(staff, now - timedelta(days=2))
    await stop(staff, case_id, "investigate", at=(now - timedelta(days=1)).isoformat())

    refused = await stop(staff, case_id, "written_summary", at=now.isoformat(), hazard_found=False)

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["hazard_found"]
    case = (await staff.get(f"/v1/awaab-cases/{case_id}")).json()
    assert "written_summary" in running(case)

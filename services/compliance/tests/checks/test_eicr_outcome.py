"""An EICR with a C1, C2 or FI observation is unsatisfactory by BS 7671's own
definitions: one sent as satisfactory contradicts itself and is refused (422 naming
outcome, nothing kept), and the corrected report's remedial work runs its 28 days from
the inspection's day (ADR 0102)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from hearth_kit.working_days import end_of_london_day
from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.factories import london_today


def an_eicr(done_on: date, outcome: str, classification: str) -> dict[str, Any]:
    return {
        "done_on": done_on.isoformat(),
        "certificate_reference": "EICR-4471",
        "outcome": outcome,
        "defects": [
            {
                "classification": classification,
                "location": "consumer unit",
                "description": "No RCD protection on socket circuits",
            }
        ],
    }


async def eicr_of(compliance: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    return next(c for c in body["checks"] if c["check_type"] == "electrical")


@pytest.mark.parametrize(
    "classification", ["danger_present", "potentially_dangerous", "further_investigation"]
)
async def test_a_satisfactory_eicr_with_an_unsatisfactory_code_is_refused(
    compliance: httpx.AsyncClient, published: Any, classification: str
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=100))
    eicr = await eicr_of(compliance, uprn)
    done_on = london_today() - timedelta(days=3)
    route = f"/v1/compliance/checks/{eicr['id']}/certificates"

    refused = await compliance.post(route, json=an_eicr(done_on, "satisfactory", classification))

    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "outcome"
    assert (await eicr_of(compliance, uprn))["completed_at"] is None
    assert await published("safety-defect-found", uprn) == []
    assert await published("check-completed", uprn) == []

    taken = await compliance.post(route, json=an_eicr(done_on, "unsatisfactory", classification))

    assert taken.status_code == 201, taken.text
    [defect] = await published("safety-defect-found", uprn)
    if classification != "danger_present":
        # 28 days starting with the inspection's day (ADR 0102)
        assert datetime.fromisoformat(defect["remedy_by"]) == end_of_london_day(
            done_on + timedelta(days=27)
        )


async def test_a_satisfactory_eicr_with_c3_only_is_taken(compliance: httpx.AsyncClient) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=100))
    eicr = await eicr_of(compliance, uprn)
    response = await compliance.post(
        f"/v1/compliance/checks/{eicr['id']}/certificates",
        json=an_eicr(london_today(), "satisfactory", "improvement_recommended"),
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("defects", [[], ["improvement_recommended", "other"]])
async def test_an_unsatisfactory_eicr_without_an_unsatisfactory_code_is_refused(
    compliance: httpx.AsyncClient, published: Any, defects: list[str]
) -> None:
    """BS 7671 makes a report unsatisfactory only by a C1, C2 or FI: one without any names
    nothing to remedy, so it is refused as its reverse is, and the corrected one taken."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=100))
    eicr = await eicr_of(compliance, uprn)
    done_on = london_today() - timedelta(days=3)
    route = f"/v1/compliance/checks/{eicr['id']}/certificates"
    body = an_eicr(done_on, "unsatisfactory", "other")
    body["defects"] = [{**body["defects"][0], "classification": kind} for kind in defects]

    refused = await compliance.post(route, json=body)

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["outcome"]
    assert (await eicr_of(compliance, uprn))["completed_at"] is None
    assert await published("check-completed", uprn) == []

    taken = await compliance.post(route, json={**body, "outcome": "satisfactory"})

    assert taken.status_code == 201, taken.text
    [completed] = await published("check-completed", uprn)
    assert completed["outcome"] == "satisfactory"

"""DOMAIN.md: damage caused by the household is recharged, and vulnerability is
considered before recharging. A recharge on a communal repair (at a block's UPRN) was
raised at once: no one's vulnerability is recorded at a block, so none was considered,
and income, finding no tenancy at the block, held the charge for a decision that has no
answer (a held recharge is charged to a tenancy of its home). Refused, 422 naming
repair_id; nothing kept or published."""

from __future__ import annotations

import httpx

from hearth_kit.db import Database
from services.repairs.tests.test_communal_issues import a_uprn, flat_registered
from services.repairs.tests.test_handlers import consume
from services.repairs.tests.test_recharges import RECHARGE, recharges_raised


async def test_a_communal_repair_is_not_recharged(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    block, flat = a_uprn(), a_uprn()
    await consume(repairs_database, [flat_registered(flat, block)])
    reported = await staff.post(
        "/v1/repairs",
        json={
            "uprn": block,
            "description": "Communal door kicked in",
            "location": "main entrance",
            "trade": "carpentry",
            "priority": "urgent",
        },
    )
    assert reported.status_code == 201, reported.text
    assert reported.json()["communal"] is True

    refused = await staff.post(f"/v1/repairs/{reported.json()['id']}/recharges", json=RECHARGE)

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["repair_id"]
    assert await recharges_raised(repairs_database, block) == 0

"""A repair to a block's communal areas asks the whole block for feedback (DOMAIN.md
repairs: "for communal repairs, feedback from the whole block"). Whether it is communal
was decided only when the repair was reported, from repairs' copy of the asset
register: reported at a block's UPRN before any of the block's homes reached that copy
(the stock import after the report, or property-registered behind it on another
topic), it stayed a home's repair, repair-completed said communal false, and no one in
the block was asked. It is judged again when the repair is completed."""

from __future__ import annotations

import httpx

from hearth_kit.db import Database
from services.repairs.tests.test_communal_issues import a_uprn, complete, flat_registered
from services.repairs.tests.test_handlers import consume


async def test_a_block_named_after_the_report_makes_the_completed_repair_communal(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    block, flat = a_uprn(), a_uprn()
    reported = await staff.post(
        "/v1/repairs",
        json={
            "uprn": block,
            "description": "Door entry handset broken",
            "location": "main entrance",
            "trade": "electrical",
            "priority": "routine",
            "source": "contact_centre",
        },
    )
    assert reported.status_code == 201, reported.text
    assert reported.json()["communal"] is False  # no home names the block yet

    await consume(repairs_database, [flat_registered(flat, block)])

    assert await complete(staff, repairs_database, reported.json()["id"], block) is True
    shown = await staff.get(f"/v1/repairs/{reported.json()['id']}")
    assert shown.json()["communal"] is True


async def test_a_uprn_no_block_has_stays_a_homes_repair_when_completed(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    home = a_uprn()
    reported = await staff.post(
        "/v1/repairs",
        json={
            "uprn": home,
            "description": "Socket scorched",
            "location": "kitchen",
            "trade": "electrical",
            "priority": "routine",
            "source": "contact_centre",
        },
    )
    assert reported.status_code == 201, reported.text

    assert await complete(staff, repairs_database, reported.json()["id"], home) is False

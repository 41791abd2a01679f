"""ADR 0111: a tenancy income withdraws before its first day never had its household in
the home, so a vulnerability engagement recorded for it (its tenants are known from the
day it is announced) does not hold the next household's recharge for a manager, in
whichever order the withdrawal and the record are handled."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyWithdrawn
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.repairs.tests.test_recharges_after_tenancy_end import (
    a_home,
    flagged,
    recharge_status,
    run,
)

NOW = datetime.now(UTC)


def withdrawn(tenancy_id: uuid.UUID, uprn: str) -> Envelope[Any]:
    return Envelope(
        data=TenancyWithdrawn(
            tenancy_id=tenancy_id,
            uprn=uprn,
            start_date=london_day(NOW) + timedelta(days=30),
            withdrawn_at=NOW - timedelta(hours=1),
        ),
        time=NOW - timedelta(hours=1),
    )


async def test_a_withdrawn_tenancys_flag_does_not_hold_the_homes_recharge(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, offered = a_home(), uuid.uuid4()
    await run(repairs_database, flagged(uuid.uuid4(), uprn, offered, NOW - timedelta(days=2)))
    assert await recharge_status(staff, uprn) == ("awaiting_approval", True)
    await run(repairs_database, withdrawn(offered, uprn))
    await run(repairs_database, withdrawn(offered, uprn))  # again: no change
    assert await recharge_status(staff, uprn) == ("raised", False)


async def test_a_flag_handled_after_the_withdrawal_does_not_hold_it_either(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, offered = a_home(), uuid.uuid4()
    await run(repairs_database, withdrawn(offered, uprn))
    await run(repairs_database, flagged(uuid.uuid4(), uprn, offered, NOW))
    assert await recharge_status(staff, uprn) == ("raised", False)

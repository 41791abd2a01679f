from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from hearth_contracts.events.income import TenancyType
from hearth_kit.db import Database
from income.models import Tenancy, TenancyStatus


def a_current_tenancy(uprn: str) -> Tenancy:
    return Tenancy(
        id=uuid.uuid4(),
        tenancy_reference=f"T-{uuid.uuid4().hex[:12]}",
        uprn=uprn,
        start_date=date(2025, 4, 7),
        tenancy_type=TenancyType.ASSURED,
        weekly_rent_pence=10_000,
        status=TenancyStatus.CURRENT,
        created_at=datetime.now(UTC),
    )


async def test_the_database_refuses_a_second_current_tenancy_of_a_home(
    income_database: Database,
) -> None:
    """The rule holds even for two requests racing past the service's check."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    async with income_database.sessionmaker() as session, session.begin():
        session.add(a_current_tenancy(uprn))
    with pytest.raises(IntegrityError):
        async with income_database.sessionmaker() as session, session.begin():
            session.add(a_current_tenancy(uprn))

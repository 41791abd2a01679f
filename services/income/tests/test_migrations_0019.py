"""Migration 0019: every notice of seeking possession is a row of its own. The notice
each case holds already (its `nosp_served_at`, the only one income kept) is copied in;
a case never served one gets none."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Uuid, bindparam, text
from sqlmodel import col, select

from hearth_contracts.events.income import ArrearsStage, TenancyType
from hearth_kit.db import AwareDateTime, Database
from hearth_kit.migrations import upgrade
from income.models import (
    Account,
    AccountKind,
    PossessionNotice,
    Tenancy,
    TenancyStatus,
)
from income.settings import MIGRATIONS_DIR
from services.income.tests.rows_before import add_tenancy_before_0029
from tests.harness.infra import DatabaseFactory

SERVED = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)


async def test_the_notice_on_each_case_is_copied_in(databases: DatabaseFactory) -> None:
    url = await databases.create("income_0019")
    await upgrade(MIGRATIONS_DIR, url, "0018")
    db = Database(url)
    served, never = uuid.uuid4(), uuid.uuid4()
    try:
        async with db.sessionmaker() as session, session.begin():
            for number, (account_id, nosp_served_at) in enumerate(
                ((served, SERVED), (never, None))
            ):
                tenancy_id = uuid.uuid4()
                await add_tenancy_before_0029(
                    session,
                    Tenancy(
                        id=tenancy_id,
                        tenancy_reference=f"M-{number}",
                        uprn=f"1000000000{number}",
                        start_date=date(2025, 4, 7),
                        tenancy_type=TenancyType.SECURE,
                        weekly_rent_pence=10_000,
                        weekly_service_charge_pence=0,
                        status=TenancyStatus.CURRENT,
                        created_at=SERVED,
                    ),
                )
                session.add(
                    Account(
                        id=account_id,
                        tenancy_id=tenancy_id,
                        uprn=f"1000000000{number}",
                        kind=AccountKind.RENT,
                        opened_on=date(2025, 4, 7),
                    )
                )
                await session.flush()
                # the case as 0018 has it (the model has columns added since)
                await session.execute(
                    text(
                        "INSERT INTO arrears_case (account_id, tenancy_id, stage, "
                        "next_check_at, nosp_served_at, resume_at_next_step, "
                        "paused_for_review, benefit_claim_pending, version) VALUES (:account, "
                        ":tenancy, :stage, :next, :served, FALSE, FALSE, FALSE, 1)"
                    ).bindparams(
                        bindparam("account", type_=Uuid()),
                        bindparam("tenancy", type_=Uuid()),
                        bindparam("next", type_=AwareDateTime()),
                        bindparam("served", type_=AwareDateTime()),
                    ),
                    {
                        "account": account_id,
                        "tenancy": tenancy_id,
                        "stage": (
                            ArrearsStage.NOTICE_OF_SEEKING_POSSESSION
                            if nosp_served_at
                            else ArrearsStage.NONE
                        ).value,
                        "next": SERVED,
                        "served": nosp_served_at,
                    },
                )
        await upgrade(MIGRATIONS_DIR, url)
        async with db.sessionmaker() as session:
            notices = (
                (
                    await session.execute(
                        select(PossessionNotice).where(
                            col(PossessionNotice.account_id).in_([served, never])
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert [(n.account_id, n.served_at) for n in notices] == [(served, SERVED)]
    finally:
        await db.dispose()

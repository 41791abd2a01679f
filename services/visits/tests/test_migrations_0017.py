"""Migration 0017: the open customer actions of households that had already left lapse,
by the rule the handlers apply: promised at a visit with the ended tenancy, or at one that
named none while it ran; dated the start of the day after its last. Another household's,
one promised while the home was empty, a closed one and one at a home whose tenancy runs
on stay as they were."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, text
from sqlalchemy.types import Uuid

from hearth_contracts.events.visits import VisitChannel, VisitKind
from hearth_kit.db import AwareDateTime, Database
from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory
from visits.models import TenancyRecord, Visit, VisitStatus
from visits.settings import MIGRATIONS_DIR

LEFT = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
"""The start of the London day after 1 March 2026 (GMT), the ended tenancy's last."""


def a_visit(uprn: str, at: datetime, tenancy_id: uuid.UUID | None) -> Visit:
    return Visit(
        id=uuid.uuid4(),
        uprn=uprn,
        kind=VisitKind.FULL,
        channel=VisitChannel.IN_HOME,
        status=VisitStatus.COMPLETED,
        scheduled_for=at,
        scheduled_end=at + timedelta(hours=1),
        scheduled_at=at,
        visited_at=at,
        tenancy_id=tenancy_id,
    )


async def test_the_open_actions_of_households_that_left_lapse(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("visits_0017")
    await upgrade(MIGRATIONS_DIR, url, "0016")
    db = Database(url)
    home, other_home = "100000000001", "100000000002"
    left, earlier, living = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    during = datetime(2025, 10, 6, 10, tzinfo=UTC)
    visits = {
        "with_the_tenancy": a_visit(home, during, left),
        "naming_none_while_it_ran": a_visit(home, during + timedelta(days=1), None),
        "naming_none_in_the_earlier_tenancy": a_visit(
            home, datetime(2019, 5, 6, 10, tzinfo=UTC), None
        ),
        "naming_none_between_tenancies": a_visit(home, datetime(2020, 1, 15, 10, tzinfo=UTC), None),
        "closed": a_visit(home, during + timedelta(days=2), left),
        "tenancy_runs_on": a_visit(other_home, during, living),
    }
    try:
        async with db.sessionmaker() as session, session.begin():
            session.add_all(
                [
                    TenancyRecord(
                        tenancy_id=earlier,
                        uprn=home,
                        start_date=date(2010, 1, 4),
                        ended_on=date(2019, 12, 31),
                    ),
                    TenancyRecord(
                        tenancy_id=left,
                        uprn=home,
                        start_date=date(2020, 2, 3),
                        ended_on=date(2026, 3, 1),
                    ),
                    TenancyRecord(tenancy_id=living, uprn=other_home, start_date=date(2020, 2, 3)),
                ]
            )
            session.add_all(visits.values())
        async with db.engine.begin() as connection:
            for name, visit in visits.items():
                await connection.execute(
                    text(
                        "INSERT INTO customer_action (id, uprn, visit_id, description, "
                        "promised_at, closed_at) VALUES (:id, :uprn, :visit_id, 'Refer', :at, "
                        ":closed_at)"
                    ).bindparams(
                        bindparam("id", type_=Uuid()),
                        bindparam("visit_id", type_=Uuid()),
                        bindparam("at", type_=AwareDateTime()),
                        bindparam("closed_at", type_=AwareDateTime()),
                    ),
                    {
                        "id": visit.id,  # one action per visit: its id is the visit's
                        "uprn": visit.uprn,
                        "visit_id": visit.id,
                        "at": visit.visited_at,
                        "closed_at": visit.visited_at if name == "closed" else None,
                    },
                )
        await upgrade(MIGRATIONS_DIR, url)
        async with db.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT id, lapsed_at, lapsed_with_tenancy_id FROM customer_action"
                    ).columns(id=Uuid(), lapsed_at=AwareDateTime(), lapsed_with_tenancy_id=Uuid())
                )
            ).all()
        lapsed = {row.id: (row.lapsed_at, row.lapsed_with_tenancy_id) for row in rows}
        assert {name: lapsed[visit.id] for name, visit in visits.items()} == {
            "with_the_tenancy": (LEFT, left),
            "naming_none_while_it_ran": (LEFT, left),
            "naming_none_in_the_earlier_tenancy": (datetime(2020, 1, 1, tzinfo=UTC), earlier),
            "naming_none_between_tenancies": (None, None),  # promised to no household known
            "closed": (None, None),
            "tenancy_runs_on": (None, None),
        }
    finally:
        await db.dispose()

"""ADR 0144: a tenancy loaded from the old system at a step of its arrears recovery is
announced by income at the load (arrears-stage-changed, `brought_forward`). Visits
takes it as any step: the home is scored with it from the load, dated the day the old
system reached it. Before, income published nothing at the load, and a household
already served a notice was scored without it until the ladder next moved."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.income import ArrearsStage, ArrearsStageChanged
from hearth_kit.db import Database
from hearth_kit.working_days import start_of_london_day
from services.visits.tests.factories import a_uprn
from services.visits.tests.test_handlers import consume, registered, started
from visits.programme import repository as projections
from visits.settings import DEFAULT_ARREARS_POINTS


async def test_a_notice_brought_forward_at_the_load_is_scored(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """Through the inbox, as income publishes them at a load: the tenancy, then its
    notice of seeking possession served by the old system on 5 October. The home scores
    the notice's points, the stage dated 5 October (not the load's day), so a step the
    ladder takes after the load is newer and replaces it."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    served = date(2026, 10, 5)
    loaded = Envelope(
        data=ArrearsStageChanged(
            tenancy_id=tenancy_id,
            uprn=uprn,
            stage=ArrearsStage.NOTICE_OF_SEEKING_POSSESSION,
            previous_stage=ArrearsStage.NONE,
            arrears_pence=50_000,
            changed_at=start_of_london_day(served),
            brought_forward=True,
        )
    )
    at = datetime.now(UTC) - timedelta(days=3)
    await consume(
        visits_database,
        [registered(uprn, registered_at=at), started(uprn, tenancy_id, date(2015, 4, 6)), loaded],
    )
    async with visits_database.sessionmaker() as session:
        tenancy = await projections.tenancy(session, tenancy_id)
    assert tenancy is not None
    assert tenancy.arrears_stage is ArrearsStage.NOTICE_OF_SEEKING_POSSESSION
    assert tenancy.arrears_as_of == start_of_london_day(served)
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    points = {r["factor"]: r["points"] for r in priority["reasons"]}
    assert points["arrears"] == DEFAULT_ARREARS_POINTS[ArrearsStage.NOTICE_OF_SEEKING_POSSESSION]
    warned = loaded.data.model_copy(
        update={
            "stage": ArrearsStage.COURT_WARNING,
            "previous_stage": ArrearsStage.NOTICE_OF_SEEKING_POSSESSION,
            "changed_at": at,
            "brought_forward": False,
        }
    )
    await consume(visits_database, [Envelope(data=warned)])
    async with visits_database.sessionmaker() as session:
        tenancy = await projections.tenancy(session, tenancy_id)
    assert tenancy is not None
    assert (tenancy.arrears_stage, tenancy.arrears_as_of) == (ArrearsStage.COURT_WARNING, at)

"""Income records a tenancy up to a year before it starts and announces it at once. Until
it starts, the home's programme factors stay the household's living there: its tenancy's
arrears and age, its residents (living alone, the eldest's age band); the incoming
tenancy and residents count from its first day, when the home is re-scored by itself
(rescore_on). Before, the latest tenancy not ended was the home's the day it was
announced: the arrears dropped to none, the tenancy became new, and the incoming
residents made a tenant who lives alone part of a household."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.income import ArrearsStageChanged
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.visits.tests.factories import a_uprn, an_area
from services.visits.tests.programme.test_ranking import postcode_in
from services.visits.tests.programme.test_stored_scores import stored
from services.visits.tests.test_handlers import handle, registered, resident, started
from visits.programme.service import ProgrammeService
from visits.settings import RiskWeights, VisitIntervals


def reasons(home: dict[str, Any]) -> dict[str, int]:
    return {r["factor"]: r["points"] for r in home["reasons"]}


async def test_the_household_living_there_is_scored_until_the_next_tenancy_starts(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, living_there, moving_in = a_uprn(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    today = london_day(now)
    moves_in_on = today + timedelta(days=30)
    await handle(visits_database, registered(uprn, registered_at=now, **postcode_in(an_area())))
    await handle(visits_database, started(uprn, living_there, date(2020, 4, 1), "secure"))
    await handle(
        visits_database,
        resident(uprn, living_there, lives_alone=True, age_band="85_and_over"),
    )
    await handle(
        visits_database,
        Envelope(
            data=ArrearsStageChanged(
                tenancy_id=living_there,
                uprn=uprn,
                stage="court_application",
                previous_stage="court_warning",
                arrears_pence=240_000,
                changed_at=now,
            )
        ),
    )
    await handle(visits_database, started(uprn, moving_in, moves_in_on, "introductory"))
    await handle(visits_database, resident(uprn, moving_in, lives_alone=False, age_band="25_to_44"))

    live = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    expected = {"arrears": 30, "living_alone": 15, "age_band": 15}
    assert {
        f: p for f, p in reasons(live).items() if f in {*expected, "new_or_introductory_tenancy"}
    } == expected
    row = await stored(visits_database, uprn)
    assert {r["factor"]: r["points"] for r in row.reasons} == reasons(live)
    assert row.rescore_on == moves_in_on  # the day the factors change by themselves

    # the day it starts, the incoming tenancy is the home's
    programme = ProgrammeService(RiskWeights(), VisitIntervals())
    async with visits_database.sessionmaker() as session, session.begin():
        await programme.rescore(session, [uprn], datetime.combine(moves_in_on, time(12), UTC))
    moved_in = {r["factor"] for r in (await stored(visits_database, uprn)).reasons}
    assert "new_or_introductory_tenancy" in moved_in
    assert not moved_in & {"arrears", "living_alone"}

"""The community caseload is by area (DOMAIN.md): its officer is the area's. A tenancy
whose start visits handled before the home's register entry (income's and compliance's
topics keep no order between them) was placed with no area, so with no officer, and sat
on nobody's caseload for good; a home whose postcode the register corrected stayed with
the old area's officer. The register entry now hands the home's community tenancies to
its area's officer; introductory and referred ones keep theirs (ADR 0211)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx

from hearth_kit.db import Database
from services.visits.tests.caseloads.test_caseloads import caseload_of, held_row
from services.visits.tests.factories import a_uprn
from services.visits.tests.test_handlers import handle, registered, started, updated


async def test_a_tenancy_started_before_its_home_was_registered_is_its_areas_officers(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 6, 1), "secure"))
    assert (await held_row(visits_database, tenancy_id))["officer"] is None

    await handle(visits_database, registered(uprn))  # postcode E8 1DY

    held = await held_row(visits_database, tenancy_id)
    assert (held["caseload"], held["officer"]) == ("community", "officer-e8")
    assert str(tenancy_id) in await caseload_of(visits, "officer-e8")


async def test_a_corrected_postcode_moves_community_tenancies_only(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, community, introductory = a_uprn(), uuid.uuid4(), uuid.uuid4()
    other_home = a_uprn()
    await handle(visits_database, registered(uprn, postcode="YO10 3AB"))
    await handle(visits_database, registered(other_home, postcode="YO10 3AB"))
    await handle(visits_database, started(uprn, community, date(2026, 6, 1), "secure"))
    await handle(visits_database, started(other_home, introductory, date(2026, 6, 1)))
    assert (await held_row(visits_database, community))["officer"] is None  # no YO10 officer

    at = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    await handle(visits_database, updated(uprn, "gas", at, postcode="E8 1DY"))
    await handle(visits_database, updated(other_home, "gas", at, postcode="E8 1DY"))

    assert (await held_row(visits_database, community))["officer"] == "officer-e8"
    assert (await held_row(visits_database, introductory))["officer"] == "officer-intro"
    # and back: a home moved out of the area leaves the area's officer
    later = datetime(2026, 8, 1, 9, 0, tzinfo=UTC)
    await handle(visits_database, updated(uprn, "gas", later, postcode="YO10 3AB"))
    assert (await held_row(visits_database, community))["officer"] is None

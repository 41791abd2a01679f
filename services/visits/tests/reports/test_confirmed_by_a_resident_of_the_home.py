"""A report's household details are confirmed with a resident of the home visited.
Engagement applies resident-details-confirmed (household size, so living alone) to
whichever resident it names, whatever the home, so a resident visits knows lives at
another home is refused, naming the field, and nothing is recorded or published. A
resident visits has not heard of yet (engagement's event still to come) is taken."""

from __future__ import annotations

import uuid

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn, event_names, outbox_rows
from services.visits.tests.reports.test_drafts import complete_draft, save, scheduled, submit
from services.visits.tests.test_handlers import handle, resident


def confirmed_by(resident_id: uuid.UUID) -> list[dict[str, object]]:
    draft = complete_draft()
    for part in draft:
        if part["section"] == "household":
            part["content"] = {**part["content"], "resident_id": str(resident_id)}
    return draft


async def test_a_resident_of_another_home_cannot_confirm_the_household(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    here, elsewhere, neighbour = a_uprn(), a_uprn(), uuid.uuid4()
    await handle(visits_database, resident(elsewhere, uuid.uuid4(), resident_id=neighbour))
    visit_id = await scheduled(visits, here)
    assert (await save(visits, visit_id, confirmed_by(neighbour))).status_code == 200

    response = await submit(visits, visit_id, "k-" + visit_id)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "draft.household.resident_id"
    assert elsewhere not in response.text  # where the resident lives stays private
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["status"] == "scheduled"
    assert event_names(await outbox_rows(visits_database, here)) == ["visit-scheduled"]


async def test_a_resident_of_the_home_or_one_not_known_yet_confirms_it(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, living_here = a_uprn(), uuid.uuid4()
    await handle(visits_database, resident(uprn, uuid.uuid4(), resident_id=living_here))
    for resident_id in (living_here, uuid.uuid4()):
        visit_id = await scheduled(visits, uprn)
        await save(visits, visit_id, confirmed_by(resident_id))
        response = await submit(visits, visit_id, "k-" + visit_id)
        assert response.status_code == 201, response.text
        assert response.json()["resident_id"] == str(resident_id)

"""A request naming a person id a merge visits handled retired is written under the
person kept (ADR 0208): the draft's household piece as saved, the visit's `resident_id`
and resident-details-confirmed, by a draft's report (its piece saved before or after the
merge) and by the one-shot report. Left as sent, the visit named an id no profile,
tenancy or later merge in visits finds again, and engagement was told of a person it
retired."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from hearth_contracts import Envelope
from hearth_kit.db import Database
from services.visits.tests.factories import a_household, a_uprn, outbox_rows
from services.visits.tests.reports.test_confirmed_by_a_resident_of_the_home import confirmed_by
from services.visits.tests.reports.test_drafts import save, scheduled, submit
from services.visits.tests.test_handlers import consume, handle, resident
from services.visits.tests.test_resident_merged import merged
from services.visits.tests.visits.test_one_shot_report_confirms_the_household import (
    booked,
    report,
)


async def a_home_of_one_merged_resident(db: Database) -> tuple[str, uuid.UUID, uuid.UUID]:
    """A home whose resident engagement registered twice and then merged: the home, the
    person kept and the duplicate id, retired."""
    uprn, tenancy_id, kept, duplicate = a_uprn(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await handle(db, resident(uprn, tenancy_id, resident_id=kept))
    await handle(db, resident(uprn, tenancy_id, resident_id=duplicate))
    await consume(db, [Envelope(data=merged(kept, duplicate, uprn))])
    return uprn, kept, duplicate


def confirmed(rows: list[dict[str, Any]]) -> list[str]:
    """Whom each resident-details-confirmed of the home's outbox names."""
    kind = "resident-details-confirmed"
    return [row["data"]["resident_id"] for row in rows if kind in row["event_type"]]


def household_in(draft: dict[str, Any]) -> str:
    [piece] = [p for p in draft["pieces"] if p["section"] == "household"]
    resident_id: str = piece["content"]["resident_id"]
    return resident_id


async def test_a_draft_naming_the_duplicate_is_saved_and_reported_as_the_kept_resident(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, kept, duplicate = await a_home_of_one_merged_resident(visits_database)
    visit_id = await scheduled(visits, uprn)

    saved = await save(visits, visit_id, confirmed_by(duplicate))

    assert saved.status_code == 200, saved.text
    assert household_in(saved.json()) == str(kept)
    response = await submit(visits, visit_id, "k-" + visit_id)
    assert response.status_code == 201, response.text
    assert response.json()["resident_id"] == str(kept)
    assert confirmed(await outbox_rows(visits_database, uprn)) == [str(kept)]


async def test_a_piece_saved_before_the_merge_is_reported_as_the_kept_resident(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id, kept, duplicate = a_uprn(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, resident(uprn, tenancy_id, resident_id=kept))
    await handle(visits_database, resident(uprn, tenancy_id, resident_id=duplicate))
    visit_id = await scheduled(visits, uprn)
    saved = await save(visits, visit_id, confirmed_by(duplicate))
    assert household_in(saved.json()) == str(duplicate)  # not retired yet: as sent

    await consume(visits_database, [Envelope(data=merged(kept, duplicate, uprn))])
    response = await submit(visits, visit_id, "k-" + visit_id)

    assert response.status_code == 201, response.text
    assert response.json()["resident_id"] == str(kept)
    assert confirmed(await outbox_rows(visits_database, uprn)) == [str(kept)]


async def test_a_one_shot_report_naming_the_duplicate_is_the_kept_residents(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, kept, duplicate = await a_home_of_one_merged_resident(visits_database)
    visit_id = await booked(visits, uprn)

    response = await report(visits, visit_id, household=a_household(duplicate))

    assert response.status_code == 201, response.text
    assert response.json()["resident_id"] == str(kept)
    assert confirmed(await outbox_rows(visits_database, uprn)) == [str(kept)]


async def test_an_id_no_merge_retired_is_written_as_sent(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, kept, _ = await a_home_of_one_merged_resident(visits_database)
    not_known_yet = uuid.uuid4()
    for resident_id in (kept, not_known_yet):
        visit_id = await booked(visits, uprn)
        response = await report(visits, visit_id, household=a_household(resident_id))
        assert response.status_code == 201, response.text
        assert response.json()["resident_id"] == str(resident_id)

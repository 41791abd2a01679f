"""A merged resident's id beyond GET and PATCH (ADR 0138, after ADR 0124): every route
naming the resident in its path answers the resident-merged problem naming the one
kept; one naming them in a request field or a list's filter is a 422 naming that field
and the one kept, nothing kept; another service's event naming the old id, handled
after the merge (through the inbox), is applied to the resident kept, once; and the
duplicate's letters not yet tried go by the kept resident's preference."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from engagement.app import build_services
from engagement.models import Complaint, Contact, Message, MessageStatus, ServiceRequest
from engagement.models import SurveyResponse as StoredSurveyResponse
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.engagement import ContactChannel
from hearth_contracts.events.income import ArrearsStage, ArrearsStageChanged
from hearth_contracts.events.visits import ResidentDetailsConfirmed
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.event_handlers import EventHandlers
from hearth_kit.inbox import Inbox
from hearth_kit.inbox import Message as Delivered
from services.engagement.tests.home_events import a_copy_requested
from tests.harness.tokens import STAFF_SCOPES

from ..conftest import ClientWithScopes
from ..vulnerabilities.test_need_to_know import a_vulnerability
from .test_merge import held_by, merge, recorded_twice

NEED_TO_KNOW = STAFF_SCOPES | {"vulnerabilities:read", "vulnerabilities:write"}


def assert_merged_problem(response: httpx.Response, kept: uuid.UUID) -> None:
    assert response.status_code == 404, response.text
    problem = response.json()
    assert problem["type"].endswith("/resident-merged"), problem
    assert problem["merged_into"] == str(kept)


def assert_refused_naming(
    response: httpx.Response, field: str, kept: uuid.UUID, location: str = "body"
) -> None:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["merged_into"] == str(kept)
    [error] = problem["errors"]
    assert (error["field"], error["location"]) == (field, location)
    assert str(kept) in error["message"]


async def a_merged_pair(
    engagement: httpx.AsyncClient, db: Database
) -> tuple[str, uuid.UUID, uuid.UUID, uuid.UUID]:
    uprn, tenancy_id, kept, duplicate = await recorded_twice(engagement, db)
    assert (await merge(engagement, kept, duplicate)).status_code == 200
    return uprn, tenancy_id, kept, duplicate


async def test_a_route_naming_the_merged_resident_in_its_path_names_the_one_kept(
    engagement: httpx.AsyncClient, engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """Vulnerabilities (record, read, its audit, remove, review), messages (list,
    send) and the diversity profile (keep, remove): each answers the problem naming the
    resident kept, as GET does, and nothing is recorded, read or sent (a plain 404
    before, and removing the diversity profile a 204 that removed nothing: it had moved
    to the kept id)."""
    _uprn, _tenancy_id, kept, duplicate = await a_merged_pair(engagement, engagement_database)
    staff = engagement_as(NEED_TO_KNOW)
    vulnerabilities = f"/v1/residents/{duplicate}/vulnerabilities"
    now = datetime.now(UTC)
    for response in (
        await staff.post(vulnerabilities, json=a_vulnerability()),
        await staff.get(vulnerabilities),
        await staff.get(f"{vulnerabilities}/reads"),
        await staff.delete(f"{vulnerabilities}/{uuid.uuid4()}"),
        await staff.post(
            f"{vulnerabilities}/{uuid.uuid4()}/review",
            json={"reviewed_at": now.isoformat(), "review_on": str(date.today() + timedelta(90))},
        ),
        await staff.get(f"/v1/residents/{duplicate}/messages"),
        await staff.post(
            f"/v1/residents/{duplicate}/messages", json={"template": "check_due", "values": {}}
        ),
        await staff.put(
            f"/v1/residents/{duplicate}/diversity", json={"ethnicity": "prefer_not_to_say"}
        ),
        await staff.delete(f"/v1/residents/{duplicate}/diversity"),
    ):
        assert_merged_problem(response, kept)
    assert await held_by(engagement_database, Message, duplicate) == 0
    # An id never known is as before: a plain 404, and removing no profile a 204.
    unknown = uuid.uuid4()
    never = await staff.get(f"/v1/residents/{unknown}/vulnerabilities")
    assert never.status_code == 404
    assert never.json()["type"].endswith("/not-found")
    assert (await staff.delete(f"/v1/residents/{unknown}/diversity")).status_code == 204


async def test_a_request_naming_the_merged_resident_is_refused_naming_the_one_kept(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A contact, a complaint, a service request or a survey response naming the merged
    id is a 422 naming resident_id and the resident kept, nothing kept (it was a 422
    saying no such resident, which sent staff looking for a person who exists)."""
    db = engagement_database
    uprn, _tenancy_id, kept, duplicate = await a_merged_pair(engagement, db)
    now = datetime.now(UTC).isoformat()
    requests: list[tuple[str, dict[str, Any], Any]] = [
        (
            "/v1/contacts",
            {"direction": "inbound", "medium": "phone", "reason": "repair", "contacted_at": now},
            Contact,
        ),
        (
            "/v1/complaints",
            {
                "category": "repairs",
                "medium": "phone",
                "summary": "The boiler was left unrepaired for three weeks",
                "received_at": now,
            },
            Complaint,
        ),
        (
            "/v1/service-requests",
            {
                "category": "estate_and_communal",
                "medium": "phone",
                "summary": "Please cut the grass",
                "received_at": now,
            },
            ServiceRequest,
        ),
        (
            "/v1/surveys/responses",
            {
                "survey": "perception",
                "answers": [{"question": "tp01_overall", "rating": "very_satisfied"}],
                "responded_at": now,
            },
            StoredSurveyResponse,
        ),
    ]
    for path, body, model in requests:
        named = {"uprn": uprn, "resident_id": str(duplicate), **body}
        assert_refused_naming(await engagement.post(path, json=named), "resident_id", kept)
        assert await held_by(db, model, duplicate) == 0, path
        assert await held_by(db, model, kept) == 0, path
        # The kept id is taken.
        taken = await engagement.post(path, json=named | {"resident_id": str(kept)})
        assert taken.status_code == 201, taken.text


async def test_a_list_filtered_by_the_merged_resident_names_the_one_kept(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """Their contacts, complaints and service requests are the kept resident's now: a
    list filtered by the old id was an empty page, read as the resident having none. A
    422 naming the query parameter and the one kept; an id never known is still an
    empty page."""
    _uprn, _tenancy_id, kept, duplicate = await a_merged_pair(engagement, engagement_database)
    for path in ("/v1/contacts", "/v1/complaints", "/v1/service-requests"):
        refused = await engagement.get(path, params={"resident_id": str(duplicate)})
        assert_refused_naming(refused, "resident_id", kept, location="query")
        unknown = await engagement.get(path, params={"resident_id": str(uuid.uuid4())})
        assert unknown.status_code == 200, unknown.text
        assert unknown.json()["items"] == []


# Another service's events naming the merged id, handled as the consumer runs them.


@cache
def _handlers() -> EventHandlers:
    return build_services(EngagementSettings()).handlers


async def consume(db: Database, topic: str, envelopes: Sequence[tuple[int, Envelope[Any]]]) -> None:
    """The envelopes at these offsets of one topic, through the inbox in one transaction,
    as the consumer applies a batch (an offset already recorded is left out)."""
    settings = EngagementSettings(environment="development")
    inbox = Inbox(settings, db, _handlers(), DeadLetters(settings, db))
    async with db.sessionmaker() as session, session.begin():
        await inbox.apply(
            session,
            [(Delivered(topic, 0, offset, None, None, ()), e) for offset, e in envelopes],
        )


async def letters(db: Database, template: str, *people: uuid.UUID) -> list[tuple[Any, ...]]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(col(Message.resident_id), func.count())
            .where(col(Message.resident_id).in_(people), col(Message.template) == template)
            .group_by(col(Message.resident_id))
        )
        return sorted(tuple(row) for row in rows.all())


def an_arrears_letter(uprn: str, tenancy_id: uuid.UUID, people: list[uuid.UUID]) -> Any:
    return ArrearsStageChanged(
        tenancy_id=tenancy_id,
        uprn=uprn,
        stage=ArrearsStage.LETTER_1,
        previous_stage=ArrearsStage.TEXT_REMINDER,
        arrears_pence=52_000,
        changed_at=datetime.now(UTC),
        person_ids=people,
    )


@pytest.mark.parametrize(
    ("event", "template"),
    [(a_copy_requested, "check_record_copy"), (an_arrears_letter, "arrears_stage")],
    ids=["tenant-copy-requested", "arrears-stage-changed"],
)
async def test_an_event_naming_the_merged_id_writes_to_the_resident_kept_once(
    engagement: httpx.AsyncClient, engagement_database: Database, event: Any, template: str
) -> None:
    """A safety record's copy (compliance: the tenant was unknown, the event failed
    until dead-lettered) and an arrears letter (income, published before it re-keyed
    its tenants: the letter went to nobody) naming the duplicate, or both records of
    the person, go to the resident kept, one letter; the same event again and the same
    event replayed under a new envelope id write nothing more."""
    db = engagement_database
    uprn, tenancy_id, kept, duplicate = await a_merged_pair(engagement, db)
    topic = f"merged-{uuid.uuid4().hex}"
    only_old = Envelope(data=event(uprn, tenancy_id, [duplicate]))
    await consume(db, topic, [(0, only_old)])
    assert await letters(db, template, kept, duplicate) == [(kept, 1)]
    await consume(db, topic, [(0, only_old), (1, Envelope(data=only_old.data))])
    assert await letters(db, template, kept, duplicate) == [(kept, 1)]
    both = Envelope(data=event(uprn, tenancy_id, [duplicate, kept]))
    await consume(db, topic, [(2, both)])
    assert await letters(db, template, kept, duplicate) == [(kept, 2)]


async def test_a_visit_report_naming_the_merged_id_through_the_inbox_is_the_kept_ones(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """resident-details-confirmed naming the duplicate, handled through the inbox after
    the merge: applied to the resident kept; nothing is written under the old id."""
    db = engagement_database
    _uprn, _tenancy_id, kept, duplicate = await recorded_twice(engagement, db)
    uprn = (await engagement.get(f"/v1/residents/{kept}")).json()["uprn"]
    assert (await merge(engagement, kept, duplicate)).status_code == 200
    confirmed = Envelope(
        data=ResidentDetailsConfirmed(
            visit_id=uuid.uuid4(),
            uprn=uprn,
            resident_id=duplicate,
            household_size=3,
            confirmed_at=datetime.now(UTC),
        )
    )
    topic = f"merged-{uuid.uuid4().hex}"
    await consume(db, topic, [(0, confirmed), (1, Envelope(data=confirmed.data))])
    resident = (await engagement.get(f"/v1/residents/{kept}")).json()
    assert (resident["household_size"], resident["lives_alone"]) == (3, False)
    assert (await engagement.get(f"/v1/residents/{duplicate}")).status_code == 404


async def test_the_duplicates_letters_not_yet_tried_go_by_the_kept_residents_preference(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The duplicate preferred email: its letters were written as emails to its address.
    Merged into a tenant who prefers letters, one not yet tried goes as a letter to the
    home (it went by email before); one already tried keeps its channel (the provider
    may hold it)."""
    db = engagement_database
    uprn, _tenancy_id, kept, duplicate = await recorded_twice(engagement, db)
    sent: list[uuid.UUID] = []
    for _ in range(2):
        written = await engagement.post(
            f"/v1/residents/{duplicate}/messages", json={"template": "check_due", "values": {}}
        )
        assert written.status_code == 201, written.text
        assert written.json()["channel"] == "email"
        sent.append(uuid.UUID(written.json()["id"]))
    not_tried, tried = sent
    async with db.sessionmaker() as session, session.begin():
        await session.execute(update(Message).where(col(Message.id) == tried).values(attempts=1))

    assert (await merge(engagement, kept, duplicate)).status_code == 200

    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(
                col(Message.id),
                col(Message.resident_id),
                col(Message.channel),
                col(Message.recipient),
                col(Message.uprn),
                col(Message.status),
            ).where(col(Message.id).in_(sent))
        )
        found = {row[0]: tuple(row[1:]) for row in rows.all()}
    assert found[not_tried] == (kept, ContactChannel.LETTER, None, uprn, MessageStatus.PENDING)
    assert found[tried] == (
        kept,
        ContactChannel.EMAIL,
        "ada@example.org",
        uprn,
        MessageStatus.PENDING,
    )


async def test_a_resident_kept_then_merged_in_turn_passes_on_those_merged_into_them(
    engagement: httpx.AsyncClient,
) -> None:
    """A caller recorded three times (no tenancy): the first merged into the second,
    the second later into the third. The first's id names the third, the one kept now,
    not the second, itself merged (one step for every route and event)."""
    people = []
    for _ in range(3):
        registered = await engagement.post(
            "/v1/residents", json={"full_name": "A Caller", "preferred_channel": "letter"}
        )
        assert registered.status_code == 201, registered.text
        people.append(uuid.UUID(registered.json()["id"]))
    first, second, third = people
    assert (await merge(engagement, second, first)).status_code == 200
    assert (await merge(engagement, third, second)).status_code == 200
    for merged in (first, second):
        assert_merged_problem(await engagement.get(f"/v1/residents/{merged}"), third)

"""Contacts are logged from any channel; contact-logged carries no content; a contact
for an unknown resident changes nothing."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import func, select

from engagement.handlers import on_tenancy_started
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStartedV2
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from services.engagement.tests import home_events


def a_contact(uprn: str, **overrides: object) -> dict[str, object]:
    return {
        "uprn": uprn,
        "direction": "inbound",
        "medium": "phone",
        "reason": "repair",
        "contacted_at": datetime.now(UTC).isoformat(),
        "notes": "Called about the leaking tap again",
        **overrides,
    }


async def logged(db: Database, uprn: str) -> list[bytes]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(outbox_message.c.payload).where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == "uk.hearth.engagement.contact-logged.v1",
            )
        )
        return [payload for (payload,) in rows.all()]


async def test_a_contact_is_logged_and_announced_without_its_content(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    resident = await engagement.post(
        "/v1/residents",
        json={"full_name": "R", "preferred_channel": "letter"},
    )
    response = await engagement.post(
        "/v1/contacts", json=a_contact(uprn, resident_id=resident.json()["id"])
    )
    assert response.status_code == 201, response.text
    [payload] = await logged(engagement_database, uprn)
    assert b"leaking" not in payload
    assert json.loads(payload)["reason"] == "repair"
    listed = await engagement.get("/v1/contacts", params={"uprn": uprn})
    assert [c["id"] for c in listed.json()["items"]] == [response.json()["id"]]


async def test_a_contact_for_an_unknown_resident_names_the_field_and_changes_nothing(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    response = await engagement.post(
        "/v1/contacts", json=a_contact(uprn, resident_id=str(uuid.uuid4()))
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "resident_id"
    assert await logged(engagement_database, uprn) == []
    async with engagement_database.sessionmaker() as session:
        assert (
            await session.scalar(
                select(func.count())
                .select_from(outbox_message)
                .where(outbox_message.c.message_key == uprn)
            )
            == 0
        )
    assert (await engagement.get("/v1/contacts", params={"uprn": uprn})).json()["items"] == []


async def test_a_contact_in_the_future_is_refused(engagement: httpx.AsyncClient) -> None:
    response = await engagement.post(
        "/v1/contacts",
        json=a_contact("100", contacted_at=(datetime.now(UTC) + timedelta(hours=2)).isoformat()),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "contacted_at"


async def test_a_contact_more_than_the_report_window_ago_is_refused_and_changes_nothing(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A contact of 11 years ago is a typing slip (the report window, 10 years by
    default, as for a complaint's received_at); one of 9 years ago is logged."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    now = datetime.now(UTC)
    too_old = await engagement.post(
        "/v1/contacts",
        json=a_contact(uprn, contacted_at=(now - timedelta(days=365 * 11)).isoformat()),
    )
    assert too_old.status_code == 422, too_old.text
    assert too_old.json()["field"] == "contacted_at"
    assert "more than 10 years ago" in too_old.json()["detail"]
    assert await logged(engagement_database, uprn) == []
    old = await engagement.post(
        "/v1/contacts",
        json=a_contact(uprn, contacted_at=(now - timedelta(days=365 * 9)).isoformat()),
    )
    assert old.status_code == 201, old.text
    assert len(await logged(engagement_database, uprn)) == 1


async def test_a_contact_names_a_resident_of_the_home(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A resident of another home is refused; a tenant moving between the landlord's
    homes, held on the new one from its announcement, is still the old one's resident
    until it starts (the day of the contact)."""
    old_home, new_home, another = (str(random.randint(10**9, 10**12 - 1)) for _ in range(3))
    mover = uuid.uuid4()
    ahead = date.today() + timedelta(days=60)  # announced ahead: not started on the contact's day
    for uprn, start in ((old_home, date(2018, 5, 7)), (new_home, ahead)):
        started = TenancyStartedV2(
            tenancy_id=uuid.uuid4(),
            tenancy_reference="T-1",
            uprn=uprn,
            tenants=[{"person_id": mover, "lead": True, "joint": False}],
            start_date=start,
            tenancy_type="assured",
            weekly_rent_pence=10_000,
        )
        async with engagement_database.sessionmaker() as session, session.begin():
            await on_tenancy_started(session, Envelope(data=started))

    refused = await engagement.post("/v1/contacts", json=a_contact(another, resident_id=str(mover)))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "resident_id"
    assert await logged(engagement_database, another) == []
    for uprn in (old_home, new_home):
        taken = await engagement.post("/v1/contacts", json=a_contact(uprn, resident_id=str(mover)))
        assert taken.status_code == 201, taken.text


async def test_a_contact_made_before_a_move_and_typed_in_after_it_is_the_movers(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A contact counts from when it happened, not when it is typed in: a tenant who
    phoned from the old home on 10 June 2025, moved out on 15 June and into another of
    the landlord's homes on 16 June is the old home's resident on 10 June, though
    income's tenancy-ended for the old home arrived before the call was logged (it was
    refused, 422 resident_id: the home's residents were read as they stand now). The
    same call dated after the move is refused."""
    old_home, new_home = home_events.a_uprn(), home_events.a_uprn()
    mover = uuid.uuid4()
    old_tenancy = home_events.tenancy_started(old_home, date(2018, 5, 7), mover)
    await home_events.handle(
        engagement_database,
        old_tenancy,
        home_events.tenancy_ended(old_tenancy, date(2025, 6, 15)),
        home_events.tenancy_started(new_home, date(2025, 6, 16), mover),
    )

    called = "2025-06-10T10:00:00+00:00"
    taken = await engagement.post(
        "/v1/contacts", json=a_contact(old_home, resident_id=str(mover), contacted_at=called)
    )
    assert taken.status_code == 201, taken.text

    after = "2025-06-20T10:00:00+00:00"
    refused = await engagement.post(
        "/v1/contacts", json=a_contact(old_home, resident_id=str(mover), contacted_at=after)
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["resident_id"]
    assert len(await logged(engagement_database, old_home)) == 1


async def test_someone_on_no_tenancy_is_not_a_tenants_household_on_the_contacts_day(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A resident engagement holds on no home (registered on no tenancy) named on a
    contact at a home whose tenancy ran on the contact's London day is of none of its
    households: refused, nothing logged (visits would count it towards the household
    living there: docs/adr/0151, 0163). Judged by the contact's day, not the day it is
    typed in: the same home before its tenancy started (empty), or a home engagement
    knows no tenancy of, takes them."""
    home, tenant = home_events.a_uprn(), uuid.uuid4()
    await home_events.handle(
        engagement_database, home_events.tenancy_started(home, date(2025, 6, 16), tenant)
    )
    registered = await engagement.post(
        "/v1/residents", json={"full_name": "R", "preferred_channel": "letter"}
    )
    assert registered.status_code == 201, registered.text
    someone = registered.json()["id"]

    during = "2025-06-20T10:00:00+00:00"
    refused = await engagement.post(
        "/v1/contacts", json=a_contact(home, resident_id=someone, contacted_at=during)
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["resident_id"]
    assert await logged(engagement_database, home) == []

    before = "2025-06-10T10:00:00+00:00"
    taken = await engagement.post(
        "/v1/contacts", json=a_contact(home, resident_id=someone, contacted_at=before)
    )
    assert taken.status_code == 201, taken.text
    elsewhere = await engagement.post(
        "/v1/contacts", json=a_contact(home_events.a_uprn(), resident_id=someone)
    )
    assert elsewhere.status_code == 201, elsewhere.text
    tenants_own = await engagement.post(
        "/v1/contacts", json=a_contact(home, resident_id=str(tenant), contacted_at=during)
    )
    assert tenants_own.status_code == 201, tenants_own.text


async def test_a_newcomers_contact_before_they_moved_in_is_kept_not_the_households(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A resident placed on the home who had not moved in by the contact's London day,
    while the household before them lived there, is logged as theirs (a call about the
    keys happened: it is kept, 201) but contact-logged is not published: it was no
    contact of the household living there that day, and visits counted one naming a
    tenant registered ahead towards that household (docs/adr/0224, amended; it was a
    422 naming resident_id, the call lost). The London day decides: 23:30 on the
    household before them's last day is theirs, 00:30 on the newcomer's first day is the
    newcomer's household's, published. So is the household before them's, and a call
    from one registered ahead once the tenancy before them has ended."""
    home, before_them, newcomer = home_events.a_uprn(), uuid.uuid4(), uuid.uuid4()
    theirs = home_events.tenancy_started(home, date(2019, 9, 2), before_them)
    await home_events.handle(
        engagement_database,
        theirs,
        home_events.tenancy_ended(theirs, date(2025, 6, 15)),
        home_events.tenancy_started(home, date(2025, 6, 16), newcomer),
    )

    async def kept_unpublished(uprn: str, resident: str, contacted_at: str) -> None:
        published = len(await logged(engagement_database, uprn))
        taken = await engagement.post(
            "/v1/contacts",
            json=a_contact(uprn, resident_id=resident, contacted_at=contacted_at),
        )
        assert taken.status_code == 201, taken.text
        kept = await engagement.get(f"/v1/contacts/{taken.json()['id']}")
        assert kept.status_code == 200, kept.text
        assert kept.json()["resident_id"] == resident
        assert len(await logged(engagement_database, uprn)) == published

    last_evening_before_them = "2025-06-15T22:30:00+00:00"  # 23:30 BST on the 15th
    await kept_unpublished(home, str(newcomer), "2025-06-10T10:00:00+00:00")
    await kept_unpublished(home, str(newcomer), last_evening_before_them)
    for who, day in (
        (newcomer, "2025-06-15T23:30:00+00:00"),  # 00:30 BST on the 16th, their first day
        (before_them, last_evening_before_them),
        (before_them, "2025-07-01T10:00:00+00:00"),
    ):
        taken = await engagement.post(
            "/v1/contacts", json=a_contact(home, resident_id=str(who), contacted_at=day)
        )
        assert taken.status_code == 201, taken.text
    published = [json.loads(payload) for payload in await logged(engagement_database, home)]
    assert sorted((p["resident_id"], p["contacted_at"][:19]) for p in published) == sorted(
        [
            (str(newcomer), "2025-06-15T23:30:00"),
            (str(before_them), "2025-06-15T22:30:00"),
            (str(before_them), "2025-07-01T10:00:00"),
        ]
    )

    ahead_home, ahead_before = home_events.a_uprn(), uuid.uuid4()
    running = home_events.tenancy_started(ahead_home, date(2024, 4, 1), ahead_before)
    await home_events.handle(engagement_database, running)
    ahead = str(await home_events.registered_ahead(engagement, ahead_home))
    await kept_unpublished(ahead_home, ahead, "2025-06-10T10:00:00+00:00")
    assert await logged(engagement_database, ahead_home) == []
    await home_events.handle(
        engagement_database, home_events.tenancy_ended(running, date(2025, 6, 30))
    )
    taken = await engagement.post(
        "/v1/contacts",
        json=a_contact(ahead_home, resident_id=ahead, contacted_at="2025-07-02T10:00:00+00:00"),
    )
    assert taken.status_code == 201, taken.text
    assert len(await logged(engagement_database, ahead_home)) == 1


async def test_a_contact_kept_before_the_newcomers_start_was_known_is_published_once_it_is(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A tenant registered ahead calls from the home they moved into before income has
    announced the end of the tenancy before them or the start of theirs: engagement
    judges it the household before them's day and keeps the contact unpublished (ADR
    0224, amended). When their tenancy-started arrives it was their own household's
    contact, which visits counts by its day (ADR 0151): contact-logged is published
    then, for the contacts dated from their first day only (the one before it stays no
    household's). Failed before: never published, so visits never counted it."""
    home, before_them = home_events.a_uprn(), uuid.uuid4()
    running = home_events.tenancy_started(home, date(2024, 4, 1), before_them)
    await home_events.handle(engagement_database, running)
    person = await home_events.registered_ahead(engagement, home)
    ids = {}
    for when in ("2025-06-10T10:00:00+00:00", "2025-06-15T23:30:00+00:00"):
        taken = await engagement.post(
            "/v1/contacts", json=a_contact(home, resident_id=str(person), contacted_at=when)
        )
        assert taken.status_code == 201, taken.text
        ids[when] = taken.json()["id"]
    assert await logged(engagement_database, home) == []

    theirs = home_events.tenancy_started(home, date(2025, 6, 16), person)
    await home_events.handle(
        engagement_database, home_events.tenancy_ended(running, date(2025, 6, 15)), theirs
    )
    published = [json.loads(payload) for payload in await logged(engagement_database, home)]
    assert [p["contact_id"] for p in published] == [ids["2025-06-15T23:30:00+00:00"]]

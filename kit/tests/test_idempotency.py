"""A POST that creates honours Idempotency-Key: a retry gets the first response and
changes nothing; the same key with another body is refused; two requests at the same
moment with one key run once (the second gets the first's response), never a 500. On
the configured database (PostgreSQL in CI) and on SQLite, the embedded default."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Generator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Response
from pydantic import BaseModel
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit import idempotency as idempotency_module
from hearth_kit.auth import InternalTokenVerifier, issue_internal_token, key_id
from hearth_kit.db import Database, SessionDep
from hearth_kit.idempotency import (
    KEY_LIFETIME,
    PURGE_BATCH,
    IdempotencyDep,
    idempotency_scope,
)
from hearth_kit.problems import Conflict, Unprocessable, install_problem_handlers
from hearth_kit.tables import idempotency_record, kit_metadata
from tests.harness.infra import DatabaseFactory
from tests.harness.locks import until_a_backend_waits_for_a_lock

metadata = MetaData()
homes = Table(
    "home",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uprn", String(12), nullable=False),
    Column("route", String(50), nullable=False),
)
registered_homes = Table(
    "registered_home",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uprn", String(12), nullable=True, unique=True),
)
"""Homes with a natural key: one row per UPRN."""


class HomeCreate(BaseModel):
    uprn: str
    town: str = "London"


class HomePublic(BaseModel):
    uprn: str
    town: str
    receipt: str


slow_uprns: set[str] = set()
"""Homes the endpoint takes its time over (so two requests overlap)."""

refused_uprns: set[str] = set()
"""Homes the endpoint refuses after it has stored its response (a late failure)."""

SIGNING_KEY = Ed25519PrivateKey.generate()


def homes_app(db: Database) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.db = db
    public_key = SIGNING_KEY.public_key()
    app.state.internal_token_verifier = InternalTokenVerifier(
        "kit", {key_id(public_key): public_key}
    )

    async def register(session: AsyncSession, route: str, body: HomeCreate) -> HomePublic:
        if body.uprn in slow_uprns:
            await asyncio.sleep(0.3)
        await session.execute(insert(homes).values(uprn=body.uprn, route=route))
        return HomePublic(uprn=body.uprn, town=body.town, receipt=str(uuid.uuid4()))

    def refuse_late(home: HomePublic) -> str:
        if home.uprn in refused_uprns:
            raise Unprocessable("Refused while shaping the response", field="uprn")
        return f"/homes/{home.uprn}"

    @app.post("/homes", status_code=201, response_model=HomePublic)
    async def register_home(
        body: HomeCreate, session: SessionDep, idempotency: IdempotencyDep
    ) -> Response:
        return await idempotency.create(
            session, lambda: register(session, "homes", body), location=refuse_late
        )

    async def register_once(session: AsyncSession, body: HomeCreate) -> HomePublic:
        """Registers a UPRN once, checking first, as a service does."""
        taken = select(registered_homes.c.id).where(registered_homes.c.uprn == body.uprn)
        if await session.scalar(taken) is not None:
            raise Conflict("This home is already registered", field="uprn")
        if body.uprn in slow_uprns:
            await asyncio.sleep(0.3)
        await session.execute(insert(registered_homes).values(uprn=body.uprn))
        return HomePublic(uprn=body.uprn, town=body.town, receipt=str(uuid.uuid4()))

    @app.post("/registered-homes", status_code=201, response_model=HomePublic)
    async def register_registered_home(
        body: HomeCreate, session: SessionDep, idempotency: IdempotencyDep
    ) -> Response:
        return await idempotency.create(session, lambda: register_once(session, body))

    @app.post("/unchecked-homes", status_code=201)
    async def register_unchecked_home(body: HomeCreate, session: SessionDep) -> None:
        """Inserts without checking: a taken UPRN meets the unique index."""
        await session.execute(insert(registered_homes).values(uprn=body.uprn))

    @app.post("/nameless-homes", status_code=201)
    async def register_nameless_home(session: SessionDep) -> None:
        """Breaks a NOT NULL column: an integrity error that is a fault, not a conflict."""
        await session.execute(insert(homes).values(uprn=None, route="nameless"))

    @app.post("/void-homes", status_code=201, response_model=HomePublic)
    async def register_void_home(
        body: HomeCreate, session: SessionDep, idempotency: IdempotencyDep
    ) -> Response:
        return await idempotency.create(
            session,
            lambda: register(session, "void-homes", body),
            shape=lambda home: home,
            location=lambda home: f"/void-homes/{home.uprn}",
        )

    return app


class SignedAs(httpx.Auth):
    """Calls as the gateway would for `subject`: a fresh internal token per request."""

    def __init__(self, subject: str) -> None:
        self.subject = subject

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = issue_internal_token(SIGNING_KEY, service="kit", subject=self.subject, scopes=[])
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


@pytest.fixture(scope="module", params=["configured", "sqlite"])
async def kit_database(
    request: pytest.FixtureRequest,
    databases: DatabaseFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Database]:
    """The configured test database (PostgreSQL in CI), and always SQLite too."""
    if request.param == "configured":
        url = await databases.create("kit_idempotency")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('kit_keys') / 'keys.db'}"
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    yield db
    await db.dispose()


@pytest.fixture(scope="module")
async def app(kit_database: Database) -> FastAPI:
    async with kit_database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return homes_app(kit_database)


@pytest.fixture(scope="module")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://kit", auth=SignedAs("officer-1")
    ) as client:
        yield client


@pytest.fixture(scope="module")
async def other_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://kit", auth=SignedAs("officer-2")
    ) as client:
        yield client


def a_uprn() -> str:
    return str(uuid.uuid4().int % 10**12)


async def homes_created(db: Database, uprn: str, route: str | None = None) -> int:
    query = select(func.count()).where(homes.c.uprn == uprn)
    if route is not None:
        query = query.where(homes.c.route == route)
    async with db.sessionmaker() as session:
        return int(await session.scalar(query) or 0)


async def test_a_retry_with_the_same_key_and_body_replays_the_first_response_and_runs_once(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = {"Idempotency-Key": f"register-{uprn}"}
    first = await client.post("/homes", json={"uprn": uprn}, headers=key)
    second = await client.post("/homes", json={"uprn": uprn}, headers=key)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"] == f"/homes/{uprn}"
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert await homes_created(kit_database, uprn) == 1


async def test_the_same_body_with_its_keys_reordered_is_the_same_request(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = {"Idempotency-Key": f"register-{uprn}", "Content-Type": "application/json"}
    first = await client.post(
        "/homes", content=f'{{"uprn": "{uprn}", "town": "Hackney"}}', headers=key
    )
    second = await client.post(
        "/homes", content=f'{{"town":"Hackney","uprn":"{uprn}"}}', headers=key
    )
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert await homes_created(kit_database, uprn) == 1


async def test_the_same_key_with_a_different_body_is_a_422_naming_the_header(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = {"Idempotency-Key": f"register-{uprn}"}
    assert (await client.post("/homes", json={"uprn": uprn}, headers=key)).status_code == 201
    other = await client.post("/homes", json={"uprn": uprn, "town": "Hackney"}, headers=key)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    [error] = other.json()["errors"]
    assert (error["field"], error["location"]) == ("Idempotency-Key", "header")
    assert await homes_created(kit_database, uprn) == 1


async def test_without_a_key_every_post_runs(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    first = await client.post("/homes", json={"uprn": uprn})
    second = await client.post("/homes", json={"uprn": uprn})
    assert first.status_code == second.status_code == 201
    assert first.json()["receipt"] != second.json()["receipt"]
    assert "idempotent-replayed" not in second.headers
    assert await homes_created(kit_database, uprn) == 2


async def test_the_same_key_on_another_route_is_a_different_request(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = {"Idempotency-Key": f"register-{uprn}"}
    home = await client.post("/homes", json={"uprn": uprn}, headers=key)
    void_home = await client.post("/void-homes", json={"uprn": uprn}, headers=key)
    assert home.status_code == void_home.status_code == 201
    assert "idempotent-replayed" not in void_home.headers
    assert home.json()["receipt"] != void_home.json()["receipt"]
    assert await homes_created(kit_database, uprn, "homes") == 1
    assert await homes_created(kit_database, uprn, "void-homes") == 1


async def test_a_key_whose_request_failed_is_not_remembered(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = {"Idempotency-Key": f"register-{uprn}"}
    refused_uprns.add(uprn)
    failed = await client.post("/homes", json={"uprn": uprn}, headers=key)
    assert failed.status_code == 422
    assert failed.json()["errors"][0]["field"] == "uprn"
    assert await homes_created(kit_database, uprn) == 0
    refused_uprns.discard(uprn)
    retried = await client.post("/homes", json={"uprn": uprn}, headers=key)
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers
    assert await homes_created(kit_database, uprn) == 1


async def test_an_empty_key_is_a_422_naming_the_header(client: httpx.AsyncClient) -> None:
    response = await client.post("/homes", json={"uprn": a_uprn()}, headers={"Idempotency-Key": ""})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("Idempotency-Key", "header")


async def test_two_requests_racing_with_one_key_apply_once_and_both_get_its_response(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    """The second waits for the first's key and gets its response: one home."""
    uprn = a_uprn()
    slow_uprns.add(uprn)
    headers = {"Idempotency-Key": f"race-{uprn}"}
    first, second = await asyncio.gather(
        client.post("/homes", json={"uprn": uprn}, headers=headers),
        client.post("/homes", json={"uprn": uprn}, headers=headers),
    )
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert [r.headers.get("idempotent-replayed") for r in (first, second)].count("true") == 1
    assert await homes_created(kit_database, uprn) == 1
    retried = await client.post("/homes", json={"uprn": uprn}, headers=headers)
    assert retried.status_code == 201
    assert retried.headers["idempotent-replayed"] == "true"


async def registered(db: Database, uprn: str) -> int:
    query = select(func.count()).where(registered_homes.c.uprn == uprn)
    async with db.sessionmaker() as session:
        return int(await session.scalar(query) or 0)


async def test_two_creates_of_one_natural_key_with_one_key_give_its_response_never_a_500(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    """Both pass "already registered?" at the same moment; the key, claimed before the
    check, makes the second wait and replay the first's 201."""
    uprn = a_uprn()
    slow_uprns.add(uprn)
    headers = {"Idempotency-Key": f"natural-{uprn}"}
    first, second = await asyncio.gather(
        client.post("/registered-homes", json={"uprn": uprn}, headers=headers),
        client.post("/registered-homes", json={"uprn": uprn}, headers=headers),
    )
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert first.json() == second.json()
    assert await registered(kit_database, uprn) == 1


async def test_two_creates_of_one_natural_key_with_two_keys_give_a_201_and_a_409_problem(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    slow_uprns.add(uprn)
    first, second = await asyncio.gather(
        *(
            client.post("/registered-homes", json={"uprn": uprn}, headers={"Idempotency-Key": k})
            for k in (f"one-{uprn}", f"two-{uprn}")
        )
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    loser = first if first.status_code == 409 else second
    assert loser.headers["content-type"] == "application/problem+json"
    assert loser.json()["status"] == 409
    assert uprn not in loser.text
    assert await registered(kit_database, uprn) == 1


async def test_a_unique_key_taken_is_a_409_problem_without_the_value(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    """The safety net: a create that does not check first meets the unique index, and
    the database's refusal is a 409, not a 500; nothing is changed."""
    uprn = a_uprn()
    assert (await client.post("/unchecked-homes", json={"uprn": uprn})).status_code == 201
    again = await client.post("/unchecked-homes", json={"uprn": uprn})
    assert again.status_code == 409, again.text
    assert again.headers["content-type"] == "application/problem+json"
    assert (again.json()["title"], again.json()["instance"]) == ("Conflict", "/unchecked-homes")
    assert uprn not in again.text
    assert "registered_home" not in again.text
    assert await registered(kit_database, uprn) == 1


async def test_an_integrity_error_other_than_a_taken_key_is_still_a_500(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/nameless-homes")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "detail" not in response.json()


async def test_the_same_key_from_another_caller_is_a_different_request(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = {"Idempotency-Key": f"register-{uprn}"}
    mine = await client.post("/homes", json={"uprn": uprn}, headers=key)
    theirs = await other_client.post("/homes", json={"uprn": uprn, "town": "Leeds"}, headers=key)
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["town"] == "Leeds"
    assert await homes_created(kit_database, uprn) == 2
    again = await other_client.post("/homes", json={"uprn": uprn, "town": "Leeds"}, headers=key)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == theirs.json()


async def age_records(db: Database, key: str, by: timedelta) -> None:
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            update(idempotency_record)
            .where(idempotency_record.c.key == key)
            .values(created_at=datetime.now(UTC) - by)
        )


async def test_a_key_reused_within_24_hours_is_replayed(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = f"register-{uprn}"
    await client.post("/homes", json={"uprn": uprn}, headers={"Idempotency-Key": key})
    await age_records(kit_database, key, KEY_LIFETIME - timedelta(minutes=1))
    again = await client.post("/homes", json={"uprn": uprn}, headers={"Idempotency-Key": key})
    assert again.headers["idempotent-replayed"] == "true"
    assert await homes_created(kit_database, uprn) == 1


async def test_a_key_reused_after_24_hours_is_a_new_request(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = f"register-{uprn}"
    first = await client.post("/homes", json={"uprn": uprn}, headers={"Idempotency-Key": key})
    await age_records(kit_database, key, KEY_LIFETIME + timedelta(minutes=1))
    other_body = {"uprn": uprn, "town": "York"}
    later = await client.post("/homes", json=other_body, headers={"Idempotency-Key": key})
    assert later.status_code == 201
    assert "idempotent-replayed" not in later.headers
    assert later.json()["receipt"] != first.json()["receipt"]
    assert await homes_created(kit_database, uprn) == 2
    replayed = await client.post("/homes", json=other_body, headers={"Idempotency-Key": key})
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == later.json()


async def test_storing_a_response_purges_a_bounded_number_of_expired_records(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    marker = f"old-{a_uprn()}-"
    async with kit_database.sessionmaker() as session, session.begin():
        await session.execute(
            insert(idempotency_record),
            [
                {
                    "key": f"{marker}{n}",
                    "scope": "someone POST /homes",
                    "request_hash": "0" * 64,
                    "status_code": 201,
                    "response_body": {},
                    "headers": {},
                    "created_at": datetime.now(UTC) - KEY_LIFETIME - timedelta(hours=n + 1),
                }
                for n in range(PURGE_BATCH + 5)
            ],
        )

    async def left() -> int:
        async with kit_database.sessionmaker() as session:
            query = select(func.count()).where(idempotency_record.c.key.startswith(marker))
            return int(await session.scalar(query) or 0)

    uprn = a_uprn()
    response = await client.post("/homes", json={"uprn": uprn}, headers={"Idempotency-Key": uprn})
    assert response.status_code == 201
    assert await left() == 5  # the oldest PURGE_BATCH went, ours being the oldest
    await client.post("/homes", json={"uprn": a_uprn()}, headers={"Idempotency-Key": a_uprn()})
    assert await left() == 0


def test_a_scope_too_long_for_its_column_is_hashed_and_still_distinct() -> None:
    long_path = "/homes/" + "x" * 400
    one = idempotency_scope("officer-1", "POST", long_path)
    other = idempotency_scope("officer-2", "POST", long_path)
    assert len(one) <= 300
    assert one != other
    assert idempotency_scope("officer-1", "POST", "/homes") == "officer-1 POST /homes"


async def test_a_create_without_a_token_is_refused(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as anonymous:
        response = await anonymous.post("/homes", json={"uprn": a_uprn()})
    assert response.status_code == 401


KEY_WAITERS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
    " AND query LIKE '%pg_try_advisory_xact_lock%'"
)


async def until_a_request_waits_for_its_key(db: Database) -> None:
    """Poll until a backend is trying for an Idempotency-Key's advisory lock (a second
    request with a key the first holds: the first has gone on to its INSERT, waiting
    for the test's table lock); never trying is a bug."""
    for _ in range(3000):
        async with db.engine.connect() as connection:
            if (await connection.execute(KEY_WAITERS)).scalar_one():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the second request never waited for the key")


@pytest.mark.parametrize(
    ("second_body", "second_status"),
    [({}, 201), ({"town": "Leeds"}, 422)],
    ids=["same-body", "other-body"],
)
async def test_a_second_request_with_a_key_being_written_waits_then_gets_the_first_answer(
    client: httpx.AsyncClient,
    kit_database: Database,
    second_body: dict[str, str],
    second_status: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real interleaving on PostgreSQL: the first request has claimed its key and is
    held writing (the test holds the table); the second, same key, is seen waiting for
    the key; then the first goes on. One home; the second replays the first's 201, or
    with another body is refused (422 naming the header), never a second write."""
    if kit_database.engine.dialect.name != "postgresql":
        pytest.skip("interleaves two transactions by their locks: PostgreSQL")
    monkeypatch.setattr(idempotency_module, "KEY_WAIT", timedelta(minutes=1))  # a slow CI
    uprn = a_uprn()
    headers = {"Idempotency-Key": f"interleaved-{uprn}"}
    async with kit_database.engine.connect() as holder:
        transaction = await holder.begin()
        await holder.execute(text("LOCK TABLE home IN SHARE MODE"))  # inserts wait
        first = asyncio.create_task(client.post("/homes", json={"uprn": uprn}, headers=headers))
        await until_a_backend_waits_for_a_lock(kit_database)
        second = asyncio.create_task(
            client.post("/homes", json={"uprn": uprn, **second_body}, headers=headers)
        )
        await until_a_request_waits_for_its_key(kit_database)
        await transaction.rollback()
    first_answer, second_answer = await first, await second
    assert first_answer.status_code == 201, first_answer.text
    assert "idempotent-replayed" not in first_answer.headers
    assert second_answer.status_code == second_status, second_answer.text
    if second_status == 201:
        assert second_answer.headers["idempotent-replayed"] == "true"
        assert second_answer.json() == first_answer.json()
        assert second_answer.headers["location"] == first_answer.headers["location"]
    else:
        [error] = second_answer.json()["errors"]
        assert (error["field"], error["location"]) == ("Idempotency-Key", "header")
    assert await homes_created(kit_database, uprn) == 1


async def test_a_second_request_waits_a_bounded_time_for_a_key_held_then_is_a_409(
    client: httpx.AsyncClient, kit_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first request with a key is held (the test holds the table it writes); the
    second, same key, does not wait for it indefinitely (each retry a contractor's
    system sends would hold a database connection meanwhile, and the gateway has long
    given up on them): after KEY_WAIT it is a 409 naming the header, with Retry-After,
    and changes nothing. The first then goes on, and a later retry replays its 201."""
    if kit_database.engine.dialect.name != "postgresql":
        pytest.skip("interleaves two transactions by their locks: PostgreSQL")
    monkeypatch.setattr(idempotency_module, "KEY_WAIT", timedelta(seconds=0.5))
    uprn = a_uprn()
    headers = {"Idempotency-Key": f"held-{uprn}"}
    async with kit_database.engine.connect() as holder:
        transaction = await holder.begin()
        await holder.execute(text("LOCK TABLE home IN SHARE MODE"))  # inserts wait
        first = asyncio.create_task(client.post("/homes", json={"uprn": uprn}, headers=headers))
        await until_a_backend_waits_for_a_lock(kit_database)
        async with asyncio.timeout(20):  # far beyond KEY_WAIT: not waiting for the first
            second = await client.post("/homes", json={"uprn": uprn}, headers=headers)
        assert not first.done()
        await transaction.rollback()
    assert second.status_code == 409, second.text
    assert second.headers["content-type"] == "application/problem+json"
    assert second.headers["retry-after"] == "1"
    [error] = second.json()["errors"]
    assert (error["field"], error["location"]) == ("Idempotency-Key", "header")
    first_answer = await first
    assert first_answer.status_code == 201, first_answer.text
    retried = await client.post("/homes", json={"uprn": uprn}, headers=headers)
    assert retried.headers["idempotent-replayed"] == "true"
    assert retried.json() == first_answer.json()
    assert await homes_created(kit_database, uprn) == 1

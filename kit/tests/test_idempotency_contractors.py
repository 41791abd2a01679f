"""An Idempotency-Key is a contractor's own: two contractors whose tokens carry the same
subject (as development tokens made per docs/contractors.md once did) never share a key,
so one never gets the other's stored response replayed, and one's key never refuses the
other's own request. An empty key's problem names the header as it is written. On the
configured database (PostgreSQL in CI) and on SQLite, the embedded default."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Generator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.auth import CallerDep, InternalTokenVerifier, issue_internal_token, key_id
from hearth_kit.db import Database, SessionDep
from hearth_kit.idempotency import IdempotencyDep, idempotency_scope
from hearth_kit.problems import NotFound, install_problem_handlers
from hearth_kit.tables import kit_metadata
from tests.harness.infra import DatabaseFactory

SIGNING_KEY = Ed25519PrivateKey.generate()
SHARED_SUBJECT = "dev-contractor"
"""The subject both contractors' tokens carry."""


class StatusUpdate(BaseModel):
    status: str


class JobPublic(BaseModel):
    id: str
    contractor_id: str
    status: str


jobs: dict[str, str] = {}
"""Job id -> the contractor it belongs to."""


def jobs_app(db: Database) -> FastAPI:
    """A contractor route as the services write one: the key is looked at first, then
    the service finds the job among the caller's own (404 for another's)."""
    app = FastAPI()
    install_problem_handlers(app)
    app.state.db = db
    public_key = SIGNING_KEY.public_key()
    app.state.internal_token_verifier = InternalTokenVerifier(
        "kit", {key_id(public_key): public_key}
    )

    async def update(
        session: AsyncSession, job_id: str, contractor_id: str, status: str
    ) -> JobPublic:
        if jobs.get(job_id) != contractor_id:
            raise NotFound(f"No job {job_id}")
        return JobPublic(id=job_id, contractor_id=contractor_id, status=status)

    @app.post("/jobs/{job_id}/status", response_model=JobPublic)
    async def job_status(
        job_id: str,
        body: StatusUpdate,
        session: SessionDep,
        idempotency: IdempotencyDep,
        caller: CallerDep,
    ) -> Response:
        contractor_id = caller.contractor_id or ""
        return await idempotency.create(
            session, lambda: update(session, job_id, contractor_id, body.status), status_code=200
        )

    @app.post("/records", status_code=201, response_model=JobPublic)
    async def record(
        body: StatusUpdate, session: SessionDep, idempotency: IdempotencyDep, caller: CallerDep
    ) -> Response:
        """One path every contractor shares (as a gas safety record's)."""
        contractor_id = caller.contractor_id or ""

        async def create() -> JobPublic:
            return JobPublic(id=str(uuid.uuid4()), contractor_id=contractor_id, status=body.status)

        return await idempotency.create(session, create)

    return app


class ContractorToken(httpx.Auth):
    """Calls as the gateway would for a contractor: a fresh internal token per request."""

    def __init__(self, contractor_id: str, subject: str = SHARED_SUBJECT) -> None:
        self.contractor_id = contractor_id
        self.subject = subject

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = issue_internal_token(
            SIGNING_KEY,
            service="kit",
            subject=self.subject,
            scopes=["contractor"],
            contractor_id=self.contractor_id,
        )
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


@pytest.fixture(scope="module", params=["configured", "sqlite"])
async def app(
    request: pytest.FixtureRequest,
    databases: DatabaseFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[FastAPI]:
    if request.param == "configured":
        url = await databases.create("kit_idempotency_contractors")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('contractor_keys') / 'keys.db'}"
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    yield jobs_app(db)
    await db.dispose()


def client_for(app: FastAPI, contractor_id: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://kit",
        auth=ContractorToken(contractor_id),
    )


@pytest.fixture
async def plumbfast(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, "plumbfast") as client:
        yield client


@pytest.fixture
async def drainco(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, "drainco") as client:
        yield client


async def test_another_contractors_key_never_replays_its_answer(
    plumbfast: httpx.AsyncClient, drainco: httpx.AsyncClient
) -> None:
    job = str(uuid.uuid4())
    jobs[job] = "plumbfast"
    key = {"Idempotency-Key": f"a1-appt-{job}"}
    body = {"status": "appointment_made"}
    mine = await plumbfast.post(f"/jobs/{job}/status", json=body, headers=key)
    assert mine.status_code == 200
    theirs = await drainco.post(f"/jobs/{job}/status", json=body, headers=key)
    assert theirs.status_code == 404
    assert "idempotent-replayed" not in theirs.headers
    assert "plumbfast" not in theirs.text
    again = await plumbfast.post(f"/jobs/{job}/status", json=body, headers=key)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == mine.json()


async def test_one_key_on_a_shared_path_is_each_contractors_own_request(
    plumbfast: httpx.AsyncClient, drainco: httpx.AsyncClient
) -> None:
    key = {"Idempotency-Key": f"record-{uuid.uuid4()}"}
    mine = await plumbfast.post("/records", json={"status": "safe"}, headers=key)
    same_body = await drainco.post("/records", json={"status": "safe"}, headers=key)
    other_body = await drainco.post("/records", json={"status": "unsafe"}, headers=key)
    assert mine.status_code == same_body.status_code == 201
    assert "idempotent-replayed" not in same_body.headers
    assert same_body.json()["contractor_id"] == "drainco"
    assert same_body.json()["id"] != mine.json()["id"]
    # drainco's own key, used again with another body: its own 422, not plumbfast's
    assert other_body.status_code == 422
    [error] = other_body.json()["errors"]
    assert (error["field"], error["location"]) == ("Idempotency-Key", "header")


async def test_an_empty_key_is_a_422_naming_the_header_as_written(
    plumbfast: httpx.AsyncClient,
) -> None:
    response = await plumbfast.post(
        "/records", json={"status": "safe"}, headers={"Idempotency-Key": ""}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("Idempotency-Key", "header")


async def test_the_key_header_is_read_whatever_its_case(plumbfast: httpx.AsyncClient) -> None:
    key = f"record-{uuid.uuid4()}"
    first = await plumbfast.post(
        "/records", json={"status": "safe"}, headers={"idempotency-key": key}
    )
    again = await plumbfast.post(
        "/records", json={"status": "safe"}, headers={"IDEMPOTENCY-KEY": key}
    )
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()


def test_a_contractors_scope_names_its_contractor_and_a_staff_scope_is_unchanged() -> None:
    plumbfast = idempotency_scope(SHARED_SUBJECT, "POST", "/records", "plumbfast")
    drainco = idempotency_scope(SHARED_SUBJECT, "POST", "/records", "drainco")
    staff = idempotency_scope(SHARED_SUBJECT, "POST", "/records")
    assert len({plumbfast, drainco, staff}) == 3
    assert staff == "dev-contractor POST /records"
    long_path = "/records/" + "x" * 400
    assert idempotency_scope("s", "POST", long_path, "plumbfast") != idempotency_scope(
        "s", "POST", long_path, "drainco"
    )

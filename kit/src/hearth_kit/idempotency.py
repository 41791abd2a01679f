"""`Idempotency-Key` on POSTs that create things.

A create endpoint is parse -> service -> shape, and hands the work to
`IdempotencyDep.create(...)`, which does the rest: the first response to a key is
stored in the same transaction as the change it made; a retry with the same key and
body gets that response again (with `Idempotent-Replayed: true`) and changes nothing;
the same key with a different body is a 422. Two requests with the same key at the
same moment run one after the other (the key is claimed first): the second gets the
first's response, or, when the first is still running after KEY_WAIT, a 409 naming the
header with Retry-After (a retry then gets the first's response).

A key belongs to its caller (the internal token's subject and, for a contractor's
token, its contractor_id) and to the method and route: the same key from two callers is
two requests, and two contractors never share a key even when their tokens carry the
same subject (the key is looked up, and its response replayed, before the service
checks whose work it is). A record lives 24 hours: a key reused
after that is a new request. Each stored response purges a bounded number of expired
records (oldest first, by the created_at index), so a busy table stays small; and every
service's scheduler runs `EXPIRED_RESPONSES` (hearth_kit.app adds it), because a stored
response holds what the request created (a resident's name and phone number, a
tenant's): a service that goes quiet must not keep them past their 24 hours until its
next keyed write, which may be days away (docs/adr/0046).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar, overload

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Integer, bindparam, delete, func, insert, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.auth import CallerDep
from hearth_kit.problems import Conflict, Unprocessable
from hearth_kit.scheduler import ScheduledJob
from hearth_kit.tables import idempotency_record

KEY_LIFETIME = timedelta(hours=24)
"""How long a key's response is replayed; a key reused later is a new request."""
PURGE_BATCH = 100
"""Expired records deleted with each stored response (bounded, so a store stays cheap)."""
_SCOPE_LENGTH = 300  # idempotency_record.scope
KEY_WAIT = timedelta(seconds=5)
"""How long a request waits for another holding its key before it is a 409 (PostgreSQL).
Under the gateway's write budget (10 s), so the caller hears why; and bounded, because a
request waiting for a key holds a database connection, and a contractor's system that
retries every second while the first attempt is stuck would otherwise pile up waiters
(the gateway gives up on them; the service does not) until the pool is gone."""
_KEY_POLL_SECONDS = 0.05
KEY_LOCK_SPACE = 0x4B455953  # "KEYS"
"""The first key of the two-key PostgreSQL advisory lock a create with an
Idempotency-Key holds (the second is a hash of its scope and key): a space of its own,
apart from the one-key locks other code takes (the relay, bookings)."""

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


class Idempotency:
    """The request's idempotency key, if any, within its caller's and route's scope."""

    def __init__(
        self, key: str | None, scope: str, request_hash: str, now: datetime | None = None
    ) -> None:
        self.key = key
        self.scope = scope
        self.request_hash = request_hash
        self.now = now or datetime.now(UTC)

    @overload
    async def create(
        self,
        session: AsyncSession,
        run: Callable[[], Awaitable[M]],
        *,
        location: Callable[[M], str] | None = None,
        status_code: int = 201,
    ) -> JSONResponse: ...

    @overload
    async def create(
        self,
        session: AsyncSession,
        run: Callable[[], Awaitable[R]],
        *,
        shape: Callable[[R], M],
        location: Callable[[M], str] | None = None,
        status_code: int = 201,
    ) -> JSONResponse: ...

    async def create(
        self,
        session: AsyncSession,
        run: Callable[[], Awaitable[Any]],
        *,
        shape: Callable[[Any], BaseModel] | None = None,
        location: Callable[[Any], str] | None = None,
        status_code: int = 201,
    ) -> JSONResponse:
        """Answer a create: the stored response for a retried key, or else `run()` (the
        service call), `shape` its result into the response model, and remember the
        response with the change, in the caller's transaction. `location` gives the
        created thing's URL (the Location header).

        The key is claimed before anything is looked up or run (`_claim`): a second
        request with the same key at the same moment waits for the first to finish and
        then gets its response (or runs, if the first failed), so the two never both run
        and meet on the created thing's own unique key; waiting longer than KEY_WAIT,
        it is a 409 instead."""
        await self._claim(session)
        if (replayed := await self._replay(session)) is not None:
            return replayed
        created = await run()
        public: BaseModel = shape(created) if shape is not None else created
        body = public.model_dump(mode="json")
        headers = {"Location": location(public)} if location is not None else {}
        await self._remember(session, status_code, body, headers)
        return JSONResponse(body, status_code=status_code, headers=headers)

    async def _claim(self, session: AsyncSession) -> None:
        """Hold this key until the caller's transaction ends. On PostgreSQL a
        transaction-scoped advisory lock on the scope and key (two requests with
        different keys never wait for each other, unless their hashes meet), tried
        again every 50 ms while another request holds it, for up to KEY_WAIT, then a
        409 (one statement when the key is free, as it nearly always is; no aborted
        transaction or lock_timeout to set and restore). On SQLite the session's
        transaction already holds the database's write lock from its first statement
        (hearth_kit.db: BEGIN IMMEDIATE), which serialises them, bounded by its busy
        timeout."""
        if self.key is None or session.get_bind().dialect.name != "postgresql":
            return
        claim = select(
            func.pg_try_advisory_xact_lock(
                bindparam("space", KEY_LOCK_SPACE, Integer),
                func.hashtext(bindparam("scoped_key", f"{self.scope}\n{self.key}")),
            )
        )
        deadline = time.monotonic() + KEY_WAIT.total_seconds()
        while not (await session.execute(claim)).scalar_one():
            if time.monotonic() >= deadline:
                raise Conflict(
                    "A request with this Idempotency-Key is still being processed; "
                    "retry shortly with the same key to get its response",
                    field="Idempotency-Key",
                    location="header",
                    headers={"Retry-After": "1"},
                )
            await asyncio.sleep(_KEY_POLL_SECONDS)

    async def _replay(self, session: AsyncSession) -> JSONResponse | None:
        """The stored response for this key, or None if the key is new, expired or absent."""
        if self.key is None:
            return None
        row = (
            (
                await session.execute(
                    select(idempotency_record).where(
                        idempotency_record.c.key == self.key,
                        idempotency_record.c.scope == self.scope,
                    )
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        if row["created_at"] <= self.now - KEY_LIFETIME:
            # Expired: this use of the key is a new request; its record replaces this one.
            await session.execute(
                delete(idempotency_record).where(
                    idempotency_record.c.key == self.key,
                    idempotency_record.c.scope == self.scope,
                )
            )
            return None
        if row["request_hash"] != self.request_hash:
            raise Unprocessable(
                "This Idempotency-Key was already used with a different request body",
                field="Idempotency-Key",
                location="header",
            )
        headers = {**row["headers"], "Idempotent-Replayed": "true"}
        return JSONResponse(row["response_body"], status_code=row["status_code"], headers=headers)

    async def _remember(
        self, session: AsyncSession, status_code: int, body: Any, headers: dict[str, str]
    ) -> None:
        """Store the response in the caller's transaction, and purge some expired ones."""
        if self.key is None:
            return
        try:
            await session.execute(
                insert(idempotency_record).values(
                    key=self.key,
                    scope=self.scope,
                    request_hash=self.request_hash,
                    status_code=status_code,
                    response_body=jsonable_encoder(body),
                    headers=headers,
                    created_at=self.now,
                )
            )
        except IntegrityError as exc:
            # Another request with this key committed first although the key was
            # claimed (a session that did not take the claim's lock); this one's
            # transaction rolls back, so its change is not applied twice.
            raise Conflict(
                "A request with this Idempotency-Key is being or was just processed; "
                "retry to get its response",
                field="Idempotency-Key",
                location="header",
            ) from exc
        await purge_expired(session, self.now)


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Delete up to PURGE_BATCH records expired at `now`, oldest first, and say how many;
    rows another transaction is deleting are skipped (PostgreSQL), so purges never wait
    on each other."""
    expired = (
        select(idempotency_record.c.key, idempotency_record.c.scope)
        .where(idempotency_record.c.created_at <= now - KEY_LIFETIME)
        .order_by(idempotency_record.c.created_at)
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        delete(idempotency_record).where(
            tuple_(idempotency_record.c.key, idempotency_record.c.scope).in_(expired)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


EXPIRED_RESPONSES = ScheduledJob(
    "expired-idempotency-responses", timedelta(minutes=15), purge_expired
)
"""Every service's scheduler purges expired stored responses every 15 minutes, batch by
batch until none is left, whether or not any keyed write arrives: a response is kept at
most KEY_LIFETIME and one interval."""


def idempotency_scope(
    subject: str, method: str, path: str, contractor_id: str | None = None
) -> str:
    """Whose key it is and where it was used: the caller's subject, method and path,
    and the contractor a contractor's token is bound to (hashed when too long for the
    column, so two scopes never share a prefix). A staff caller's scope is as it always
    was; a contractor's is marked and names its contractor, so one contractor's key is
    never another's even when both tokens carry the same subject."""
    if contractor_id is None:
        scope = f"{subject} {method} {path}"
    else:
        scope = "contractor:" + json.dumps([contractor_id, subject, method, path])
    if len(scope) <= _SCOPE_LENGTH:
        return scope
    return "sha256:" + hashlib.sha256(scope.encode()).hexdigest()


async def idempotency(
    request: Request,
    caller: CallerDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="Makes a retried POST safe: the same key returns the first response "
            "for 24 hours.",
        ),
    ] = None,
) -> Idempotency:
    body = await request.body()
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True).encode() if body else b""
    except (ValueError, RecursionError):
        canonical = body
    scope = idempotency_scope(
        caller.subject, request.method, request.url.path, caller.contractor_id
    )
    return Idempotency(idempotency_key, scope, hashlib.sha256(canonical).hexdigest())


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]

"""`Idempotency-Key` on POSTs that create things.

The first response to a key is stored in the same transaction as the change it made;
a retry with the same key and body gets that response again and changes nothing; the
same key with a different body is a 422.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.problems import Conflict, Unprocessable
from hearth_kit.tables import idempotency_record


class Idempotency:
    """The request's idempotency key, if any, and its stored response."""

    def __init__(self, key: str | None, scope: str, request_hash: str) -> None:
        self.key = key
        self.scope = scope
        self.request_hash = request_hash

    async def replay(self, session: AsyncSession) -> JSONResponse | None:
        """The stored response for this key, or None if the key is new (or absent)."""
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
        if row["request_hash"] != self.request_hash:
            raise Unprocessable(
                "This Idempotency-Key was already used with a different request body",
                field="Idempotency-Key",
                location="header",
            )
        headers = {**row["headers"], "Idempotent-Replayed": "true"}
        return JSONResponse(row["response_body"], status_code=row["status_code"], headers=headers)

    async def remember(
        self,
        session: AsyncSession,
        status_code: int,
        body: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Store the response in the caller's transaction."""
        if self.key is None:
            return
        try:
            await self._insert(session, status_code, body, headers)
        except IntegrityError as exc:
            # Another request with this key committed first (they raced); this one's
            # transaction rolls back, so its change is not applied twice.
            raise Conflict(
                "A request with this Idempotency-Key is being or was just processed; "
                "retry to get its response",
                field="Idempotency-Key",
                location="header",
            ) from exc

    async def _insert(
        self,
        session: AsyncSession,
        status_code: int,
        body: Any,
        headers: dict[str, str] | None,
    ) -> None:
        await session.execute(
            insert(idempotency_record).values(
                key=self.key,
                scope=self.scope,
                request_hash=self.request_hash,
                status_code=status_code,
                response_body=jsonable_encoder(body),
                headers=headers or {},
                created_at=datetime.now(UTC),
            )
        )


async def idempotency(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            description="Makes a retried POST safe: the same key returns the first response.",
        ),
    ] = None,
) -> Idempotency:
    body = await request.body()
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True).encode() if body else b""
    except ValueError:
        canonical = body
    scope = f"{request.method} {request.url.path}"
    return Idempotency(idempotency_key, scope, hashlib.sha256(canonical).hexdigest())


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]

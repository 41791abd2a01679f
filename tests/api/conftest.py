"""The API tests: the platform (five services and the gateway on a real broker and
databases) once per module, and tokens that may call everything.

Marked `api` (and `integration`), so they run alone with `pytest -m api`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from gateway.scopes import CONTRACTOR_SCOPE, SCOPES
from gateway.settings import DEVELOPMENT_JWT_SECRET
from hearth_kit.auth import ADMIN_SCOPE, issue_internal_token
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform
from tests.harness.tokens import session_private_key

EVERY_STAFF_SCOPE = sorted(set(SCOPES) - {CONTRACTOR_SCOPE})
"""A caller who may call every staff route (need-to-know scopes included)."""


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases) as running:
        yield running


def user_token(scopes: list[str] = EVERY_STAFF_SCOPE, *, minutes: int = 30, **claims: Any) -> str:
    """A development user token for the gateway carrying exactly `scopes`."""
    now = datetime.now(UTC)
    body = {
        "iss": "hearth-dev",
        "aud": "hearth",
        "sub": "api-tests",
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
        "scope": " ".join(scopes),
        **claims,
    }
    return jwt.encode(body, DEVELOPMENT_JWT_SECRET, "HS256")


def long_internal_token(service: str, *, minutes: int = 30) -> str:
    """An internal token for `service` that outlives a Schemathesis run (a real one
    lives 60 s): every staff scope and admin."""
    return issue_internal_token(
        session_private_key(),
        service=service,
        subject="api-tests",
        scopes=[*EVERY_STAFF_SCOPE, ADMIN_SCOPE],
        ttl=timedelta(minutes=minutes),
    )

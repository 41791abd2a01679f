"""Test data for the visits service's tests."""

from __future__ import annotations

import json
import random
import string
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from visits.settings import CaseloadOfficers

OFFICERS = CaseloadOfficers(
    introductory="officer-intro",
    sustainable_tenancy="officer-sustain",
    community_by_area={"E8": "officer-e8"},
)
"""The York pilot's officers, as the tests' settings name them."""


JUST_VISITED = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
"""A report's visited_at (required): an hour before the tests started."""


A_FULL_VISIT = "2026-06-01T10:00:00+00:00"
"""A full visit made half a year before the tests' usual booking day (1 December 2026):
the programme's next visit after it is lite, by 1 June 2027."""


def a_household(
    resident_id: uuid.UUID | str | None = None, **overrides: object
) -> dict[str, object]:
    """The household's details confirmed with a resident: a completed visit's report needs
    them (ADR 0146). By default a resident visits has not heard of yet, which it takes
    (engagement's event still to come), so the home's residents need not be set up."""
    return {
        "resident_id": str(resident_id or uuid.uuid4()),
        "household_size": 2,
        "corrected": [],
        **overrides,
    }


def a_completed_report(visited_at: str, **fields: object) -> dict[str, object]:
    """A one-shot report of a completed visit, with the household's details it needs."""
    return {"outcome": "completed", "visited_at": visited_at, "household": a_household(), **fields}


async def visited_in_full(visits: httpx.AsyncClient, uprn: str, at: str = A_FULL_VISIT) -> None:
    """A full visit (not the survey) booked and completed at `at`: a lite visit is offered
    after it (ADR 0131: only in the year between full visits)."""
    booked = await visits.post(
        "/v1/visits",
        json={"uprn": uprn, "kind": "full", "stock_condition_survey": False, "scheduled_for": at},
    )
    assert booked.status_code == 201, booked.text
    reported = await visits.post(
        f"/v1/visits/{booked.json()['id']}/report",
        json=a_completed_report(at),
    )
    assert reported.status_code == 201, reported.text


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def a_visit(uprn: str, **overrides: object) -> dict[str, object]:
    return {
        "uprn": uprn,
        "kind": "full",
        "scheduled_for": "2026-12-01T10:00:00+00:00",
        "officer": "officer-17",
        **overrides,
    }


def a_repair(n: int = 1, trade: str = "plumbing") -> dict[str, object]:
    return {"description": f"Dripping tap {n}", "location": "kitchen", "trade": trade}


def a_hazard(**overrides: object) -> dict[str, object]:
    return {
        "hazard_type": "damp_and_mould",
        "severity": "significant",
        "location": "bedroom 1",
        "description": "Black mould on the outside wall behind the wardrobe",
        **overrides,
    }


async def outbox_rows(db: Database, uprn: str) -> list[dict[str, Any]]:
    """The home's outbox rows in the order they were written, payloads decoded."""
    async with db.sessionmaker() as session:
        rows = (
            (
                await session.execute(
                    select(outbox_message)
                    .where(outbox_message.c.message_key == uprn)
                    .order_by(outbox_message.c.id)
                )
            )
            .mappings()
            .all()
        )
    return [{**row, "data": json.loads(row["payload"])} for row in rows]


def event_names(rows: list[dict[str, Any]]) -> list[str]:
    """`uk.hearth.visits.visit-completed.v1` -> `visit-completed`."""
    return [row["event_type"].split(".")[3] for row in rows]


def an_area() -> str:
    """A postcode district no other test uses: Q, V and X never begin a real one, and
    28,080 of these make a clash between two tests of one run unlikely (two digits alone
    clashed in CI)."""
    draw = uuid.uuid4().int
    first, draw = "QVX"[draw % 3], draw // 3
    second, draw = string.ascii_uppercase[draw % 26], draw // 26
    digit, draw = str(draw % 10), draw // 10
    last = (string.ascii_uppercase + string.digits)[draw % 36]
    return f"{first}{second}{digit}{last}"

"""Results and figures count respondents, not responses (on a database of their own):
one resident answering the perception survey ten times is one respondent, their latest
answer is the one counted, and a group of one person stays suppressed however many
times they answer."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engagement.surveys import rules
from hearth_contracts.events.engagement import SurveyKind
from hearth_kit.working_days import london_day
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, service_api
from tests.harness.tokens import STAFF_SCOPES, InternalTokenAuth


@pytest.fixture(scope="module")
async def fresh(databases: DatabaseFactory) -> AsyncIterator[httpx.AsyncClient]:
    url = await migrated_database(databases, "engagement")
    async with service_api("engagement", url) as client:
        yield client


async def resident_with(client: httpx.AsyncClient, ethnicity: str) -> tuple[str, str]:
    """A tenant of a home of their own (a tenancy income has not announced yet), with
    the ethnicity given: their id and home. A perception response is of the household
    the resident lives in (docs/adr/0134, 0162)."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    created = await client.post(
        "/v1/residents",
        json={
            "full_name": "R",
            "preferred_channel": "letter",
            "person_id": str(uuid.uuid4()),
            "tenancy_id": str(uuid.uuid4()),
            "uprn": uprn,
        },
    )
    assert created.status_code == 201, created.text
    resident_id: str = created.json()["id"]
    profile = await client.put(
        f"/v1/residents/{resident_id}/diversity", json={"ethnicity": ethnicity}
    )
    assert profile.status_code == 204, profile.text
    return resident_id, uprn


async def answer(
    client: httpx.AsyncClient, resident: tuple[str, str], rating: str, at: datetime
) -> None:
    resident_id, uprn = resident
    answered = await client.post(
        "/v1/surveys/responses",
        json={
            "survey": "perception",
            "uprn": uprn,
            "resident_id": resident_id,
            "answers": [{"question": "tp01_overall", "rating": rating}],
            "responded_at": at.isoformat(),
        },
    )
    assert answered.status_code == 201, answered.text


async def test_one_resident_answering_many_times_is_one_respondent(
    fresh: httpx.AsyncClient,
) -> None:
    """The reviewer's case: one gypsy_or_irish_traveller resident posting ten responses
    showed as a group of ten, unsuppressed; and three responses from one person made
    TP01 2/3. Now they are one respondent, their latest answer counts, and their group
    stays suppressed."""
    now = datetime.now(UTC)
    traveller = await resident_with(fresh, "gypsy_or_irish_traveller")
    for i in range(10):
        await answer(fresh, traveller, "very_satisfied", now - timedelta(minutes=30 - i))
    # Their latest answer: dissatisfied.
    await answer(fresh, traveller, "very_dissatisfied", now - timedelta(minutes=1))
    for _ in range(10):
        await answer(fresh, await resident_with(fresh, "white_british"), "fairly_satisfied", now)
    today = london_day(now)
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    async with httpx.AsyncClient(
        transport=fresh._transport,
        base_url=str(fresh.base_url),
        auth=InternalTokenAuth("engagement", scopes=STAFF_SCOPES | {"diversity:read"}),
    ) as reader:
        results = await reader.get(
            "/v1/surveys/results", params={**period, "survey": "perception", "strand": "ethnicity"}
        )
        figures = await reader.get("/v1/engagement/figures", params=period)
    assert results.status_code == 200, results.text
    body = results.json()
    assert body["respondents"] == 11
    assert body["questions"][0] == {
        "question": "tp01_overall",
        "satisfied": 10,
        "answered": 11,
        "share": round(10 / 11, 4),
        "reasons": {"satisfied": 0, "dissatisfied": 0},
    }
    assert "gypsy_or_irish_traveller" not in results.text
    # One person left out of eleven: the white_british ten go too (secondary suppression).
    assert [(g["value"], g["respondents"], g["suppressed"]) for g in body["groups"]] == [
        (None, None, True)
    ]
    assert figures.status_code == 200, figures.text
    tp01 = next(m for m in figures.json()["measures"] if m["code"] == "TP01")
    assert (tp01["numerator"], tp01["denominator"]) == (10, 11)
    assert "gypsy_or_irish_traveller" not in figures.text


@dataclass(frozen=True)
class Given:
    id: uuid.UUID
    survey: SurveyKind
    resident_id: uuid.UUID | None
    about_id: uuid.UUID | None
    responded_at: datetime


RESIDENTS = [uuid.UUID(int=n) for n in range(1, 4)]
WORKS = [uuid.UUID(int=n) for n in range(100, 103)]
given_responses = st.lists(
    st.builds(
        Given,
        id=st.uuids(),
        survey=st.sampled_from([SurveyKind.PERCEPTION, SurveyKind.REPAIR]),
        resident_id=st.sampled_from([*RESIDENTS, None]),
        about_id=st.sampled_from(WORKS),
        responded_at=st.datetimes(
            min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
        ),
    ),
    max_size=30,
)


@given(given_responses)
def test_counted_once_keeps_the_latest_per_resident(responses: list[Given]) -> None:
    perception = [r for r in responses if r.survey == SurveyKind.PERCEPTION]
    counted = rules.counted_once(perception)
    named = [r for r in counted if r.resident_id is not None]
    assert len({r.resident_id for r in named}) == len(named)
    for r in named:
        assert r.responded_at == max(
            p.responded_at for p in perception if p.resident_id == r.resident_id
        )
    assert sum(r.resident_id is None for r in counted) == sum(
        r.resident_id is None for r in perception
    )
    assert rules.respondents(counted) == len(counted)
    assert rules.respondents(perception) == rules.respondents(counted)


@given(given_responses)
def test_a_transactional_survey_counts_each_piece_of_work_once_per_resident(
    responses: list[Given],
) -> None:
    repairs = [r for r in responses if r.survey == SurveyKind.REPAIR]
    counted = rules.counted_once(repairs)
    keys = [(r.resident_id or r.id, r.about_id) for r in counted]
    assert len(set(keys)) == len(keys)
    assert {(r.resident_id or r.id, r.about_id) for r in repairs} == set(keys)


HOMES = ["100000000001", "100000000002"]


@given(
    given_responses,
    st.lists(st.sampled_from(HOMES), min_size=len(RESIDENTS), max_size=len(RESIDENTS)),
    st.lists(st.sampled_from(HOMES), min_size=30, max_size=30),
)
def test_a_household_is_one_voice_the_first_to_answer(
    responses: list[Given], residents_homes: list[str], paper_homes: list[str]
) -> None:
    """Each household counts once (docs/adr/0122): the first of it to answer, by their
    latest answer; no one else of the household is counted. Each resident lives in one
    home; an anonymous (paper) response comes from any."""
    perception = [r for r in responses if r.survey == SurveyKind.PERCEPTION]
    lives_at = dict(zip(RESIDENTS, residents_homes, strict=True))
    household = {
        r.id: lives_at[r.resident_id] if r.resident_id else home
        for r, home in zip(perception, paper_homes, strict=False)
    }
    counted = rules.counted_once(perception, households=household)
    assert sorted(household[r.id] for r in counted) == sorted(set(household.values()))
    for r in counted:
        same = [p for p in perception if household[p.id] == household[r.id]]
        first = min(same, key=lambda p: (p.responded_at, str(p.id)))
        assert rules.respondent_of(r) == rules.respondent_of(first)
        assert r.responded_at == max(
            p.responded_at for p in same if rules.respondent_of(p) == rules.respondent_of(first)
        )

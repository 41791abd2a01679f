"""A damp case closed as the same damp as another at the home, whose clocks began first
(docs/adr/0236): a case opened before an earlier awareness was known stays beside the
case that awareness opened (ADR 0193, 0216). Closed as its duplicate, its running clocks
stop withdrawn (neither met nor late: not counted in the figures, no breach raised for
them), a pause running ends, its recorded hazards go to the case kept; refused, nothing
changes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from hearth_kit.db import Database
from hearth_kit.problems import Conflict
from hearth_kit.scheduler import run_until_done
from hearth_kit.working_days import ENGLAND_AND_WALES
from repairs.awaab import repository
from repairs.awaab.schemas import CaseDuplicate
from repairs.awaab.service import AwaabService
from repairs.models import AwaabCase, AwaabCaseHazard, AwaabCaseStatus, AwarenessSource
from repairs.settings import AwaabTargets
from services.repairs.tests.awaab.test_cases import a_uprn, breach_job, breaches
from services.repairs.tests.contractor_doubles import manager
from services.repairs.tests.orders.test_appointment_lock_order import on_postgresql


async def a_case(
    staff: httpx.AsyncClient, uprn: str, aware: datetime, severity: str = "significant"
) -> dict[str, Any]:
    response = await staff.post(
        "/v1/awaab-cases",
        json={"uprn": uprn, "severity": severity, "became_aware_at": aware.isoformat()},
        auth=manager(),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def a_later_case_beside_an_earlier_one(
    staff: httpx.AsyncClient, uprn: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The later case opened first (aware 16 days ago: its investigation due about two
    days ago, no breach raised yet), then damp known from 20 days ago, before that case
    began, opening its own case (ADR 0193): (later, earlier)."""
    now = datetime.now(UTC)
    later = await a_case(staff, uprn, now - timedelta(days=16))
    earlier = await a_case(staff, uprn, now - timedelta(days=20))
    assert earlier["id"] != later["id"]
    return later, earlier


async def close_as_duplicate(
    staff: httpx.AsyncClient, case_id: str, duplicate_of: str, key: str | None = None
) -> httpx.Response:
    return await staff.post(
        f"/v1/awaab-cases/{case_id}/close-as-duplicate",
        json={"duplicate_of": duplicate_of},
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
        auth=manager(),
    )


async def investigations_breached(staff: httpx.AsyncClient, around: datetime) -> int:
    """The figures' investigate deadlines breached in the London days around `around`."""
    period = {
        "from": str((around - timedelta(days=3)).date()),
        "to": str((around + timedelta(days=3)).date()),
    }
    figures = await staff.get("/v1/repairs/figures", params=period)
    assert figures.status_code == 200, figures.text
    by_clock = {
        m["code"]: m["numerator"] for m in figures.json()["breakdowns"]["awaab_breached_by_clock"]
    }
    return int(by_clock["repairs.awaab_breached.investigate"])


async def test_the_later_case_closed_as_a_duplicate_withdraws_its_clocks(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    later, earlier = await a_later_case_beside_an_earlier_one(staff, uprn)
    [running] = later["clocks"]
    due = datetime.fromisoformat(running["due_at"])
    assert due < datetime.now(UTC)  # past its deadline, not yet raised by the job
    hazard_id = uuid.uuid4()
    async with repairs_database.sessionmaker() as session, session.begin():
        session.add(
            AwaabCaseHazard(
                hazard_id=hazard_id,
                case_id=uuid.UUID(later["id"]),
                source=AwarenessSource.HOME_VISIT,
                identified_at=datetime.now(UTC) - timedelta(days=15),
                recorded_at=datetime.now(UTC) - timedelta(days=15),
            )
        )
    counted_before = await investigations_breached(staff, due)

    key = str(uuid.uuid4())
    closed = await close_as_duplicate(staff, later["id"], earlier["id"], key)
    assert closed.status_code == 200, closed.text
    case = closed.json()
    assert (case["status"], case["duplicate_of"]) == ("duplicate", earlier["id"])
    [clock] = case["clocks"]
    assert clock["stopped_at"] is not None
    assert (clock["withdrawn"], clock["met"], clock["breached"]) == (True, None, False)
    assert case["hazards_recorded"] == []
    kept = (await staff.get(f"/v1/awaab-cases/{earlier['id']}")).json()
    assert kept["status"] == "open"
    assert [h["hazard_id"] for h in kept["hazards_recorded"]] == [str(hazard_id)]

    # Stopped after its deadline, yet not late: the figures count nothing more for it,
    # and the breach job raises only the kept case's breach (its own deadline passed).
    assert await investigations_breached(staff, due) == counted_before
    await run_until_done(repairs_database, breach_job())
    assert await breaches(repairs_database, uprn) == 1
    reread = (await staff.get(f"/v1/awaab-cases/{later['id']}")).json()
    assert reread["clocks"][0]["breached"] is False
    kept = (await staff.get(f"/v1/awaab-cases/{earlier['id']}")).json()
    assert kept["clocks"][0]["breached"] is True

    # The same request again is the stored answer; another finds the case closed.
    assert (await close_as_duplicate(staff, later["id"], earlier["id"], key)).json() == case
    again = await close_as_duplicate(staff, later["id"], earlier["id"])
    assert again.status_code == 409, again.text


async def test_a_pause_running_ends_with_the_case_and_a_breach_raised_stays(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    later, earlier = await a_later_case_beside_an_earlier_one(staff, uprn)
    await run_until_done(repairs_database, breach_job())  # both deadlines passed: raised
    assert await breaches(repairs_database, uprn) == 2
    paused = await staff.post(
        f"/v1/awaab-cases/{later['id']}/clocks/investigate/pause",
        json={"reason": "tenant_refused_access"},
        auth=manager(),
    )
    assert paused.status_code == 200, paused.text

    closed = await close_as_duplicate(staff, later["id"], earlier["id"])
    assert closed.status_code == 200, closed.text
    [clock] = closed.json()["clocks"]
    assert clock["paused_at"] is None
    assert clock["pauses"][-1]["to"] == clock["stopped_at"].replace("Z", "+00:00")
    # raised before it was withdrawn: published, and stays (ADR 0092)
    assert (clock["withdrawn"], clock["met"], clock["breached"]) == (True, None, True)
    assert await breaches(repairs_database, uprn) == 2


@pytest.mark.parametrize(
    "kept",
    [
        "itself",
        "began_after",
        "another_home",
        "emergency",
        "a_duplicate",
        "its_duplicate",
        "unknown",
    ],
)
async def test_a_case_kept_that_cannot_be_is_refused_naming_it_and_changes_nothing(
    staff: httpx.AsyncClient, kept: str
) -> None:
    uprn = a_uprn()
    later, earlier = await a_later_case_beside_an_earlier_one(staff, uprn)
    now = datetime.now(UTC)
    case_id, duplicate_of = later["id"], earlier["id"]
    if kept == "itself":
        duplicate_of = later["id"]
    elif kept == "began_after":
        case_id, duplicate_of = earlier["id"], later["id"]
    elif kept == "another_home":
        duplicate_of = (await a_case(staff, a_uprn(), now - timedelta(days=30)))["id"]
    elif kept == "emergency":
        emergency = await a_case(staff, uprn, now - timedelta(days=30), "emergency")
        duplicate_of = emergency["id"]
    elif kept == "a_duplicate":
        first = await a_case(staff, uprn, now - timedelta(days=25))
        assert (await close_as_duplicate(staff, earlier["id"], first["id"])).status_code == 200
    elif kept == "its_duplicate":  # the other way round, once closed
        assert (await close_as_duplicate(staff, later["id"], earlier["id"])).status_code == 200
        case_id, duplicate_of = earlier["id"], later["id"]
    elif kept == "unknown":
        duplicate_of = str(uuid.uuid4())
    before = (await staff.get(f"/v1/awaab-cases/{case_id}")).json()

    refused = await close_as_duplicate(staff, case_id, duplicate_of)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["duplicate_of"]
    if kept == "its_duplicate":
        assert (
            refused.json()["detail"] == "That case is already closed as the same damp as this one"
        )
    assert (await staff.get(f"/v1/awaab-cases/{case_id}")).json() == before


async def test_an_unknown_case_is_not_found(staff: httpx.AsyncClient) -> None:
    missing = await close_as_duplicate(staff, str(uuid.uuid4()), str(uuid.uuid4()))
    assert missing.status_code == 404, missing.text


async def test_the_case_is_judged_as_it_is_once_locked_not_as_first_read(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The service reads the case unlocked to find its home, holds the home, then locks the
    case: a case closed in between (its last clock stopped elsewhere) is refused as
    closed, not judged from the copy read first. PostgreSQL only: SQLite serialises
    writers on the whole database, so the other writer could not run in between."""
    on_postgresql(repairs_database)
    later, earlier = await a_later_case_beside_an_earlier_one(staff, a_uprn())
    service = AwaabService(AwaabTargets(), ENGLAND_AND_WALES)
    async with repairs_database.sessionmaker() as session, session.begin():
        first_read = await repository.get(session, uuid.UUID(later["id"]))
        assert first_read is not None
        assert first_read.status is AwaabCaseStatus.OPEN
        async with repairs_database.sessionmaker() as other, other.begin():
            await other.execute(
                update(AwaabCase)
                .where(col(AwaabCase.id) == uuid.UUID(later["id"]))
                .values(status=AwaabCaseStatus.CLOSED)
            )
        with pytest.raises(Conflict):
            await service.close_as_duplicate(
                session,
                uuid.UUID(later["id"]),
                CaseDuplicate(duplicate_of=uuid.UUID(earlier["id"])),
            )

"""A contractor tells Hearth of the appointment it arranged with the household
(appointment_made with appointment_start and appointment_end): the booked appointment
moves to it as a rebooking does (old one rebooked and its place freed, a new one held in
the slot the window falls in, appointment-booked published for the household's
message), or one is booked when there was none; a full slot is taken all the same (the
contractor's arrangement with the household wins). So a completion within the new window
is accepted where the old booking refused it. The window is both ends or neither, only
with appointment_made, its end after its start, never before the work order was raised;
a status update's `at` is never before the work order was raised either. And one
contractor's Idempotency-Key never replays its answer to another contractor whose token
carries the same subject."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.db import Database
from services.repairs.tests.appointments.test_cancel import book, free_slots
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order, published_data

BOOKED = "uk.hearth.repairs.appointment-booked.v1"


def moment(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


async def booked_events(db: Database, uprn: str) -> list[dict[str, Any]]:
    """The data of every appointment-booked in the outbox for the home, in order."""
    return await published_data(db, uprn, BOOKED)


async def appointments_at(staff: httpx.AsyncClient, uprn: str) -> dict[str, dict[str, Any]]:
    """The home's appointments by status (the latest of each)."""
    response = await staff.get("/v1/appointments", params={"uprn": uprn})
    assert response.status_code == 200, response.text
    return {a["status"]: a for a in response.json()["items"]}


async def tell_status(
    staff: httpx.AsyncClient, order_id: str, body: dict[str, Any], who: str = "plumbfast"
) -> httpx.Response:
    return await staff.post(
        f"/v1/contractor/work-orders/{order_id}/status", json=body, auth=contractor(who)
    )


def made(start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "status": "appointment_made",
        "appointment_start": start.isoformat(),
        "appointment_end": end.isoformat(),
    }


async def test_a_changed_appointment_moves_the_booking_so_an_earlier_completion_is_accepted(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    # the household and the contractor agree on now instead (after the order was raised)
    start = datetime.now(UTC)
    end = start + timedelta(hours=2)
    # a slot the new window cannot fall in (whatever the time of day), so that the place
    # it frees is seen free again below
    later = (end + timedelta(days=1)).date().isoformat()
    slot = next(s for s in await free_slots(staff, uprn, ["plumbing"]) if s["day"] > later)
    old = await book(staff, [order["id"]], slot)

    moved = await tell_status(staff, order["id"], made(start, end))
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "appointment_made"

    appointments = await appointments_at(staff, uprn)
    assert appointments["rebooked"]["id"] == old["id"]
    new = appointments["booked"]
    assert (moment(new["window_start"]), moment(new["window_end"])) == (start, end)
    assert new["rebooked_from_appointment_id"] == old["id"]
    assert new["work_order_ids"] == [order["id"]]
    assert not new["made_at_first_contact"]
    # the old slot's place is free again
    assert (slot["day"], slot["slot"]) in {
        (s["day"], s["slot"]) for s in await free_slots(staff, uprn, ["plumbing"])
    }
    first, second = await booked_events(repairs_database, uprn)
    assert first["appointment_id"] == old["id"]
    assert second["appointment_id"] == new["id"]
    assert second["rebooked_from_appointment_id"] == old["id"]
    assert (moment(second["window_start"]), moment(second["window_end"])) == (start, end)
    assert second["repair_ids"] == [order["repair_id"]]

    completed = await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/completion",
        json={"completed_at": datetime.now(UTC).isoformat()},
        auth=contractor("plumbfast"),
    )
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "completed"


async def test_the_same_window_again_moves_nothing(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    start = datetime.now(UTC) + timedelta(days=1)
    end = start + timedelta(hours=3)
    first = await tell_status(staff, order["id"], made(start, end))
    assert first.status_code == 200, first.text
    again = await tell_status(staff, order["id"], made(start, end))
    assert again.status_code == 200, again.text
    assert len(await booked_events(repairs_database, uprn)) == 1
    assert set(await appointments_at(staff, uprn)) == {"booked"}


async def test_an_appointment_made_with_no_booking_books_one(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn, trade="electrical")
    start = datetime.now(UTC) + timedelta(days=2)
    end = start + timedelta(hours=2)
    response = await tell_status(staff, order["id"], made(start, end), who="sparks")
    assert response.status_code == 200, response.text
    [booked] = (await appointments_at(staff, uprn)).values()
    assert booked["status"] == "booked"
    assert booked["contractor_id"] == "sparks"
    assert booked["rebooked_from_appointment_id"] is None
    assert (moment(booked["window_start"]), moment(booked["window_end"])) == (start, end)
    [event] = await booked_events(repairs_database, uprn)
    assert event["appointment_id"] == booked["id"]


async def test_a_contractors_appointment_is_taken_in_a_full_slot(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """One place per trade per slot here: another home holds the slot, and the
    contractor's arrangement still stands (the slot is then offered to no one)."""
    uprn, other_uprn = a_uprn(), a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    other = await a_work_order(staff, repairs_database, other_uprn)
    full, *later = (await free_slots(staff, uprn, ["plumbing"]))[1:]
    # one whose hours are not full's (overlapping slots share places: docs/adr/0149)
    mine = next(
        s
        for s in later
        if moment(s["window_start"]) >= moment(full["window_end"])
        or moment(s["window_end"]) <= moment(full["window_start"])
    )
    await book(staff, [other["id"]], full)
    old = await book(staff, [order["id"]], mine)

    window = (moment(full["window_start"]), moment(full["window_end"]))
    moved = await tell_status(staff, order["id"], made(*window))
    assert moved.status_code == 200, moved.text

    new = (await appointments_at(staff, uprn))["booked"]
    assert (new["day"], new["slot"]) == (full["day"], full["slot"])
    assert new["rebooked_from_appointment_id"] == old["id"]
    assert (await appointments_at(staff, other_uprn))["booked"]["slot"] == full["slot"]
    offered = {(s["day"], s["slot"]) for s in await free_slots(staff, uprn, ["plumbing"])}
    assert (full["day"], full["slot"]) not in offered
    assert (mine["day"], mine["slot"]) in offered


async def test_a_window_that_does_not_hold_together_is_refused_and_nothing_moves(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    slot = (await free_slots(staff, uprn, ["plumbing"]))[3]
    old = await book(staff, [order["id"]], slot)
    start = datetime.now(UTC) + timedelta(hours=1)
    end = start + timedelta(hours=2)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"status": "appointment_made", "appointment_start": start.isoformat()}, "appointment_end"),
        ({"status": "appointment_made", "appointment_end": end.isoformat()}, "appointment_start"),
        (made(end, start), "appointment_end"),
        (made(start, start), "appointment_end"),
        ({**made(start, end), "status": "in_progress"}, "appointment_start"),
        (
            {"status": "operative_on_the_way", "appointment_end": end.isoformat()},
            "appointment_end",
        ),
        (made(start - timedelta(days=3), end), "appointment_start"),
    ]
    for body, field in cases:
        response = await tell_status(staff, order["id"], body)
        assert response.status_code == 422, (body, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], body
    appointments = await appointments_at(staff, uprn)
    assert set(appointments) == {"booked"}
    assert appointments["booked"]["id"] == old["id"]
    assert len(await booked_events(repairs_database, uprn)) == 1
    current = await staff.get(f"/v1/work-orders/{order['id']}")
    assert current.json()["status"] == "appointment_made"
    assert current.json()["status_changed_at"] == old["booked_at"]


async def test_a_status_at_before_the_work_order_was_raised_is_refused(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    order = await a_work_order(staff, repairs_database, a_uprn())
    response = await tell_status(
        staff, order["id"], {"status": "in_progress", "at": "2020-01-01T00:00:00Z"}
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["at"]
    current = (await staff.get(f"/v1/work-orders/{order['id']}")).json()
    assert (current["status"], current["status_changed_at"]) == (
        "raised",
        order["status_changed_at"],
    )
    just_after = moment(order["raised_at"]).isoformat()
    accepted = await tell_status(staff, order["id"], {"status": "in_progress", "at": just_after})
    assert accepted.status_code == 200, accepted.text


async def test_a_time_given_to_the_second_in_the_second_the_order_was_raised_is_accepted(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """A contractor's system sends times to the whole second, as docs/contractors.md's
    own `$(date -u +%FT%TZ)` does; the work order was raised some microseconds into a
    second. That second, written without its fraction, is not before the raising: the
    status update, the appointment's start and the completion are all accepted."""
    order = await a_work_order(staff, repairs_database, a_uprn())
    raised = moment(order["raised_at"])
    same_second = raised.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    status = await tell_status(staff, order["id"], {"status": "no_access", "at": same_second})
    assert status.status_code == 200, status.text
    start = raised.replace(microsecond=0)
    window = await tell_status(staff, order["id"], made(start, start + timedelta(hours=2)))
    assert window.status_code == 200, window.text
    done = await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/completion",
        json={"completed_at": same_second, "follow_on_required": False},
        auth=contractor("plumbfast"),
    )
    assert done.status_code == 200, done.text
    a_second_before = (raised.replace(microsecond=0) - timedelta(seconds=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    other = await a_work_order(staff, repairs_database, a_uprn())
    refused = await tell_status(staff, other["id"], {"status": "no_access", "at": a_second_before})
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["at"]


async def test_another_contractors_key_never_replays_a_work_order_it_does_not_own(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Both contractors' test tokens carry the same subject."""
    order = await a_work_order(staff, repairs_database, a_uprn())
    path = f"/v1/contractor/work-orders/{order['id']}/status"
    body = {"status": "in_progress", "at": datetime.now(UTC).isoformat()}
    key = {"Idempotency-Key": f"a1-appt-{uuid.uuid4()}"}
    mine = await staff.post(path, json=body, headers=key, auth=contractor("plumbfast"))
    assert mine.status_code == 200, mine.text
    theirs = await staff.post(path, json=body, headers=key, auth=contractor("sparks"))
    assert theirs.status_code == 404
    assert "idempotent-replayed" not in theirs.headers
    again = await staff.post(path, json=body, headers=key, auth=contractor("plumbfast"))
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == mine.json()

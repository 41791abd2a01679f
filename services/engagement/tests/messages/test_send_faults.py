"""Faults while the message job sends (a deploy stopping the job mid-round, one message
whose sending raises something no channel expected) send no resident the same message
twice: each message is sent and stamped sent in a transaction of its own, so what went
before a fault stays stamped, and one message's error is that message's failure, never
the round's. On a real database; the email case through a real local SMTP server."""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer

import httpx
import pytest
from aiosmtpd.smtp import SMTP
from aiosmtpd.smtp import Envelope as SmtpEnvelope
from aiosmtpd.smtp import Session as SmtpSession
from pydantic import SecretStr

from engagement.messages.channels import (
    EmailChannel,
    NotifyTextChannel,
    Outgoing,
    PrintRoomChannel,
)
from engagement.messages.service import MessageService
from engagement.settings import EmailSettings, MessageRetries, TextSettings
from hearth_contracts import Envelope
from hearth_contracts.events.engagement import ContactChannel
from hearth_contracts.events.repairs import CancellationReason
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from services.engagement.tests.messages.test_appointment_cancelled import (
    a_booking,
    a_cancellation,
    handle,
)
from services.engagement.tests.messages.test_pipeline import (
    NotifyShaped,
    smtp_server_on_a_free_port,
)

RETRIES = MessageRetries(base_seconds=60, cap_seconds=3600, max_attempts=5)


class Accepts:
    """An SMTP server's handler that accepts every message and keeps its recipient."""

    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: SmtpEnvelope) -> str:
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Accepts, int]]:
    handler = Accepts()
    with smtp_server_on_a_free_port(handler) as port:
        yield handler, port


class PrintRoomThatStops:
    """The print room taking letters, until `stop_at` letters: that one waits until the
    job is stopped (a deploy's SIGTERM cancelling the scheduler mid-round)."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.taken: list[str] = []
        self.stop_at = stop_at
        self.waiting = asyncio.Event()

    async def send(self, message: Outgoing) -> None:
        if self.stop_at is not None and len(self.taken) + 1 == self.stop_at:
            self.waiting.set()
            await asyncio.Event().wait()  # until cancelled
        self.taken.append(message.message_id)


def sender(service: MessageService) -> ScheduledJob:
    return ScheduledJob("messages", timedelta(seconds=30), service.send_due)


async def a_message(client: httpx.AsyncClient, **details: object) -> str:
    response = await client.post(
        "/v1/residents", json={"full_name": "Sam Okafor", "preferred_channel": "letter", **details}
    )
    assert response.status_code == 201, response.text
    resident_id: str = response.json()["id"]
    response = await client.post(
        f"/v1/residents/{resident_id}/messages", json={"template": "check_due", "values": {}}
    )
    assert response.status_code == 201, response.text
    return resident_id


async def the_message(client: httpx.AsyncClient, resident_id: str) -> dict[str, object]:
    response = await client.get(f"/v1/residents/{resident_id}/messages")
    assert response.status_code == 200, response.text
    [message] = response.json()["items"]
    assert isinstance(message, dict)
    return message


async def a_round(db: Database, service: MessageService, now: datetime) -> None:
    """One round as the Scheduler runs it: a round that raises is logged and the job
    tries again after its interval."""
    with contextlib.suppress(Exception):
        await run_until_done(db, sender(service), now)


async def test_a_job_stopped_mid_round_sends_no_letter_again(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """Three letters due; the job is stopped while the print room takes the third. The
    two taken before stay sent: the next round (the next replica) sends only the
    third. Before, the round's one transaction rolled back and both went again."""
    now = datetime.now(UTC) + timedelta(seconds=1)
    residents = [await a_message(engagement) for _ in range(3)]
    stopping = PrintRoomThatStops(stop_at=3)
    service = MessageService({ContactChannel.LETTER: stopping}, RETRIES)
    job = asyncio.create_task(run_until_done(engagement_database, sender(service), now))
    await stopping.waiting.wait()
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert len(stopping.taken) == 2

    print_room = PrintRoomThatStops()
    await a_round(
        engagement_database, MessageService({ContactChannel.LETTER: print_room}, RETRIES), now
    )
    ids = [str((await the_message(engagement, r))["id"]) for r in residents]
    assert stopping.taken == ids[:2]
    assert print_room.taken == ids[2:]
    for resident_id in residents:
        assert (await the_message(engagement, resident_id))["status"] == "sent"


async def test_an_address_email_cannot_write_goes_as_a_letter_and_sends_nothing_twice(
    engagement: httpx.AsyncClient,
    engagement_database: Database,
    smtp_server: tuple[Accepts, int],
) -> None:
    """sam@[example.org passes the resident's loose email check but Python's email
    package cannot write it in a To header (it raises AttributeError, not an SMTP
    error). That message goes as a letter (trying again cannot help), and the email
    sent before it in the round is sent once. Before, the error escaped the round, whose
    rollback un-stamped the email already sent: every round sent it again."""
    server, port = smtp_server
    good = f"sam.{uuid.uuid4().hex[:8]}@example.org"
    now = datetime.now(UTC) + timedelta(seconds=1)
    sent_to = await a_message(engagement, preferred_channel="email", email=good)
    unwritable = await a_message(engagement, preferred_channel="email", email="sam@[example.org")
    service = MessageService(
        {
            ContactChannel.EMAIL: EmailChannel(
                EmailSettings(host="127.0.0.1", port=port, starttls=False)
            ),
            ContactChannel.LETTER: PrintRoomChannel(),
        },
        RETRIES,
    )
    for later in (0, 60, 180, 600):
        await a_round(engagement_database, service, now + timedelta(seconds=later))
    assert server.recipients.count(good) == 1
    assert (await the_message(engagement, sent_to))["status"] == "sent"
    letter = await the_message(engagement, unwritable)
    assert (letter["status"], letter["channel"]) == ("sent", "letter")


class PrintRoomThatBreaksOn:
    """The print room raising an error no channel foresees for one message."""

    def __init__(self, broken: str) -> None:
        self.broken = broken
        self.taken: list[str] = []

    async def send(self, message: Outgoing) -> None:
        if message.message_id == self.broken:
            raise RuntimeError("the print room's queue is corrupt")
        self.taken.append(message.message_id)


async def test_a_message_whose_channel_raises_holds_up_no_other(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The message first in line makes the channel raise (not a ChannelFailure): it is
    tried again after the back-off, and the letter behind it goes in the same round.
    Raised out of the round, it would come first again every round, and nothing behind
    it would ever go."""
    now = datetime.now(UTC) + timedelta(seconds=1)
    first = await a_message(engagement)
    behind = await a_message(engagement)
    broken = str((await the_message(engagement, first))["id"])
    print_room = PrintRoomThatBreaksOn(broken)
    await a_round(
        engagement_database, MessageService({ContactChannel.LETTER: print_room}, RETRIES), now
    )
    assert print_room.taken == [str((await the_message(engagement, behind))["id"])]
    stuck = await the_message(engagement, first)
    assert (stuck["status"], stuck["attempts"], stuck["last_error"]) == (
        "pending",
        1,
        "RuntimeError",
    )


class AcceptsThenAnswersQuitBadly(Accepts):
    """An SMTP server that takes the message (250) and then answers QUIT with a
    failure: the email is with the server whatever QUIT says."""

    async def handle_QUIT(self, server: SMTP, session: SmtpSession, envelope: SmtpEnvelope) -> str:
        return "421 Service closing transmission channel"


async def test_an_email_the_server_took_is_sent_once_whatever_it_answers_to_quit(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The server accepted the message (250 to its data) and then answered QUIT with a
    421. The email has gone: it is stamped sent. Before, the QUIT's answer was taken for
    a failure to send, and the email was sent again after the back-off."""
    handler = AcceptsThenAnswersQuitBadly()
    with smtp_server_on_a_free_port(handler) as port:
        address = f"sam.{uuid.uuid4().hex[:8]}@example.org"
        now = datetime.now(UTC) + timedelta(seconds=1)
        resident_id = await a_message(engagement, preferred_channel="email", email=address)
        service = MessageService(
            {
                ContactChannel.EMAIL: EmailChannel(
                    EmailSettings(host="127.0.0.1", port=port, starttls=False)
                )
            },
            RETRIES,
        )
        for later in (0, 60, 180):
            await a_round(engagement_database, service, now + timedelta(seconds=later))
    assert handler.recipients.count(address) == 1
    message = await the_message(engagement, resident_id)
    assert (message["status"], message["channel"]) == ("sent", "email")


async def test_a_cancellation_waits_for_its_booking_that_is_being_tried_again(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The household prefers texts. The appointment-booked text meets the text service
    down (500: next try in a minute); the appointment is cancelled meanwhile. The
    cancellation waits for the booking, so the household reads "booked" and then
    "cancelled", never "cancelled" and then "booked" (and waits in for nobody). Before,
    the cancellation went at once and the booking a minute after it."""
    server: type[NotifyShaped] = type("Notify", (NotifyShaped,), {"received": [], "answer": 500})
    http = ThreadingHTTPServer(("127.0.0.1", 0), server)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        uprn = str(random.randint(10**9, 10**12 - 1))
        phone = "07700 900" + str(random.randint(100, 999))
        response = await engagement.post(
            "/v1/residents",
            json={
                "full_name": "Sam Okafor",
                "preferred_channel": "text",
                "phone": phone,
                "tenancy_id": str(uuid.uuid4()),
                "uprn": uprn,
            },
        )
        assert response.status_code == 201, response.text
        resident_id = response.json()["id"]
        appointment_id = uuid.uuid4()
        service = MessageService(
            {
                ContactChannel.TEXT: NotifyTextChannel(
                    TextSettings(
                        base_url=f"http://127.0.0.1:{http.server_address[1]}",
                        api_key=SecretStr("k"),
                    )
                )
            },
            RETRIES,
        )
        now = datetime.now(UTC) + timedelta(seconds=1)
        await handle(engagement_database, Envelope(data=a_booking(uprn, appointment_id)))
        await a_round(engagement_database, service, now)
        server.answer = 201
        cancellation = a_cancellation(uprn, CancellationReason.RESIDENT_REQUESTED)
        await handle(
            engagement_database,
            Envelope(data=cancellation.model_copy(update={"appointment_id": appointment_id})),
        )
        await a_round(engagement_database, service, now + timedelta(seconds=10))
        mine = [r for r in server.received if r["body"]["phone_number"] == phone]
        assert len(mine) == 1  # only the booking's failed try
        await a_round(engagement_database, service, now + timedelta(seconds=61))
        mine = [r for r in server.received if r["body"]["phone_number"] == phone]
    finally:
        http.shutdown()
        http.server_close()
    listed = await engagement.get(f"/v1/residents/{resident_id}/messages")
    body = {m["template"]: m["body"] for m in listed.json()["items"]}
    assert [r["body"]["personalisation"]["body"] for r in mine] == [
        body["appointment_booked"],
        body["appointment_booked"],
        body["appointment_cancelled"],
    ]

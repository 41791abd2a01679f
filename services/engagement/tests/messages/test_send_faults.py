"""Faults while the message job sends (a deploy stopping the job mid-round, one message
whose sending raises something no channel expected, a text provider's answer lost)
send no resident the same message twice: each message is sent and stamped sent in a
transaction of its own, so what went before a fault stays stamped, one message's error
is that message's failure, never the round's, and a text whose outcome is unknown (its
answer lost, or its sender stopped mid-send after claiming the attempt) is looked up
with the provider before it is sent again (ADR 0080). On a real database;
the email cases through a real local SMTP server, the texts through a local
Notify-shaped one."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiosmtpd.smtp import SMTP
from aiosmtpd.smtp import Envelope as SmtpEnvelope
from aiosmtpd.smtp import Session as SmtpSession
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from engagement.messages.channels import (
    EmailChannel,
    NotifyTextChannel,
    Outgoing,
    PrintRoomChannel,
)
from engagement.messages.service import (
    IN_FLIGHT,
    STOPPED_MID_SEND,
    STOPPED_ON_LAST_ATTEMPT,
    Claim,
    MessageService,
)
from engagement.models import Message
from engagement.settings import EmailSettings, MessageRetries, TextSettings
from hearth_contracts import Envelope
from hearth_contracts.events.engagement import ContactChannel
from hearth_contracts.events.repairs import CancellationReason
from hearth_kit.db import Database
from hearth_kit.logs import setup_logging
from hearth_kit.scheduler import ScheduledJob, run_until_done
from services.engagement.tests.messages.test_appointment_cancelled import (
    a_booking,
    a_cancellation,
    handle,
)
from services.engagement.tests.messages.test_pipeline import (
    a_notify_shaped,
    notify_shaped_serving,
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
    """A resident in a home of their own (a letter needs a home to go to), sent a
    check_due message by staff: their id."""
    home = {
        "person_id": str(uuid.uuid4()),  # a tenant: income's id for them (ADR 0118)
        "tenancy_id": str(uuid.uuid4()),
        "uprn": str(random.randint(10**9, 10**12 - 1)),
    }
    response = await client.post(
        "/v1/residents",
        json={"full_name": "Sam Okafor", "preferred_channel": "letter", **home, **details},
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
    third, once its attempt's back-off has passed (the attempt was claimed in flight,
    ADR 0080). Before, the round's one transaction rolled back and both went again."""
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
    next_replica = MessageService({ContactChannel.LETTER: print_room}, RETRIES)
    await a_round(engagement_database, next_replica, now)
    assert print_room.taken == []
    await a_round(engagement_database, next_replica, now + timedelta(seconds=60))
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
    server = a_notify_shaped(answer=500)
    with notify_shaped_serving(server) as base_url:
        uprn = str(random.randint(10**9, 10**12 - 1))
        phone = "07700 900" + str(random.randint(100, 999))
        response = await engagement.post(
            "/v1/residents",
            json={
                "full_name": "Sam Okafor",
                "preferred_channel": "text",
                "phone": phone,
                "person_id": str(uuid.uuid4()),  # a tenant: income's id (ADR 0118)
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
                    TextSettings(base_url=base_url, api_key=SecretStr("k"))
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
    listed = await engagement.get(f"/v1/residents/{resident_id}/messages")
    body = {m["template"]: m["body"] for m in listed.json()["items"]}
    assert [r["body"]["personalisation"]["body"] for r in mine] == [
        body["appointment_booked"],
        body["appointment_booked"],
        body["appointment_cancelled"],
    ]


def texts(base_url: str, *, timeout_seconds: float = 10.0) -> MessageService:
    return MessageService(
        {
            ContactChannel.TEXT: NotifyTextChannel(
                TextSettings(
                    base_url=base_url, api_key=SecretStr("k"), timeout_seconds=timeout_seconds
                )
            )
        },
        RETRIES,
    )


def a_phone() -> str:
    return "07700 900" + str(random.randint(100, 999))


async def provider_id_of(db: Database, message_id: str) -> str | None:
    """The provider's id the message was recorded sent with (not in the API)."""
    async with db.sessionmaker() as session:
        message = await session.get(Message, uuid.UUID(message_id))
        assert message is not None
        return message.provider_message_id


@pytest.mark.parametrize(
    ("behaviour", "failure"),
    [
        ({"answer_lost": "dropped", "takes": True}, "RemoteProtocolError"),
        ({"answer_lost": "held", "takes": True}, "ReadTimeout"),
        ({"answer": 502, "takes": True}, "HTTP 502"),
    ],
    ids=["connection dropped", "timed out", "502 from its gateway"],
)
async def test_a_text_the_provider_took_whose_answer_was_lost_is_not_sent_again(
    engagement: httpx.AsyncClient,
    engagement_database: Database,
    capsys: pytest.CaptureFixture[str],
    behaviour: dict[str, object],
    failure: str,
) -> None:
    """Notify took the text, and its answer never came back (the connection dropped, our
    timeout, a 502 from the gateway in front of it). The next attempt asks Notify for a
    notification with the message's reference, finds it and sends nothing: the
    household gets one text, and the message is recorded sent with Notify's id for it.
    Before, the next attempt sent it again and Notify, which does not refuse a
    reference it holds, sent the household a second text. Neither the phone number nor
    the text is in the logs or the message's last error."""
    setup_logging("INFO", "json")
    server = a_notify_shaped(**behaviour)
    phone = a_phone()
    with notify_shaped_serving(server) as base_url:
        resident_id = await a_message(engagement, preferred_channel="text", phone=phone)
        message_id = str((await the_message(engagement, resident_id))["id"])
        service = texts(base_url, timeout_seconds=1.0)
        now = datetime.now(UTC) + timedelta(seconds=1)
        await a_round(engagement_database, service, now)
        lost = await the_message(engagement, resident_id)
        assert (lost["status"], lost["last_error"]) == ("pending", failure)
        server.answer, server.answer_lost, server.takes = 201, None, None
        for later in (60, 180, 420):
            await a_round(engagement_database, service, now + timedelta(seconds=later))
    taken = [n for n in server.notifications if n["reference"] == message_id]
    assert len(taken) == 1
    assert [r["body"]["reference"] for r in server.received].count(message_id) == 1
    assert server.lookups.count(message_id) == 1
    message = await the_message(engagement, resident_id)
    assert (message["status"], message["channel"], message["attempts"]) == ("sent", "text", 2)
    assert await provider_id_of(engagement_database, message_id) == taken[0]["id"]
    logged = capsys.readouterr()
    for personal in (phone, phone.replace(" ", ""), str(message["body"])):
        assert personal not in logged.out + logged.err
        assert personal not in str(message["last_error"])


async def test_a_text_that_never_reached_the_provider_is_sent_once_without_asking(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The text service refused the connection: the request never left, so the next
    attempt sends without asking, once, and records Notify's id for the text."""
    phone = a_phone()
    now = datetime.now(UTC) + timedelta(seconds=1)
    with socket.socket() as never_listening:  # bound, not listening: connecting is refused
        never_listening.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{never_listening.getsockname()[1]}"
        resident_id = await a_message(engagement, preferred_channel="text", phone=phone)
        await a_round(engagement_database, texts(refused), now)
    message_id = str((await the_message(engagement, resident_id))["id"])
    assert (await the_message(engagement, resident_id))["last_error"] == "ConnectError"
    server = a_notify_shaped()
    with notify_shaped_serving(server) as base_url:
        for later in (60, 180):
            await a_round(engagement_database, texts(base_url), now + timedelta(seconds=later))
    taken = [n for n in server.notifications if n["reference"] == message_id]
    assert len(taken) == 1
    assert message_id not in server.lookups
    message = await the_message(engagement, resident_id)
    assert (message["status"], message["attempts"]) == ("sent", 2)
    assert await provider_id_of(engagement_database, message_id) == taken[0]["id"]


async def test_a_text_whose_answer_was_lost_before_the_provider_took_it_is_sent_once(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The connection dropped after the request went but before Notify kept it: the
    outcome is unknown, so the next attempt asks, Notify holds nothing with the
    reference, and the text is sent, under the same reference, once."""
    server = a_notify_shaped(answer_lost="dropped", takes=False)
    with notify_shaped_serving(server) as base_url:
        resident_id = await a_message(engagement, preferred_channel="text", phone=a_phone())
        message_id = str((await the_message(engagement, resident_id))["id"])
        now = datetime.now(UTC) + timedelta(seconds=1)
        await a_round(engagement_database, texts(base_url), now)
        server.answer_lost, server.takes = None, None
        for later in (60, 180):
            await a_round(engagement_database, texts(base_url), now + timedelta(seconds=later))
    assert server.lookups.count(message_id) == 1
    assert [r["body"]["reference"] for r in server.received].count(message_id) == 2
    taken = [n for n in server.notifications if n["reference"] == message_id]
    assert len(taken) == 1
    message = await the_message(engagement, resident_id)
    assert (message["status"], message["attempts"]) == ("sent", 2)
    assert await provider_id_of(engagement_database, message_id) == taken[0]["id"]


@pytest.mark.parametrize(
    ("lookup", "failure"),
    [
        ({"lookup_answer": 503}, "lookup HTTP 503"),
        ({"lookup_lost": True}, "lookup RemoteProtocolError"),
    ],
    ids=["lookup answered 503", "lookup connection dropped"],
)
async def test_a_text_whose_outcome_is_unknown_is_never_sent_blind(
    engagement: httpx.AsyncClient,
    engagement_database: Database,
    lookup: dict[str, object],
    failure: str,
) -> None:
    """Notify took the text and the answer was lost; then asking Notify fails too. No
    attempt sends while Notify cannot be asked: each is tried again after the back-off,
    and once Notify answers the lookup the text is found and recorded sent. Before,
    the second attempt sent it again."""
    server = a_notify_shaped(answer_lost="dropped", takes=True)
    with notify_shaped_serving(server) as base_url:
        resident_id = await a_message(engagement, preferred_channel="text", phone=a_phone())
        message_id = str((await the_message(engagement, resident_id))["id"])
        now = datetime.now(UTC) + timedelta(seconds=1)
        await a_round(engagement_database, texts(base_url), now)
        server.answer_lost, server.takes = None, None
        for name, value in lookup.items():
            setattr(server, name, value)
        for later in (60, 180):
            await a_round(engagement_database, texts(base_url), now + timedelta(seconds=later))
        waiting = await the_message(engagement, resident_id)
        assert (waiting["status"], waiting["attempts"], waiting["last_error"]) == (
            "pending",
            3,
            failure,
        )
        assert [r["body"]["reference"] for r in server.received].count(message_id) == 1
        server.lookup_answer, server.lookup_lost = 200, False
        await a_round(engagement_database, texts(base_url), now + timedelta(seconds=420))
    assert server.lookups.count(message_id) == 3
    assert [r["body"]["reference"] for r in server.received].count(message_id) == 1
    [taken] = [n for n in server.notifications if n["reference"] == message_id]
    message = await the_message(engagement, resident_id)
    assert (message["status"], message["attempts"]) == ("sent", 4)
    assert await provider_id_of(engagement_database, message_id) == taken["id"]


async def test_a_text_still_unknown_at_its_last_attempt_goes_as_a_letter_not_again(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """Notify took the text, its answer was lost, and Notify could not be asked until
    the last attempt: the text is not posted blind at the end either; the message goes as
    a letter, as every text given up on does (ADR 0080: the household may have the text
    and the letter, never the same text twice)."""
    server = a_notify_shaped(answer_lost="dropped", takes=True)
    two_attempts = MessageRetries(base_seconds=60, cap_seconds=3600, max_attempts=2)
    with notify_shaped_serving(server) as base_url:
        service = MessageService(
            {
                ContactChannel.TEXT: NotifyTextChannel(
                    TextSettings(base_url=base_url, api_key=SecretStr("k"))
                ),
                ContactChannel.LETTER: PrintRoomChannel(),
            },
            two_attempts,
        )
        resident_id = await a_message(engagement, preferred_channel="text", phone=a_phone())
        message_id = str((await the_message(engagement, resident_id))["id"])
        now = datetime.now(UTC) + timedelta(seconds=1)
        await a_round(engagement_database, service, now)
        server.answer_lost, server.takes, server.lookup_answer = None, None, 503
        await a_round(engagement_database, service, now + timedelta(seconds=60))
    assert [r["body"]["reference"] for r in server.received].count(message_id) == 1
    message = await the_message(engagement, resident_id)
    assert (message["status"], message["channel"], message["last_error"]) == (
        "sent",
        "letter",
        "lookup HTTP 503: sent as a letter instead",
    )


async def test_a_text_whose_sender_stopped_mid_send_is_looked_up_not_sent_again(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The job is stopped (a deploy's SIGTERM, a killed pod) while Notify, having kept
    the text, has not answered yet. The attempt was recorded in flight before the send
    and committed on its own, so the job's rollback leaves it: the message is not due
    again before its back-off (another replica at once sends nothing), and then Notify
    is asked first, finds the text, and nothing is posted: one text, the message
    recorded sent with Notify's id (its last failure: the sender stopped mid-send).
    Before, the rollback took the attempt with it and
    the next round posted the text again (the household got it twice)."""
    server = a_notify_shaped(answer_lost="held", takes=True)
    with notify_shaped_serving(server) as base_url:
        resident_id = await a_message(engagement, preferred_channel="text", phone=a_phone())
        message_id = str((await the_message(engagement, resident_id))["id"])
        now = datetime.now(UTC) + timedelta(seconds=1)
        job = asyncio.create_task(run_until_done(engagement_database, sender(texts(base_url)), now))
        assert await asyncio.to_thread(server.holding.wait, 10)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        in_flight = await the_message(engagement, resident_id)
        assert (in_flight["status"], in_flight["attempts"], in_flight["last_error"]) == (
            "pending",
            1,
            IN_FLIGHT,
        )
        server.answer_lost, server.takes = None, None
        server.released.set()
        await a_round(engagement_database, texts(base_url), now)
        assert [r["body"]["reference"] for r in server.received].count(message_id) == 1
        for later in (60, 180):
            await a_round(engagement_database, texts(base_url), now + timedelta(seconds=later))
    assert [r["body"]["reference"] for r in server.received].count(message_id) == 1
    [taken] = [n for n in server.notifications if n["reference"] == message_id]
    assert server.lookups.count(message_id) == 1
    message = await the_message(engagement, resident_id)
    assert (message["status"], message["channel"], message["attempts"]) == ("sent", "text", 2)
    assert message["last_error"] == STOPPED_MID_SEND
    assert await provider_id_of(engagement_database, message_id) == taken["id"]


async def test_a_text_being_sent_is_not_taken_by_another_replica_once_its_back_off_passes(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """While one replica's send waits for Notify's answer, another replica's round comes
    after the attempt's back-off (the claim's hold on the message has run out): the
    sending replica still holds the row locked for its send, so the other skips it and
    neither asks nor posts. Once Notify answers, the text is recorded sent, once. (The
    other replica has a Notify of its own here, so the other tests' messages it sends
    meanwhile wait for no held answer.)"""
    if not engagement_database.is_postgresql:
        pytest.skip("PostgreSQL's row locks; SQLite serialises writers as a whole")
    server = a_notify_shaped(answer_lost="held", takes=True)
    elsewhere = a_notify_shaped()
    with notify_shaped_serving(server) as base_url, notify_shaped_serving(elsewhere) as other:
        resident_id = await a_message(engagement, preferred_channel="text", phone=a_phone())
        message_id = str((await the_message(engagement, resident_id))["id"])
        now = datetime.now(UTC) + timedelta(seconds=1)
        first = asyncio.create_task(
            run_until_done(engagement_database, sender(texts(base_url, timeout_seconds=60.0)), now)
        )
        assert await asyncio.to_thread(server.holding.wait, 10)
        await a_round(engagement_database, texts(other), now + timedelta(hours=2))
        for notify in (server, elsewhere):
            assert message_id not in notify.lookups
        assert [r["body"]["reference"] for r in server.received].count(message_id) == 1
        assert message_id not in [r["body"]["reference"] for r in elsewhere.received]
        server.answer_lost = None
        server.released.set()
        await first
    [taken] = [n for n in server.notifications if n["reference"] == message_id]
    message = await the_message(engagement, resident_id)
    assert (message["status"], message["attempts"], message["last_error"]) == ("sent", 1, None)
    assert await provider_id_of(engagement_database, message_id) == taken["id"]


class StallsAfterItsClaim(MessageService):
    """A sender that stalls between its claim and its send (a long pause: a frozen VM, a
    process starved of CPU) until `resume` is set."""

    def __init__(self, base_url: str) -> None:
        super().__init__(texts(base_url).channels, RETRIES)
        self.claimed = asyncio.Event()
        self.resume = asyncio.Event()

    async def _claim(self, session: AsyncSession, now: datetime) -> Claim | None:
        claim = await super()._claim(session, now)
        if claim is not None:
            self.claimed.set()
            await self.resume.wait()
        return claim


async def test_a_sender_that_stalls_past_its_back_off_sends_nothing_another_claimed(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """One replica claims a new text and stalls before sending it, past the attempt's
    back-off; another replica claims it then (the in-flight mark makes it ask Notify,
    which holds none), posts it, and loses Notify's answer. When the first replica wakes,
    the message is no longer its claim (another attempt was counted): it sends nothing,
    though its claim found the text never tried. The next attempt finds the text with
    Notify: one text, recorded sent with Notify's id. Without the claim's attempt checked
    the first replica posted it blind, a second time."""
    server = a_notify_shaped(answer_lost="dropped", takes=True)
    with notify_shaped_serving(server) as base_url:
        resident_id = await a_message(engagement, preferred_channel="text", phone=a_phone())
        message_id = str((await the_message(engagement, resident_id))["id"])
        now = datetime.now(UTC) + timedelta(seconds=1)
        stalling = StallsAfterItsClaim(base_url)
        stalled = asyncio.create_task(run_until_done(engagement_database, sender(stalling), now))
        await stalling.claimed.wait()
        later = now + timedelta(hours=2)
        await a_round(engagement_database, texts(base_url), later)
        assert [r["body"]["reference"] for r in server.received].count(message_id) == 1
        server.answer_lost, server.takes = None, None
        stalling.resume.set()
        await stalled
        assert [r["body"]["reference"] for r in server.received].count(message_id) == 1
        await a_round(engagement_database, texts(base_url), later + timedelta(seconds=120))
    assert [r["body"]["reference"] for r in server.received].count(message_id) == 1
    [taken] = [n for n in server.notifications if n["reference"] == message_id]
    assert server.lookups.count(message_id) == 2
    message = await the_message(engagement, resident_id)
    assert (message["status"], message["attempts"]) == ("sent", 3)
    assert await provider_id_of(engagement_database, message_id) == taken["id"]


class SenderKilled(BaseException):
    """The process dying while a message is with its channel (an OOM kill on its body, a
    channel bug that crashes the worker): like a cancellation, no `except Exception`
    catches it, so the job's transaction rolls back with no answer recorded."""


class KillsTheSenderOf:
    """A channel whose sending of one message kills the sender, every time; others go."""

    def __init__(self, deadly: str) -> None:
        self.deadly = deadly
        self.tried: list[str] = []
        self.taken: list[str] = []

    async def send(self, message: Outgoing) -> None:
        self.tried.append(message.message_id)
        if message.message_id == self.deadly:
            raise SenderKilled
        self.taken.append(message.message_id)


def failed_total(channel: str) -> float:
    return (
        REGISTRY.get_sample_value("hearth_engagement_messages_failed_total", {"channel": channel})
        or 0.0
    )


def sent_as_letters_total(channel: str) -> float:
    return (
        REGISTRY.get_sample_value(
            "hearth_engagement_messages_sent_as_letters_total", {"channel": channel}
        )
        or 0.0
    )


THREE_ATTEMPTS = MessageRetries(base_seconds=60, cap_seconds=3600, max_attempts=3)
"""Attempts at 0 s, 60 s and 180 s; the third's back-off runs out at 420 s."""


async def test_a_letter_whose_sending_kills_the_sender_every_time_fails_after_its_last_attempt(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """Sending one letter kills the sender on every attempt. Each attempt is counted by
    its claim and backed off; once the last (max_attempts) is still in flight at the
    next claim, the letter is given up, not sent again: failed for good, counted in
    hearth_engagement_messages_failed_total, `last_error` saying its sender stopped
    mid-send on its last attempt, and no later round tries it. Before, the claim counted
    a fourth attempt, a fifth, ... and the sender was killed once an hour for ever."""
    resident_id = await a_message(engagement)
    message_id = str((await the_message(engagement, resident_id))["id"])
    killing = KillsTheSenderOf(message_id)
    service = MessageService({ContactChannel.LETTER: killing}, THREE_ATTEMPTS)
    now = datetime.now(UTC) + timedelta(seconds=1)
    for later in (0, 60, 180):
        with pytest.raises(SenderKilled):
            await run_until_done(
                engagement_database, sender(service), now + timedelta(seconds=later)
            )
    in_flight = await the_message(engagement, resident_id)
    assert (in_flight["status"], in_flight["attempts"], in_flight["last_error"]) == (
        "pending",
        3,
        IN_FLIGHT,
    )
    failed_before = failed_total("letter")
    for later in (420, 3600, 36000):
        with contextlib.suppress(SenderKilled):
            await run_until_done(
                engagement_database, sender(service), now + timedelta(seconds=later)
            )
    assert killing.tried.count(message_id) == 3
    message = await the_message(engagement, resident_id)
    assert (message["status"], message["channel"], message["attempts"]) == ("failed", "letter", 3)
    assert message["last_error"] == STOPPED_ON_LAST_ATTEMPT
    assert failed_total("letter") == failed_before + 1


async def test_an_email_whose_sending_kills_the_sender_every_time_goes_as_a_letter(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The same for an email: given up after its last attempt was still in flight, it
    goes as a letter, as an email whose last attempt failed does, and is never tried by
    email again."""
    address = f"sam.{uuid.uuid4().hex[:8]}@example.org"
    resident_id = await a_message(engagement, preferred_channel="email", email=address)
    message_id = str((await the_message(engagement, resident_id))["id"])
    killing = KillsTheSenderOf(message_id)
    print_room = PrintRoomThatStops()
    service = MessageService(
        {ContactChannel.EMAIL: killing, ContactChannel.LETTER: print_room}, THREE_ATTEMPTS
    )
    now = datetime.now(UTC) + timedelta(seconds=1)
    for later in (0, 60, 180):
        with pytest.raises(SenderKilled):
            await run_until_done(
                engagement_database, sender(service), now + timedelta(seconds=later)
            )
    as_letters_before = sent_as_letters_total("email")
    for later in (420, 3600, 36000):
        with contextlib.suppress(SenderKilled):
            await run_until_done(
                engagement_database, sender(service), now + timedelta(seconds=later)
            )
    assert killing.tried.count(message_id) == 3
    assert print_room.taken.count(message_id) == 1
    message = await the_message(engagement, resident_id)
    assert (message["status"], message["channel"]) == ("sent", "letter")
    assert message["last_error"] == f"{STOPPED_ON_LAST_ATTEMPT}: sent as a letter instead"
    assert sent_as_letters_total("email") == as_letters_before + 1


async def test_a_text_whose_sender_stopped_mid_send_on_every_attempt_goes_as_a_letter(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The job is stopped while Notify holds its answer, on each of the text's two
    attempts (Notify kept neither: the second, asking first, found none and posted
    again). The next claim finds the last attempt still in flight: the text is neither
    looked up nor posted again, and goes as a letter, as a text still unknown at its last
    attempt does (ADR 0080). Before, a third attempt asked Notify and posted the text
    again, and a sender that stopped every time did so for ever."""
    server = a_notify_shaped(answer_lost="held", takes=False)
    two_attempts = MessageRetries(base_seconds=60, cap_seconds=3600, max_attempts=2)
    with notify_shaped_serving(server) as base_url:
        print_room = PrintRoomThatStops()
        service = MessageService(
            {
                ContactChannel.TEXT: NotifyTextChannel(
                    TextSettings(base_url=base_url, api_key=SecretStr("k"))
                ),
                ContactChannel.LETTER: print_room,
            },
            two_attempts,
        )
        resident_id = await a_message(engagement, preferred_channel="text", phone=a_phone())
        message_id = str((await the_message(engagement, resident_id))["id"])
        now = datetime.now(UTC) + timedelta(seconds=1)
        for later in (0, 60):
            server.holding, server.released = threading.Event(), threading.Event()
            job = asyncio.create_task(
                run_until_done(engagement_database, sender(service), now + timedelta(seconds=later))
            )
            assert await asyncio.to_thread(server.holding.wait, 10)
            job.cancel()
            with pytest.raises(asyncio.CancelledError):
                await job
            server.released.set()  # the held answer is dropped: the sender has gone
        in_flight = await the_message(engagement, resident_id)
        assert (in_flight["status"], in_flight["attempts"], in_flight["last_error"]) == (
            "pending",
            2,
            IN_FLIGHT,
        )
        assert server.lookups.count(message_id) == 1
        server.answer_lost, server.takes = None, None
        as_letters_before = sent_as_letters_total("text")
        for later in (180, 3600, 36000):
            await a_round(engagement_database, service, now + timedelta(seconds=later))
    assert [r["body"]["reference"] for r in server.received].count(message_id) == 2
    assert server.lookups.count(message_id) == 1
    assert print_room.taken.count(message_id) == 1
    message = await the_message(engagement, resident_id)
    assert (message["status"], message["channel"]) == ("sent", "letter")
    assert message["last_error"] == f"{STOPPED_ON_LAST_ATTEMPT}: sent as a letter instead"
    assert sent_as_letters_total("text") == as_letters_before + 1

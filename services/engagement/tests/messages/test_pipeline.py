"""The message pipeline end to end on a real database: events and staff requests make
messages in the resident's language and format; the job sends them through a real
local SMTP server (aiosmtpd) and a local Notify-shaped HTTP server, retried with
back-off and sent once."""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from aiosmtpd.smtp import Envelope as SmtpEnvelope
from aiosmtpd.smtp import Session as SmtpSession
from pydantic import SecretStr

from engagement.app import build_services
from engagement.messages.channels import EmailChannel, NotifyTextChannel, PrintRoomChannel
from engagement.messages.service import MessageService
from engagement.settings import EmailSettings, EngagementSettings, MessageRetries, TextSettings
from hearth_contracts import Envelope
from hearth_contracts.events.engagement import ContactChannel
from hearth_contracts.events.repairs import AppointmentBooked
from hearth_kit.db import Database
from hearth_kit.logs import setup_logging
from hearth_kit.scheduler import ScheduledJob, run_until_done
from services.engagement.tests.home_events import a_uprn

RETRIES = MessageRetries(base_seconds=60, cap_seconds=3600, max_attempts=5)


class RefusesTwice:
    """An SMTP server's handler that refuses the first two messages to each recipient
    (451, try again later) and accepts after."""

    def __init__(self) -> None:
        self.refusals: dict[str, int] = {}
        self.accepted: list[tuple[str, str]] = []

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: SmtpEnvelope) -> str:
        recipient = envelope.rcpt_tos[0]
        if self.refusals.get(recipient, 0) < 2:
            self.refusals[recipient] = self.refusals.get(recipient, 0) + 1
            return "451 Requested action aborted: try again later"
        content = envelope.content
        text = content.decode() if isinstance(content, bytes) else str(content)
        self.accepted.append((recipient, text))
        return "250 OK"


@contextlib.contextmanager
def smtp_server_on_a_free_port(handler: object) -> Iterator[int]:
    """A real SMTP server (aiosmtpd) answering with `handler`, on a port of its own."""
    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[tuple[RefusesTwice, int]]:
    handler = RefusesTwice()
    with smtp_server_on_a_free_port(handler) as port:
        yield handler, port


class NotifyShaped(BaseHTTPRequestHandler):
    """A local server shaped like GOV.UK Notify's API v2. A send (POST
    /v2/notifications/sms) is kept in `received` and answered `answer`; the notifications
    it took (every 201, or every send when `takes` says so whatever it answers) are kept
    in `notifications` as Notify keeps them, and GET
    /v2/notifications?reference=&template_type=sms lists those with the reference
    (answered `lookup_answer`; each lookup's reference in `lookups`). Like Notify, it
    takes a second send with a reference it holds as a second text.

    `answer_lost` loses a send's answer: "dropped" closes the connection without a word,
    "held" holds the answer until `released` is set (the caller's timeout comes first),
    setting `holding` once it holds one (the notification kept); released, it drops the
    connection, or answers if `answer_lost` was cleared meanwhile. `lookup_lost` drops a
    lookup's connection."""

    received: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    lookups: list[str] = []
    answer = 201
    takes: bool | None = None
    """None: takes the sends it answers 201; True or False: every send, or none."""
    answer_lost: str | None = None
    released = threading.Event()
    holding = threading.Event()
    lookup_answer = 200
    lookup_lost = False

    def do_POST(self) -> None:
        server = type(self)
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        server.received.append(
            {"path": self.path, "authorization": self.headers["Authorization"], "body": body}
        )
        taken = server.takes if server.takes is not None else server.answer == 201
        notification = {
            "id": str(uuid.uuid4()),
            "reference": body.get("reference"),
            "phone_number": body.get("phone_number"),
            "type": "sms",
            "status": "created",
        }
        if taken:
            server.notifications.append(notification)
        if server.answer_lost == "dropped":
            self.close_connection = True
            return
        if server.answer_lost == "held":
            server.holding.set()
            server.released.wait(timeout=30)
            if server.answer_lost == "held":
                self.close_connection = True
                return
            # no longer held when released: the answer comes, late (the caller may
            # have gone: nothing to say it to)
            with contextlib.suppress(OSError):
                self._answer(
                    server.answer, {"id": notification["id"], "reference": body.get("reference")}
                )
            return
        self._answer(server.answer, {"id": notification["id"], "reference": body.get("reference")})

    def do_GET(self) -> None:
        server = type(self)
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        [reference] = query.get("reference", [""])
        server.lookups.append(reference)
        if server.lookup_lost:
            self.close_connection = True
            return
        if url.path != "/v2/notifications" or server.lookup_answer != 200:
            self._answer(server.lookup_answer if url.path == "/v2/notifications" else 404, {})
            return
        found = [
            n
            for n in reversed(server.notifications)  # Notify lists the newest first
            if n["reference"] == reference and query.get("template_type", ["sms"]) == ["sms"]
        ]
        self._answer(
            200,
            {"notifications": found, "links": {"current": f"http://notify{self.path}"}},
        )

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, format: str, *args: object) -> None:
        return None


def a_notify_shaped(**behaviour: object) -> type[NotifyShaped]:
    """A NotifyShaped server class of its own (its lists and its events not shared)."""
    return type(
        "Notify",
        (NotifyShaped,),
        {
            "received": [],
            "notifications": [],
            "lookups": [],
            "released": threading.Event(),
            "holding": threading.Event(),
            **behaviour,
        },
    )


@contextlib.contextmanager
def notify_shaped_serving(handler: type[NotifyShaped]) -> Iterator[str]:
    """`handler` serving on a port of its own; its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        handler.released.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def notify_server() -> Iterator[tuple[type[NotifyShaped], str]]:
    handler = a_notify_shaped()
    with notify_shaped_serving(handler) as base_url:
        yield handler, base_url


async def a_resident(client: httpx.AsyncClient, **details: object) -> str:
    """A resident living in a home of their own (a tenancy and its home, unless
    `details` name them): a letter needs a home to go to (docs/adr/0114). A tenant, so
    registered under the person id income names them by (ADR 0118)."""
    home = {} if "uprn" in details else {"tenancy_id": str(uuid.uuid4()), "uprn": a_uprn()}
    body = {"full_name": "Sam Okafor", "preferred_channel": "letter", **home, **details}
    if body.get("tenancy_id") is not None:
        body.setdefault("person_id", str(uuid.uuid4()))
    response = await client.post("/v1/residents", json=body)
    assert response.status_code == 201, response.text
    resident_id: str = response.json()["id"]
    return resident_id


async def messages_of(client: httpx.AsyncClient, resident_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/residents/{resident_id}/messages")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def sender(service: MessageService) -> ScheduledJob:
    return ScheduledJob("messages", timedelta(seconds=30), service.send_due)


async def test_an_email_the_smtp_server_refuses_twice_is_sent_once(
    engagement: httpx.AsyncClient,
    engagement_database: Database,
    smtp_server: tuple[RefusesTwice, int],
) -> None:
    server, port = smtp_server
    address = f"sam.{uuid.uuid4().hex[:8]}@example.org"
    resident_id = await a_resident(engagement, preferred_channel="email", email=address)
    response = await engagement.post(
        f"/v1/residents/{resident_id}/messages",
        json={"template": "appointment_booked", "values": {"window_start": "Monday 09:00"}},
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    assert response.json()["channel"] == "email"

    service = MessageService(
        {
            ContactChannel.EMAIL: EmailChannel(
                EmailSettings(host="127.0.0.1", port=port, starttls=False)
            )
        },
        RETRIES,
    )
    now = datetime.now(UTC) + timedelta(seconds=1)
    for moment in (
        now,
        now + timedelta(seconds=60),
        now + timedelta(seconds=180),
        now + timedelta(hours=2),
    ):
        await run_until_done(engagement_database, sender(service), moment)
    mine = [text for recipient, text in server.accepted if recipient == address]
    assert len(mine) == 1
    assert "Monday 09:00" in mine[0]
    assert server.refusals[address] == 2
    [message] = await messages_of(engagement, resident_id)
    assert message["status"] == "sent"
    assert message["attempts"] == 3


async def test_a_text_goes_through_the_notify_shaped_api(
    engagement: httpx.AsyncClient,
    engagement_database: Database,
    notify_server: tuple[type[NotifyShaped], str],
) -> None:
    server, base_url = notify_server
    resident_id = await a_resident(engagement, preferred_channel="text", phone="07700 900123")
    await engagement.post(
        f"/v1/residents/{resident_id}/messages", json={"template": "check_due", "values": {}}
    )
    service = MessageService(
        {
            ContactChannel.TEXT: NotifyTextChannel(
                TextSettings(base_url=base_url, api_key=SecretStr("test-key"))
            )
        },
        RETRIES,
    )
    await run_until_done(
        engagement_database, sender(service), datetime.now(UTC) + timedelta(seconds=1)
    )
    mine = [r for r in server.received if r["body"]["phone_number"] == "07700 900123"]
    assert len(mine) >= 1
    assert mine[0]["path"] == "/v2/notifications/sms"
    assert mine[0]["authorization"] == "Bearer test-key"
    assert (await messages_of(engagement, resident_id))[0]["status"] == "sent"


async def test_a_text_the_api_refuses_for_good_goes_as_a_letter_at_once(
    engagement: httpx.AsyncClient,
    engagement_database: Database,
    notify_server: tuple[type[NotifyShaped], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Trying the text again cannot help: it is not retried but sent as a letter (it
    failed for good before, and the resident was never told). The log line names the
    failure's kind (`failure`: `reason` is a personal key, which the logs redact)."""
    setup_logging("INFO", "json")
    server, base_url = notify_server
    server.answer = 400
    resident_id = await a_resident(engagement, preferred_channel="text", phone="07700 900124")
    await engagement.post(
        f"/v1/residents/{resident_id}/messages", json={"template": "check_due", "values": {}}
    )
    service = MessageService(
        {
            ContactChannel.TEXT: NotifyTextChannel(
                TextSettings(base_url=base_url, api_key=SecretStr("k"))
            ),
            ContactChannel.LETTER: PrintRoomChannel(),
        },
        RETRIES,
    )
    await run_until_done(
        engagement_database, sender(service), datetime.now(UTC) + timedelta(seconds=1)
    )
    [message] = await messages_of(engagement, resident_id)
    assert (message["status"], message["channel"]) == ("sent", "letter")
    assert message["last_error"] == "HTTP 400: sent as a letter instead"
    assert len([r for r in server.received if r["body"]["phone_number"] == "07700 900124"]) == 1
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line[:1] == "{"]
    [line] = [
        line
        for line in logged
        if line.get("event") == "message sent as a letter instead"
        and line.get("message_id") == message["id"]
    ]
    assert line["failure"] == "HTTP 400"
    assert "07700 900124" not in str(logged)


async def test_an_email_with_no_email_channel_configured_goes_as_a_letter(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """No SMTP host configured: the email does not wait through eight attempts and fail
    (the docs said it waited); it goes as a letter at once."""
    resident_id = await a_resident(
        engagement, preferred_channel="email", email=f"x.{uuid.uuid4().hex[:8]}@example.org"
    )
    await engagement.post(
        f"/v1/residents/{resident_id}/messages", json={"template": "check_due", "values": {}}
    )
    service = MessageService({ContactChannel.LETTER: PrintRoomChannel()}, RETRIES)
    await run_until_done(
        engagement_database, sender(service), datetime.now(UTC) + timedelta(seconds=1)
    )
    [message] = await messages_of(engagement, resident_id)
    assert (message["status"], message["channel"]) == ("sent", "letter")
    assert message["last_error"] == "email channel not configured: sent as a letter instead"


async def test_a_letter_that_cannot_go_fails_for_good(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """With no letter channel either (never so in the app: the print room is always
    there) the message fails at once rather than waiting."""
    resident_id = await a_resident(engagement)
    await engagement.post(
        f"/v1/residents/{resident_id}/messages", json={"template": "check_due", "values": {}}
    )
    service = MessageService({}, RETRIES)
    await run_until_done(
        engagement_database, sender(service), datetime.now(UTC) + timedelta(seconds=1)
    )
    [message] = await messages_of(engagement, resident_id)
    assert (message["status"], message["channel"]) == ("failed", "letter")


async def test_an_unknown_template_language_is_refused_naming_the_field_and_keeps_nothing(
    engagement: httpx.AsyncClient,
) -> None:
    resident_id = await a_resident(engagement)
    response = await engagement.post(
        f"/v1/residents/{resident_id}/messages",
        json={"template": "check_due", "language": "fr"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "language"
    assert await messages_of(engagement, resident_id) == []


async def test_an_appointment_is_written_in_the_residents_language_and_format_once(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    tenancy_id = str(uuid.uuid4())
    welsh = await a_resident(
        engagement, tenancy_id=tenancy_id, uprn=uprn, language="cy", format_needs=["large_print"]
    )
    french = await a_resident(engagement, tenancy_id=tenancy_id, uprn=uprn, language="fr")
    start = datetime(2026, 12, 1, 8, tzinfo=UTC)
    booked = Envelope(
        data=AppointmentBooked(
            appointment_id=uuid.uuid4(),
            uprn=uprn,
            repair_ids=[uuid.uuid4()],
            slot="am",
            window_start=start,
            window_end=start + timedelta(hours=5),
            made_at_first_contact=True,
            booked_at=datetime.now(UTC),
        )
    )
    handlers = build_services(EngagementSettings()).handlers
    handler = handlers.get(booked.type)
    assert handler is not None
    for _ in range(2):
        async with engagement_database.sessionmaker() as session, session.begin():
            await handler(session, booked)
    [letter] = await messages_of(engagement, welsh)
    assert letter["language"] == "cy"
    assert letter["channel"] == "letter"
    assert "Annwyl Sam Okafor" in letter["body"]
    assert letter["print_notes"] == ["Print in large print (at least 16 point)."]
    assert "large print" not in letter["body"]
    assert "1 Rhagfyr 2026 (dydd Mawrth) am 08:00" in letter["body"]
    [unwritten] = await messages_of(engagement, french)
    assert unwritten["status"] == "failed"
    assert "'fr'" in unwritten["last_error"]


def test_no_channel_credentials_are_defaulted() -> None:
    settings = EngagementSettings()
    assert settings.email.host is None
    assert settings.email.password is None
    assert settings.text.base_url is None
    assert settings.text.api_key is None

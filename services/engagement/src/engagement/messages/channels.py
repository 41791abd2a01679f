"""The channels a message is sent through, pluggable by ContactChannel: email over SMTP,
texts through an HTTP API shaped like GOV.UK Notify, letters handed to the print room.
Credentials are configuration (EngagementSettings.email / .text); a channel with none
configured is left out, and its messages go as letters instead (MessageService)."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import httpx

from engagement.settings import EmailSettings, TextSettings
from hearth_contracts.events.engagement import ContactChannel
from hearth_kit.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """What a channel needs to send one message."""

    message_id: str
    recipient: str | None
    subject: str
    body: str
    print_notes: tuple[str, ...] = ()
    """A letter's notes for the print room (its formats); never part of the body."""
    outcome_unknown: bool = False
    """The last attempt got no answer, so the provider may have taken the message: a
    channel that can ask the provider (texts) asks before sending again (ADR 0080)."""


class ChannelFailure(Exception):
    """A send that did not go through. `permanent`: trying again cannot help (the
    address was refused); otherwise the message is retried with back-off.
    `outcome_unknown`: no answer said whether the provider took the message (a timeout,
    a connection dropped once the request had gone, a 5xx), so the next attempt must not
    send blind. The text is the failure's kind, never an address or the message."""

    def __init__(
        self, reason: str, *, permanent: bool = False, outcome_unknown: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.outcome_unknown = outcome_unknown


class Channel(Protocol):
    async def send(self, message: Outgoing) -> str | None:
        """Send the message, or raise ChannelFailure. Returns the provider's id for the
        message when it gives one (Notify's notification id)."""


class EmailChannel:
    """Email over SMTP (STARTTLS and login when configured)."""

    def __init__(self, settings: EmailSettings) -> None:
        if settings.host is None:
            raise ValueError("the email channel needs an SMTP host")
        self.settings = settings
        self.host = settings.host

    def _written(self, message: Outgoing) -> EmailMessage:
        """The email, or a permanent failure when Python's email package cannot write
        it: an address the resident's loose check lets through (sam@[example.org)
        makes the To header raise AttributeError, and trying again cannot help."""
        try:
            email = EmailMessage()
            email["From"] = self.settings.sender
            email["To"] = message.recipient or ""
            email["Subject"] = message.subject
            email["Message-ID"] = f"<{message.message_id}@hearth>"
            email.set_content(message.body)
        except Exception as unwritable:
            raise ChannelFailure(
                f"email not writable ({type(unwritable).__name__})", permanent=True
            ) from None
        return email

    def _send_now(self, message: Outgoing) -> None:
        """Send, then say goodbye. Once the server has taken the message, what it answers
        to QUIT (smtplib's `with` raises on anything but 221) or a connection dropped
        before it is no failure to send: the email is with the server, and sending it
        again would send it twice."""
        email = self._written(message)
        smtp = smtplib.SMTP(self.host, self.settings.port, timeout=self.settings.timeout_seconds)
        try:
            if self.settings.starttls:
                smtp.starttls()
            if self.settings.username and self.settings.password:
                smtp.login(self.settings.username, self.settings.password.get_secret_value())
            smtp.send_message(email)
        except BaseException:
            smtp.close()
            raise
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    async def send(self, message: Outgoing) -> None:
        """SMTP cannot be asked whether a server took a message, so `outcome_unknown` is
        not acted on: an email whose answer was lost (a timeout after DATA) is sent again,
        under the same Message-ID, which mail clients use to show one copy (ADR 0080)."""
        if not message.recipient:
            raise ChannelFailure("no email address", permanent=True)
        try:
            await asyncio.to_thread(self._send_now, message)
        except smtplib.SMTPRecipientsRefused:
            raise ChannelFailure("recipient refused", permanent=True) from None
        except smtplib.SMTPResponseException as refused:
            permanent = 500 <= refused.smtp_code < 600
            raise ChannelFailure(f"SMTP {refused.smtp_code}", permanent=permanent) from None
        except (smtplib.SMTPException, OSError) as failed:
            raise ChannelFailure(type(failed).__name__) from None


class NotifyTextChannel:
    """Texts through an HTTP API shaped like GOV.UK Notify: POST
    {base_url}/v2/notifications/sms with phone_number, template_id, personalisation and
    reference (the message id, the same on every attempt), the key as a bearer token.
    201 is sent (the answer's `id` kept as the provider's); 429 and other 4xx are clear
    refusals (429 retried, the rest permanent).

    Notify does not refuse a second notification with a reference it holds, so an
    attempt that got no answer is not simply tried again (ADR 0080). No answer (a read or
    write timeout, a connection dropped or reset once the request had gone) and a 5xx (a
    gateway's 502 or 504 in front of Notify, or a 500 raised after Notify stored the
    notification) leave the outcome unknown; the next attempt first asks GET
    {base_url}/v2/notifications?reference=<message id>&template_type=sms and sends only
    when the provider holds none. A connection never made (refused, a connect or pool
    timeout) is a clear failure: the request never left. A lookup that fails sends
    nothing and leaves the outcome unknown for the attempt after."""

    NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
    """Transport errors raised before a byte of the request left: the provider cannot
    have it."""

    def __init__(self, settings: TextSettings, client: httpx.AsyncClient | None = None) -> None:
        if settings.base_url is None or settings.api_key is None:
            raise ValueError("the text channel needs a base URL and an API key")
        base_url = settings.base_url.rstrip("/")
        self.url = base_url + "/v2/notifications/sms"
        self.lookup_url = base_url + "/v2/notifications"
        self.api_key = settings.api_key
        self.template_id = settings.template_id
        self.client = client or httpx.AsyncClient(timeout=settings.timeout_seconds)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key.get_secret_value()}"}

    async def taken_already(self, reference: str) -> str | None:
        """The provider's id for a text it holds with this reference, or None when it
        holds none. Any notification found counts, whatever its delivery status: it is
        what a 201 would have said. Raises an outcome-unknown ChannelFailure when the
        provider cannot be asked (no answer, an error, an answer it cannot read), so
        nothing is sent blind."""
        try:
            response = await self.client.get(
                self.lookup_url,
                params={"reference": reference, "template_type": "sms"},
                headers=self._headers(),
            )
        except httpx.HTTPError as failed:
            raise ChannelFailure(f"lookup {type(failed).__name__}", outcome_unknown=True) from None
        if response.status_code != 200:
            raise ChannelFailure(f"lookup HTTP {response.status_code}", outcome_unknown=True)
        try:
            found = [
                str(notification["id"])
                for notification in response.json()["notifications"]
                if notification.get("reference") == reference
            ]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ChannelFailure("lookup answer unreadable", outcome_unknown=True) from None
        return found[0][:100] if found else None

    async def send(self, message: Outgoing) -> str | None:
        if not message.recipient:
            raise ChannelFailure("no phone number", permanent=True)
        if message.outcome_unknown:
            provider_id = await self.taken_already(message.message_id)
            if provider_id is not None:
                log.info(
                    "text found with the provider: not sent again",
                    message_id=message.message_id,
                )
                return provider_id
        try:
            response = await self.client.post(
                self.url,
                json={
                    "phone_number": message.recipient,
                    "template_id": self.template_id,
                    "personalisation": {"subject": message.subject, "body": message.body},
                    "reference": message.message_id,
                },
                headers=self._headers(),
            )
        except self.NOT_SENT as failed:
            raise ChannelFailure(type(failed).__name__) from None
        except httpx.HTTPError as failed:
            raise ChannelFailure(type(failed).__name__, outcome_unknown=True) from None
        if response.status_code in (200, 201):
            return self._provider_id(response)
        if response.status_code >= 500:
            raise ChannelFailure(f"HTTP {response.status_code}", outcome_unknown=True)
        permanent = 400 <= response.status_code < 500 and response.status_code != 429
        raise ChannelFailure(f"HTTP {response.status_code}", permanent=permanent)

    @staticmethod
    def _provider_id(response: httpx.Response) -> str | None:
        """The notification's id from a 201; None when the answer has none (the text is
        sent all the same: the provider said so)."""
        try:
            provider_id = response.json()["id"]
        except (ValueError, KeyError, TypeError):
            return None
        return str(provider_id)[:100] if provider_id is not None else None


class PrintRoomChannel:
    """Letters: handed to the print room's run (the message row is the print job, with
    its format notes), so handing over never fails."""

    async def send(self, message: Outgoing) -> None:
        return None


def configured_channels(
    email: EmailSettings, text: TextSettings, *, warn_unconfigured: bool = False
) -> dict[ContactChannel, Channel]:
    """The channels the settings configure. Nothing is defaulted: no SMTP host, no
    email; no Notify URL and key, no texts (those messages go as letters instead).
    `warn_unconfigured` (production) logs a warning for each channel left out."""
    channels: dict[ContactChannel, Channel] = {ContactChannel.LETTER: PrintRoomChannel()}
    if email.host is not None:
        channels[ContactChannel.EMAIL] = EmailChannel(email)
    if text.base_url is not None and text.api_key is not None:
        channels[ContactChannel.TEXT] = NotifyTextChannel(text)
    for channel in (ContactChannel.EMAIL, ContactChannel.TEXT):
        if warn_unconfigured and channel not in channels:
            # said once at start, so a deploy that forgot the credentials is seen before
            # the letters pile up (hearth_engagement_messages_sent_as_letters_total)
            log.warning(
                "message channel not configured: its messages go as letters",
                channel=channel.value,
            )
    return channels

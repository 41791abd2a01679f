"""The one message pipeline: a message is rendered from its template in the resident's
language and formats, kept in the message table, and sent by the scheduled job through
the resident's channel, retried with back-off until sent once (the row is stamped sent
in the job's transaction). An email or text whose channel is not configured, refuses it
for good or fails its last attempt goes as a letter instead. Never commits the caller's
session; the job's claim on a message commits in a transaction of its own before the
send (`MessageService.send_due`, ADR 0080)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from engagement import metrics
from engagement.messages import repository, rules
from engagement.messages.channels import Channel, ChannelFailure, Outgoing
from engagement.messages.schemas import MessagePublic, MessageRequest, UntranslatedMessage
from engagement.messages.templates import (
    FALLBACK_LANGUAGE,
    STATUTORY_TEMPLATES,
    UnknownTemplate,
    Values,
    print_notes,
    render,
)
from engagement.models import Message, MessageStatus, Resident
from engagement.residents import repository as residents
from engagement.residents.named import resident_named
from engagement.settings import MessageRetries
from hearth_contracts.events.compliance import retest_copy_id
from hearth_contracts.events.engagement import ContactChannel, FormatNeed, TenantCopySent
from hearth_kit.logs import get_logger
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import NotFound, Unprocessable
from hearth_kit.working_days import london_day, start_of_london_day

log = get_logger(__name__)

SEND_BATCH = 1
"""Messages sent per transaction. One: a message goes out and is stamped sent before the
next is tried, so a job stopped mid-round (a deploy's SIGTERM, a killed process, the
database gone) leaves every message it sent stamped, and at most the one in flight is
left unanswered (recorded so by its claim: ADR 0080). With many per transaction, one
rollback un-stamped all those already sent and the next round sent them again (a
resident's letter or text twice). A due message costs one indexed query; messages are
few."""
IN_FLIGHT = "in flight: no answer recorded"
"""A claimed message's `last_error` until its attempt's answer is recorded. Still there
at its next attempt, the sender stopped mid-send (a deploy's SIGTERM, a killed pod, a
crash): the attempt is counted and its outcome unknown, so a text is looked up first.
The next claim records that failure as STOPPED_MID_SEND."""
STOPPED_MID_SEND = "sender stopped mid-send"
"""The failure of an attempt whose sender stopped before recording its answer: what the
next claim finds in place of IN_FLIGHT (kept as the last failure met, as any other)."""
STOPPED_ON_LAST_ATTEMPT = f"{STOPPED_MID_SEND} on its last attempt"
"""The failure a message is given up on when its last attempt (the retry policy's
`max_attempts`) is still in flight at the next claim: its sender stopped mid-send every
time (an OOM kill on its body, a channel bug that crashes the process), so it is not
tried again; a text or email goes as a letter, a letter fails for good."""
TENANT_COPY_TEMPLATES = frozenset({"check_record_copy"})
"""A tenant's copy of a safety record: its sending is published (tenant-copy-sent, ids
only) in the transaction that stamps it sent, so compliance tracks the copy's deadline."""
APPOINTMENT_LETTERS = frozenset({"appointment_booked", "appointment_cancelled"})
"""A repair appointment's letters, to the household living in the home on its London day:
held for a new tenant's first day as their copy of a safety record is, when the
appointment falls on or after it (held_for_first_day, docs/adr/0226, amended)."""


@dataclass(frozen=True)
class Claim:
    """A due message taken for one attempt, committed before anything is sent (ADR
    0080): the row already reads as that attempt with its answer lost (`attempts`
    counted, `outcome_unknown`, `last_error` IN_FLIGHT, `next_attempt_at` after the
    back-off), so a sender that dies mid-send leaves it to be looked up, never sent
    blind, and no other replica takes it before the back-off. What the row said before
    the claim is kept here for the answer."""

    message_id: uuid.UUID
    attempt: int
    """The message's `attempts` once claimed: the sender still holds the claim while the
    row says so (another replica's claim counts another attempt)."""
    ask_first: bool
    """`outcome_unknown` as the claim found it: the last attempt's answer was lost, or
    its sender stopped mid-send, so the provider may hold the message already."""
    last_error: str | None
    """The failure before this attempt, kept when the message is then sent."""
    given_up: bool = False
    """The claim found the message's last attempt still in flight and recorded it given
    up (`STOPPED_ON_LAST_ATTEMPT`) instead of counting another attempt: nothing to send
    (a text or email given up goes as a letter, due at once, claimed for itself)."""


def is_copy_of(message: Message, certificate_reference: str) -> bool:
    """Whether a check's copy already written is of this record: every language's letter
    names the record's reference in brackets (a test holds the templates to it). A copy
    that could not be rendered (no template in the resident's language: no body) is
    taken as of this record, so a replay never records the failure twice."""
    if message.status == MessageStatus.FAILED and not message.body:
        return True
    return f"({certificate_reference})" in message.body


def written_to(
    resident: Resident, living_in: str | None, today: date
) -> tuple[str | None, ContactChannel, str | None]:
    """Where a message to the resident goes, written `today`: the home a letter goes to
    (rules.home_written_to; `living_in`, the home the writer found them living in), and
    the channel and address (rules.channel_for: the channel they prefer when we hold its
    address, a letter otherwise). Read when the message is written and kept on it."""
    home = rules.home_written_to(
        resident.uprn,
        resident.tenancy_started_on,
        resident.tenancy_ended_on,
        living_in,
        today,
    )
    channel, recipient = rules.channel_for(
        resident.preferred_channel, resident.email, resident.phone, no_home=home is None
    )
    return home, channel, recipient


async def readdress_not_yet_tried(session: AsyncSession, resident: Resident, now: datetime) -> int:
    """Address the resident's messages not yet tried (pending, never claimed by a
    sender) as `written_to` would now: after a merge (ADR 0124, 0138) the duplicate's
    letters, written for its channel and address (an email to an address, a text, a
    letter to the home it was on), are the kept resident's and go by the kept
    resident's preference and details. A message already tried keeps its channel (a
    provider may hold it: ADR 0080), and what was written (language, format, text)
    stays. A letter with no home to go to fails as when written so
    (rules.NO_HOME_TO_WRITE_TO). Returns how many were re-addressed."""
    pending = await repository.not_yet_tried(session, resident.id)
    if not pending:
        return 0
    today = london_day(now)
    home, channel, recipient = written_to(
        resident, await residents.home_lived_in(session, resident, today), today
    )
    changed = 0
    for message in pending:
        held = (
            held_for_first_day(
                resident, message.template, today, falls_on=_held_on(resident, message, now)
            )
            if channel == ContactChannel.LETTER and home is None
            else None
        )
        if held is not None:  # a new tenant's letter, held for their first day
            if (message.uprn, message.channel, message.next_attempt_at) != (
                resident.uprn,
                channel,
                held,
            ):
                changed += 1
                message.uprn, message.channel, message.recipient = resident.uprn, channel, recipient
                message.next_attempt_at = held
            continue
        if (message.uprn, message.channel, message.recipient) == (home, channel, recipient):
            continue
        changed += 1
        message.uprn, message.channel, message.recipient = home, channel, recipient
        if channel == ContactChannel.LETTER and home is None:
            message.status = MessageStatus.FAILED
            message.last_error = rules.NO_HOME_TO_WRITE_TO
            message.next_attempt_at = None
            metrics.MESSAGES_FAILED.labels(channel.value).inc()
    await session.flush()
    return changed


def held_for_first_day(
    resident: Resident, template: str, today: date, *, falls_on: date | None = None
) -> datetime | None:
    """When a letter with no home to go to today (rules.home_written_to) is held for
    instead of failed: to a new tenant announced ahead (start known, after today) whose
    new home the household before them still lives in, a tenant's copy of a safety
    record (the law's, owed before they move in), or a repair appointment's letter
    (APPOINTMENT_LETTERS) for an appointment whose London day `falls_on` is on or after
    their first, goes to that home from the start of their first London day, never read
    by that household (docs/adr/0226, amended). None for any other letter (an
    appointment before their first day is the household before them's), and for a
    tenant with no start known (no day to hold it for)."""
    moves_in_on = resident.tenancy_started_on
    if resident.uprn is None or moves_in_on is None or moves_in_on <= today:
        return None
    if template in TENANT_COPY_TEMPLATES or (
        template in APPOINTMENT_LETTERS and falls_on is not None and falls_on >= moves_in_on
    ):
        return start_of_london_day(moves_in_on)
    return None


def _held_on(resident: Resident, message: Message, now: datetime) -> date | None:
    """The day a not-yet-tried appointment letter was held for, re-read when a merge
    re-addresses it (the row keeps no appointment day): held to the resident's new home
    and not due yet, it was written for a day on or after their first (held_for_first_day
    checked it), so it stays held; None otherwise."""
    if (
        message.template in APPOINTMENT_LETTERS
        and message.uprn is not None
        and message.uprn == resident.uprn
        and message.next_attempt_at is not None
        and message.next_attempt_at > now
    ):
        return resident.tenancy_started_on
    return None


async def held_for_a_home_never_moved_into(
    session: AsyncSession, resident: Resident, uprn: str, now: datetime
) -> int:
    """A tenancy was withdrawn before its first day (ADR 0111): the resident's letters
    held for that day at its home (held_for_first_day: copies of a safety record, repair
    appointments' letters; docs/adr/0226, amended) fail, as a letter with no home to go
    to does (rules.NO_HOME_TO_WRITE_TO): they never live there. Returns how many."""
    held = [
        message
        for message in await repository.not_yet_tried(session, resident.id)
        if (message.template in TENANT_COPY_TEMPLATES or message.template in APPOINTMENT_LETTERS)
        and message.uprn == uprn
        and message.next_attempt_at is not None
        and message.next_attempt_at > now
    ]
    for message in held:
        message.uprn = None
        message.status = MessageStatus.FAILED
        message.last_error = rules.NO_HOME_TO_WRITE_TO
        message.next_attempt_at = None
        metrics.MESSAGES_FAILED.labels(message.channel.value).inc()
    await session.flush()
    return len(held)


def message_fields(
    resident: Resident,
    template: str,
    source_id: uuid.UUID,
    values: Values,
    now: datetime,
    *,
    language: str | None = None,
    living_in: str | None = None,
    falls_on: date | None = None,
) -> dict[str, Any]:
    """The message row for a resident: rendered in their language (or `language`) and
    formats, to go by the channel they prefer when we hold its address (a letter
    otherwise) to the home they live in on `now`'s London day (rules.home_written_to:
    `living_in`, the home the writer found them living in, while the tenancy they are
    placed on has not started; none once it has ended). A template not written in that
    language is a failed row saying so, unless the message is statutory
    (templates.STATUTORY_TEMPLATES): that one is written in English, `untranslated_from`
    the language asked for (ADR 0119); so is a letter to a resident who lives in none
    of the landlord's homes (a former tenant who has left their last home, someone
    registered with no home) with no email or phone held (rules.NO_HOME_TO_WRITE_TO:
    never a letter to the home they left, where another household lives, nor one "sent"
    to the print room with no address). A tenant's copy of a safety record, or a repair
    appointment's letter for an appointment on a London day (`falls_on`) on or after
    their first, to a new tenant whose new home the household before them still lives
    in is held for their first day there instead (held_for_first_day, docs/adr/0226,
    amended)."""
    home, channel, recipient = written_to(resident, living_in, london_day(now))
    formats = [FormatNeed(f) for f in resident.format_needs]  # JSON keeps them as text
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "resident_id": resident.id,
        "uprn": home,
        "template": template,
        "source_id": source_id,
        "formats": [f.value for f in formats],
        "channel": channel,
        "recipient": recipient,
        "attempts": 0,
        "created_at": now,
        "untranslated_from": None,
    }
    asked_for = language or resident.language
    named = {"name": resident.full_name, **values}
    try:
        rendered = render(template, asked_for, formats, named)
    except UnknownTemplate as unknown:
        if unknown.field != "language" or template not in STATUTORY_TEMPLATES:
            return fields | {
                "language": asked_for,
                "subject": template,
                "body": "",
                "status": MessageStatus.FAILED,
                "last_error": str(unknown)[:200],
                "next_attempt_at": None,
            }
        # The law's message goes in English rather than not at all (ADR 0119).
        rendered = render(template, FALLBACK_LANGUAGE, formats, named)
        fields["untranslated_from"] = asked_for
    written = fields | {
        "language": rendered.language,
        "subject": rendered.subject[:200],
        "body": rendered.body[:8000],
    }
    held = (
        held_for_first_day(resident, template, london_day(now), falls_on=falls_on)
        if channel == ContactChannel.LETTER and home is None
        else None
    )
    if held is not None:
        return written | {
            "uprn": resident.uprn,
            "status": MessageStatus.PENDING,
            "last_error": None,
            "next_attempt_at": held,
        }
    if channel == ContactChannel.LETTER and home is None:
        return written | {
            "status": MessageStatus.FAILED,
            "last_error": rules.NO_HOME_TO_WRITE_TO,
            "next_attempt_at": None,
        }
    return written | {"status": MessageStatus.PENDING, "last_error": None, "next_attempt_at": now}


def _count_untranslated(fields: Mapping[str, Any]) -> None:
    """A statutory message kept in English for want of a template in the resident's
    language (ADR 0119): counted, and logged by ids and template (never the language,
    which can tell a resident's ethnicity, nor the text)."""
    if fields["untranslated_from"] is None:
        return
    metrics.MESSAGES_UNTRANSLATED.labels(fields["template"]).inc()
    log.warning(
        "statutory message written in English: no template in the resident's language",
        resident_id=str(fields["resident_id"]),
        template=fields["template"],
    )


def why_not_written(failure: str) -> str:
    """A failed row's reason as a kind for the log (its text names a language)."""
    return "no_home" if failure == rules.NO_HOME_TO_WRITE_TO else "no_template"


class MessageService:
    def __init__(self, channels: Mapping[ContactChannel, Channel], retries: MessageRetries) -> None:
        self.channels = channels
        self.retries = retries

    async def queue(
        self,
        session: AsyncSession,
        resident: Resident,
        template: str,
        source_id: uuid.UUID,
        values: Values,
        now: datetime,
        *,
        language: str | None = None,
        falls_on: date | None = None,
    ) -> Message | None:
        """Render and keep a message for the job to send (once per resident, template and
        source), to the home they live in on `now`'s London day (a tenant moving within
        the landlord's homes still lives in the old one until the new tenancy starts:
        residents.home_lived_in). A template not written in the resident's language is
        recorded as a failed message saying so, and counted; None when the message was
        there already. `falls_on`: the London day a repair appointment's letter is about
        (message_fields: one on or after a new tenant's first day may be held for it)."""
        living_in = await residents.home_lived_in(session, resident, london_day(now))
        fields = message_fields(
            resident,
            template,
            source_id,
            values,
            now,
            language=language,
            living_in=living_in,
            falls_on=falls_on,
        )
        if fields["status"] is MessageStatus.FAILED:
            if await repository.add_once(session, fields):
                _count_untranslated(fields)
                metrics.MESSAGES_FAILED.labels(fields["channel"].value).inc()
                log.warning(
                    "message not written",
                    resident_id=str(resident.id),
                    template=template,
                    reason=why_not_written(fields["last_error"]),
                )
            return None
        if not await repository.add_once(session, fields):
            return None
        _count_untranslated(fields)
        return await session.get(Message, fields["id"])

    async def queue_many(
        self,
        session: AsyncSession,
        template: str,
        source_id: uuid.UUID,
        to: Sequence[tuple[Resident, Values, str | None]],
        now: datetime,
    ) -> int:
        """`queue` for many residents at once, each with their own values and the home
        they were found living in (message_fields' `living_in`): each rendered and sent
        by their own language, formats and preferred channel exactly as `queue` does,
        kept in one statement (a block's households after a communal repair). Returns
        how many were kept (not there already)."""
        rows = [
            message_fields(resident, template, source_id, values, now, living_in=living_in)
            for resident, values, living_in in to
        ]
        kept = await repository.add_many(session, rows)
        for fields in rows:
            if fields["id"] in kept:
                _count_untranslated(fields)
            if fields["id"] in kept and fields["status"] is MessageStatus.FAILED:
                metrics.MESSAGES_FAILED.labels(fields["channel"].value).inc()
                log.warning(
                    "message not written",
                    resident_id=str(fields["resident_id"]),
                    template=template,
                    reason=why_not_written(fields["last_error"]),
                )
        return len(kept)

    async def queue_record_copy(
        self,
        session: AsyncSession,
        resident: Resident,
        check_id: uuid.UUID,
        certificate_reference: str,
        values: Values,
        now: datetime,
    ) -> Message | None:
        """The resident's copy of the record a check produced, one per record: the law
        (a copy of the gas safety record within 28 days) is about the record, and a
        same-day re-test is announced again under the same check id with a new
        certificate reference. The check's first record keeps the check id as its source
        (the id compliance tracks the copy by, and the key of copies written before
        re-tests had their own); a record differing from the one the check's copy was
        written for gets retest_copy_id (hearth_contracts: the id compliance tracks that
        copy by). The same event again writes nothing."""
        written = await repository.of_source(session, resident.id, "check_record_copy", check_id)
        source_id = (
            check_id
            if written is None or is_copy_of(written, certificate_reference)
            else retest_copy_id(check_id, certificate_reference)
        )
        return await self.queue(session, resident, "check_record_copy", source_id, values, now)

    async def send_to_resident(
        self, session: AsyncSession, resident_id: uuid.UUID, data: MessageRequest
    ) -> MessagePublic:
        """Staff send a message from a template; an unknown template or a language it
        is not written in is refused naming the field, and so is a resident living in
        none of the landlord's homes with no email or phone held (`resident_id`: a
        letter would go to another household, or nowhere); nothing is kept."""
        resident = await resident_named(session, resident_id)
        if resident is None:
            raise NotFound(f"No resident {resident_id}")
        try:
            render(data.template, data.language or resident.language, [], {})
        except UnknownTemplate as unknown:
            raise Unprocessable(str(unknown), field=unknown.field) from None
        now = datetime.now(UTC)
        today = london_day(now)
        home = rules.home_written_to(
            resident.uprn,
            resident.tenancy_started_on,
            resident.tenancy_ended_on,
            await residents.home_lived_in(session, resident, today),
            today,
        )
        if home is None and not (resident.email or resident.phone):
            raise Unprocessable(
                f"Resident {resident_id} lives in none of the landlord's homes engagement "
                "knows, and no email or phone is held: there is nowhere to send it",
                field="resident_id",
                location="path",
            )
        message = await self.queue(
            session,
            resident,
            data.template,
            uuid.uuid4(),
            data.values,
            now,
            language=data.language,
        )
        if message is None:  # a fresh source id is never there already
            raise RuntimeError("message not kept")
        return MessagePublic.model_validate(message)

    async def send_due(self, session: AsyncSession, now: datetime) -> int:
        """The scheduled job's batch: one due message (SEND_BATCH), claimed and then sent.

        The claim commits on its own, before the send (`_claim`): the attempt is counted
        and recorded in flight, outcome unknown, due again only after the back-off. Then
        this session (the job's transaction) locks the row again, still this claim's,
        sends it through its channel while holding the lock (two replicas never send the
        same message at once, as before the claim), and records the answer. Sent:
        stamped sent (a tenant's copy of a safety record publishes tenant-copy-sent with
        it; with the provider's id for it when the channel gives one). Failed, or a
        channel's unforeseen error: tried again after the back-off, or failed for good
        after the last attempt or a permanent refusal
        (hearth_engagement_messages_failed_total). No answer, or no answer recorded
        because the job was stopped mid-send (its transaction rolled back; the claim did
        not): the outcome is unknown, and the next attempt tells the channel, which asks
        the provider before sending again (ADR 0080); after the last attempt, the next
        claim gives the message up instead of sending it (a text or email as a letter)."""
        claim = await self._claim(session, now)
        if claim is None:
            return 0
        if claim.given_up:
            return 1
        message = await repository.claimed(session, claim.message_id, claim.attempt)
        if message is None:
            # the claim's back-off ran out before this transaction locked the row (the
            # process stalled that long) and another replica claimed it since: its to send
            log.warning("message claimed again by another sender", message_id=str(claim.message_id))
            return 1
        await self._send(session, message, claim, now)
        await session.flush()
        return 1

    async def _claim(self, session: AsyncSession, now: datetime) -> Claim | None:
        """Take the first due message for one attempt, in a transaction of its own on
        the job's engine, committed before the send (the job's own transaction commits
        only after it, so a stopped job would roll a mark made there back with it). The
        row lock (FOR UPDATE SKIP LOCKED) is held only for this short transaction;
        `next_attempt_at` moved past the back-off keeps other replicas from taking it
        meanwhile, and `send_due`'s lock during the send keeps them from it after.

        A message whose last attempt allowed (`max_attempts`) is still in flight is not
        claimed again: its sender stopped mid-send on every attempt (sending it may be
        what kills the process), so trying again would never end. It is given up as a
        last attempt that failed with its outcome unknown is (`_failed`): a text or email
        goes as a letter, a letter fails for good."""
        engine = session.bind
        if not isinstance(engine, AsyncEngine):
            raise TypeError("the message job claims through its session's engine")
        async with AsyncSession(engine, expire_on_commit=False) as claiming, claiming.begin():
            due = await repository.due(claiming, now, SEND_BATCH)
            if not due:
                return None
            [message] = due
            if message.last_error == IN_FLIGHT and message.attempts >= self.retries.max_attempts:
                log.warning(
                    "message's sender stopped mid-send on its last attempt",
                    message_id=str(message.id),
                    attempts=message.attempts,
                )
                self._failed(
                    message,
                    ChannelFailure(STOPPED_ON_LAST_ATTEMPT, outcome_unknown=True),
                    now,
                )
                return Claim(
                    message.id, message.attempts, True, STOPPED_ON_LAST_ATTEMPT, given_up=True
                )
            claim = Claim(
                message.id,
                message.attempts + 1,
                message.outcome_unknown,
                STOPPED_MID_SEND if message.last_error == IN_FLIGHT else message.last_error,
            )
            message.attempts = claim.attempt
            message.outcome_unknown = True
            message.last_error = IN_FLIGHT
            message.next_attempt_at = now + self._back_off(claim.attempt)
        return claim

    async def _send(
        self, session: AsyncSession, message: Message, claim: Claim, now: datetime
    ) -> None:
        """Send the claimed message through its channel and record the answer."""
        channel = self.channels.get(message.channel)
        try:
            if channel is None:
                raise ChannelFailure(
                    f"{message.channel.value} channel not configured", permanent=True
                )
            provider_message_id = await channel.send(
                Outgoing(
                    str(message.id),
                    message.recipient,
                    message.subject,
                    message.body,
                    tuple(print_notes([FormatNeed(f) for f in message.formats]))
                    if message.channel == ContactChannel.LETTER
                    else (),
                    outcome_unknown=claim.ask_first,
                )
            )
        except ChannelFailure as failure:
            self._failed(message, failure, now)
        except Exception as unexpected:
            # a channel's error it did not foresee is this message's failure, tried
            # again after the back-off: raised, it would roll the answer back and leave
            # the message in flight until its back-off. It may have come after the
            # provider took the message: unknown, so a channel that can ask does before
            # sending again
            log.error(
                "message channel raised",
                message_id=str(message.id),
                error=type(unexpected).__name__,
            )
            self._failed(
                message,
                ChannelFailure(type(unexpected).__name__, outcome_unknown=True),
                now,
            )
        else:
            message.status = MessageStatus.SENT
            message.sent_at = now
            message.next_attempt_at = None
            message.outcome_unknown = False
            message.last_error = claim.last_error
            message.provider_message_id = provider_message_id
            metrics.MESSAGES_SENT.labels(message.channel.value).inc()
            if message.template in TENANT_COPY_TEMPLATES and message.uprn is not None:
                await publish(
                    session,
                    TenantCopySent(
                        copy_id=message.source_id,
                        message_id=message.id,
                        resident_id=message.resident_id,
                        uprn=message.uprn,
                        channel=message.channel,
                        sent_at=now,
                    ),
                )

    def _back_off(self, attempts: int) -> timedelta:
        return rules.retry_delay(attempts, self.retries.base_seconds, self.retries.cap_seconds)

    def _failed(self, message: Message, failure: ChannelFailure, now: datetime) -> None:
        """Try again after the back-off; or, when trying again cannot help (a permanent
        refusal, a channel not configured, the last attempt), send it as a letter
        instead, so what a resident must be told (a gas record's copy) still reaches
        them; a letter that cannot go fails for good. The attempt was counted by its
        claim (or, for a last attempt whose sender stopped mid-send, by the claim before
        the one that gives it up: `_claim`)."""
        message.last_error = failure.reason[:200]
        message.outcome_unknown = failure.outcome_unknown
        given_up = failure.permanent or message.attempts >= self.retries.max_attempts
        if (
            given_up
            and message.channel != ContactChannel.LETTER
            and ContactChannel.LETTER in self.channels
            and message.uprn is not None  # no home: a letter would go nowhere
        ):
            log.info(
                "message sent as a letter instead",
                message_id=str(message.id),
                channel=message.channel.value,
                failure=failure.reason,
            )
            metrics.MESSAGES_SENT_AS_LETTERS.labels(message.channel.value).inc()
            message.last_error = f"{failure.reason}: sent as a letter instead"[:200]
            # a text whose last attempt's outcome is unknown may have gone: the letter
            # still goes (what the resident must be told reaches them), so they may
            # read it twice, once by text and once on paper, never the same text twice
            message.channel = ContactChannel.LETTER
            message.recipient = None
            message.next_attempt_at = now
            message.outcome_unknown = False
            return
        if given_up:
            message.status = MessageStatus.FAILED
            message.next_attempt_at = None
            metrics.MESSAGES_FAILED.labels(message.channel.value).inc()
            log.warning(
                "message failed",
                message_id=str(message.id),
                attempts=message.attempts,
                failure=failure.reason,
            )
            return
        message.next_attempt_at = now + self._back_off(message.attempts)

    async def untranslated(
        self, session: AsyncSession, page: PageParams
    ) -> Page[UntranslatedMessage]:
        """Statutory messages written in English for want of a template in the
        resident's language, every resident's, latest first: the ones staff follow up
        with a translation (ADR 0119). Ids, template, channel and dates only, never a
        message's text: the list reaches every resident's letters (need to know)."""
        messages = await repository.untranslated_page(
            session, after=page.after_as(datetime, uuid.UUID), limit=page.fetch
        )
        return Page.from_rows(
            [UntranslatedMessage.model_validate(m) for m in messages],
            page.limit,
            cursor_of=lambda message: (message.created_at, message.id),
        )

    async def page(
        self, session: AsyncSession, resident_id: uuid.UUID, page: PageParams
    ) -> Page[MessagePublic]:
        """A resident's messages, latest first (one merged into another: the problem
        naming the resident kept, whose messages they now are)."""
        if await resident_named(session, resident_id) is None:
            raise NotFound(f"No resident {resident_id}")
        messages = await repository.page(
            session,
            resident_id=resident_id,
            after=page.after_as(datetime, uuid.UUID),
            limit=page.fetch,
        )
        return Page.from_rows(
            [MessagePublic.model_validate(m) for m in messages],
            page.limit,
            cursor_of=lambda message: (message.created_at, message.id),
        )

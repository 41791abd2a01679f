"""Use cases for vulnerabilities: recorded with consent, shown only to callers with
vulnerabilities:read (each read audited), announced to other services only as a flag
(vulnerability-recorded v2: whether one is recorded and the adjustments, never the
categories or the detail). Never commits.

Every change to a resident's vulnerabilities locks the resident first, then the
vulnerability rows (the order tenancy-started and a visit's withdrawn consent take
them: resident, then vulnerabilities), so changes to one resident take turns and each
flag counts what the change before it committed. The flag is versioned by when it is
published; without the turn, a removal beside an uncommitted record read none left and
published false after the record's true, the flag every consumer then kept. So a change
is dated once it holds the resident, never before it waited: dated on arrival, a record
that waited behind a removal published its true under an earlier time than the
removal's false, and consumers kept false. On SQLite the write session's BEGIN
IMMEDIATE takes the turn (docs/adr/0027)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.models import Resident, Vulnerability, VulnerabilityRead
from engagement.residents import repository as residents
from engagement.residents.named import resident_named
from engagement.vulnerabilities import repository
from engagement.vulnerabilities.schemas import (
    ReviewDuePublic,
    VulnerabilityCreate,
    VulnerabilityPublic,
    VulnerabilityReadPublic,
    VulnerabilityReceipt,
    VulnerabilityReview,
)
from hearth_contracts.events.engagement import VulnerabilityRecordedV2
from hearth_kit.auth import Caller
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import NotFound, Unprocessable
from hearth_kit.working_days import london_day

REVIEW_AHEAD_YEARS = 2
"""How far after London's today a vulnerability's next review may be set (ADR 0076): a
need recorded "to be reviewed" in 2062 (a typing slip for 2026), or in 8999, is never
reviewed, and its adjustments would go unchecked with the resident for decades; two
years is the longest a landlord would defend leaving a household's needs unasked, the
visit programme's full visit interval."""


def latest_review_on(today: date) -> date:
    """The last day a next review may be set for: the same day `REVIEW_AHEAD_YEARS` on
    (28 February for 29 February)."""
    try:
        return today.replace(year=today.year + REVIEW_AHEAD_YEARS)
    except ValueError:
        return today.replace(year=today.year + REVIEW_AHEAD_YEARS, day=28)


def refuse_review_too_far(review_on: date, now: datetime) -> None:
    latest = latest_review_on(london_day(now))
    if review_on > latest:
        raise Unprocessable(
            f"review_on is more than {REVIEW_AHEAD_YEARS} years ahead: the latest day "
            f"accepted today is {latest.isoformat()}",
            field="review_on",
        )


async def announce(session: AsyncSession, resident: Resident, now: datetime) -> None:
    """The flag other services get: whether a vulnerability is currently recorded with
    consent (false: none any more) and the adjustments officers must make, never the
    categories or the detail (special-category data). Only once the resident
    has a home the event can be keyed by; until then nothing is published, and
    announce_on_new_home publishes it when they get one."""
    if resident.uprn is None:
        return
    current = await repository.current(session, resident.id)
    await publish(
        session,
        VulnerabilityRecordedV2(
            resident_id=resident.id,
            uprn=resident.uprn,
            tenancy_id=resident.tenancy_id,
            vulnerable=bool(current),
            adjustments=list(dict.fromkeys(a for v in current for a in v.adjustments)),
            review_on=min((v.review_on for v in current), default=None),
            recorded_at=now,
        ),
    )


async def announce_on_new_home(session: AsyncSession, resident: Resident, now: datetime) -> None:
    """The resident has just been put on a tenancy (their first, or a move): a
    vulnerability recorded while they had no home, or announced under the old one, is
    announced now under this one. Nothing is published for a resident with none."""
    if resident.uprn is not None and await repository.current(session, resident.id):
        await announce(session, resident, now)


async def _audited(
    session: AsyncSession, resident_id: uuid.UUID, caller: Caller, *, records_shown: int
) -> None:
    """A read of a resident's vulnerabilities kept in the audit: who read, when and how
    many records they were shown (never which, nor what they say)."""
    repository.add(
        session,
        VulnerabilityRead(
            id=uuid.uuid4(),
            resident_id=resident_id,
            reader=caller.subject[:200],
            read_at=datetime.now(UTC),
            records_shown=records_shown,
        ),
    )
    await session.flush()


class VulnerabilityService:
    async def record(
        self,
        session: AsyncSession,
        resident_id: uuid.UUID,
        data: VulnerabilityCreate,
        caller: Caller,
    ) -> VulnerabilityReceipt:
        """Record a vulnerability with the resident's consent (publishes the flag). The
        need was recorded with the resident when they consented (`consent_given_at`),
        never when it was typed in (DOMAIN.md: clocks start when the landlord became
        aware), so its first review date need only be after that London day, as a
        review's next date is after the review's: one typed in late keeps the date
        agreed with the resident, and if that has passed it is simply due."""
        resident = await self._resident(session, resident_id, for_update=True)
        now = datetime.now(UTC)  # once it is our turn: the flag's version (module docstring)
        if data.consent_given_at > now:
            raise Unprocessable("consent_given_at is in the future", field="consent_given_at")
        if data.review_on <= london_day(data.consent_given_at):
            raise Unprocessable(
                "review_on must be after the day consent was given (consent_given_at)",
                field="review_on",
            )
        refuse_review_too_far(data.review_on, now)
        vulnerability = Vulnerability(
            id=uuid.uuid4(),
            resident_id=resident.id,
            category=data.category,
            detail=data.detail,
            adjustments=list(dict.fromkeys(data.adjustments)),
            consent_given_at=data.consent_given_at,
            review_on=data.review_on,
            recorded_by=caller.subject[:64],
            recorded_at=now,
        )
        repository.add(session, vulnerability)
        await session.flush()
        await announce(session, resident, now)
        return VulnerabilityReceipt.model_validate(vulnerability)

    async def read(
        self, session: AsyncSession, resident_id: uuid.UUID, caller: Caller
    ) -> list[VulnerabilityPublic]:
        """The resident's vulnerabilities; the read is audited (who, when, how many)."""
        resident = await self._resident(session, resident_id)
        current = await repository.current(session, resident.id)
        await _audited(session, resident.id, caller, records_shown=len(current))
        return [VulnerabilityPublic.model_validate(v) for v in current]

    async def read_one(
        self,
        session: AsyncSession,
        resident_id: uuid.UUID,
        vulnerability_id: uuid.UUID,
        caller: Caller,
    ) -> VulnerabilityPublic:
        """One of the resident's vulnerabilities (the Location `record` answers with),
        as the list read shows it and audited as it is (one record shown). A merged
        resident's id is the problem naming the resident kept (ADR 0138); one removed
        (reviewed away, consent withdrawn) is a 404 as for review, since the list no
        longer shows it and its detail is gone (docs/adr/0177)."""
        resident = await self._resident(session, resident_id)
        vulnerability = await repository.get(
            session, resident.id, vulnerability_id, for_update=False
        )
        if vulnerability is None or vulnerability.removed_at is not None:
            raise NotFound(f"No vulnerability {vulnerability_id} of resident {resident_id}")
        await _audited(session, resident.id, caller, records_shown=1)
        return VulnerabilityPublic.model_validate(vulnerability)

    async def review(
        self,
        session: AsyncSession,
        resident_id: uuid.UUID,
        vulnerability_id: uuid.UUID,
        data: VulnerabilityReview,
    ) -> VulnerabilityReceipt:
        """Record a review held with the resident at `reviewed_at` (kept): the next
        review date, and the detail or adjustments as they now stand (publishes the flag
        with the new review date). A review is dated when it was held, never when it was
        typed in (DOMAIN.md: clocks start when the landlord became aware), so the next
        date is counted from the review's London day: one typed in late may set a date
        already past, and the review is then due. A review dated before consent was
        given to record the vulnerability reviews nothing yet held, and one dated before
        the latest review kept would put an older next date over the newer one: both are
        refused, nothing changed or published. The flag is still versioned by when it
        is published (module docstring), not by `reviewed_at`."""
        if data.reviewed_at > datetime.now(UTC):
            raise Unprocessable("reviewed_at is in the future", field="reviewed_at")
        if data.review_on <= london_day(data.reviewed_at):
            raise Unprocessable(
                "review_on must be after the day of the review (reviewed_at)", field="review_on"
            )
        refuse_review_too_far(data.review_on, datetime.now(UTC))
        resident = await self._resident(session, resident_id, for_update=True)
        now = datetime.now(UTC)  # once it is our turn: the flag's version (module docstring)
        vulnerability = await repository.get(session, resident.id, vulnerability_id)
        if vulnerability is None or vulnerability.removed_at is not None:
            raise NotFound(f"No vulnerability {vulnerability_id} of resident {resident_id}")
        if data.reviewed_at < vulnerability.consent_given_at:
            raise Unprocessable(
                "reviewed_at is before consent was given to record the vulnerability",
                field="reviewed_at",
            )
        if vulnerability.reviewed_at is not None and data.reviewed_at < vulnerability.reviewed_at:
            raise Unprocessable(
                "reviewed_at is before the latest review of the vulnerability",
                field="reviewed_at",
            )
        vulnerability.reviewed_at = data.reviewed_at
        vulnerability.review_on = data.review_on
        if data.detail is not None:
            vulnerability.detail = data.detail
        if data.adjustments is not None:
            vulnerability.adjustments = list(dict.fromkeys(data.adjustments))
        await session.flush()
        await announce(session, resident, now)
        return VulnerabilityReceipt.model_validate(vulnerability)

    async def remove(
        self, session: AsyncSession, resident_id: uuid.UUID, vulnerability_id: uuid.UUID
    ) -> None:
        """Remove one (reviewed away, or consent withdrawn); publishes the new flag. Its
        free-text detail is cleared: a removed vulnerability keeps only its category and
        dates (that it was recorded, and when it went).

        One already removed (a retry after the gateway's 503 "may or may not have
        happened", a second officer, or consent withdrawn at a visit meanwhile) is left
        as it is: the caller asked for the state it is in, so the answer is the same 204,
        nothing changed and no flag published again (DELETE is idempotent, RFC 9110
        9.2.2, as the diversity profile's is). Only an id the resident never had is a
        404: a repeat must not look like "never existed"."""
        resident = await self._resident(session, resident_id, for_update=True)
        now = datetime.now(UTC)  # once it is our turn: the flag's version (module docstring)
        vulnerability = await repository.get(session, resident.id, vulnerability_id)
        if vulnerability is None:
            raise NotFound(f"No vulnerability {vulnerability_id} of resident {resident_id}")
        if vulnerability.removed_at is not None:
            return  # removed already: its removal time and the flag stay as they are
        vulnerability.removed_at = now
        vulnerability.detail = None
        await session.flush()
        await announce(session, resident, now)

    async def consent_withdrawn(
        self, session: AsyncSession, resident_id: uuid.UUID, at: datetime
    ) -> None:
        """Consent withdrawn at a visit (`at`, the visit's time): without consent the
        vulnerability is not kept, so every one whose consent was given at or before the
        visit is removed, its free-text detail cleared (the category and dates stay, the
        record that it was held and when it went). One recorded after the visit, with
        consent given since, stays. The flag published is the state engagement holds now,
        versioned now (an offline visit uploads late: stamped with the visit's time, the
        clear would be older than any record or review made meanwhile, and consumers
        would ignore it)."""
        resident = await residents.get(session, resident_id, for_update=True)
        if resident is None:
            return
        withdrawn = [
            v for v in await repository.current(session, resident.id) if v.consent_given_at <= at
        ]
        if not withdrawn:
            return
        now = datetime.now(UTC)
        for vulnerability in withdrawn:
            vulnerability.removed_at = now
            vulnerability.detail = None
        await session.flush()
        await announce(session, resident, now)

    async def reviews_due(
        self, session: AsyncSession, page: PageParams, *, due_by: date | None, now: datetime
    ) -> Page[ReviewDuePublic]:
        """Vulnerabilities not removed whose review has come by `due_by` (default
        London's today at `now`: a review on the day is due), oldest due first, a page at
        a time: the reviewer's list, so no review is missed. Ids, home and dates only.
        Not audited as a read: it shows no category or detail (what the audited read
        guards), only what the vulnerability-recorded flag already tells other services
        (the resident, the home, that a need is recorded and its review date)."""
        today = london_day(now)
        after = page.after_as(str, uuid.UUID)
        try:
            after_key = None if after is None else (date.fromisoformat(after[0]), after[1])
        except ValueError as exc:
            raise Unprocessable(
                "The cursor is not one this API issued", field="cursor", location="query"
            ) from exc
        rows = await repository.reviews_due(
            session,
            due_by=today if due_by is None else due_by,
            after=after_key,
            limit=page.fetch,
        )
        due = [
            ReviewDuePublic(
                resident_id=resident_id,
                vulnerability_id=vulnerability_id,
                uprn=uprn,
                review_on=review_on,
                days_overdue=max((today - review_on).days, 0),
            )
            for vulnerability_id, resident_id, uprn, review_on in rows
        ]
        return Page.from_rows(
            due,
            page.limit,
            cursor_of=lambda item: (item.review_on.isoformat(), item.vulnerability_id),
        )

    async def audit(
        self, session: AsyncSession, resident_id: uuid.UUID
    ) -> list[VulnerabilityReadPublic]:
        """Who read the resident's vulnerabilities, latest first (last 200)."""
        resident = await self._resident(session, resident_id)
        return [
            VulnerabilityReadPublic.model_validate(r)
            for r in await repository.reads(session, resident.id, 200)
        ]

    @staticmethod
    async def _resident(
        session: AsyncSession, resident_id: uuid.UUID, *, for_update: bool = False
    ) -> Resident:
        """The resident; `for_update` (every change to their vulnerabilities) locks
        them first, so those changes take turns (the module docstring). One merged into
        another is the problem naming the resident kept (ADR 0138), before anything is
        read, recorded or audited."""
        resident = await resident_named(session, resident_id, for_update=for_update)
        if resident is None:
            raise NotFound(f"No resident {resident_id}")
        return resident


vulnerability_service = VulnerabilityService()

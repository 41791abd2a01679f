"""Use cases for reports sent in pieces, and the officer's briefing before a visit.
Never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.visits import VisitKind
from hearth_kit.auth import Caller
from hearth_kit.problems import Conflict, NotFound, ProblemError, Unprocessable
from hearth_kit.working_days import london_day, start_of_london_day
from visits.caseloads import service as caseloads
from visits.caseloads.schemas import ConcernOpenPublic
from visits.models import ReportDraftPiece, Visit, VisitStatus
from visits.programme import repository as home_profiles
from visits.reports import repository, rules
from visits.reports.schemas import (
    Briefing,
    DraftPiecePublic,
    DraftPieces,
    DraftPublic,
    DraftSection,
    HazardFinding,
    LateInventory,
    RepairFinding,
    ReportSubmission,
    ResidentNeeds,
    VisitDetails,
)
from visits.visits import repository as visits
from visits.visits.repository import Findings
from visits.visits.rules import (
    RuleBroken,
    can_be_reported,
    check_repair_not_emergency,
    may_read_notes,
)
from visits.visits.schemas import CustomerActionPublic, HouseholdDetails
from visits.visits.service import (
    VisitService,
    announce_hazard,
    as_kept,
    rooms_inspected,
    tenancy_of_its_day,
)


class NotTheVisitsOfficer(ProblemError):
    """Rooms added after the report by someone other than the visit's officer (ADR 0113).
    403: the request is well formed and the scope held; this caller may not make it."""

    status, title, slug = 403, "Forbidden", "not-the-visits-officer"


def _saved(piece: ReportDraftPiece) -> rules.SavedPiece:
    return rules.SavedPiece(
        DraftSection(piece.section), piece.piece_id, piece.content, piece.hazard_id
    )


C = TypeVar("C", bound=BaseModel)


def _parsed(model: type[C], content: dict[str, object] | None) -> C | None:
    """A piece's content as `model`, or None: removed, or saved under an older, laxer
    rule (submit refuses it, naming it)."""
    if content is None:
        return None
    try:
        return model.model_validate(content)
    except ValidationError:
        return None


@dataclass(frozen=True)
class _SentHazard:
    """A hazard piece as it was sent to repairs: its content then and its clock."""

    content: dict[str, object]
    identified_at: datetime


def _check_sent_hazards_kept(
    data: DraftPieces,
    sent: dict[tuple[str, str], _SentHazard],
    stored: list[ReportDraftPiece],
) -> None:
    """After a save (which the caller rolls back on the 422): a hazard sent to repairs
    when saved is still there with the hazard_type and severity it was sent with, and
    every visit piece says the visited_at it was sent with. Repairs opened an Awaab's
    Law case from it and no event takes one back, so the report records what repairs
    was told (ADR 0182); the room and the description, which the event does not carry,
    may still change. The 422 names the request's piece that changed it."""
    if not sent:
        return
    clocks = {hazard.identified_at for hazard in sent.values()}
    for piece in stored:
        key = (piece.section, piece.piece_id)
        changed: str | None = None
        if key in sent:
            was = sent[key].content
            if piece.content is None:
                changed = "content"
            elif piece.content.get("hazard_type") != was.get("hazard_type"):
                changed = "content.hazard_type"
            elif piece.content.get("severity") != was.get("severity"):
                changed = "content.severity"
        elif piece.section == DraftSection.VISIT:
            details = _parsed(VisitDetails, piece.content)
            if details is not None and details.visited_at not in clocks:
                changed = "content.visited_at"
        if changed is None:
            continue
        at = max(
            (n for n, p in enumerate(data.pieces) if (p.section.value, p.piece_id) == key),
            default=None,
        )
        field = f"pieces.{at}.{piece.section}.{changed}" if at is not None else "pieces"
        when = min(clocks).isoformat()
        raise Unprocessable(
            f"A hazard of this draft (an emergency or significant one) was sent to "
            f"repairs when it was saved, seen at {when} (hazard-identified: an emergency "
            "or significant damp and mould opens an Awaab's Law case). It stays in the "
            "report as sent: not removed, its hazard_type and severity and the draft's "
            "visited_at unchanged (its room and description may change). Recorded in "
            "error: say so in its description, and repairs' investigation closes any case "
            "it opened (hazard_found false); found worse: add it as an emergency hazard "
            "piece, sent at once (ADR 0182, 0209, 0227)",
            field=field,
        )


async def _household_as_kept(session: AsyncSession, data: DraftPieces) -> DraftPieces:
    """The pieces with each household piece's resident as the person kept, where the id
    sent is one a merge visits handled retired (as_kept, ADR 0208)."""
    pieces = []
    for piece in data.pieces:
        if isinstance(piece.content, HouseholdDetails):
            piece = piece.model_copy(update={"content": await as_kept(session, piece.content)})
        pieces.append(piece)
    return data.model_copy(update={"pieces": pieces})


NOTES_SECTIONS = frozenset({DraftSection.VISIT, DraftSection.TENANCY_CONCERN})
"""Draft sections whose `notes` are the officer's notes (as VisitPublic's): shown only
with visits:notes."""


def _content_shown(
    section: DraftSection, content: dict[str, object] | None, notes_shown: bool
) -> dict[str, object] | None:
    if content is None or notes_shown or section not in NOTES_SECTIONS:
        return content
    return {**content, "notes": None}


def draft_public(visit: Visit, pieces: list[ReportDraftPiece], caller: Caller) -> DraftPublic:
    """The draft as `caller` may see it: the officer's notes in the visit and tenancy
    concern pieces only with the need-to-know scope visits:notes, else null (withheld),
    as on the visit itself."""
    notes_shown = may_read_notes(caller.scopes)
    return DraftPublic(
        visit_id=visit.id,
        pieces=[
            DraftPiecePublic(
                section=DraftSection(p.section),
                piece_id=p.piece_id,
                version=p.version,
                content=_content_shown(DraftSection(p.section), p.content, notes_shown),
                saved_at=p.saved_at,
                hazard_id=p.hazard_id,
            )
            for p in pieces
        ],
        missing=rules.missing_sections(visit.kind, [_saved(p) for p in pieces]),
        pieces_counted=rules.pieces_counted([_saved(p) for p in pieces]),
    )


class ReportService:
    def __init__(self, visit_service: VisitService) -> None:
        self.visit_service = visit_service

    async def save_draft(
        self, session: AsyncSession, visit_id: uuid.UUID, data: DraftPieces, caller: Caller
    ) -> DraftPublic:
        """Save pieces of the visit's report. A piece already kept at a higher version
        stays as it is; visited_at in the future, or more than the report window ago, is
        refused, and so is a repair of emergency severity (reported to repairs at once,
        not held for the report: ADR 0166), and nothing is saved.

        An emergency or significant hazard (rules.sent_when_saved, ADR 0182, 0209,
        0227), is sent to repairs (hazard-identified, its clock the draft's
        visited_at) in the save that gives the draft both it and its one visit piece,
        once; its piece keeps the hazard id, which the report keeps at submit and sends
        no second time. A sent hazard is not removed nor its hazard_type or severity
        changed, nor the draft's visited_at: there is no event to take back what repairs
        was told (ADR 0182). A household piece naming a person id a merge retired is
        saved naming the person kept (ADR 0208)."""
        # merged_person before the visit, as a merge takes them (ADR 0208)
        data = await _household_as_kept(session, data)
        visit = await self._open_visit(session, visit_id)
        now = datetime.now(UTC)
        for n, piece in enumerate(data.pieces):
            if piece.content is not None:  # a removal is always taken
                try:
                    rules.section_recorded(visit.kind, piece.section, f"pieces.{n}.section")
                except RuleBroken as broken:
                    raise Unprocessable(broken.message, field=broken.field) from broken
            if isinstance(piece.content, RepairFinding):
                try:
                    check_repair_not_emergency(
                        piece.content.severity,
                        f"pieces.{n}.{piece.section.value}.content.severity",
                    )
                except RuleBroken as broken:
                    raise Unprocessable(broken.message, field=broken.field) from broken
            if isinstance(piece.content, VisitDetails):
                try:
                    rules.check_visited_at(
                        piece.content.visited_at,
                        now,
                        f"pieces.{n}.{piece.section.value}.content.visited_at",
                        window_years=self.visit_service.settings.report_window_years,
                    )
                except RuleBroken as broken:
                    raise Unprocessable(broken.message, field=broken.field) from broken
        sent = {
            (p.section, p.piece_id): _SentHazard(p.content, p.identified_at)
            for p in await repository.pieces(session, visit.id)
            if p.hazard_id is not None and p.content is not None and p.identified_at is not None
        }
        await repository.save_pieces(
            session,
            [
                {
                    "visit_id": visit.id,
                    "section": piece.section.value,
                    "piece_id": piece.piece_id,
                    "version": piece.version,
                    "content": None
                    if piece.content is None
                    else piece.content.model_dump(mode="json", exclude_none=True),
                    "saved_at": now,
                }
                for piece in data.pieces
            ],
        )
        stored = await repository.pieces(session, visit.id)
        _check_sent_hazards_kept(data, sent, stored)
        await self._send_hazards_not_waiting(session, visit, stored)
        return draft_public(visit, stored, caller)

    async def _send_hazards_not_waiting(
        self, session: AsyncSession, visit: Visit, stored: list[ReportDraftPiece]
    ) -> None:
        """Send to repairs each hazard of the draft that does not wait for the report
        (rules.sent_when_saved: emergency and significant) and is not sent yet, once the
        draft says when the officer saw it (one visit piece; several, which submit
        refuses, or none: it waits for the save that settles it). The landlord became
        aware at the visit: Awaab's Law's clocks in repairs run from visited_at (make an
        emergency safe within 24 hours, investigate significant damp and mould within 10
        working days), which waiting for the report (days, on a tablet offline; a report
        may come years later) would spend (ADR 0182, 0209), and which significant
        hazards repairs acts on is repairs' rule, not a copy of it here (ADR 0227)."""
        waiting = [
            (piece, hazard)
            for piece in stored
            if piece.section == DraftSection.HAZARD and piece.hazard_id is None
            if (hazard := _parsed(HazardFinding, piece.content)) is not None
            and rules.sent_when_saved(hazard)
        ]
        visits_said = [
            details
            for piece in stored
            if piece.section == DraftSection.VISIT
            if (details := _parsed(VisitDetails, piece.content)) is not None
        ]
        if not waiting or len(visits_said) != 1:
            return
        visited_at = visits_said[0].visited_at.astimezone(UTC)
        # as submit would refuse it: a clock sent could not be taken back
        await self.visit_service.after_the_attempt_it_follows(
            session, visit, visited_at, "draft.visit.visited_at"
        )
        for piece, hazard in waiting:
            hazard_id = uuid.uuid4()
            await announce_hazard(
                session,
                visit,
                hazard_id=hazard_id,
                hazard_type=hazard.hazard_type,
                severity=hazard.severity,
                identified_at=visited_at,
            )
            await repository.mark_hazard_sent(session, piece, hazard_id, visited_at)

    async def draft(
        self, session: AsyncSession, visit_id: uuid.UUID, caller: Caller
    ) -> DraftPublic:
        visit = await self.visit_service.get(session, visit_id)
        return draft_public(visit, await repository.pieces(session, visit.id), caller)

    async def submit(
        self, session: AsyncSession, visit_id: uuid.UUID, data: ReportSubmission
    ) -> tuple[Visit, Findings]:
        """Record the draft as the visit's report, once: a draft without its required
        parts, or with fewer pieces than the tablet holds, is refused and nothing
        changes."""
        visit = await self._open_visit(session, visit_id)
        saved = await repository.pieces(session, visit.id)
        counted = rules.pieces_counted([_saved(p) for p in saved])
        if data.pieces_expected is not None and counted != data.pieces_expected:
            raise Unprocessable(
                f"The draft holds {counted} pieces, not {data.pieces_expected} (removed "
                "pieces, content null, are not counted): "
                "send the missing pieces first",
                field="pieces_expected",
            )
        now = datetime.now(UTC)
        try:
            report = rules.assemble(
                visit.kind,
                [_saved(p) for p in saved],
                now,
                window_years=self.visit_service.settings.report_window_years,
            )
        except RuleBroken as broken:
            raise Unprocessable(broken.message, field=broken.field) from broken
        recorded = await self.visit_service.complete_from_draft(session, visit, report, now)
        await repository.discard(session, visit.id)
        return recorded

    async def add_inventory(
        self, session: AsyncSession, visit_id: uuid.UUID, data: LateInventory, caller: Caller
    ) -> tuple[Visit, Findings]:
        """Add the room inventory of a full visit completed without one (the one-shot
        report takes no rooms): once, whole, by the visit's officer, within
        late_inventory_days of visited_at (ADR 0113). The survey then counts in the
        programme (ADR 0098), so the home is scored again. The visit is locked first, so
        two additions at once give one inventory and a 409."""
        visit = await visits.get(session, visit_id, for_update=True)
        if visit is None:
            raise NotFound(f"No visit {visit_id}")
        if visit.status is not VisitStatus.COMPLETED:
            raise Conflict(
                f"Visit {visit_id} is {visit.status}: a room inventory is added after the "
                "report only to a completed visit (a booked one records its rooms in the "
                "draft)"
            )
        if visit.officer is None or visit.officer != caller.subject:
            raise NotTheVisitsOfficer(
                "Only the visit's officer, who was in the home, adds its room inventory "
                "after the report"
                + ("" if visit.officer is not None else ": this visit names no officer")
            )
        if visit.kind is not VisitKind.FULL:
            raise Unprocessable(
                f"A {visit.kind} visit records no room inventory: rooms are rated at a full "
                "visit in the home (ADR 0097)",
                field="rooms",
            )
        found = (await visits.findings(session, [visit.id]))[visit.id]
        if found.rooms:
            raise Conflict(
                f"Visit {visit_id} already holds its room inventory: it is not rewritten"
            )
        now = datetime.now(UTC)
        assert visit.visited_at is not None  # every reported visit has one
        closes = rules.late_inventory_closes(
            visit.visited_at, self.visit_service.settings.late_inventory_days
        )
        if now > closes:
            raise Unprocessable(
                f"The room inventory of this visit could be added until {closes.isoformat()} "
                f"({self.visit_service.settings.late_inventory_days} days after visited_at): "
                "the home's condition needs another full visit now",
                field="rooms",
            )
        names = [room.room for room in data.rooms]
        if len(names) != len(set(names)):
            raise Unprocessable("Each room appears once in the inventory", field="rooms")
        found.rooms = rooms_inspected(visit, data.rooms)
        await visits.add_inventory(session, visit, found.rooms, now)
        await self.visit_service.programme.rescore(session, [visit.uprn], now)
        return visit, found

    async def briefing(self, session: AsyncSession, visit_id: uuid.UUID) -> Briefing:
        """What the officer needs before going: each resident's language, format and
        access needs and whether a vulnerability is recorded (a flag), the customer
        actions still open from earlier visits to the household the visit is with (since
        its tenancy's first day; none lapsed when a household left before the visit), the
        tenancy's concerns still open (codes),
        and the paired gas check."""
        visit = await self.visit_service.get(session, visit_id)
        # the tenancy of its day as visits knows it now, the one its report will name:
        # a visit booked before visits heard of its tenancy names none until its report
        # (ADR 0210), one whose tenancy was withdrawn after the booking or ended before
        # its day names a household the officer will not meet (ADR 0228)
        tenancy = await tenancy_of_its_day(session, visit)
        # the household living there on the visit's day (ADR 0096), ended since or not:
        # that tenancy's, not the other's on a day one left and the next moved in
        residents = await home_profiles.residents_on(
            session,
            visit.uprn,
            london_day(visit.scheduled_for),
            tenancy.tenancy_id if tenancy is not None else None,
        )
        # open at the visit's time: not lapsed by then (a household that has left is
        # owed nothing; a visit to it booked after the fact, on a day it lived there, is)
        actions = await visits.open_actions(session, visit.uprn, at=visit.scheduled_for)
        if tenancy is not None and tenancy.start_date is not None:
            # promised to the household the visit is with (ADR 0096), not to one before
            # it: an outgoing tenant's debt advice referral is not the newcomers' to chase
            moved_in = start_of_london_day(tenancy.start_date)
            actions = [action for action in actions if action.promised_at >= moved_in]
        tenancy_id = tenancy.tenancy_id if tenancy is not None else visit.tenancy_id
        concerns = (
            await caseloads.open_concerns(session, tenancy_id) if tenancy_id is not None else []
        )
        return Briefing(
            visit_id=visit.id,
            uprn=visit.uprn,
            kind=visit.kind,
            stock_condition_survey=visit.stock_condition_survey,
            paired_check_id=visit.paired_check_id,
            residents=[
                ResidentNeeds(
                    resident_id=r.resident_id,
                    language=r.language,
                    preferred_channel=r.preferred_channel,
                    format_needs=list(r.format_needs or []),
                    access_needs=list(r.adjustments or []),
                    age_band=r.age_band,
                    lives_alone=r.lives_alone,
                    vulnerability_recorded=bool(r.vulnerable),
                )
                for r in residents
            ],
            customer_actions_outstanding=[
                CustomerActionPublic.model_validate(action) for action in actions
            ],
            tenancy_concerns_open=[ConcernOpenPublic.model_validate(c) for c in concerns],
        )

    async def _open_visit(self, session: AsyncSession, visit_id: uuid.UUID) -> Visit:
        """The visit, locked, if it can still be reported. Saving a piece and submitting
        both lock the visit before they read or write its draft (the visit, then its
        draft pieces): a piece saved while the report was being submitted was answered
        200 and was in neither the report (its pieces read before) nor a draft; it now
        waits and finds the visit reported (409)."""
        visit = await visits.get(session, visit_id, for_update=True)
        if visit is None:
            raise NotFound(f"No visit {visit_id}")
        if not can_be_reported(visit.status):
            raise Conflict(f"Visit {visit_id} was already reported: it is {visit.status}")
        return visit

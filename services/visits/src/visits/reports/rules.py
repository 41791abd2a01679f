"""Pure rules of a report sent in pieces: what a draft must hold before it is
submitted, and the report it adds up to."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import ValidationError

from hearth_contracts.events.visits import HazardSeverity, VisitKind
from hearth_kit.working_days import london_day
from visits.reports.schemas import (
    CONTENT_MODELS,
    CommunalIssueFinding,
    CustomerActionClosed,
    CustomerActionPromised,
    DraftSection,
    HazardFinding,
    RepairFinding,
    RoomInventory,
    TenancyConcernDealtWith,
    TenancyConcernFinding,
    VisitDetails,
)
from visits.visits.rules import (
    RuleBroken,
    check_action_due,
    check_referral,
    check_repair_not_emergency,
)
from visits.visits.schemas import HouseholdDetails

T = TypeVar("T")


def sent_when_saved(hazard: HazardFinding) -> bool:
    """A hazard other services hear of when its draft piece is saved, not when the report
    is submitted: every emergency and significant one. The landlord became aware of it at
    the visit and must act on it; repairs decides which open an Awaab's Law case (an
    emergency: make safe within 24 hours, ADR 0182; significant damp and mould:
    investigate within 10 working days, ADR 0209; other kinds as later phases of the law
    bring them in), so visits does not keep a copy of that rule (ADR 0227). A minor
    hazard, in no phase of the law, starts no clock anywhere and waits for the report."""
    return hazard.severity is not HazardSeverity.MINOR


@dataclass(frozen=True)
class SavedPiece:
    """A draft piece as kept: its section, the tablet's id, and its content (None when
    removed); a hazard's piece sent to repairs when saved (sent_when_saved), the hazard
    id it was sent with (ADR 0182, 0209, 0227)."""

    section: DraftSection
    piece_id: str
    content: dict[str, object] | None
    hazard_id: uuid.UUID | None = None


@dataclass
class AssembledReport:
    """A complete report, its parts in piece-id order (the tablet's own order)."""

    visit: VisitDetails
    household: HouseholdDetails
    rooms: list[RoomInventory] = field(default_factory=list)
    repairs: list[RepairFinding] = field(default_factory=list)
    hazards: list[HazardFinding] = field(default_factory=list)
    hazards_sent: list[uuid.UUID | None] = field(default_factory=list)
    """For each of `hazards`, the hazard id it was sent to repairs with when its piece
    was saved (ADR 0182), or None: not sent yet, the report sends it."""
    tenancy_concerns: list[TenancyConcernFinding] = field(default_factory=list)
    communal_issues: list[CommunalIssueFinding] = field(default_factory=list)
    actions_promised: list[CustomerActionPromised] = field(default_factory=list)
    actions_closed: list[CustomerActionClosed] = field(default_factory=list)
    concerns_dealt_with: list[TenancyConcernDealtWith] = field(default_factory=list)


def required_sections(kind: VisitKind) -> list[DraftSection]:
    """A report says when the visit was and confirms the household; a full visit in
    the home also goes room by room."""
    required = [DraftSection.VISIT, DraftSection.HOUSEHOLD]
    if kind is VisitKind.FULL:
        required.append(DraftSection.ROOM)
    return required


def section_recorded(kind: VisitKind, section: DraftSection, field_name: str) -> None:
    """The room-by-room inventory (a condition rating, photos) is the full visit's: an
    officer in the home rates what they see (DOMAIN.md: the full visit in the home,
    inventory-style; the lite visit by phone or video). A lite visit records no room:
    a rating nobody saw, from a call, would stand in the home's condition record as an
    inspection (ADR 0097). Everything else a lite visit may record (repairs and hazards
    the household describes, concerns, actions)."""
    if section is DraftSection.ROOM and kind is not VisitKind.FULL:
        raise RuleBroken(
            f"A {kind} visit records no room inventory: rooms are rated at a full visit "
            "in the home",
            field_name,
        )


def late_inventory_closes(visited_at: datetime, days: int) -> datetime:
    """The moment after which a completed full visit's room inventory is no longer
    added: `days` after the officer was there (ADR 0113). Ratings written up back at the
    office the same week come from the officer's own photos and notes; weeks later they
    are a memory, not the condition record of the home on the visit's day."""
    return visited_at + timedelta(days=days)


def missing_sections(kind: VisitKind, pieces: Iterable[SavedPiece]) -> list[DraftSection]:
    present = {piece.section for piece in pieces if piece.content is not None}
    return [section for section in required_sections(kind) if section not in present]


def pieces_counted(pieces: Iterable[SavedPiece]) -> int:
    """The pieces a submission counts against `pieces_expected`: those with content. A
    piece removed on the tablet (content null) stays listed in the draft, so a resent
    removal still converges, but it is no part of the report and is not counted."""
    return sum(1 for piece in pieces if piece.content is not None)


def earliest_visit(now: datetime, years: int) -> datetime:
    """The earliest moment a report may say the officer was there: `years` before `now`
    (29 February falls back to the 28th), as repairs' earliest_report. Older is a typing
    slip (1066-10-14), not a visit: it would start the clocks of the repairs and Awaab's
    Law cases the report raises centuries ago, overdue and breached at once."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def check_visited_at(
    visited_at: datetime, now: datetime, field_name: str, *, window_years: int
) -> None:
    """A visit is reported after it happened, and not long after: visited_at is never in
    the future, nor more than `window_years` before now.

    Not bounded by the visit's booking: a visit may be booked after the fact (its
    scheduled_for in the past, recording a visit already made), an officer may arrive
    early, and a household may bring the visit forward by a phone call, so a bound from
    the booking would refuse real visits."""
    if visited_at > now:
        raise RuleBroken("visited_at is in the future: a visit is reported after it", field_name)
    if visited_at < earliest_visit(now, window_years):
        raise RuleBroken(
            f"visited_at is more than {window_years} years ago: check the date", field_name
        )


def assemble(
    kind: VisitKind, pieces: Iterable[SavedPiece], now: datetime, *, window_years: int
) -> AssembledReport:
    """The report a draft adds up to, or RuleBroken naming what it lacks."""
    live = sorted(
        (p for p in pieces if p.content is not None), key=lambda p: (p.section, p.piece_id)
    )
    missing = missing_sections(kind, live)
    if missing:
        raise RuleBroken(
            f"The draft has no {missing[0]} section yet: it is required", f"draft.{missing[0]}"
        )
    parts: dict[DraftSection, list[object]] = {section: [] for section in DraftSection}
    hazards_sent: list[uuid.UUID | None] = []
    for piece in live:
        if piece.section is DraftSection.HAZARD:
            hazards_sent.append(piece.hazard_id)
        section_recorded(kind, piece.section, f"draft.{piece.section}")
        try:
            content = CONTENT_MODELS[piece.section].model_validate(piece.content)
        except ValidationError:
            # Saved under an older, laxer rule (a description of spaces alone): the
            # officer saves the piece again; pydantic's error would have been a 500.
            raise RuleBroken(
                f"The draft's {piece.section} piece {piece.piece_id} no longer passes the "
                "rules for its content: save it again",
                f"draft.{piece.section}",
            ) from None
        parts[piece.section].append(content)
    for single in (DraftSection.VISIT, DraftSection.HOUSEHOLD):
        if len(parts[single]) > 1:
            raise RuleBroken(f"A report has one {single} section, not several", f"draft.{single}")
    report = AssembledReport(
        visit=_only(parts[DraftSection.VISIT], VisitDetails),
        household=_only(parts[DraftSection.HOUSEHOLD], HouseholdDetails),
        rooms=_all(parts[DraftSection.ROOM], RoomInventory),
        repairs=_all(parts[DraftSection.REPAIR], RepairFinding),
        hazards=_all(parts[DraftSection.HAZARD], HazardFinding),
        hazards_sent=hazards_sent,
        tenancy_concerns=_all(parts[DraftSection.TENANCY_CONCERN], TenancyConcernFinding),
        communal_issues=_all(parts[DraftSection.COMMUNAL_ISSUE], CommunalIssueFinding),
        actions_promised=_all(parts[DraftSection.CUSTOMER_ACTION], CustomerActionPromised),
        actions_closed=_all(parts[DraftSection.ACTION_CLOSED], CustomerActionClosed),
        concerns_dealt_with=_all(parts[DraftSection.CONCERN_DEALT_WITH], TenancyConcernDealtWith),
    )
    check_visited_at(
        report.visit.visited_at, now, "draft.visit.visited_at", window_years=window_years
    )
    for repair in report.repairs:
        # a piece saved before the rule (ADR 0166): the officer reports it to repairs
        # and removes it from the draft
        check_repair_not_emergency(repair.severity, "draft.repair.severity")
    rooms = [room.room for room in report.rooms]
    if len(rooms) != len(set(rooms)):
        raise RuleBroken("Each room appears once in the inventory", "draft.room")
    today = london_day(now)
    for concern in report.tenancy_concerns:
        check_referral(
            concern.refer_to_sustainable_tenancy,
            concern.review_on,
            today,
            "draft.tenancy_concern.review_on",
        )
    visited_on = london_day(report.visit.visited_at)
    for action in report.actions_promised:
        check_action_due(action.due_on, visited_on, today, "draft.customer_action.due_on")
    return report


def _only(items: list[object], kind: type[T]) -> T:
    [item] = items
    assert isinstance(item, kind)
    return item


def _all(items: list[object], kind: type[T]) -> list[T]:
    return [item for item in items if isinstance(item, kind)]

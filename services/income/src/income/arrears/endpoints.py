"""HTTP routes for arrears cases: the open cases listed (the officer's worklist), the
case, its pre-action protocol, a review, and its possession hearings with what the
court decided."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from hearth_contracts.events.income import ArrearsStage
from hearth_kit.auth import Caller, require_scope
from hearth_kit.db import ReadConnectionDep, SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES
from hearth_kit.responses import model_response
from income.arrears.schemas import (
    CasePublic,
    CaseSummaryPublic,
    CourtHearingCreate,
    CourtHearingPublic,
    CourtOutcomeCorrectionCreate,
    CourtOutcomeCreate,
    NoticePublic,
    NoticeWithdrawal,
    ProtocolUpdate,
)
from income.arrears.service import ArrearsService

router = APIRouter(prefix="/v1/rent-accounts", tags=["arrears"], responses=PROBLEM_RESPONSES)
cases_router = APIRouter(prefix="/v1/arrears-cases", tags=["arrears"], responses=PROBLEM_RESPONSES)
"""Arrears cases across accounts (the worklist); one case is read by its account."""


def arrears_service(request: Request) -> ArrearsService:
    service: ArrearsService = request.app.state.arrears_service
    return service


ArrearsServiceDep = Annotated[ArrearsService, Depends(arrears_service)]
WriterDep = Annotated[Caller, Depends(require_scope("income:write"))]


@cases_router.get("", response_model=Page[CaseSummaryPublic])
async def arrears_cases(
    connection: ReadConnectionDep,
    page: PageDep,
    arrears: ArrearsServiceDep,
    stage: Annotated[
        list[ArrearsStage] | None,
        Query(
            max_length=len(ArrearsStage),
            description="Cases at any of these steps (repeat for more than one); no open "
            "case is at none",
        ),
    ] = None,
    before_the_court: Annotated[
        bool | None,
        Query(
            description="true: cases the court holds (a hearing listed, an adjournment "
            "or a possession order); false: the others"
        ),
    ] = None,
    court_terms_broken: Annotated[
        bool | None,
        Query(
            description="true: cases whose court's latest terms are broken (ADR 0084); "
            "false: the others"
        ),
    ] = None,
) -> Response:
    """Open arrears cases (at a step of the ladder: stage not none) and those of current
    tenancies the court holds at stage none (a hearing listed, an adjournment or a
    possession order: its terms are watched while it lasts, ADR 0084, amended), longest
    at their step first (stage_changed_at, then account_id), a page at a time: the income
    officer's worklist, by step, by the court's hold and by broken court terms. Each
    with its tenancy, step, since when, the court's hold and the day its terms were
    broken; no personal data. 422 naming the query parameter refused."""
    return model_response(
        await arrears.worklist(
            connection,
            page,
            stages=stage or [],
            before_the_court=before_the_court,
            court_terms_broken=court_terms_broken,
        )
    )


@router.get("/{account_id}/arrears-case", response_model=CasePublic)
async def arrears_case(
    account_id: uuid.UUID, session: SessionDep, arrears: ArrearsServiceDep, response: Response
) -> CasePublic:
    """Where the account stands on the arrears ladder, and the pre-action protocol, with
    its ETag (for If-Match on PATCH .../protocol)."""
    case = await arrears.case(session, account_id)
    response.headers["ETag"] = f'"{case.version}"'
    return case


@router.patch("/{account_id}/arrears-case/protocol", response_model=CasePublic)
async def record_protocol(
    account_id: uuid.UUID,
    body: ProtocolUpdate,
    session: SessionDep,
    arrears: ArrearsServiceDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=64)] = None,
) -> CasePublic:
    """Record pre-action protocol steps done (a court step waits for all of them).
    If-Match: the case's ETag (412 when it changed since, 428 without one)."""
    case = await arrears.record_protocol(
        session, account_id, body, if_match=if_match, now=datetime.now(UTC)
    )
    response.headers["ETag"] = f'"{case.version}"'
    return case


@router.post("/{account_id}/arrears-case/review", response_model=CasePublic)
async def review_case(
    account_id: uuid.UUID,
    session: SessionDep,
    idempotency: IdempotencyDep,
    arrears: ArrearsServiceDep,
) -> Response:
    """A review after a vulnerability flag paused automatic letters: steps may go on. A
    retry with the same Idempotency-Key gets the first answer and changes nothing (the
    review's time stays the first one's)."""
    return await idempotency.create(
        session, lambda: arrears.review(session, account_id, datetime.now(UTC)), status_code=200
    )


@router.post(
    "/{account_id}/arrears-case/court-hearings",
    status_code=status.HTTP_201_CREATED,
    response_model=CourtHearingPublic,
)
async def list_court_hearing(
    account_id: uuid.UUID,
    body: CourtHearingCreate,
    officer: WriterDep,  # first: refused before a transaction is opened
    session: SessionDep,
    idempotency: IdempotencyDep,
    arrears: ArrearsServiceDep,
) -> Response:
    """Record a possession hearing the court listed on the case's claim, for the day it
    is listed for (it may be in the future), with the claim's date of issue when the
    listing comes with a claim. A court date in place holds the ladder: no automatic
    letter, notice or court step until it is decided (ADR 0067). A claim issued in a
    notice's six months keeps an introductory or starter tenancy on trial; recorded
    after the trial-end job settled the tenancy, it is kept and `trial_settled_on` says
    so for the officer to review (the settlement is not reversed, ADR 0075). Send an
    Idempotency-Key: a retry records nothing twice. 404 for no arrears case; 409 while
    another hearing of the case is undecided; 422 naming the field refused: listed_for
    more than 12 months after today (London), or before the case's latest hearing, the
    day its latest notice of seeking possession was served or the tenancy's start;
    claim_issued_on in the future, after listed_for, or before that notice or start
    (ADR 0075; rules on today and on what the case holds, which JSON Schema cannot
    state)."""
    return await idempotency.create(
        session,
        lambda: arrears.list_hearing(session, account_id, body, officer.subject, datetime.now(UTC)),
    )


@router.post(
    "/{account_id}/arrears-case/court-hearings/{hearing_id}/outcome",
    response_model=CourtHearingPublic,
)
async def record_court_outcome(
    account_id: uuid.UUID,
    hearing_id: uuid.UUID,
    body: CourtOutcomeCreate,
    officer: WriterDep,  # first: refused before a transaction is opened
    session: SessionDep,
    idempotency: IdempotencyDep,
    arrears: ArrearsServiceDep,
) -> Response:
    """Record what the court decided on a listed hearing and the day it decided (not in
    the future): adjourned, adjourned_on_terms, suspended_possession_order,
    postponed_possession_order, outright_possession_order, dismissed or withdrawn. An
    adjournment or a possession order keeps the ladder held; dismissed or withdrawn ends
    the hold, and ends proceedings that kept a tenancy on trial (ADR 0067). Send an
    Idempotency-Key. 404 for no such hearing on the case; 409 when it is already
    decided; 422 naming the field refused: decided_on in the future, before the notice
    of seeking possession the hearing follows was served or the tenancy's start
    (ADR 0075), or, for an order, terms or a dismissal, before the day listed for."""
    return await idempotency.create(
        session,
        lambda: arrears.record_outcome(
            session, account_id, hearing_id, body, officer.subject, datetime.now(UTC)
        ),
        status_code=200,
    )


@router.post(
    "/{account_id}/arrears-case/court-hearings/{hearing_id}/outcome-correction",
    response_model=CourtHearingPublic,
)
async def correct_court_outcome(
    account_id: uuid.UUID,
    hearing_id: uuid.UUID,
    body: CourtOutcomeCorrectionCreate,
    officer: WriterDep,  # first: refused before a transaction is opened
    session: SessionDep,
    idempotency: IdempotencyDep,
    arrears: ArrearsServiceDep,
) -> Response:
    """Correct the outcome recorded on a decided hearing (keyed wrongly, or the court
    amended its order): the outcome's fields, refused by the same 422s, and a `reason`
    code. The outcome as it was is kept for audit with who corrected it, when and why;
    the next look at the case applies the corrected one (the court's hold, its terms
    watched afresh) (ADR 0086). A dismissal or withdrawal the trial-end job settled the
    tenancy's trial on, corrected to an order, an adjournment or a later day, puts the
    trial back when the settlement no longer stands (tenancy-type-changed, other; ADR
    0093). Send an Idempotency-Key: a retry corrects nothing twice. 404 for no such
    hearing on the case; 409 naming the field: outcome when the hearing is not decided
    yet; hearing_id (path) when a later hearing of the case is recorded (only the latest
    is corrected); decided_on (reason trial_settled) when the correction would date the
    job's settlement earlier than published."""
    return await idempotency.create(
        session,
        lambda: arrears.correct_outcome(
            session, account_id, hearing_id, body, officer.subject, datetime.now(UTC)
        ),
        status_code=200,
    )


@router.post(
    "/{account_id}/arrears-case/notices/{notice_id}/withdrawal",
    response_model=NoticePublic,
)
async def withdraw_notice(
    account_id: uuid.UUID,
    notice_id: uuid.UUID,
    body: NoticeWithdrawal,
    officer: WriterDep,  # first: refused before a transaction is opened
    session: SessionDep,
    idempotency: IdempotencyDep,
    arrears: ArrearsServiceDep,
) -> Response:
    """Record that the landlord withdrew a notice of seeking possession served on the
    case (the case's `notices` give each one's id), and the day. A notice served during
    an introductory or starter tenancy's trial keeps it on trial past its end; withdrawn,
    it keeps it no longer (Housing Act 1996 s.130(2)(a)): the trial-end job makes the
    tenancy secure or assured from the later of the trial's end and the withdrawal
    (ADR 0081). Nor is the case's latest notice live for the arrears ladder from that
    day: no court warning or application on it; the case goes back to letter 2 and a
    fresh notice follows a week later (ADR 0081, amended). Send an
    Idempotency-Key: a retry records nothing twice. 404 for no such notice on the case;
    409 when it is already withdrawn; 422 naming withdrawn_on: in the future (London)
    or before the day the notice was served (rules on today and on what the case
    holds, which JSON Schema cannot state)."""
    return await idempotency.create(
        session,
        lambda: arrears.withdraw_notice(
            session, account_id, notice_id, body, officer.subject, datetime.now(UTC)
        ),
        status_code=200,
    )

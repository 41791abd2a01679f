"""HTTP routes for tenancies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import Caller, require_scope
from hearth_kit.db import ReadConnectionDep, SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES, Forbidden
from hearth_kit.responses import model_response
from income.models import TenancyStatus
from income.tenancies.schemas import (
    TenancyCreate,
    TenancyEnd,
    TenancyPublic,
    TenancyTypeDecision,
    TenancyWithdrawal,
    TenancyWithRentSummary,
)
from income.tenancies.service import tenancy_service

RENT_SUMMARY_SCOPE = "income:read"
"""What `include=rent_summary` needs besides reading tenancies: the scope that reads
a rent account's summary."""

router = APIRouter(prefix="/v1/tenancies", tags=["tenancies"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TenancyPublic)
async def start_tenancy(
    request: Request, body: TenancyCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Start a tenancy and open its rent account (publishes tenancy-started). A start in
    the past, at most the configured weeks back (`backdated_charge_weeks`, 4 by
    default), is charged the rent weeks from its start to the current one as it is
    recorded (rent-free weeks excepted; rent-charged for each), and the answer's
    `backdated_weeks_charged` says how many; an older start is charged none back (ADR
    0112). A tenancy loaded from the old system carries `balance_brought_forward`: the
    balance is posted (opening_balance) and the rent weeks up to its `as_at` are never
    charged again, by the charge back or the rent run (ADR 0132); with it may come
    `arrears_stage_brought_forward`, the ladder's step its recovery had reached, from
    which the arrears case goes on without writing again for a step taken (ADR 0144).
    Its `tenancy_type` is one the landlord's kind (`HEARTH_INCOME_LANDLORD_KIND`) can
    grant, a 422 naming it otherwise (ADR 0150)."""
    settings = request.app.state.account_service.settings
    return await idempotency.create(
        session,
        lambda: tenancy_service.start(
            session,
            body,
            backdated_charge_weeks=settings.backdated_charge_weeks,
            rent_free_weeks=settings.rent_free_weeks,
            landlord_kind=settings.landlord_kind,
        ),
        location=lambda tenancy: f"/v1/tenancies/{tenancy.id}",
    )


@router.get("/{tenancy_id}", response_model=TenancyWithRentSummary)
async def get_tenancy(
    request: Request,
    tenancy_id: uuid.UUID,
    session: SessionDep,
    connection: ReadConnectionDep,
    include: Annotated[
        Literal["rent_summary"] | None,
        Query(
            description="`rent_summary`: the tenancy also carries its rent account's "
            "summary (`rent_summary`), so a composite needs one call, not two"
        ),
    ] = None,
) -> Response:
    """One tenancy by id. `include=rent_summary` also needs the scope `income:read`, as
    on the list."""
    if include is not None:
        _may_read_rent_summaries(request.state.caller)
    tenancy = await tenancy_service.get(session, tenancy_id)
    if include is None or tenancy.rent_account_id is None:
        return model_response(
            tenancy
            if include is None
            else TenancyWithRentSummary.model_construct(**dict(tenancy), rent_summary=None)
        )
    summaries = await request.app.state.account_service.summaries(
        connection, [tenancy.rent_account_id], datetime.now(UTC)
    )
    return model_response(
        TenancyWithRentSummary.model_construct(
            **dict(tenancy), rent_summary=summaries.get(tenancy.rent_account_id)
        )
    )


def _may_read_rent_summaries(caller: Caller) -> None:
    """`include=rent_summary` needs the summary route's own scope (403 naming it)."""
    if RENT_SUMMARY_SCOPE not in caller.scopes:
        raise Forbidden(
            f"include=rent_summary needs the scope {RENT_SUMMARY_SCOPE}, "
            "which the token does not grant",
            required_scopes=[RENT_SUMMARY_SCOPE],
            missing_scopes=[RENT_SUMMARY_SCOPE],
        )


@router.get("", response_model=Page[TenancyWithRentSummary])
async def list_tenancies(
    request: Request,
    connection: ReadConnectionDep,
    page: PageDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    tenancy_status: Annotated[TenancyStatus | None, Query(alias="status")] = None,
    include: Annotated[
        Literal["rent_summary"] | None,
        Query(
            description="`rent_summary`: each tenancy also carries its rent account's "
            "summary (`rent_summary`), read in one more statement for the whole page"
        ),
    ] = None,
) -> Response:
    """Tenancies in reference order, a page at a time; filter by home and status.
    `include=rent_summary` also needs the scope `income:read` (the summary route's), so
    a token that may read tenancies but not rent accounts does not see them this way."""
    if include is None:
        return model_response(
            await tenancy_service.page(connection, page, uprn=uprn, status=tenancy_status)
        )
    _may_read_rent_summaries(request.state.caller)
    return model_response(
        await tenancy_service.page_with_rent_summaries(
            connection,
            page,
            request.app.state.account_service,
            datetime.now(UTC),
            uprn=uprn,
            status=tenancy_status,
        )
    )


@router.post("/{tenancy_id}/end", response_model=TenancyPublic)
async def end_tenancy(
    tenancy_id: uuid.UUID, body: TenancyEnd, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """End a tenancy (publishes tenancy-ended): what is still owed becomes former
    tenant arrears. A retry with the same Idempotency-Key gets the first answer, not a
    409 for a tenancy already ended."""
    return await idempotency.create(
        session,
        lambda: tenancy_service.end(session, tenancy_id, body, datetime.now(UTC)),
        status_code=200,
    )


@router.post("/{tenancy_id}/type-decision", response_model=TenancyPublic)
async def decide_tenancy_type(
    tenancy_id: uuid.UUID,
    body: TenancyTypeDecision,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Confirm an introductory tenancy as secure or assured, or extend it by 6 months
    (publishes tenancy-type-changed). A retry with the same Idempotency-Key gets the
    first answer and publishes nothing."""
    return await idempotency.create(
        session,
        lambda: tenancy_service.decide_type(session, tenancy_id, body, datetime.now(UTC)),
        status_code=200,
    )


@router.post("/{tenancy_id}/trial-reinstatement", response_model=TenancyPublic)
async def reinstate_trial(
    request: Request,
    tenancy_id: uuid.UUID,
    officer: Annotated[Caller, Depends(require_scope("tenancies:write"))],
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Put back on trial an introductory (or starter) tenancy that income's trial-end
    job made secure (or assured) while, in law, it was still on trial: a claim issued
    within the six months of the notice of proceedings served during the trial was
    recorded after the job ran (the case's court hearing shows `trial_settled_on`). The
    type and the trial's end (`introductory_ends_on`) come back as they were; the
    tenancy stays on trial while the proceedings run, and the job settles it again
    when they end in the tenant's favour. Publishes tenancy-type-changed (`other`, back
    to `introductory` or `starter`, effective the day the settlement took effect); who
    did it is kept. No body; send an Idempotency-Key: a retry gets the first answer and
    publishes nothing. 404 for no such tenancy; 409 naming why (`reason`): the tenancy
    has ended, the job did not settle it (`trial_settled_on`; a decision is undone by
    no route), no claim issued within the notice's six months is on record
    (`claim_issued_on`), or the notice was withdrawn or its proceedings ended by the
    day it was settled from (`trial_settled_on`) (ADR 0081)."""
    ladder = request.app.state.arrears_service.settings.ladder
    return await idempotency.create(
        session,
        lambda: tenancy_service.reinstate_trial(
            session, tenancy_id, ladder, officer.subject, datetime.now(UTC)
        ),
        status_code=200,
    )


@router.post("/{tenancy_id}/withdrawal", response_model=TenancyPublic)
async def withdraw_tenancy(
    tenancy_id: uuid.UUID,
    officer: Annotated[Caller, Depends(require_scope("tenancies:write"))],
    session: SessionDep,
    idempotency: IdempotencyDep,
    body: Annotated[TenancyWithdrawal | None, Body()] = None,
) -> Response:
    """Withdraw a tenancy recorded ahead before its first day: the offer fell through and
    the household never moves in (publishes tenancy-withdrawn; ADR 0111). The home is
    free for another tenancy from any day; a charge posted for the week it was to start
    in is reversed whole (`reason` `tenancy_withdrawn`), and no more rent is charged or
    taken; rent paid in advance stays as a credit to return. Who withdrew it is kept.
    The body is optional: `{"reason": ...}` says why (a code in the landlord's words,
    kept and shown as `withdrawal_reason`, not published). Send an Idempotency-Key: a
    retry gets the first answer and publishes nothing. 404 for no such tenancy; 409
    naming why (`reason`): its first day has come (`tenancy_started`: end it instead),
    or it has ended or was withdrawn already."""
    reason = None if body is None else body.reason
    return await idempotency.create(
        session,
        lambda: tenancy_service.withdraw(
            session, tenancy_id, officer.subject, datetime.now(UTC), reason
        ),
        status_code=200,
    )

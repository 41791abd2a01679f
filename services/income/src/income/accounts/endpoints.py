"""HTTP routes for rent and sundry accounts: payments, corrections, write-offs,
statements and the summary shown on every contact."""

from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import HTMLResponse

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import Caller, CallerDep, require_scope
from hearth_kit.db import ReadConnectionDep, SessionDep
from hearth_kit.figures import ISO_DATE, query_day
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES
from hearth_kit.responses import model_response
from income.accounts.schemas import (
    AccountPublic,
    EntryPublic,
    HeldRechargeCharge,
    HeldRechargeChargedPublic,
    HeldRechargesPublic,
    PaymentCreate,
    PostedPublic,
    ReversalCreate,
    StatementPublic,
    SummaryPublic,
    WriteOffCreate,
)
from income.accounts.service import APPROVE_SCOPE, AccountService

router = APIRouter(prefix="/v1/rent-accounts", tags=["rent accounts"], responses=PROBLEM_RESPONSES)
held_recharges_router = APIRouter(
    prefix="/v1/income", tags=["rent accounts"], responses=PROBLEM_RESPONSES
)
"""Accounts found by what they hold rather than by id: under /v1/income, where no path
parameter can shadow them (/v1/rent-accounts/{account_id} would; /v1/recharges/... is
repairs', whose recharges are "held" for a vulnerability, another thing)."""


async def account_service(request: Request) -> AccountService:
    service: AccountService = request.app.state.account_service
    return service


AccountServiceDep = Annotated[AccountService, Depends(account_service)]
ApproverDep = Annotated[Caller, Depends(require_scope(APPROVE_SCOPE))]
WriterDep = Annotated[Caller, Depends(require_scope("income:write"))]
WRITER = [Depends(require_scope("income:write"))]
"""Posting payments and corrections (a write-off needs income:approve instead)."""


@held_recharges_router.get("/held-recharges", response_model=Page[HeldRechargesPublic])
async def held_recharges(
    connection: ReadConnectionDep,
    page: PageDep,
    accounts: AccountServiceDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
) -> Response:
    """Recharges held for a decision: each home's sundry account with no tenancy (a home
    never let, or a recharge dated before its first tenancy) that is still owed
    something, by home, a page at a time, with its balance and its recharges still owed.
    Charge one to a tenancy of the home (`POST /v1/income/held-recharges/{entry_id}/
    charge`) or cancel it by reversing its entry (`POST /v1/rent-accounts/{account_id}/
    entries/{entry_id}/reversal`); once nothing is owed the account leaves the list."""
    return model_response(await accounts.held_recharges(connection, page, uprn=uprn))


@held_recharges_router.post(
    "/held-recharges/{entry_id}/charge",
    status_code=status.HTTP_201_CREATED,
    response_model=HeldRechargeChargedPublic,
)
async def charge_held_recharge(
    entry_id: uuid.UUID,
    body: HeldRechargeCharge,
    officer: WriterDep,  # first: refused before a transaction is opened
    session: SessionDep,
    idempotency: IdempotencyDep,
    accounts: AccountServiceDep,
) -> Response:
    """Decide a held recharge: charge what is still owed on it (`entry_id` from the
    list) to a named tenancy of its home, with a reason in the officer's words. It
    moves, in one transaction, from the held account (a credit reversing it) to the
    tenancy's sundry account, its former tenant arrears once ended. Send an
    Idempotency-Key: a retry charges nothing twice. 404 for no such entry; 409 when the
    entry is not a held recharge or nothing is owed on it (cancelled, paid, charged
    already); 422 naming `tenancy_id` for a tenancy not of the recharge's home."""
    return await idempotency.create(
        session,
        lambda: accounts.charge_held_recharge(
            session, entry_id, body, officer.subject, datetime.now(UTC)
        ),
        location=lambda posted: (
            f"/v1/rent-accounts/{posted.entry.account_id}/entries/{posted.entry.id}"
        ),
    )


@router.get("/{account_id}", response_model=AccountPublic)
async def get_account(
    account_id: uuid.UUID, session: SessionDep, accounts: AccountServiceDep
) -> AccountPublic:
    """An account and its balance (the sum of its entries)."""
    return await accounts.get(session, account_id)


@router.get("/{account_id}/summary", response_model=SummaryPublic)
async def account_summary(
    account_id: uuid.UUID, connection: ReadConnectionDep, accounts: AccountServiceDep
) -> Response:
    """Balance, arrears, weeks in arrears, arrears stage, arrangement and last payment:
    what the person handling any contact sees."""
    return model_response(await accounts.summary(connection, account_id, datetime.now(UTC)))


@router.post(
    "/{account_id}/payments",
    status_code=status.HTTP_201_CREATED,
    response_model=PostedPublic,
    dependencies=WRITER,
)
async def receive_payment(
    account_id: uuid.UUID,
    body: PaymentCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    accounts: AccountServiceDep,
) -> Response:
    """Credit a payment (publishes payment-received). Send an Idempotency-Key: a retry
    posts nothing twice. A payment to an ended tenancy goes to its former tenant
    arrears, or is refused with the reason."""
    return await idempotency.create(
        session,
        lambda: accounts.receive_payment(session, account_id, body, datetime.now(UTC)),
        location=lambda posted: f"/v1/rent-accounts/{account_id}/entries/{posted.entry.id}",
    )


@router.get("/{account_id}/entries/{entry_id}", response_model=EntryPublic)
async def get_entry(
    account_id: uuid.UUID,
    entry_id: uuid.UUID,
    caller: CallerDep,
    session: SessionDep,
    accounts: AccountServiceDep,
) -> EntryPublic:
    """One entry of the account as it was posted (entries never change: a correction is
    another entry naming it in `reverses_entry_id`), where a payment's, a reversal's and
    a held recharge's charge's Location leads (ADR 0181). income:read, as the account
    and its statement; a correction's `reason` on a held account (an officer's own
    words, ADR 0042) only with income:write, else null."""
    return await accounts.entry(
        session, account_id, entry_id, reads_officers_words="income:write" in caller.scopes
    )


@router.post(
    "/{account_id}/entries/{entry_id}/reversal",
    status_code=status.HTTP_201_CREATED,
    response_model=PostedPublic,
)
async def reverse_entry(
    account_id: uuid.UUID,
    entry_id: uuid.UUID,
    body: ReversalCreate,
    caller: WriterDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
    accounts: AccountServiceDep,
) -> Response:
    """Correct a posted entry with a reversing entry (the entry itself never changes).
    A charge taken off a former tenant's account (its tenancy ended) also needs
    income:approve, as a write-off does, and the approver is recorded: else it would
    take former tenant arrears off the books with no approved decision."""
    approver = caller.subject if APPROVE_SCOPE in caller.scopes else None
    return await idempotency.create(
        session,
        lambda: accounts.reverse(
            session, account_id, entry_id, body, datetime.now(UTC), approver=approver
        ),
        location=lambda posted: f"/v1/rent-accounts/{account_id}/entries/{posted.entry.id}",
    )


@router.post(
    "/{account_id}/write-offs", status_code=status.HTTP_201_CREATED, response_model=PostedPublic
)
async def write_off(
    account_id: uuid.UUID,
    body: WriteOffCreate,
    approver: ApproverDep,  # first: refused before a transaction is opened
    session: SessionDep,
    idempotency: IdempotencyDep,
    accounts: AccountServiceDep,
) -> Response:
    """Write off former tenant arrears: an approved decision (scope income:approve) with
    a reason, within the approver's limit (publishes former-tenant-arrears-written-off)."""
    return await idempotency.create(
        session,
        lambda: accounts.write_off(session, account_id, body, approver.subject, datetime.now(UTC)),
    )


@router.get(
    "/{account_id}/statement",
    response_model=StatementPublic,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
async def statement(
    request: Request,
    account_id: uuid.UUID,
    session: SessionDep,
    accounts: AccountServiceDep,
    first: Annotated[
        str,
        Query(alias="from", pattern=ISO_DATE, json_schema_extra={"format": "date"}),
    ],
    last: Annotated[
        str,
        Query(alias="to", pattern=ISO_DATE, json_schema_extra={"format": "date"}),
    ],
    format: Annotated[str | None, Query(pattern="^(json|html)$")] = None,
) -> Response:
    """The account's statement from `from` to `to`, with running balances: JSON, or
    HTML for the tenant (`Accept: text/html` or `?format=html`)."""
    found = await accounts.statement(
        session, account_id, query_day(first, "from"), query_day(last, "to")
    )
    wants_html = format == "html" or (
        format is None and "text/html" in request.headers.get("accept", "")
    )
    if wants_html:
        return HTMLResponse(statement_html(found))
    return Response(found.model_dump_json(by_alias=True), media_type="application/json")


def pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) // 100:,}.{abs(pence) % 100:02d}"


def statement_html(found: StatementPublic) -> str:
    """A plain, printable statement for the tenant (every value escaped)."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(line.effective_on.isoformat())}</td><td>{e(line.description)}</td>"
        f"<td class=n>{pounds(line.debit_pence) if line.debit_pence else ''}</td>"
        f"<td class=n>{pounds(line.credit_pence) if line.credit_pence else ''}</td>"
        f"<td class=n>{pounds(line.balance_pence)}</td></tr>"
        for line in found.lines
    )
    reference = e(found.tenancy_reference or str(found.account_id))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Rent statement {reference}</title>"
        "<style>body{font-family:sans-serif;font-size:1.1rem}table{border-collapse:collapse}"
        "td,th{padding:.3rem .8rem;border-bottom:1px solid #ccc}.n{text-align:right}</style>"
        f"</head><body><h1>Rent statement</h1><p>Tenancy {reference}, "
        f"{e(found.from_.isoformat())} to {e(found.to.isoformat())}</p>"
        "<p>A positive balance is owed to us; a negative balance is in credit.</p>"
        "<table><thead><tr><th>Date</th><th>What</th><th>Charged</th><th>Paid</th>"
        f"<th>Balance</th></tr></thead><tbody><tr><td></td><td>Opening balance</td><td></td>"
        f"<td></td><td class=n>{pounds(found.opening_balance_pence)}</td></tr>{rows}"
        f"<tr><th></th><th>Closing balance</th><th></th><th></th>"
        f"<th class=n>{pounds(found.closing_balance_pence)}</th></tr></tbody></table>"
        "</body></html>"
    )

"""HTTP routes for the programme: a home's checks, the due/overdue/expired lists,
access attempts, contractor assignment and the gas cross-check; and the contractor API
(/v1/contractor/compliance/checks, the paths the gateway publishes), where a contractor
sees and records only the checks assigned to it and every Location and problem names
the contractor's own URL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status

from compliance.checks.schemas import (
    AccessAttemptCreate,
    AccessAttemptPublic,
    AccessAttemptRecord,
    CertificateCreate,
    CertificatePublic,
    CheckPublic,
    ContractorAssignment,
    CrossCheckItem,
    HomeCompliance,
    ListedCheckType,
    ListedStatus,
)
from compliance.checks.service import ProgrammeService, figures, read_home_compliance
from compliance.homes.endpoints import HomeServiceDep
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import Caller, CallerDep
from hearth_kit.db import ReadConnectionDep, SessionDep
from hearth_kit.figures import ISO_DATE, Figures, Period, period_between, query_day
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES, Forbidden
from hearth_kit.responses import model_response
from hearth_kit.working_days import london_day

router = APIRouter(prefix="/v1/compliance", tags=["programme"], responses=PROBLEM_RESPONSES)


async def contractor_caller(caller: CallerDep) -> Caller:
    """The caller of a contractor route: a contractor's token naming its contractor
    (403 for anyone else; staff use the /v1/compliance routes, which see every check)."""
    if caller.contractor_id is None:
        raise Forbidden("Only a contractor's token may use the contractor API")
    return caller


CONTRACTOR_ONLY = [Depends(contractor_caller)]
"""The dependencies of a contractor router."""

contractor_router = APIRouter(
    prefix="/v1/contractor/compliance",
    tags=["contractor"],
    responses=PROBLEM_RESPONSES,
    dependencies=CONTRACTOR_ONLY,
)


async def _service(request: Request) -> ProgrammeService:
    service: ProgrammeService = request.app.state.programme
    return service


ProgrammeDep = Annotated[ProgrammeService, Depends(_service)]


@router.get("/homes/{uprn}", response_model=HomeCompliance)
async def home_checks(
    uprn: Annotated[str, Path(pattern=UPRN_PATTERN)], connection: ReadConnectionDep
) -> Response:
    """Every check of a home (or a block), its status and expiry."""
    return model_response(await read_home_compliance(connection, uprn, datetime.now(UTC)))


CheckTypeQuery = Annotated[
    ListedCheckType | None,
    Query(alias="type", description="A check type; `gas` is the same as `gas_safety`"),
]


@router.get("/checks", response_model=Page[CheckPublic])
async def list_checks(
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    programme: ProgrammeDep,
    status: ListedStatus | None = None,
    check_type: CheckTypeQuery = None,
) -> Page[CheckPublic]:
    """Open checks by the date they must be done by: `due` (inside the lead time),
    `overdue` (past it, with `days_overdue`), `expired` (a certificate lapsed); by type
    (`gas` or `gas_safety` for the gas checks)."""
    return await programme.page(
        session,
        page,
        status=status,
        check_type=None if check_type is None else check_type.check_type,
        caller=caller,
        now=datetime.now(UTC),
    )


@router.get("/checks/{check_id}", response_model=CheckPublic)
async def get_check(
    check_id: uuid.UUID,
    session: SessionDep,
    caller: CallerDep,
    programme: ProgrammeDep,
    response: Response,
) -> CheckPublic:
    """One check, with its ETag (for If-Match on PUT .../contractor)."""
    check = await programme.get(session, check_id, caller, datetime.now(UTC))
    response.headers["ETag"] = f'"{check.version}"'
    return check


def record_access_attempt_at(checks_url: str) -> Callable[..., Coroutine[Any, Any, Response]]:
    """The route that records an attempt to get in, for staff's router or the
    contractor's: the same parse -> service -> shape, the Location naming the check under
    `checks_url` (the URL the caller used)."""

    async def record_access_attempt(
        check_id: uuid.UUID,
        body: AccessAttemptCreate,
        session: SessionDep,
        idempotency: IdempotencyDep,
        caller: CallerDep,
        programme: ProgrammeDep,
    ) -> Response:
        """Record an attempt to get in (when, who, outcome, card left). No access publishes
        access-failed and starts the no-access ladder; access gained stops it."""
        return await idempotency.create(
            session,
            lambda: programme.record_attempt(session, check_id, body, caller, datetime.now(UTC)),
            location=lambda attempt: f"{checks_url}/{check_id}",
        )

    return record_access_attempt


router.add_api_route(
    "/checks/{check_id}/access-attempts",
    record_access_attempt_at("/v1/compliance/checks"),
    methods=["POST"],
    status_code=status.HTTP_201_CREATED,
    response_model=AccessAttemptPublic,
)


@router.get("/checks/{check_id}/access-attempts", response_model=Page[AccessAttemptRecord])
async def list_access_attempts(
    check_id: uuid.UUID, session: SessionDep, page: PageDep, programme: ProgrammeDep
) -> Page[AccessAttemptRecord]:
    """Every attempt to get in recorded at a check, oldest first (when it was made): its
    outcome, attempt number, who recorded it and the contractor whose token did (ADR
    0194). The evidence legal action for access needs, and how a contractor's outcomes
    are checked. 404 for an unknown check."""
    return await programme.attempts(session, check_id, page)


def record_certificate_at(checks_url: str) -> Callable[..., Coroutine[Any, Any, Response]]:
    """The route that records a check's certificate (other than gas), for staff's router
    or the contractor's: the same parse -> service -> shape, the Location naming the check
    under `checks_url` (the URL the caller used)."""

    async def record_certificate(
        check_id: uuid.UUID,
        body: CertificateCreate,
        session: SessionDep,
        idempotency: IdempotencyDep,
        caller: CallerDep,
        programme: ProgrammeDep,
    ) -> Response:
        """Record the certificate of a check other than gas (EICR, fire risk assessment,
        asbestos, water, lift, alarms): the next check follows at the type's interval;
        C1, C2, FI and faulty alarms publish safety-defect-found; publishes check-completed."""
        return await idempotency.create(
            session,
            lambda: programme.record_certificate(
                session, check_id, body, caller, datetime.now(UTC)
            ),
            # the check the certificate completed: a correction's is the cycle it
            # corrects, whichever cycle it was sent to (ADR 0139)
            location=lambda certificate: f"{checks_url}/{certificate.check_id}",
        )

    return record_certificate


router.add_api_route(
    "/checks/{check_id}/certificates",
    record_certificate_at("/v1/compliance/checks"),
    methods=["POST"],
    status_code=status.HTTP_201_CREATED,
    response_model=CertificatePublic,
)


@router.put("/checks/{check_id}/contractor", response_model=CheckPublic)
async def assign_contractor(
    check_id: uuid.UUID,
    body: ContractorAssignment,
    session: SessionDep,
    programme: ProgrammeDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=64)] = None,
) -> CheckPublic:
    """Give an open check to a contractor (its engineers may then record it). If-Match:
    the check's ETag (412 when it changed since, 428 without one)."""
    check = await programme.assign_contractor(
        session, check_id, body.contractor_id, if_match=if_match, now=datetime.now(UTC)
    )
    response.headers["ETag"] = f'"{check.version}"'
    return check


# The contractor's routes run staff's functions; what differs is the router (the
# contractor's refuses any other caller), the Location URL and the operation's name and
# description. The service keeps a contractor to the checks assigned to it.
contractor_router.add_api_route(
    "/checks",
    list_checks,
    methods=["GET"],
    response_model=Page[CheckPublic],
    name="list_contractor_checks",
    description=(
        "The open checks assigned to the calling contractor, by the date they must be done\n"
        "by: all of them, or `due`, `overdue` or `expired`; by type (`gas` for the gas checks).\n"
        "How a contractor's system learns the checks it has been given."
    ),
)
contractor_router.add_api_route(
    "/checks/{check_id}",
    get_check,
    methods=["GET"],
    response_model=CheckPublic,
    name="get_contractor_check",
    description="One check assigned to the calling contractor (another's is a 404).",
)
contractor_router.add_api_route(
    "/checks/{check_id}/access-attempts",
    record_access_attempt_at("/v1/contractor/compliance/checks"),
    methods=["POST"],
    status_code=status.HTTP_201_CREATED,
    response_model=AccessAttemptPublic,
    name="record_contractor_access_attempt",
    description=(
        "Record an attempt to get in at a check assigned to the calling contractor;\n"
        "Location: the check at the contractor's URL."
    ),
)
contractor_router.add_api_route(
    "/checks/{check_id}/certificates",
    record_certificate_at("/v1/contractor/compliance/checks"),
    methods=["POST"],
    status_code=status.HTTP_201_CREATED,
    response_model=CertificatePublic,
    name="record_contractor_certificate",
    description=(
        "Record the certificate of a check (other than gas) assigned to the calling\n"
        "contractor; Location: the check at the contractor's URL."
    ),
)


@router.get("/cross-check", response_model=Page[CrossCheckItem])
async def cross_check(
    session: SessionDep, page: PageDep, homes: HomeServiceDep
) -> Page[CrossCheckItem]:
    """Homes with gas in the register that need a gas check, and blocks with a
    communal boiler, with none in the programme."""
    return await homes.cross_check(session, page)


def figures_period(
    first: Annotated[
        str | None,
        Query(
            alias="from",
            pattern=ISO_DATE,
            json_schema_extra={"format": "date"},
            description="The period's first day (YYYY-MM-DD; default: a year before `to`)",
        ),
    ] = None,
    last: Annotated[
        str | None,
        Query(
            alias="to",
            pattern=ISO_DATE,
            json_schema_extra={"format": "date"},
            description="The period's last day, included (YYYY-MM-DD; default: today); "
            "not before `from`",
        ),
    ] = None,
) -> Period:
    """The period of the figures, read as the kit's PeriodDep reads it (ISO dates only;
    a bad date is a 422 naming `from` or `to`, `to` before `from` a 422 naming `to`),
    except that both are optional here: `to` defaults to today and `from` to a year
    before `to`."""
    end = query_day(last, "to") if last is not None else london_day(datetime.now(UTC))
    start = query_day(first, "from") if first is not None else end - timedelta(days=364)
    return period_between(start, end)


@router.get("/figures", response_model=Figures, response_model_by_alias=True)
async def compliance_figures(
    session: SessionDep, period_: Annotated[Period, Depends(figures_period)]
) -> Figures:
    """BS01 (gas) and BS02 to BS05 (fire, asbestos, water, lifts) where there is data,
    overdue checks by age band, the first-time access rate, certificates due in 30, 60
    and 90 days."""
    return await figures(session, period_, datetime.now(UTC))

"""HTTP routes for gas safety records: staff's (/v1/gas-safety-records) and a
contractor's (/v1/contractor/gas-safety-records, the paths the gateway publishes),
where a contractor records the checks assigned to it and reads back only its own
records, and every Location and problem names the contractor's own URL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from compliance.checks.endpoints import CONTRACTOR_ONLY
from compliance.gas_safety_records.schemas import GasSafetyRecordCreate, GasSafetyRecordPublic
from compliance.gas_safety_records.service import GasSafetyRecordService
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import CallerDep
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES
from hearth_kit.working_days import london_day

router = APIRouter(
    prefix="/v1/gas-safety-records", tags=["gas safety records"], responses=PROBLEM_RESPONSES
)


def _service(request: Request) -> GasSafetyRecordService:
    service: GasSafetyRecordService = request.app.state.gas_safety_record_service
    return service


RecordServiceDep = Annotated[GasSafetyRecordService, Depends(_service)]

contractor_router = APIRouter(
    prefix="/v1/contractor/gas-safety-records",
    tags=["contractor"],
    responses=PROBLEM_RESPONSES,
    dependencies=CONTRACTOR_ONLY,
)


def record_gas_safety_check_at(
    records_url: str,
) -> Callable[..., Coroutine[Any, Any, Response]]:
    """The route that records a landlord gas safety record, for staff's router or the
    contractor's: the same parse -> service -> shape, the Location naming the record
    under `records_url` (the URL the caller used)."""

    async def record_gas_safety_check(
        body: GasSafetyRecordCreate,
        session: SessionDep,
        idempotency: IdempotencyDep,
        caller: CallerDep,
        records: RecordServiceDep,
    ) -> Response:
        """Record a landlord gas safety record: the new expiry follows the 2-month rule;
        publishes check-completed, and safety-defect-found for each immediately dangerous
        or at-risk defect and each faulty or missing alarm. A contractor may record only
        the checks assigned to it."""
        return await idempotency.create(
            session,
            lambda: records.record(session, body, caller, datetime.now(UTC)),
            location=lambda record: f"{records_url}/{record.id}",
        )

    return record_gas_safety_check


async def get_gas_safety_record(
    record_id: uuid.UUID, session: SessionDep, caller: CallerDep, records: RecordServiceDep
) -> GasSafetyRecordPublic:
    """One gas safety record, with when its household copy was sent."""
    return await records.get(session, record_id, caller, datetime.now(UTC))


async def list_gas_safety_records(
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    records: RecordServiceDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
) -> Page[GasSafetyRecordPublic]:
    """Gas safety records, newest first, by home."""
    return await records.page(
        session, page, uprn=uprn, caller=caller, today=london_day(datetime.now(UTC))
    )


# Staff's routes and the contractor's run the same functions; what differs is the
# router (the contractor's refuses any other caller), the Location URL and the
# operation's name and description. The service keeps a contractor to its own checks
# and records.
router.add_api_route(
    "",
    record_gas_safety_check_at("/v1/gas-safety-records"),
    methods=["POST"],
    status_code=status.HTTP_201_CREATED,
    response_model=GasSafetyRecordPublic,
)
router.add_api_route(
    "/{record_id}",
    get_gas_safety_record,
    methods=["GET"],
    response_model=GasSafetyRecordPublic,
)
router.add_api_route(
    "", list_gas_safety_records, methods=["GET"], response_model=Page[GasSafetyRecordPublic]
)

contractor_router.add_api_route(
    "",
    record_gas_safety_check_at("/v1/contractor/gas-safety-records"),
    methods=["POST"],
    status_code=status.HTTP_201_CREATED,
    response_model=GasSafetyRecordPublic,
    name="record_contractor_gas_safety_check",
    description=(
        "Record a landlord gas safety record for a home whose open gas check is assigned to\n"
        "the calling contractor (else a 422 naming `uprn`, the same whether the home is\n"
        "registered or not); Location: the record at the contractor's URL."
    ),
)
contractor_router.add_api_route(
    "/{record_id}",
    get_gas_safety_record,
    methods=["GET"],
    response_model=GasSafetyRecordPublic,
    name="get_contractor_gas_safety_record",
    description="One of the calling contractor's own gas safety records (another's is a 404).",
)
contractor_router.add_api_route(
    "",
    list_gas_safety_records,
    methods=["GET"],
    response_model=Page[GasSafetyRecordPublic],
    name="list_contractor_gas_safety_records",
    description="The calling contractor's own gas safety records, newest first, by home.",
)

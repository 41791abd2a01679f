"""HTTP routes for the asset register: homes, blocks, estates and the stock import."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status

from compliance.homes.schemas import (
    ESTATE_ID_PATTERN,
    BlockCreate,
    BlockPublic,
    BlockUpdate,
    EstateCreate,
    EstatePublic,
    HomeCreate,
    HomePublic,
    HomeUpdate,
    HomeWithComplianceStatus,
    ImportResult,
)
from compliance.homes.service import HomeService, read_home, read_home_with_compliance_status
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import Caller, CallerDep
from hearth_kit.db import ReadConnectionDep, SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES, Forbidden, Unprocessable
from hearth_kit.responses import model_response

router = APIRouter(tags=["homes"], responses=PROBLEM_RESPONSES)

UprnPath = Annotated[str, Path(pattern=UPRN_PATTERN, description="The home's UPRN")]

COMPLIANCE_STATUS_SCOPE = "compliance:read"
"""What `include=compliance_status` needs besides reading the register: the scope of
`GET /v1/compliance/homes/{uprn}`, whose answer it carries."""


async def _service(request: Request) -> HomeService:
    service: HomeService = request.app.state.home_service
    return service


HomeServiceDep = Annotated[HomeService, Depends(_service)]


@router.post("/v1/homes", status_code=status.HTTP_201_CREATED, response_model=HomePublic)
async def register_home(
    body: HomeCreate, session: SessionDep, idempotency: IdempotencyDep, homes: HomeServiceDep
) -> Response:
    """Register a home in the asset register, raising the checks its assets need
    (publishes property-registered)."""
    return await idempotency.create(
        session,
        lambda: homes.register(session, body, datetime.now(UTC)),
        location=lambda home: f"/v1/homes/{home.uprn}",
    )


@router.post(
    "/v1/homes/import",
    response_model=ImportResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "A homes file: a header row naming the columns, then one home a row",
        }
    },
)
async def import_homes(
    request: Request, session: SessionDep, idempotency: IdempotencyDep, homes: HomeServiceDep
) -> Response:
    """Import a stock file (CSV). Each bad row is reported with its line number and
    reason and the rest go in; a home already registered as the row says is left
    alone, so the same file twice changes nothing. A retry with the same
    Idempotency-Key and the same file bytes gets the first answer (its counts and
    errors) without reading the file again; another file with that key is a 422."""
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable("The file is not UTF-8 text", field="file") from exc
    return await idempotency.create(
        session, lambda: homes.import_file(session, text, datetime.now(UTC)), status_code=200
    )


@router.get(
    "/v1/homes/{uprn:uprn}",
    response_model=HomeWithComplianceStatus,
    responses={
        403: {
            "description": "`include=compliance_status` without the scope `compliance:read` "
            "(problem details: `missing_scopes` names it)"
        }
    },
)
async def get_home(
    uprn: UprnPath,
    connection: ReadConnectionDep,
    caller: CallerDep,
    include: Annotated[
        Literal["compliance_status"] | None,
        Query(
            description="`compliance_status`: the home also carries its compliance status "
            "(`compliance_status`, what GET /v1/compliance/homes/{uprn} answers), so a "
            "composite needs one call, not two; needs the scope `compliance:read` too"
        ),
    ] = None,
) -> Response:
    """One home by UPRN, with its ETag (for If-Match on PATCH). `include=compliance_status`
    also needs the scope `compliance:read` (the compliance status route's), so a token
    that may read the register but not the programme does not see it this way."""
    if include is None:
        home = await read_home(connection, uprn)
        return model_response(home, headers={"ETag": f'"{home.version}"'})
    _may_read_compliance_status(caller)
    with_status = await read_home_with_compliance_status(connection, uprn, datetime.now(UTC))
    return model_response(with_status, headers={"ETag": f'"{with_status.version}"'})


def _may_read_compliance_status(caller: Caller) -> None:
    """`include=compliance_status` needs the status route's own scope (403 naming it)."""
    if COMPLIANCE_STATUS_SCOPE not in caller.scopes:
        raise Forbidden(
            f"include=compliance_status needs the scope {COMPLIANCE_STATUS_SCOPE}, "
            "which the token does not grant",
            required_scopes=[COMPLIANCE_STATUS_SCOPE],
            missing_scopes=[COMPLIANCE_STATUS_SCOPE],
        )


@router.patch("/v1/homes/{uprn:uprn}", response_model=HomePublic)
async def update_home(
    uprn: UprnPath,
    body: HomeUpdate,
    session: SessionDep,
    homes: HomeServiceDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=64)] = None,
) -> HomePublic:
    """Change a home's entry (If-Match: its ETag; 412 when it changed since, 428
    without one); publishes property-updated with the whole entry."""
    home = await homes.update(session, uprn, body, if_match=if_match, now=datetime.now(UTC))
    response.headers["ETag"] = f'"{home.version}"'
    return home


@router.get("/v1/homes", response_model=Page[HomePublic])
async def list_homes(
    session: SessionDep,
    page: PageDep,
    homes: HomeServiceDep,
    postcode: Annotated[str | None, Query(max_length=8)] = None,
) -> Page[HomePublic]:
    """Homes in UPRN order, a page at a time."""
    return await homes.page(session, page, postcode=postcode)


@router.post("/v1/blocks", status_code=status.HTTP_201_CREATED, response_model=BlockPublic)
async def register_block(
    body: BlockCreate, session: SessionDep, idempotency: IdempotencyDep, homes: HomeServiceDep
) -> Response:
    """Register a block (its own UPRN); its communal checks join the programme."""
    return await idempotency.create(
        session,
        lambda: homes.register_block(session, body, datetime.now(UTC)),
        location=lambda block: f"/v1/blocks/{block.uprn}",
    )


@router.get("/v1/blocks/{uprn}", response_model=BlockPublic)
async def get_block(
    uprn: UprnPath, session: SessionDep, homes: HomeServiceDep, response: Response
) -> BlockPublic:
    """One block by UPRN, with its ETag (for If-Match on PATCH)."""
    block = await homes.get_block(session, uprn)
    response.headers["ETag"] = f'"{block.version}"'
    return block


@router.patch("/v1/blocks/{uprn}", response_model=BlockPublic)
async def update_block(
    uprn: UprnPath,
    body: BlockUpdate,
    session: SessionDep,
    homes: HomeServiceDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=64)] = None,
) -> BlockPublic:
    """Correct a block's entry (If-Match: its ETag; 412 when it changed since, 428
    without one); a communal boiler or lift added or taken away brings its communal
    checks in line."""
    block = await homes.update_block(session, uprn, body, if_match=if_match, now=datetime.now(UTC))
    response.headers["ETag"] = f'"{block.version}"'
    return block


@router.post("/v1/estates", status_code=status.HTTP_201_CREATED, response_model=EstatePublic)
async def register_estate(
    body: EstateCreate, session: SessionDep, idempotency: IdempotencyDep, homes: HomeServiceDep
) -> Response:
    """Register an estate (a code and a name)."""
    return await idempotency.create(
        session,
        lambda: homes.register_estate(session, body),
        location=lambda estate: f"/v1/estates/{estate.id}",
    )


@router.get("/v1/estates/{estate_id}", response_model=EstatePublic)
async def get_estate(
    estate_id: Annotated[str, Path(max_length=64, pattern=ESTATE_ID_PATTERN)],
    session: SessionDep,
    homes: HomeServiceDep,
) -> EstatePublic:
    """One estate by its code (a code no estate can have, NUL in it say, is a 422 naming
    estate_id before the database is asked)."""
    return await homes.get_estate(session, estate_id)

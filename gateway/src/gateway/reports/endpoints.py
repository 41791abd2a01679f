"""Reports: the regulator's Tenant Satisfaction Measures."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from gateway.auth import AUTH_RESPONSES, Principal, require_scopes
from gateway.clients import DownstreamsDep
from gateway.reports.schemas import TsmReport
from gateway.reports.service import report_csv, tsm_report_service

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=AUTH_RESPONSES)

CSV = "text/csv"
JSON = "application/json"
WEIGHT = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")
"""A weight as RFC 9110 (12.4.2) writes it: 0 to 1, at most three decimals."""


def _quality(accept: str, media_type: str) -> tuple[float, int, int]:
    """How much an Accept header wants `media_type` (RFC 9110, 12.5.1): the q of the most
    specific range matching it (`text/csv` over `text/*` over `*/*`), with that range's
    specificity (2, 1, 0; -1 for none) and its position, earlier first (0 for none). A
    range without q is 1; a q that is not a weight (0 to 1, at most three decimals)
    counts as 0."""
    kind = media_type.split("/")[0]
    best: tuple[float, int, int] = (0.0, -1, 0)
    for position, item in enumerate(accept.split(",")):
        name, *parameters = (part.strip() for part in item.split(";"))
        name = name.lower()
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(name)
        if specificity is None or specificity < best[1]:
            continue
        q = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                # RFC 9110 12.4.2's weight only: float() took "2", "inf" and "nan", so an
                # out-of-range q outbid a real 1 and NaN lost every comparison.
                q = float(value.strip()) if WEIGHT.fullmatch(value.strip()) else 0.0
        if specificity > best[1]:
            best = (q, specificity, -position)
    return best


def wants_csv(accept: str) -> bool:
    """Whether an Accept header prefers CSV to JSON: CSV's q higher than JSON's, or as
    high and named more specifically or first (`text/csv, application/json`). Without
    Accept, or with `*/*` alone, JSON; CSV with q=0 is never chosen."""
    csv_q = _quality(accept, CSV)
    json_q = _quality(accept, JSON)
    return csv_q[0] > 0 and csv_q > json_q


@router.get(
    "/tsm",
    response_model=TsmReport,
    response_model_by_alias=True,
    responses={
        200: {
            "content": {
                CSV: {
                    "schema": {"type": "string"},
                    "example": "code,description,numerator,denominator,per,value,source,"
                    "status,stock\r\n"
                    "RP02.1,Non-emergency responsive repairs completed within target,80,100,1,0.8,"
                    "repairs,reported,LCRA\r\n"
                    "TP01,,,,1,,engagement,unavailable,LCRA\r\n"
                    "TP01,,,,1,,engagement,unavailable,LCHO\r\n",
                }
            },
            "description": "The report, as JSON or (Accept: text/csv or ?format=csv) CSV",
        }
    },
)
async def tenant_satisfaction_measures(
    request: Request,
    response: Response,
    downstreams: DownstreamsDep,
    caller: Annotated[Principal, Depends(require_scopes("reports:read"))],
    year: Annotated[
        str,
        Query(
            pattern=r"^[0-9]{4}-[0-9]{2}$",
            description="The reporting year, 1 April to 31 March (London): 2026-27. From "
            "2023-24, when the measures began, to the year under way (reported to date); "
            "a year that has not begun is a 422",
            examples=["2026-27"],
        ),
    ],
    format: Annotated[
        Literal["json", "csv"] | None,
        Query(description="csv for a spreadsheet (the same as Accept: text/csv)"),
    ] = None,
) -> Response | TsmReport:
    """RP02, BS01 to BS05, CH01, CH02 and TP01 to TP12 for the year, each with its
    numerator and denominator, from the figures of the service that counts it (repairs,
    compliance, engagement). Each measure's `status` says whether it was reported; the
    codes that were not are listed in `missing`, the services that did not answer in
    `degraded`. Shared ownership's own CH01, CH02, TP01 and TP05 to TP12 (low cost home
    ownership) are apart in `low_cost_home_ownership`, and in the CSV the rows whose
    `stock` is LCHO (the others LCRA). Scope `reports:read`."""
    report = await tsm_report_service.get(downstreams, year, caller)
    # One address, two representations chosen by Accept: a cache must key on it.
    response.headers["Vary"] = "Accept"
    if format == "csv" or (format is None and wants_csv(request.headers.get("accept", ""))):
        return Response(
            report_csv(report),
            media_type=f"{CSV}; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="tsm-{year}.csv"',
                "Vary": "Accept",
            },
        )
    return report

"""Reports: the regulator's Tenant Satisfaction Measures."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from gateway.auth import AUTH_RESPONSES, Principal, require_scopes
from gateway.clients import DownstreamsDep
from gateway.reports.schemas import TsmReport
from gateway.reports.service import report_csv, tsm_report_service

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=AUTH_RESPONSES)

CSV = "text/csv"


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
    wants_csv = format == "csv" or (
        format is None and CSV in request.headers.get("accept", "").split(";")[0]
    )
    if wants_csv:
        return Response(
            report_csv(report),
            media_type=f"{CSV}; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="tsm-{year}.csv"',
                "Vary": "Accept",
            },
        )
    return report

"""The Tenant Satisfaction Measures report: every service's figures for the year, asked
at once, and the regulator's codes picked out of them.

Each service answers `hearth_kit.figures.Figures` from `GET /v1/<service>/figures?from=
&to=`; a measure is taken from whichever service reports its code (repairs RP02,
compliance BS, engagement CH and TP). A service that does not answer is named in
`degraded`, and the codes nobody reported in `missing`: the report never invents a
figure.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date

from gateway.auth import Principal
from gateway.clients import Downstreams
from gateway.fan_out import Answer, degraded_services, fetch_object
from gateway.reports.schemas import TSM_CODES, TsmMeasure, TsmReport
from hearth_contracts.topics import SERVICES, Service
from hearth_kit.problems import Unprocessable

FIGURES_PATHS: dict[Service, str] = {service: f"/v1/{service}/figures" for service in SERVICES}


def reporting_year(year: str) -> tuple[date, date]:
    """The first and last day of a reporting year written `2026-27` (1 April 2026 to
    31 March 2027); Unprocessable naming `year` otherwise."""
    first, _, second = year.partition("-")
    if not (len(first) == 4 and first.isdigit() and len(second) == 2 and second.isdigit()):
        raise Unprocessable(
            "year is a reporting year written like 2026-27", field="year", location="query"
        )
    start = int(first)
    if (start + 1) % 100 != int(second):
        raise Unprocessable(
            f"A reporting year runs from April to March: {first}-{(start + 1) % 100:02d}",
            field="year",
            location="query",
        )
    return date(start, 4, 1), date(start + 1, 3, 31)


class TsmReportService:
    async def get(self, downstreams: Downstreams, year: str, caller: Principal) -> TsmReport:
        start, end = reporting_year(year)
        period = {"from": start.isoformat(), "to": end.isoformat()}
        answers: list[Answer] = await asyncio.gather(
            *(
                fetch_object(downstreams, caller, service, path, route=path, params=period)
                for service, path in FIGURES_PATHS.items()
            )
        )
        found: dict[str, TsmMeasure] = {}
        for answer in answers:
            measures = (answer.value or {}).get("measures") if answer.value else None
            for measure in measures if isinstance(measures, list) else []:
                code = measure.get("code") if isinstance(measure, dict) else None
                if code in TSM_CODES and code not in found:
                    found[code] = TsmMeasure(
                        code=code,
                        description=measure.get("description"),
                        numerator=measure.get("numerator"),
                        denominator=measure.get("denominator"),
                        per=measure.get("per") or 1,
                        value=measure.get("value"),
                        source=answer.service,
                    )
        measures = [
            found.get(code)
            or TsmMeasure(
                code=code,
                description=None,
                numerator=None,
                denominator=None,
                value=None,
                source=None,
            )
            for code in TSM_CODES
        ]
        return TsmReport(
            year=year,
            from_=start,
            to=end,
            measures=measures,
            missing=[code for code in TSM_CODES if code not in found],
            degraded=degraded_services(*answers),
        )


CSV_COLUMNS = ("code", "description", "numerator", "denominator", "per", "value", "source")


def report_csv(report: TsmReport) -> str:
    """The report as CSV: one row per measure, numerator and denominator included."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for measure in report.measures:
        row = measure.model_dump()
        writer.writerow(["" if row[column] is None else row[column] for column in CSV_COLUMNS])
    return out.getvalue()


tsm_report_service = TsmReportService()

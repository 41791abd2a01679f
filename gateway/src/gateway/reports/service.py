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
from datetime import UTC, date, datetime

from gateway.auth import Principal
from gateway.clients import Downstreams
from gateway.fan_out import Answer, degraded_services, fetch_object
from gateway.reports.schemas import TSM_CODES, TsmMeasure, TsmReport
from hearth_contracts.topics import SERVICES, Service
from hearth_kit.problems import Unprocessable
from hearth_kit.working_days import london_day

FIGURES_PATHS: dict[Service, str] = {service: f"/v1/{service}/figures" for service in SERVICES}


FIRST_YEAR = 2023
"""The first reporting year of the measures: the regulator's Tenant Satisfaction
Measures Standard applies from 1 April 2023 (2023-24)."""


def reporting_year(year: str, today: date) -> tuple[date, date]:
    """The first and last day of a reporting year written `2026-27` (1 April 2026 to
    31 March 2027, London days); Unprocessable naming `year` otherwise, and for a year
    before the measures began (2023-24) or one that has not begun by London's `today`:
    the services would answer it with zeros, and compliance with today's building
    safety shares (it counts those as at the year's end or today, whichever is
    earlier), under a year with no figures yet. A year under way is reported to date."""
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
    if start < FIRST_YEAR:
        raise Unprocessable(
            f"The Tenant Satisfaction Measures begin with {FIRST_YEAR}-{(FIRST_YEAR + 1) % 100}",
            field="year",
            location="query",
        )
    begins = date(start, 4, 1)
    if begins > today:
        raise Unprocessable(
            "That reporting year has not begun: it has no figures yet",
            field="year",
            location="query",
        )
    return begins, date(start + 1, 3, 31)


class TsmReportService:
    async def get(self, downstreams: Downstreams, year: str, caller: Principal) -> TsmReport:
        start, end = reporting_year(year, london_day(datetime.now(UTC)))
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

"""The Tenant Satisfaction Measures report: the figures for the year of the services
that count the measures, asked at once, and the regulator's codes picked out of them.

Each service answers `hearth_kit.figures.Figures` from `GET /v1/<service>/figures?from=
&to=`; a measure is taken from the service that counts it (repairs RP02, compliance BS,
engagement CH and TP), and only those three are asked. A service that does not answer
(or answers figures of the wrong shape: of another period, or a measure whose numerator,
denominator, scale and value disagree, docs/adr/0187) is named in `degraded` and its
measures are `unavailable`; a code its service answered without is `not_reported`; both
are listed in `missing` with null figures: the report never invents a figure.

Engagement's figures also carry the shared owners' own measures
(`low_cost_home_ownership.measures`: CH01, CH02, TP01, TP05 to TP12 of low cost home
ownership), which the report gives apart, in its own section and as the CSV's `LCHO`
rows, by the same rules (docs/adr/0091).
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

from gateway.auth import Principal
from gateway.clients import Downstreams
from gateway.fan_out import Answer, degraded_services, fetch_object, unanswered
from gateway.reports.schemas import (
    LCHO_CODES,
    TSM_CODES,
    LowCostHomeOwnership,
    TsmMeasure,
    TsmReport,
    counted_by,
    scale_of,
)
from hearth_contracts.topics import Service
from hearth_kit.figures import Measure
from hearth_kit.problems import Unprocessable
from hearth_kit.working_days import london_day

TSM_SOURCES: tuple[Service, ...] = tuple(dict.fromkeys(counted_by(code) for code in TSM_CODES))
"""The services that count the measures, the only ones asked: a report is not partial
because income or visits, which count none, did not answer."""
FIGURES_PATHS: dict[Service, str] = {service: f"/v1/{service}/figures" for service in TSM_SOURCES}


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
    digits = first.isascii() and second.isascii() and first.isdigit() and second.isdigit()
    if not (digits and len(first) == 4 and len(second) == 2):
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


@dataclass(frozen=True)
class Counted:
    """A service's measures by code: the low cost rental ones (its `measures`) and the
    shared owners' (`low_cost_home_ownership.measures`: engagement's; none from a
    service that answered without them)."""

    rental: dict[str, Measure]
    shared_owners: dict[str, Measure]


def _by_code(measures: Any, reported: tuple[str, ...]) -> dict[str, Measure] | None:
    """A list of measures by code, or None when it is not a list of
    `hearth_kit.figures.Measure` or holds one of the `reported` codes twice: which of the
    two is the measure the report cannot tell, and taking either would be a figure the
    service may not mean (docs/adr/0187). Of a service's own codes, which the report does
    not show, the first is kept."""
    if not isinstance(measures, list):
        return None
    try:
        parsed = [Measure.model_validate(measure) for measure in measures]
    except ValueError:
        return None
    by_code: dict[str, Measure] = {}
    for measure in parsed:
        if measure.code in reported and measure.code in by_code:
            return None
        by_code.setdefault(measure.code, measure)
    return by_code


ROUNDING = Fraction(1, 20_000)
"""How far a service's `value` may be from numerator x per / denominator: half the
fourth decimal place it is rounded to (either way at a tie). Compared exactly, the value
as the service wrote it (its shortest decimal) against the exact quotient: in floats a
tie over 1,000 per 1,000 homes (263 complaints of 256 homes, 1027.34375, written
1027.3438) is a float's error past half the fourth place, and its service was degraded
for a figure rounded as the kit rounds it (hearth_kit.figures.to_four_places)."""


def inconsistency(code: str, measure: Measure) -> str | None:
    """Why a service's measure under a regulator's code is not that measure's figure, or
    None when it is: every measure of the report is a ratio (a plain count has no
    denominator to report), of counts that are not negative, on the code's scale
    (scale_of: CH01 per 1,000 homes, the rest shares, whose numerator is part of the
    denominator), and its value is numerator x per / denominator to 4 decimal places
    (null when the denominator is 0). The report passes figures on, never works them out
    again: one whose parts disagree would be shown as reported with no way to tell which
    part is wrong, so its service is degraded instead (docs/adr/0187)."""
    numerator, denominator = measure.numerator, measure.denominator
    if denominator is None:
        return "a count without a denominator"
    if numerator < 0 or denominator < 0:
        return "a negative count"
    if measure.per != scale_of(code):
        return f"per {measure.per}, not {scale_of(code)}"
    if measure.per == 1 and numerator > denominator:
        return "a numerator larger than its denominator"
    if denominator == 0:
        return None if measure.value is None else "a value over a denominator of 0"
    if measure.value is None:
        return "no value over a denominator that is not 0"
    if not math.isfinite(measure.value):
        return "a value that is not a number"
    written = Fraction(repr(measure.value))
    if abs(written - Fraction(numerator * measure.per, denominator)) > ROUNDING:
        return "a value that is not numerator x per / denominator"
    return None


def _inconsistent(counted: dict[str, Measure], codes: tuple[str, ...]) -> str | None:
    """The first of `codes` whose measure is inconsistent, with why; None when none is."""
    for code in codes:
        measure = counted.get(code)
        reason = None if measure is None else inconsistency(code, measure)
        if reason is not None:
            return f"{code}: {reason}"
    return None


def _counted_by(service: Service, codes: tuple[str, ...]) -> tuple[str, ...]:
    """The report's `codes` the service counts (schemas.counted_by): the only ones of its
    figures the report shows."""
    return tuple(code for code in codes if counted_by(code) == service)


def _with_measures(answer: Answer, period: dict[str, str]) -> Answer:
    """A service's answer as its measures by code (`Counted`), or unanswered when its
    figures are not of that shape: a count that is not a whole number, say, degrades
    the service rather than failing the report. So do figures of another period than the
    year asked (`from`, `to`), and a regulator's code it counts (counted_by) answered
    twice or with figures that disagree with each other (inconsistency): either would be
    a wrong figure shown as reported. A code another service counts is never shown from
    this one's figures, so it is no more checked than the service's own codes. A service
    that answers without the shared owners' section has none of their measures (they are
    not_reported); one whose section is of the wrong shape is degraded, as for any other
    measure."""
    if not answer.answered:
        return answer
    route = FIGURES_PATHS[answer.service]
    value = answer.value if isinstance(answer.value, dict) else {}
    if not isinstance(value.get("measures"), list):
        return unanswered(answer.service, route, "figures without a list of measures")
    if (value.get("from"), value.get("to")) != (period["from"], period["to"]):
        return unanswered(answer.service, route, "figures of another period than the year")
    counts = _counted_by(answer.service, TSM_CODES)
    counts_for_shared_owners = _counted_by(answer.service, LCHO_CODES)
    rental = _by_code(value["measures"], counts)
    if rental is None:
        return unanswered(answer.service, route, "a measure of the wrong shape")
    section = value.get("low_cost_home_ownership")
    shared_owners: dict[str, Measure] | None = {}
    if section is not None:
        shared_owners = (
            _by_code(section.get("measures"), counts_for_shared_owners)
            if isinstance(section, dict)
            else None
        )
    if shared_owners is None:
        return unanswered(
            answer.service, route, "a low cost home ownership section of the wrong shape"
        )
    inconsistent = _inconsistent(rental, counts) or _inconsistent(
        shared_owners, counts_for_shared_owners
    )
    if inconsistent is not None:
        return unanswered(answer.service, route, f"figures that disagree ({inconsistent})")
    return replace(answer, value=Counted(rental, shared_owners))


def _measure(code: str, counted: dict[Service, dict[str, Measure]]) -> TsmMeasure:
    """The code's row: from the service that counts it, or null figures saying why."""
    source = counted_by(code)
    measure = counted[source].get(code) if source in counted else None
    if measure is None:
        return TsmMeasure(
            code=code,
            description=None,
            numerator=None,
            denominator=None,
            per=scale_of(code),
            value=None,
            source=source,
            status="not_reported" if source in counted else "unavailable",
        )
    return TsmMeasure(
        code=code,
        description=measure.description,
        numerator=measure.numerator,
        denominator=measure.denominator,
        per=measure.per,
        value=measure.value,
        source=source,
        status="reported",
    )


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
        answers = [_with_measures(answer, period) for answer in answers]
        counted: dict[Service, Counted] = {
            answer.service: answer.value for answer in answers if answer.answered
        }
        rental = {service: c.rental for service, c in counted.items()}
        shared_owners = {service: c.shared_owners for service, c in counted.items()}
        measures = [_measure(code, rental) for code in TSM_CODES]
        lcho = [_measure(code, shared_owners) for code in LCHO_CODES]
        return TsmReport(
            year=year,
            from_=start,
            to=end,
            measures=measures,
            missing=[m.code for m in measures if m.status != "reported"],
            low_cost_home_ownership=LowCostHomeOwnership(
                measures=lcho, missing=[m.code for m in lcho if m.status != "reported"]
            ),
            degraded=degraded_services(*answers),
        )


CSV_COLUMNS = (
    "code",
    "description",
    "numerator",
    "denominator",
    "per",
    "value",
    "source",
    "status",
    "stock",
)
"""The CSV's columns: the measure's, then `stock` (last, so the columns before it are
where they always were)."""


def report_csv(report: TsmReport) -> str:
    """The report as CSV: one row per measure, numerator and denominator included, and
    its status, so a spreadsheet shows a partial report's rows as `unavailable` rather
    than blank like a measure nobody counts. The low cost rental rows come first, as
    they always did (`stock` LCRA), then the shared owners' (`stock` LCHO) with the same
    codes: a reader must take `stock` with `code` (docs/adr/0091)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for stock, measures in (
        ("LCRA", report.measures),
        ("LCHO", report.low_cost_home_ownership.measures),
    ):
        for measure in measures:
            row = {**measure.model_dump(), "stock": stock}
            writer.writerow(["" if row[column] is None else row[column] for column in CSV_COLUMNS])
    return out.getvalue()


tsm_report_service = TsmReportService()

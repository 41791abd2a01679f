"""The regulator's Tenant Satisfaction Measures for one reporting year."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.topics import Service

TSM_CODES: tuple[str, ...] = (
    "RP02.1",
    "RP02.2",
    "BS01",
    "BS02",
    "BS03",
    "BS04",
    "BS05",
    "CH01.1",
    "CH01.2",
    "CH02.1",
    "CH02.2",
    *(f"TP{n:02d}" for n in range(1, 13)),
)
"""The measures the report carries, in the regulator's order: responsive repairs
completed on time (RP02, planned work left out by repairs), building safety (BS01 to
BS05), complaints (CH01, CH02) and the tenant perception survey (TP01 to TP12)."""

LCHO_CODES: tuple[str, ...] = (
    "CH01.1",
    "CH01.2",
    "CH02.1",
    "CH02.2",
    "TP01",
    *(f"TP{n:02d}" for n in range(5, 13)),
)
"""The measures the regulator asks of low cost home ownership (shared ownership),
reported apart from the rental ones: complaints (CH01 per 1,000 shared ownership homes,
CH02) and TP01, TP05 to TP12 (not TP02 to TP04: repairs and upkeep are the shared
owner's). Engagement counts them all (docs/adr/0091)."""


def counted_by(code: str) -> Service:
    """The service that counts a measure: repairs RP02, compliance BS, engagement CH
    and TP (the perception survey). Only its figures are read for the code, so a code
    another service happens to report is never taken in its place, and a report is
    partial only when one of these three did not answer."""
    if code.startswith("RP"):
        return "repairs"
    if code.startswith("BS"):
        return "compliance"
    return "engagement"


def scale_of(code: str) -> int:
    """The scale a measure is counted on: CH01 per 1,000 homes, every other code a share
    of its denominator (1). A service's measure on another scale is not the regulator's
    (its value would read as a share, or a thousand times one), and a missing row
    still says the scale its figure would have had."""
    return 1000 if code.startswith("CH01") else 1


MeasureStatus = Literal["reported", "not_reported", "unavailable"]


class TsmMeasure(BaseModel):
    """One measure as its service counted it, with what it was counted from."""

    code: str = Field(examples=["RP02.1"])
    description: str | None
    numerator: int | None
    denominator: int | None
    per: int = Field(default=1, description="1 for a ratio, 1000 for per 1,000 homes")
    value: float | None = Field(
        description="numerator x per / denominator as the service worked it out (to 4 "
        "decimal places: 0.8 is 80%; CH01 complaints per 1,000 homes); null when the "
        "denominator is 0 or the measure is missing"
    )
    source: Service = Field(description="The service that counts it")
    status: MeasureStatus = Field(
        description="reported; not_reported: its service answered without it (figures "
        "null); unavailable: its service did not answer, the report is partial (figures "
        "null, the service in `degraded`)"
    )


class LowCostHomeOwnership(BaseModel):
    """The shared owners' measures (low cost home ownership), reported apart."""

    measures: list[TsmMeasure] = Field(
        description="CH01.1, CH01.2, CH02.1, CH02.2, TP01, TP05 to TP12 of shared "
        "ownership homes, their complaints and perception survey respondents, as "
        "engagement counted them: with no shared ownership homes, every denominator is "
        "0 and every value null"
    )
    missing: list[str] = Field(
        description="Codes of this section not reported, their status not_reported "
        "(engagement answered without them) or unavailable (engagement did not answer)",
        examples=[[]],
    )


class TsmReport(BaseModel):
    """The Tenant Satisfaction Measures for a reporting year (1 April to 31 March),
    each with its numerator and denominator, combined from the services' figures:
    `measures` for low cost rental accommodation (homes let to tenants),
    `low_cost_home_ownership` for shared ownership, apart, as the regulator asks."""

    model_config = ConfigDict(populate_by_name=True)

    year: str = Field(examples=["2026-27"])
    from_: date = Field(
        alias="from",
        examples=["2026-04-01"],
        description="The year's first day, 1 April: counted from 00:00 London time",
    )
    to: date = Field(
        examples=["2027-03-31"],
        description="The year's last day, 31 March, included: counted to 1 April 00:00 "
        "London time (for the year under way, to now; BS01 to BS05 are as at this day's "
        "end, or today)",
    )
    measures: list[TsmMeasure] = Field(
        description="Low cost rental accommodation (LCRA): the homes let to tenants, their "
        "complaints and respondents"
    )
    missing: list[str] = Field(
        description="Codes not reported, their status not_reported or unavailable (their "
        "rows have null figures)",
        examples=[["BS05"]],
    )
    low_cost_home_ownership: LowCostHomeOwnership = Field(
        description="Low cost home ownership (LCHO, shared ownership): its own measures, "
        "reported apart from `measures`; a leasehold home is in neither (docs/adr/0091)"
    )
    degraded: list[Service] = Field(
        description="Services whose figures did not come back (or came back in the wrong "
        "shape): the codes they count are missing, their status unavailable. Only the "
        "services that count a measure are asked: repairs, compliance and engagement"
    )

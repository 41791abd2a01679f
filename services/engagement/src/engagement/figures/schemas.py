"""Engagement's figures: the kit's `Figures` (low cost rental: CH01, CH02, TP01 to
TP12) and, beside them, the shared owners' own measures (low cost home ownership),
which the regulator asks for apart (docs/adr/0091)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hearth_kit.figures import Figures, Measure


class LowCostHomeOwnershipFigures(BaseModel):
    """The shared owners' Tenant Satisfaction Measures for the period."""

    measures: list[Measure] = Field(
        description="CH01.1, CH01.2 (complaints from shared ownership homes per 1,000 "
        "shared ownership homes), CH02.1, CH02.2, TP01 and TP05 to TP12 (perception "
        "survey respondents in shared ownership homes when they answered); no TP02 to "
        "TP04, which the regulator does not ask of shared owners"
    )


class EngagementFigures(Figures):
    """The period's figures: `measures` are the low cost rental ones (homes let to
    tenants; leasehold and shared ownership left out), `low_cost_home_ownership` the
    shared owners' own. A leasehold home is in neither."""

    low_cost_home_ownership: LowCostHomeOwnershipFigures = Field(
        description="The shared owners' measures (low cost home ownership), reported "
        "apart from `measures`: with no shared ownership homes, every denominator is 0 "
        "and every value null"
    )

"""The tenancy overview: the tenancy first (for its home), with its rent account's
summary in the same call when the token may see the rent (income
`GET /v1/tenancies/{id}?include=rent_summary`), then everything else at once; each call
bounded by the read budget, so it answers within two budgets. Parts the token has no
scope for are never asked for (`withheld`)."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.auth import Principal
from gateway.clients import Downstreams
from gateway.fan_out import (
    RENT_SUMMARY,
    Answer,
    degraded_services,
    fetch_items,
    fetch_object,
    withheld,
)
from gateway.tenancies.schemas import TENANCY_PART_SCOPES, TenancyOverview, TenancyPart
from hearth_kit.problems import NotFound


class TenancyOverviewService:
    async def get(
        self, downstreams: Downstreams, tenancy_id: str, caller: Principal
    ) -> TenancyOverview:
        hidden: list[TenancyPart] = [
            part for part, scope in TENANCY_PART_SCOPES.items() if scope not in caller.scopes
        ]
        with_rent = "rent" not in hidden
        tenancy = await fetch_object(
            downstreams,
            caller,
            "income",
            f"/v1/tenancies/{tenancy_id}",
            route="/v1/tenancies/{tenancy_id}",
            params={"include": RENT_SUMMARY} if with_rent else None,
        )
        if tenancy.not_found:
            raise NotFound(f"No tenancy {tenancy_id}", tenancy_id=tenancy_id)
        record = tenancy.value if isinstance(tenancy.value, dict) else None
        summary = record.pop(RENT_SUMMARY, None) if record is not None else None
        uprn = (record or {}).get("uprn")

        async def answered(service: Any, value: Any) -> Answer:
            return Answer(service, value)

        async def nothing(part: TenancyPart, service: Any) -> Answer:
            return withheld(service) if part in hidden else Answer(service, None)

        def at_home(part: TenancyPart, service: Any, path: str, **filters: str) -> Any:
            if part in hidden or not uprn:
                return nothing(part, service)
            return fetch_items(downstreams, caller, service, path, params={"uprn": uprn, **filters})

        rent_call = (
            nothing("rent", "income")
            if not with_rent or record is None
            else answered("income", summary)
        )
        gas_call = (
            nothing("gas", "compliance")
            if "gas" in hidden or not uprn
            else fetch_object(
                downstreams,
                caller,
                "compliance",
                f"/v1/compliance/homes/{uprn}",
                route="/v1/compliance/homes/{uprn}",
            )
        )
        rent, residents, gas, open_repairs, complaints = await asyncio.gather(
            rent_call,
            at_home("residents", "engagement", "/v1/residents"),
            gas_call,
            at_home("open_repairs", "repairs", "/v1/repairs", status="open"),
            at_home("open_complaints", "engagement", "/v1/complaints", status="open"),
        )
        return TenancyOverview(
            tenancy_id=tenancy_id,
            tenancy=record,
            rent=rent.value if isinstance(rent.value, dict) else None,
            residents=residents.value or [],
            gas=gas.value if isinstance(gas.value, dict) else None,
            open_repairs=open_repairs.value or [],
            open_complaints=complaints.value or [],
            degraded=degraded_services(tenancy, rent, residents, gas, open_repairs, complaints),
            withheld=hidden,
        )


tenancy_overview_service = TenancyOverviewService()

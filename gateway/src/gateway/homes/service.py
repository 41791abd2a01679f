"""The home overview: fan out to every service concurrently, and combine what answers.

Need to know: each part is fetched only when the caller's token carries its read scope
(PART_SCOPES); a part the token does not cover is not asked for, and is named in
`withheld`. Every call carries an internal token naming the caller.

Each call is bounded by the read budget (gateway.fan_out). A service that times out,
cannot be reached, answers 5xx or answers something unusable is reported in `degraded`;
its parts stay empty and the rest of the overview is still returned. The rent summary
comes with the current tenancy (income `GET /v1/tenancies?include=rent_summary`, asked
only when the token may see the rent), the gas status with the home (compliance
`GET /v1/homes/{uprn}?include=compliance_status`, asked only when the token may see it),
and the open repairs with the appointment requests (repairs `GET /v1/repairs/homes/
{uprn}`), so each service is asked once and every call at once: one budget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from gateway.auth import Principal
from gateway.clients import Downstreams
from gateway.fan_out import (
    COMPLIANCE_STATUS,
    Answer,
    current_tenancy_params,
    degraded_services,
    fetch_items,
    fetch_object,
    first_tenancy,
    home_and_compliance_status,
    part_of,
    rent_of_tenancies,
    withheld,
)
from gateway.homes.schemas import PART_SCOPES, HomeOverview, OverviewPart
from hearth_contracts.topics import Service
from hearth_kit.problems import NotFound


class HomeOverviewService:
    async def get(self, downstreams: Downstreams, uprn: str, caller: Principal) -> HomeOverview:
        hidden: list[OverviewPart] = [
            part for part, scope in PART_SCOPES.items() if scope not in caller.scopes
        ]

        def items(
            part: OverviewPart, service: Service, path: str, **filters: str
        ) -> Awaitable[Answer]:
            if part in hidden:
                return asyncio.sleep(0, withheld(service))
            return fetch_items(downstreams, caller, service, path, params={"uprn": uprn, **filters})

        needs_tenancy = "tenancy" not in hidden or "rent" not in hidden
        tenancies = asyncio.ensure_future(
            fetch_items(
                downstreams,
                caller,
                "income",
                "/v1/tenancies",
                params=current_tenancy_params(uprn, with_rent="rent" not in hidden),
            )
            if needs_tenancy
            else asyncio.sleep(0, withheld("income"))
        )

        async def rent() -> Answer:
            if "rent" in hidden:
                return withheld("income")
            return rent_of_tenancies(await tenancies)

        home_call = fetch_object(
            downstreams,
            caller,
            "compliance",
            f"/v1/homes/{uprn}",
            route="/v1/homes/{uprn}",
            params=None if "gas" in hidden else {"include": COMPLIANCE_STATUS},
        )
        repairs_call = (
            asyncio.sleep(0, withheld("repairs"))
            if "open_repairs" in hidden and "appointment_requests" in hidden
            else fetch_object(
                downstreams,
                caller,
                "repairs",
                f"/v1/repairs/homes/{uprn}",
                route="/v1/repairs/homes/{uprn}",
            )
        )
        home_with_gas, tenancy, residents, visits, repairs, rent_account = await asyncio.gather(
            home_call,
            tenancies,
            items("residents", "engagement", "/v1/residents"),
            items("visits", "visits", "/v1/visits"),
            repairs_call,
            rent(),
        )
        home, gas = home_and_compliance_status(home_with_gas, shown="gas" not in hidden)
        open_repairs = part_of(repairs, "open_repairs", shown="open_repairs" not in hidden)
        appointment_requests = part_of(
            repairs, "appointment_requests", shown="appointment_requests" not in hidden
        )
        # Built without validating again: every part already has its field's type
        # (fetch_object and fetch_items keep only JSON objects; the rest is built here).
        overview = HomeOverview.model_construct(
            uprn=uprn,
            home=home.value,
            tenancy=None if "tenancy" in hidden else first_tenancy(tenancy),
            residents=residents.value or [],
            visits=visits.value or [],
            open_repairs=open_repairs.value or [],
            appointment_requests=appointment_requests.value or [],
            gas=gas.value,
            rent=rent_account.value,
            degraded=degraded_services(
                home,
                tenancy,
                residents,
                visits,
                open_repairs,
                appointment_requests,
                gas,
                rent_account,
            ),
            withheld=hidden,
        )
        if home.not_found and not overview.degraded and not _known_elsewhere(overview):
            raise NotFound(f"No service knows a home with UPRN {uprn}", uprn=uprn)
        return overview


def _known_elsewhere(overview: HomeOverview) -> bool:
    return bool(
        overview.tenancy
        or overview.residents
        or overview.visits
        or overview.open_repairs
        or overview.appointment_requests
    )


home_overview_service = HomeOverviewService()

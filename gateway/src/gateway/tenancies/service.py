"""The tenancy overview: the tenancy first (for its home), with its rent account's
summary in the same call when the token may see the rent (income
`GET /v1/tenancies/{id}?include=rent_summary`), then everything at its home at once;
each call bounded by the read budget, so it answers within two budgets. Its residents
are asked for alongside the tenancy (by tenancy id, which needs nothing from income), so
they are shown when income does not answer. Parts the token has no scope for are never
asked for (`withheld`).

A home outlives its tenancies, so the overview shows the tenancy's own household, never
the one before or after it at the same home: its residents by tenancy (engagement
`GET /v1/residents?tenancy_id=`, which still lists former tenants after the end), the
open complaints at the home kept to those its household made (gateway.tenancies.
household), and, once the tenancy ended, the home's parts as they are now (gas, open
repairs: the next household's) not asked for (`left_out`)."""

from __future__ import annotations

import asyncio
import contextlib
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
from gateway.tenancies.household import household_ids, is_the_households, tenancy_has_ended
from gateway.tenancies.schemas import TENANCY_PART_SCOPES, TenancyOverview, TenancyPart
from hearth_kit.problems import NotFound

HOME_NOW_PARTS: tuple[TenancyPart, ...] = ("gas", "open_repairs")
"""The parts about the home as it is now (asked for by UPRN), which after the tenancy
ended are the next household's."""

COMPLAINTS_PAGE = "200"
"""Open complaints asked for at the home in one page (engagement's largest), so the
household's are not pushed off the first page by other households' at the same home."""


class TenancyOverviewService:
    async def get(
        self, downstreams: Downstreams, tenancy_id: str, caller: Principal
    ) -> TenancyOverview:
        hidden: list[TenancyPart] = [
            part for part, scope in TENANCY_PART_SCOPES.items() if scope not in caller.scopes
        ]
        with_rent = "rent" not in hidden
        # Asked alongside the tenancy: engagement answers by tenancy id, so the household
        # is shown when income does not answer, and costs no second budget.
        residents_call = asyncio.ensure_future(
            withheld_now("engagement")
            if "residents" in hidden
            else fetch_items(
                downstreams,
                caller,
                "engagement",
                "/v1/residents",
                params={"tenancy_id": tenancy_id},
            )
        )
        try:
            tenancy = await fetch_object(
                downstreams,
                caller,
                "income",
                f"/v1/tenancies/{tenancy_id}",
                route="/v1/tenancies/{tenancy_id}",
                params={"include": RENT_SUMMARY} if with_rent else None,
            )
        except BaseException:
            # The request was cancelled (the client went, the gateway is stopping) or
            # failed: the residents call goes with it, never left running on its own,
            # and has finished going when the overview has (awaited here, so a gateway
            # stopping closes no connection under a call still unwinding).
            residents_call.cancel()
            await asyncio.wait([residents_call])
            raise
        if tenancy.not_found:
            residents_call.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await residents_call
            raise NotFound(f"No tenancy {tenancy_id}", tenancy_id=tenancy_id)
        record = tenancy.value if isinstance(tenancy.value, dict) else None
        summary = record.pop(RENT_SUMMARY, None) if record is not None else None
        uprn = (record or {}).get("uprn")
        ended = tenancy_has_ended(record)
        left_out = [part for part in HOME_NOW_PARTS if ended and part not in hidden]

        async def answered(service: Any, value: Any) -> Answer:
            return Answer(service, value)

        async def nothing(part: TenancyPart, service: Any) -> Answer:
            return withheld(service) if part in hidden else Answer(service, None)

        def at_home(part: TenancyPart, service: Any, path: str, **filters: str) -> Any:
            if part in hidden or part in left_out or not uprn:
                return nothing(part, service)
            return fetch_items(downstreams, caller, service, path, params={"uprn": uprn, **filters})

        rent_call = (
            nothing("rent", "income")
            if not with_rent or record is None
            else answered("income", summary)
        )
        gas_call = (
            nothing("gas", "compliance")
            if "gas" in hidden or "gas" in left_out or not uprn
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
            residents_call,
            gas_call,
            at_home("open_repairs", "repairs", "/v1/repairs", status="open"),
            at_home(
                "open_complaints",
                "engagement",
                "/v1/complaints",
                status="open",
                limit=COMPLAINTS_PAGE,
            ),
        )
        household = household_ids(record, residents.value or [])
        return TenancyOverview(
            tenancy_id=tenancy_id,
            tenancy=record,
            rent=rent.value if isinstance(rent.value, dict) else None,
            residents=residents.value or [],
            gas=gas.value if isinstance(gas.value, dict) else None,
            open_repairs=open_repairs.value or [],
            open_complaints=[
                complaint
                for complaint in complaints.value or []
                if is_the_households(complaint, record, household)
            ],
            tenancy_ended=ended,
            degraded=degraded_services(tenancy, rent, residents, gas, open_repairs, complaints),
            withheld=hidden,
            left_out=left_out,
        )


async def withheld_now(service: Any) -> Answer:
    """A part the token may not see, as an awaitable answer."""
    return withheld(service)


tenancy_overview_service = TenancyOverviewService()

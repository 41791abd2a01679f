"""The home overview: fan out to every service concurrently, and combine what answers.

Need to know: each part is fetched only when the caller's token carries its read scope
(PART_SCOPES); a part the token does not cover is not asked for, and is named in
`withheld`. Every call carries an internal token naming the caller.

Each call is bounded by the downstream timeout. A service that times out, cannot be
reached, answers 5xx or answers something unusable is reported in `degraded`; its parts
stay empty and the rest of the overview is still returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from gateway.auth import Principal
from gateway.clients import DownstreamFailure, Downstreams
from gateway.homes.schemas import PART_SCOPES, HomeOverview, ItemPage, JsonObject, OverviewPart
from hearth_contracts.topics import Service
from hearth_kit.logs import get_logger
from hearth_kit.problems import NotFound

log = get_logger(__name__)


@dataclass(frozen=True)
class _Part:
    """What one call brought back."""

    service: Service
    value: Any = None
    answered: bool = True
    not_found: bool = False


async def _withheld(service: Service) -> _Part:
    return _Part(service)


class HomeOverviewService:
    async def get(self, downstreams: Downstreams, uprn: str, caller: Principal) -> HomeOverview:
        withheld: list[OverviewPart] = [
            part for part, scope in PART_SCOPES.items() if scope not in caller.scopes
        ]

        def fetch(
            part: OverviewPart, service: Service, path: str, **filters: str
        ) -> Awaitable[_Part]:
            if part in withheld:
                return _withheld(service)
            return self._items(downstreams, caller, service, path, uprn, **filters)

        (
            home,
            tenancies,
            residents,
            visits,
            open_repairs,
            appointment_requests,
        ) = await asyncio.gather(
            self._home(downstreams, caller, uprn),
            fetch("tenancy", "income", "/v1/tenancies", status="current"),
            fetch("residents", "engagement", "/v1/residents"),
            fetch("visits", "visits", "/v1/visits"),
            fetch("open_repairs", "repairs", "/v1/repairs", status="open"),
            fetch("appointment_requests", "repairs", "/v1/appointment-requests"),
        )
        parts = (home, tenancies, residents, visits, open_repairs, appointment_requests)
        overview = HomeOverview(
            uprn=uprn,
            home=home.value,
            tenancy=tenancies.value[0] if tenancies.value else None,
            residents=residents.value or [],
            visits=visits.value or [],
            open_repairs=open_repairs.value or [],
            appointment_requests=appointment_requests.value or [],
            degraded=list(dict.fromkeys(part.service for part in parts if not part.answered)),
            withheld=withheld,
        )
        if home.not_found and not overview.degraded and not _known_elsewhere(overview):
            raise NotFound(f"No service knows a home with UPRN {uprn}", uprn=uprn)
        return overview

    async def _home(self, downstreams: Downstreams, caller: Principal, uprn: str) -> _Part:
        try:
            status, body = await downstreams.get_json("compliance", f"/v1/homes/{uprn}", caller)
        except DownstreamFailure as failure:
            return _unanswered("compliance", failure.reason)
        if status == 404:
            return _Part("compliance", not_found=True)
        if status != 200 or not isinstance(body, dict):
            return _unanswered("compliance", f"answered {status}")
        return _Part("compliance", body)

    async def _items(
        self,
        downstreams: Downstreams,
        caller: Principal,
        service: Service,
        path: str,
        uprn: str,
        **filters: str,
    ) -> _Part:
        try:
            status, body = await downstreams.get_json(
                service, path, caller, {"uprn": uprn, **filters}
            )
        except DownstreamFailure as failure:
            return _unanswered(service, failure.reason)
        if status != 200:
            return _unanswered(service, f"{path} answered {status}")
        try:
            page = ItemPage.model_validate(body)
        except ValidationError:
            return _unanswered(service, f"{path} answered a body that is not a list page")
        items: list[JsonObject] = page.items
        return _Part(service, items)


def _unanswered(service: Service, reason: str) -> _Part:
    log.warning("home overview degraded", service=service, reason=reason)
    return _Part(service, answered=False)


def _known_elsewhere(overview: HomeOverview) -> bool:
    return bool(
        overview.tenancy
        or overview.residents
        or overview.visits
        or overview.open_repairs
        or overview.appointment_requests
    )


home_overview_service = HomeOverviewService()

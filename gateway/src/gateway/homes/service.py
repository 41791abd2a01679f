"""The home overview: fan out to every service concurrently, and combine what answers.

Each call is bounded by the downstream timeout. A service that times out, cannot be
reached, answers 5xx or answers something unusable is reported in `degraded`; its parts
stay empty and the rest of the overview is still returned.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from gateway.clients import DownstreamFailure, Downstreams
from gateway.homes.schemas import HomeOverview, ItemPage, JsonObject
from gateway.settings import SERVICES, ServiceName
from hearth_kit.logs import get_logger
from hearth_kit.problems import NotFound

log = get_logger(__name__)


@dataclass(frozen=True)
class _Part:
    """What one call brought back."""

    service: ServiceName
    value: Any = None
    answered: bool = True
    not_found: bool = False


class HomeOverviewService:
    async def get(self, downstreams: Downstreams, uprn: str) -> HomeOverview:
        (
            home,
            tenancies,
            residents,
            visits,
            open_repairs,
            appointment_requests,
        ) = await asyncio.gather(
            self._home(downstreams, uprn),
            self._items(downstreams, "income", "/v1/tenancies", uprn, status="current"),
            self._items(downstreams, "engagement", "/v1/residents", uprn),
            self._items(downstreams, "visits", "/v1/visits", uprn),
            self._items(downstreams, "repairs", "/v1/repairs", uprn, status="open"),
            self._items(downstreams, "repairs", "/v1/appointment-requests", uprn),
        )
        parts = (home, tenancies, residents, visits, open_repairs, appointment_requests)
        unanswered = {part.service for part in parts if not part.answered}
        overview = HomeOverview(
            uprn=uprn,
            home=home.value,
            tenancy=tenancies.value[0] if tenancies.value else None,
            residents=residents.value or [],
            visits=visits.value or [],
            open_repairs=open_repairs.value or [],
            appointment_requests=appointment_requests.value or [],
            degraded=[service for service in SERVICES if service in unanswered],
        )
        if home.not_found and not overview.degraded and not _known_elsewhere(overview):
            raise NotFound(f"No service knows a home with UPRN {uprn}", uprn=uprn)
        return overview

    async def _home(self, downstreams: Downstreams, uprn: str) -> _Part:
        try:
            status, body = await downstreams.get_json("compliance", f"/v1/homes/{uprn}")
        except DownstreamFailure as failure:
            return _unanswered("compliance", failure.reason)
        if status == 404:
            return _Part("compliance", not_found=True)
        if status != 200 or not isinstance(body, dict):
            return _unanswered("compliance", f"answered {status}")
        return _Part("compliance", body)

    async def _items(
        self, downstreams: Downstreams, service: ServiceName, path: str, uprn: str, **filters: str
    ) -> _Part:
        try:
            status, body = await downstreams.get_json(service, path, {"uprn": uprn, **filters})
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


def _unanswered(service: ServiceName, reason: str) -> _Part:
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

"""The tenancy overview asks engagement for the household alongside income's tenancy;
when the overview itself is cancelled while income is still answering (the client hung
up, the gateway is stopping), the household's call is cancelled with it and never runs
on alone, nor is still unwinding once the overview has finished."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from gateway.auth import Principal
from gateway.clients import Downstreams
from gateway.tenancies.service import TenancyOverviewService

CALLER = Principal(
    subject="officer-1", scopes=frozenset({"tenancies:read", "residents:read", "rent:read"})
)


class HeldDownstreams:
    """Holds every call until it is cancelled, and notes which were cancelled."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.cancelled: list[str] = []
        self.both_started = asyncio.Event()

    async def get_json(self, service: str, path: str, *_: Any, **__: Any) -> tuple[int, Any]:
        self.started.append(service)
        if len(self.started) == 2:
            self.both_started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.sleep(0)  # as a client's call does, unwinding takes a turn
            self.cancelled.append(service)
            raise
        raise AssertionError("never answered")


async def test_cancelling_the_overview_cancels_the_household_call() -> None:
    downstreams = HeldDownstreams()
    overview = asyncio.create_task(
        TenancyOverviewService().get(cast(Downstreams, downstreams), "T-1", CALLER)
    )
    await downstreams.both_started.wait()
    assert sorted(downstreams.started) == ["engagement", "income"]
    gone_when_the_overview_finished: list[str] = []
    overview.add_done_callback(
        lambda _: gone_when_the_overview_finished.extend(downstreams.cancelled)
    )
    overview.cancel()
    await asyncio.gather(overview, return_exceptions=True)
    assert sorted(gone_when_the_overview_finished) == ["engagement", "income"]

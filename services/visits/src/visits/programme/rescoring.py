"""Keeping stored programme scores current as events arrive.

Every event the visits service consumes names a home (`uprn`), and most of them change
something the home's programme score depends on (its gas supply, tenancy, arrears,
household, contacts, no-access attempts, damp cases). Rather than each handler
remembering to re-score, the service registers its handlers on RescoringHandlers: once
the handlers have applied a transaction's events (a consumer's batch, or one event), the
score of each home they name is worked out again and stored, in the same transaction
(EventHandlers.applied). An event that changes nothing a score reads (a gas check due)
costs one small re-score of its home."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_kit.event_handlers import EventHandlers
from visits.programme.service import RESCORE_BATCH, ProgrammeService


def homes_named(envelopes: Sequence[Envelope[Any]]) -> list[str]:
    """The homes (uprn) the events are about."""
    named = (getattr(envelope.data, "uprn", None) for envelope in envelopes)
    return [uprn for uprn in named if isinstance(uprn, str)]


ALSO_RESCORED = "visits.also_rescored"
"""The session's `info` key of homes a handler changed beyond the ones its events name."""


def also_rescore(session: AsyncSession, uprns: Sequence[str]) -> None:
    """Homes a handler changed that its event does not name (a merged resident's other
    home): scored with the transaction's others once its events are applied, in the same
    pass, so their scores are locked in one UPRN order with the rest."""
    session.info.setdefault(ALSO_RESCORED, set()).update(uprns)


class RescoringHandlers(EventHandlers):
    """EventHandlers that, once a transaction's events have all been applied, re-score
    the homes they name (ProgrammeService.rescore), once each: a consumer's batch
    of a thousand events about two hundred homes is two hundred scores worked out in
    one go, not one round of the score's reads per run of a type."""

    def __init__(self, programme: ProgrammeService) -> None:
        super().__init__()
        self.programme = programme

    async def applied(self, session: AsyncSession, envelopes: Sequence[Envelope[Any]]) -> None:
        homes = sorted(set(homes_named(envelopes)) | session.info.pop(ALSO_RESCORED, set()))
        now = datetime.now(UTC)
        for start in range(0, len(homes), RESCORE_BATCH):  # bounded IN lists
            await self.programme.rescore(session, homes[start : start + RESCORE_BATCH], now)

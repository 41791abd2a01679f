"""Keeping stored programme scores current as events arrive.

Every event the visits service consumes names a home (`uprn`), and most of them change
something the home's programme score depends on (its gas supply, tenancy, arrears,
household, contacts, no-access attempts, damp cases). Rather than each handler
remembering to re-score, the service registers its handlers on RescoringHandlers: after
a handler has applied its event (or its run of events), the score of each home they name
is worked out again and stored, in the same transaction. An event that changes nothing a
score reads (a gas check due) costs one small re-score of its home."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_kit.event_handlers import E, EventHandlers, TypedBatchHandler, TypedHandler
from visits.programme.service import ProgrammeService


def homes_named(envelopes: Sequence[Envelope[Any]]) -> list[str]:
    """The homes (uprn) the events are about."""
    named = (getattr(envelope.data, "uprn", None) for envelope in envelopes)
    return [uprn for uprn in named if isinstance(uprn, str)]


class RescoringHandlers(EventHandlers):
    """EventHandlers whose handlers, once they have applied their events, re-score the
    homes the events name (ProgrammeService.rescore)."""

    def __init__(self, programme: ProgrammeService) -> None:
        super().__init__()
        self.programme = programme

    def on(self, event_type: type[E]) -> Callable[[TypedHandler[E]], TypedHandler[E]]:
        register = super().on(event_type)

        def rescoring(handler: TypedHandler[E]) -> TypedHandler[E]:
            async def then_rescore(session: AsyncSession, envelope: Envelope[E]) -> None:
                await handler(session, envelope)
                await self.programme.rescore(session, homes_named([envelope]), datetime.now(UTC))

            then_rescore.__doc__ = handler.__doc__
            register(then_rescore)
            return handler

        return rescoring

    def on_batch(
        self, event_type: type[E]
    ) -> Callable[[TypedBatchHandler[E]], TypedBatchHandler[E]]:
        register = super().on_batch(event_type)

        def rescoring(handler: TypedBatchHandler[E]) -> TypedBatchHandler[E]:
            async def then_rescore(session: AsyncSession, envelopes: Sequence[Envelope[E]]) -> None:
                await handler(session, envelopes)
                await self.programme.rescore(session, homes_named(envelopes), datetime.now(UTC))

            then_rescore.__doc__ = handler.__doc__
            register(then_rescore)
            return handler

        return rescoring

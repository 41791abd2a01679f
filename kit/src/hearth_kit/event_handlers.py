"""Which handler reacts to which event type: a service registers one typed handler per
event type it consumes, and the consumer subscribes to the topics those types are on.

A handler takes one event (`on`). A projection that sees many events of one type can
take them a run at a time instead (`on_batch`): one statement for the run rather than a
round trip per event, which is what lets a consumer keep up with tens of thousands of
events a second.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope, Event

E = TypeVar("E", bound=Event)
T = TypeVar("T")

Handler = Callable[[AsyncSession, Envelope[Any]], Awaitable[None]]
"""A reaction to one event: it writes through the session it is given and never commits."""

TypedHandler = Callable[[AsyncSession, Envelope[E]], Awaitable[None]]
"""A handler of one event type, as a service writes it: `Envelope[PropertyRegistered]`."""


BatchHandler = Callable[[AsyncSession, Sequence[Envelope[Any]]], Awaitable[None]]
"""A reaction to a run of events of one type, in the order they were published on their
partition; like a Handler it writes through the session and never commits."""

TypedBatchHandler = Callable[[AsyncSession, Sequence[Envelope[E]]], Awaitable[None]]


class EventHandlers:
    """The handlers a service registers, by event type."""

    def __init__(self) -> None:
        self._by_type: dict[str, Handler] = {}
        self._batches_by_type: dict[str, BatchHandler] = {}
        self.services: set[str] = set()

    def on(self, event_type: type[E]) -> Callable[[TypedHandler[E]], TypedHandler[E]]:
        """Register the decorated function as the handler of `event_type`:

        @handlers.on(PropertyRegistered)
        async def save(session: AsyncSession, envelope: Envelope[PropertyRegistered]) -> None:
        """

        def register(handler: TypedHandler[E]) -> TypedHandler[E]:
            self._claim(event_type)
            # The consumer only ever passes this handler envelopes of `event_type`.
            self._by_type[event_type.type] = handler
            return handler

        return register

    def on_batch(
        self, event_type: type[E]
    ) -> Callable[[TypedBatchHandler[E]], TypedBatchHandler[E]]:
        """Register the decorated function as the handler of runs of `event_type`:

        @handlers.on_batch(VisitFoundRepair)
        async def save(session: AsyncSession, envelopes: Sequence[Envelope[VisitFoundRepair]]):

        It gets every new event of a run of consecutive `event_type` events in a
        partition's batch (duplicates already left out by the inbox), in order, and must
        apply them in that order (two events of a run may concern the same row)."""

        def register(handler: TypedBatchHandler[E]) -> TypedBatchHandler[E]:
            self._claim(event_type)
            self._batches_by_type[event_type.type] = handler
            return handler

        return register

    async def applied(self, session: AsyncSession, envelopes: Sequence[Envelope[Any]]) -> None:
        """Called once the events of a transaction have all been applied, in it, before
        it commits: for work that depends on what they changed together, done once
        rather than after each of them (visits re-scores the homes they name). Does
        nothing unless a subclass says otherwise; like a handler, it never commits."""

    async def apply(self, session: AsyncSession, envelopes: Sequence[Envelope[Any]]) -> None:
        """Apply events in order in the caller's transaction, as the consumer does: each
        run of consecutive events of one type to its batch handler, others one by one,
        then `applied`. Events of a type without a handler are left out."""
        known = [envelope for envelope in envelopes if envelope.type in self]
        for ce_type, run in runs_of_one_type(known, lambda envelope: envelope.type):
            if (batch_handler := self.get_batch(ce_type)) is not None:
                await batch_handler(session, run)
            else:
                handler = self._by_type[ce_type]
                for envelope in run:
                    await handler(session, envelope)
        if known:
            await self.applied(session, known)

    def get(self, ce_type: str) -> Handler | None:
        """The one-event handler of a type, if it has one."""
        return self._by_type.get(ce_type)

    def get_batch(self, ce_type: str) -> BatchHandler | None:
        """The batch handler of a type, if it has one."""
        return self._batches_by_type.get(ce_type)

    def _claim(self, event_type: type[Event]) -> None:
        if event_type.type in self:
            raise ValueError(f"{event_type.type} already has a handler")
        self.services.add(event_type.service)

    def __contains__(self, ce_type: str) -> bool:
        return ce_type in self._by_type or ce_type in self._batches_by_type

    def __bool__(self) -> bool:
        return bool(self._by_type or self._batches_by_type)


def runs_of_one_type(
    items: Sequence[T], type_of: Callable[[T], str]
) -> Iterator[tuple[str, Sequence[T]]]:
    """The items in order, as runs of consecutive items of one event type: how the
    consumer hands a batch to its handlers (a run to a batch handler, or one by one)."""
    start = 0
    while start < len(items):
        ce_type = type_of(items[start])
        end = start + 1
        while end < len(items) and type_of(items[end]) == ce_type:
            end += 1
        yield ce_type, items[start:end]
        start = end

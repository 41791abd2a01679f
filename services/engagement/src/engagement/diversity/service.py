"""Use cases for diversity profiles: kept apart from operational data, read only as
aggregates with small groups suppressed. Never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.diversity import repository, rules
from engagement.diversity.schemas import DiversityAggregate, DiversityProfileSet, GroupPublic
from engagement.residents import repository as residents
from hearth_kit.problems import NotFound


class DiversityService:
    def __init__(self, minimum_group_size: int) -> None:
        self.minimum_group_size = minimum_group_size

    async def set_profile(
        self, session: AsyncSession, resident_id: uuid.UUID, data: DiversityProfileSet
    ) -> None:
        """Keep (or replace) a resident's profile. It is never read back one by one."""
        if await residents.get(session, resident_id) is None:
            raise NotFound(f"No resident {resident_id}")
        await repository.save(session, resident_id, data.model_dump(), datetime.now(UTC))

    async def remove_profile(self, session: AsyncSession, resident_id: uuid.UUID) -> None:
        await repository.delete(session, resident_id)

    async def aggregate(self, session: AsyncSession, strand: rules.Strand) -> DiversityAggregate:
        groups = rules.suppress_small_groups(
            await repository.counts(session, strand), self.minimum_group_size
        )
        return DiversityAggregate(
            strand=strand,
            minimum_group_size=self.minimum_group_size,
            groups=[
                GroupPublic(value=g.value, count=g.count, suppressed=g.suppressed) for g in groups
            ],
        )

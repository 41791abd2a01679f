"""Use cases for diversity profiles: kept apart from operational data, read only as
aggregates with small groups suppressed. Never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.diversity import repository, rules
from engagement.diversity.schemas import DiversityAggregate, DiversityProfileSet, GroupPublic
from engagement.residents.named import resident_named
from hearth_kit.auth import Caller
from hearth_kit.problems import Forbidden, NotFound

DIVERSITY_READ = "diversity:read"
"""The need-to-know scope for anything drawn from diversity profiles (issue 11)."""


def may_read_diversity(caller: Caller) -> bool:
    return DIVERSITY_READ in caller.scopes


def require_diversity_read(caller: Caller, *, field: str) -> None:
    """Forbidden (403, naming the scope and the query parameter that asked for it)
    unless the caller holds diversity:read: a breakdown by diversity strand is drawn from
    the profiles, whichever route asks for it."""
    if not may_read_diversity(caller):
        raise Forbidden(
            f"A breakdown by {field} needs the scope {DIVERSITY_READ}, which the token "
            "does not grant",
            required_scopes=[DIVERSITY_READ],
            missing_scopes=[DIVERSITY_READ],
            field=field,
            location="query",
            headers={
                "WWW-Authenticate": (
                    'Bearer realm="hearth-engagement", error="insufficient_scope", '
                    f'scope="{DIVERSITY_READ}"'
                )
            },
        )


class DiversityService:
    def __init__(self, minimum_group_size: int) -> None:
        self.minimum_group_size = minimum_group_size

    async def set_profile(
        self, session: AsyncSession, resident_id: uuid.UUID, data: DiversityProfileSet
    ) -> None:
        """Keep (or replace) a resident's profile. It is never read back one by one."""
        if await resident_named(session, resident_id) is None:
            raise NotFound(f"No resident {resident_id}")
        await repository.save(session, resident_id, data.model_dump(), datetime.now(UTC))

    async def remove_profile(self, session: AsyncSession, resident_id: uuid.UUID) -> None:
        """Remove a resident's profile; none held, nothing to do (204 as ever). A
        resident merged into another (ADR 0124) is the problem naming the resident kept
        (ADR 0138): their profile went with the merge, so a 204 here would tell the
        resident it was removed while it stays under the kept id."""
        await resident_named(session, resident_id)
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

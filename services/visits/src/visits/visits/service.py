"""Use cases for home visits. Never commits: the caller owns the transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.visits import (
    HazardIdentified,
    TenancyConcernRaised,
    VisitCompleted,
    VisitDeclined,
    VisitFoundRepair,
    VisitNoAccess,
    VisitScheduled,
)
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from visits.models import (
    Visit,
    VisitHazardFinding,
    VisitRepairFinding,
    VisitStatus,
    VisitTenancyConcern,
)
from visits.programme import repository as home_profiles
from visits.visits import repository, rules
from visits.visits.repository import Findings
from visits.visits.schemas import VisitCreate, VisitPublic, VisitReport


def to_public(visit: Visit, findings: Findings | None = None) -> VisitPublic:
    """A visit as the API shows it, with what it found (nothing, before its report)."""
    findings = findings or Findings()
    return VisitPublic.model_validate(
        {
            **visit.model_dump(),
            "repairs_found": findings.repairs,
            "hazards_found": findings.hazards,
            "tenancy_concerns": findings.tenancy_concerns,
        }
    )


class VisitService:
    async def schedule(self, session: AsyncSession, data: VisitCreate) -> Visit:
        """Book a visit with the household (publishes visit-scheduled). A rebooking
        after no access counts as the next attempt at the same visit."""
        try:
            channel = rules.channel_for(data.kind, data.channel)
        except rules.RuleBroken as broken:
            raise Unprocessable(broken.message, field=broken.field) from broken
        attempt_number = 1
        if data.rebooked_from_visit_id is not None:
            attempt_number = await self._next_attempt(session, data)
        profile = await home_profiles.get(session, data.uprn)
        starts = data.scheduled_for.astimezone(UTC)
        length = (
            rules.DEFAULT_LENGTH[data.kind]
            if data.duration_minutes is None
            else timedelta(minutes=data.duration_minutes)
        )
        visit = Visit(
            id=uuid.uuid4(),
            uprn=data.uprn,
            kind=data.kind,
            channel=channel,
            status=VisitStatus.SCHEDULED,
            scheduled_for=starts,
            scheduled_end=starts + length,
            officer=data.officer,
            tenancy_id=profile.current_tenancy_id if profile else None,
            rebooked_from_visit_id=data.rebooked_from_visit_id,
            attempt_number=attempt_number,
            scheduled_at=datetime.now(UTC),
        )
        repository.add(session, visit)
        try:
            await session.flush()
        except IntegrityError as exc:  # a concurrent rebooking of the same visit won
            raise Conflict(
                f"Visit {data.rebooked_from_visit_id} was already rebooked",
                field="rebooked_from_visit_id",
            ) from exc
        await publish(
            session,
            VisitScheduled(
                visit_id=visit.id,
                uprn=visit.uprn,
                tenancy_id=visit.tenancy_id,
                kind=visit.kind,
                channel=visit.channel,
                scheduled_start=visit.scheduled_for,
                scheduled_end=visit.scheduled_end,
                rebooked_from_visit_id=visit.rebooked_from_visit_id,
                scheduled_at=visit.scheduled_at,
            ),
        )
        return visit

    async def _next_attempt(self, session: AsyncSession, data: VisitCreate) -> int:
        assert data.rebooked_from_visit_id is not None
        earlier = await repository.get(session, data.rebooked_from_visit_id)
        if earlier is None or earlier.uprn != data.uprn:
            raise Unprocessable(
                f"No visit {data.rebooked_from_visit_id} at home {data.uprn}",
                field="rebooked_from_visit_id",
            )
        if not rules.can_rebook(earlier.status):
            raise Unprocessable(
                f"Only a visit that got no access is rebooked; {earlier.id} is {earlier.status}",
                field="rebooked_from_visit_id",
            )
        if await repository.rebooking_of(session, earlier.id) is not None:
            raise Conflict(
                f"Visit {earlier.id} was already rebooked", field="rebooked_from_visit_id"
            )
        return earlier.attempt_number + 1

    async def report(
        self, session: AsyncSession, visit_id: uuid.UUID, data: VisitReport
    ) -> tuple[Visit, Findings]:
        """Record what happened at a booked visit, with its findings, and announce it:
        visit-completed, one visit-found-repair per repair and one hazard-identified
        per hazard; or visit-no-access / visit-declined; and one
        tenancy-concern-raised per concern. Every event carries the report time."""
        try:
            rules.check_report(data)
        except rules.RuleBroken as broken:
            raise Unprocessable(broken.message, field=broken.field) from broken
        visit = await self.get(session, visit_id)
        if not rules.can_be_reported(visit.status):
            raise Conflict(f"Visit {visit_id} was already reported: it is {visit.status}")
        reported_at = datetime.now(UTC)
        recorded = await repository.record_report(
            session,
            visit,
            rules.STATUS_AFTER[data.outcome],
            reported_at=reported_at,
            household_confirmed=data.household_confirmed,
            no_access_reason=data.no_access_reason,
            decline_reason=data.decline_reason,
            notes=data.notes,
        )
        if not recorded:
            raise Conflict(f"Visit {visit_id} was already reported")
        findings = Findings(
            repairs=[
                VisitRepairFinding(id=uuid.uuid4(), visit_id=visit.id, position=n, **r.model_dump())
                for n, r in enumerate(data.repairs_found)
            ],
            hazards=[
                VisitHazardFinding(id=uuid.uuid4(), visit_id=visit.id, position=n, **h.model_dump())
                for n, h in enumerate(data.hazards_found)
            ],
            tenancy_concerns=[
                VisitTenancyConcern(
                    id=uuid.uuid4(), visit_id=visit.id, position=n, **c.model_dump()
                )
                for n, c in enumerate(data.tenancy_concerns)
            ],
        )
        repository.add_findings(session, findings)
        await session.flush()
        await self._announce(session, visit, findings, reported_at)
        return visit, findings

    async def _announce(
        self, session: AsyncSession, visit: Visit, findings: Findings, reported_at: datetime
    ) -> None:
        if visit.status is VisitStatus.COMPLETED:
            await publish(
                session,
                VisitCompleted(
                    visit_id=visit.id,
                    uprn=visit.uprn,
                    kind=visit.kind,
                    completed_at=reported_at,
                    repairs_found=len(findings.repairs),
                    hazards_found=len(findings.hazards),
                    tenancy_concerns_raised=len(findings.tenancy_concerns),
                ),
            )
            for repair in findings.repairs:
                await publish(
                    session,
                    VisitFoundRepair(
                        visit_id=visit.id,
                        finding_id=repair.id,
                        uprn=visit.uprn,
                        description=repair.description,
                        location=repair.location,
                        trade=repair.trade,
                        reported_at=reported_at,
                        repairs_found_on_visit=len(findings.repairs),
                    ),
                )
            for hazard in findings.hazards:
                await publish(
                    session,
                    HazardIdentified(
                        hazard_id=hazard.id,
                        uprn=visit.uprn,
                        visit_id=visit.id,
                        hazard_type=hazard.hazard_type,
                        severity=hazard.severity,
                        location=hazard.location,
                        description=hazard.description,
                        identified_at=reported_at,
                    ),
                )
        elif visit.status is VisitStatus.NO_ACCESS:
            assert visit.no_access_reason is not None
            await publish(
                session,
                VisitNoAccess(
                    visit_id=visit.id,
                    uprn=visit.uprn,
                    kind=visit.kind,
                    attempted_at=reported_at,
                    reason=visit.no_access_reason,
                    attempt_number=visit.attempt_number,
                ),
            )
        elif visit.status is VisitStatus.DECLINED:
            assert visit.decline_reason is not None
            await publish(
                session,
                VisitDeclined(
                    visit_id=visit.id,
                    uprn=visit.uprn,
                    kind=visit.kind,
                    reason=visit.decline_reason,
                    declined_at=reported_at,
                ),
            )
        for concern in findings.tenancy_concerns:
            await publish(
                session,
                TenancyConcernRaised(
                    concern_id=concern.id,
                    uprn=visit.uprn,
                    tenancy_id=visit.tenancy_id,
                    visit_id=visit.id,
                    concern_type=concern.concern,
                    raised_at=reported_at,
                ),
            )

    async def get(self, session: AsyncSession, visit_id: uuid.UUID) -> Visit:
        visit = await repository.get(session, visit_id)
        if visit is None:
            raise NotFound(f"No visit {visit_id}")
        return visit

    async def get_with_findings(
        self, session: AsyncSession, visit_id: uuid.UUID
    ) -> tuple[Visit, Findings]:
        visit = await self.get(session, visit_id)
        return visit, (await repository.findings(session, [visit.id]))[visit.id]

    async def page(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        uprn: str | None,
        status: VisitStatus | None,
    ) -> Page[VisitPublic]:
        """Visits, latest scheduled first, with what each found, a page at a time."""
        visits = await repository.page(
            session,
            after=page.after_as(datetime, uuid.UUID),
            limit=page.fetch,
            uprn=uprn,
            status=status,
        )
        findings = await repository.findings(session, [v.id for v in visits])
        return Page.from_rows(
            [to_public(v, findings[v.id]) for v in visits],
            page.limit,
            cursor_of=lambda visit: (visit.scheduled_for, visit.id),
        )


visit_service = VisitService()

"""Recharges: damage caused by the household is recharged (recharge-raised; income
invoices it), but not for a household with a recorded vulnerability until a manager
has considered it and approves (raised) or declines (never raised: income is told
nothing, having nothing to invoice; docs/adr/0056). Repairs knows only the flag from
engagement, never the detail. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.repairs import RechargeRaised
from hearth_kit.logs import get_logger
from hearth_kit.outbox import publish
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from hearth_kit.working_days import london_day
from repairs.models import Recharge, RechargeDecline, RechargeStatus, RepairRequest
from repairs.recharges import repository
from repairs.recharges.schemas import RechargeCreate, RechargeDeclineCreate, RechargePublic
from repairs.work_orders import repository as repair_requests

log = get_logger(__name__)


def to_public(recharge: Recharge) -> RechargePublic:
    return RechargePublic.model_validate(recharge)


async def _raise(session: AsyncSession, recharge: Recharge, now: datetime) -> None:
    recharge.status = RechargeStatus.RAISED
    recharge.raised_at = now
    await session.flush()
    await publish(
        session,
        RechargeRaised(
            recharge_id=recharge.id,
            repair_id=recharge.repair_id,
            uprn=recharge.uprn,
            tenancy_id=recharge.tenancy_id,
            amount_pence=recharge.amount_pence,
            reason=recharge.reason,
            vulnerability_considered=True,
            raised_at=now,
        ),
    )


async def _communal(session: AsyncSession, repair: RepairRequest) -> bool:
    """Whether the repair is at a block: communal when reported or completed, or its
    UPRN named as a block's by the asset register since. A block's UPRN has no
    household: no vulnerability of anyone's would be considered (none is recorded at a
    block), and income, finding no tenancy there, would hold the charge for a decision no
    one can make (a held recharge is charged to a tenancy of its home, and a block has
    none). Asked when a recharge is requested and again when a held one is approved."""
    return repair.communal or await repair_requests.is_a_block(session, repair.uprn)


async def decline_held_at_blocks(session: AsyncSession, uprns: Iterable[str]) -> None:
    """A repair turns out to be communal when the asset register names its UPRN as some
    home's block (property-registered or -updated) or its completion finds it so: a
    recharge held on it for a manager is then declined at once with `communal_repair`
    (declined_by null: repairs declined it, no manager), in the transaction that learnt
    it. No household lives at a block to be charged or considered, so the manager's
    decision it waited for has only one answer, and left held it stayed counted in
    repairs.recharges_awaiting_approval and on the held list. Nothing is published, as
    for a manager's decline: income never heard of a recharge that was not raised
    (docs/adr/0056). A recharge already decided is left alone, so the same event again
    (or a later one naming the same block) declines nothing."""
    declined = await repository.decline_held_at_blocks(session, uprns, datetime.now(UTC))
    for recharge_id in declined:
        log.info(
            "held recharge declined: its repair is communal",
            recharge_id=str(recharge_id),
            decline_reason=RechargeDecline.COMMUNAL_REPAIR.value,
        )


class RechargeService:
    async def request(
        self, session: AsyncSession, repair_id: uuid.UUID, data: RechargeCreate
    ) -> RechargePublic:
        """Recharge the household for a repair: raised at once, or held for a manager's
        approval when the household has a recorded vulnerability. Not for a communal
        repair (422 repair_id): a block has no household to consider or charge.

        A held recharge keeps the tenancy of that household (its flags' tenancy, when
        they name one) and recharge-raised names it when a manager approves: income
        otherwise charges the household in the home on the day it is raised, and by the
        approval that may be the next household, whose vulnerability no one considered
        (the damage was the household's that left; docs/adr/0105). The household is the
        one income charges: on a home standing empty, the former tenant, whose recorded
        vulnerability holds it as a current household's does (docs/adr/0116)."""
        repair = await repair_requests.get(session, repair_id)
        if repair is None:
            raise NotFound(f"No repair {repair_id}")
        if await _communal(session, repair):
            raise Unprocessable(
                "A communal repair is at a block, where no household lives: a recharge "
                "is raised on a repair to the home of the household that caused it",
                field="repair_id",
            )
        now = datetime.now(UTC)
        # The household income charges it to (the tenancy last in the home today, a
        # former tenant's when the home stands empty) is the one considered, even if its
        # tenancy has ended (docs/adr/0116).
        household = await repository.household_to_consider(session, repair.uprn, london_day(now))
        flagged, tenancy_id = household.flagged, household.tenancy_id
        recharge = Recharge(
            repair_id=repair.id,
            uprn=repair.uprn,
            amount_pence=data.amount_pence,
            reason=data.reason,
            status=RechargeStatus.AWAITING_APPROVAL,
            vulnerability_flagged=flagged,
            tenancy_id=tenancy_id,
            requested_at=now,
        )
        repository.add(session, recharge)
        await session.flush()
        if not flagged:
            await _raise(session, recharge, now)
        return to_public(recharge)

    async def get(self, session: AsyncSession, recharge_id: uuid.UUID) -> RechargePublic:
        """One recharge as asking for it answered, its status now: where that answer's
        Location leads (ADR 0181)."""
        recharge = await repository.find(session, recharge_id)
        if recharge is None:
            raise NotFound(f"No recharge {recharge_id}")
        return to_public(recharge)

    async def approve(
        self, session: AsyncSession, recharge_id: uuid.UUID, approver: str
    ) -> RechargePublic:
        """A manager (repairs:manage) approves a held recharge, having considered the
        household's vulnerability: it is raised.

        Unless its repair has turned out to be communal since it was held (the block
        known only later: a completion judges it again, and the asset register may name
        the block at any time): then no household lives there to charge, as when a
        recharge is asked for on a communal repair. Such a recharge is declined when
        repairs learns it (decline_held_at_blocks); one held from before that, its
        block already known, has its approval refused (422 naming repair_id, nothing
        raised) and the manager declines it with `communal_repair`. It is not declined
        here: a refusal rolls the request's transaction back, and a 200 would read as
        an approval."""
        recharge = await repository.get(session, recharge_id)
        if recharge is None:
            raise NotFound(f"No recharge {recharge_id}")
        if recharge.status is not RechargeStatus.AWAITING_APPROVAL:
            raise Conflict(f"Recharge {recharge_id} is {recharge.status}", field="status")
        if not recharge.vulnerability_flagged:
            raise Unprocessable("This recharge needs no approval", field="recharge_id")
        if await _communal(session, await self._repair_of(session, recharge)):
            raise Unprocessable(
                "The repair has turned out to be communal, at a block where no household "
                "lives: this recharge cannot be raised; decline it with reason "
                f"{RechargeDecline.COMMUNAL_REPAIR.value}",
                field="repair_id",
            )
        recharge.approved_by = approver[:200]
        await _raise(session, recharge, datetime.now(UTC))
        return to_public(recharge)

    async def decline(
        self,
        session: AsyncSession,
        recharge_id: uuid.UUID,
        decider: str,
        data: RechargeDeclineCreate,
    ) -> RechargePublic:
        """A manager (repairs:manage) considered the household's vulnerability and
        decided not to recharge: the held recharge is declined, with a reason code, and
        never raised. Nothing is published: income only hears of a recharge when it is
        raised, so there is nothing to cancel there. The row is locked, so an approval
        and a decline at once (or two of either) take turns and the second finds it
        decided (409 naming its status)."""
        recharge = await repository.get(session, recharge_id)
        if recharge is None:
            raise NotFound(f"No recharge {recharge_id}")
        if recharge.status is not RechargeStatus.AWAITING_APPROVAL:
            raise Conflict(f"Recharge {recharge_id} is {recharge.status}", field="status")
        if data.reason is RechargeDecline.COMMUNAL_REPAIR and not await _communal(
            session, await self._repair_of(session, recharge)
        ):
            # The code says why the recharge was never raised; kept against a home's
            # repair it would say something untrue.
            raise Unprocessable(
                f"The repair is not communal: {RechargeDecline.COMMUNAL_REPAIR.value} "
                "declines only a recharge whose repair has turned out to be at a block",
                field="reason",
            )
        recharge.status = RechargeStatus.DECLINED
        recharge.declined_by = decider[:200]
        recharge.declined_at = datetime.now(UTC)
        recharge.decline_reason = data.reason
        await session.flush()
        return to_public(recharge)

    @staticmethod
    async def _repair_of(session: AsyncSession, recharge: Recharge) -> RepairRequest:
        repair = await repair_requests.get(session, recharge.repair_id)
        if repair is None:  # a recharge's repair_id is a foreign key
            raise NotFound(f"No repair {recharge.repair_id}")
        return repair


recharge_service = RechargeService()

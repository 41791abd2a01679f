"""Events about a home, as the asset register (compliance), repairs and income publish
them, and handling them as engagement's consumer does, for engagement's tests of who at
a home is written to or asked for feedback."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import httpx

from engagement.app import build_services
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import (
    CheckDue,
    CheckType,
    PropertyRegistered,
    TenantCopyRequested,
)
from hearth_contracts.events.income import TenancyEnded, TenancyStartedV2
from hearth_contracts.events.repairs import RepairCompletedV2
from hearth_kit.db import Database
from hearth_kit.event_handlers import EventHandlers

A_GAS_FLAT = {
    "address_line_1": "1 Mare Street",
    "town": "London",
    "postcode": "E8 1HR",
    "property_type": "flat",
    "heating_fuel": "gas",
    "gas_supply": "live",
}
ADDRESS_AND_STOCK = {**A_GAS_FLAT, "tenure": "general_needs"}


async def registered_ahead(client: httpx.AsyncClient, uprn: str) -> uuid.UUID:
    """A tenant registered on a tenancy of the home income has not announced yet."""
    person = uuid.uuid4()
    response = await client.post(
        "/v1/residents",
        json={
            "full_name": "Sam",
            "preferred_channel": "letter",
            "person_id": str(person),
            "tenancy_id": str(uuid.uuid4()),
            "uprn": uprn,
        },
    )
    assert response.status_code == 201, response.text
    return person


def a_uprn() -> str:
    """A UPRN no other test's home has (the service's database is shared by a module)."""
    return str(random.randint(10**9, 10**12 - 1))


def registered(uprn: str, block_id: str | None, at: datetime) -> Envelope[PropertyRegistered]:
    """A general-needs gas flat entered in the asset register, in a block or not."""
    return Envelope(
        data=PropertyRegistered.model_validate(
            {
                "uprn": uprn,
                **ADDRESS_AND_STOCK,
                "block_id": block_id,
                "registered_at": at.isoformat(),
            }
        )
    )


def repair_completed(
    uprn: str,
    at: datetime,
    *,
    communal: bool,
    trade: str = "plumbing",
    source: str = "contact_centre",
) -> RepairCompletedV2:
    """A routine repair reported three days before `at` and completed then, on time and
    right first time; a communal one's `uprn` is its block's."""
    return RepairCompletedV2(
        repair_id=uuid.uuid4(),
        uprn=uprn,
        trade=trade,
        priority="routine",
        source=source,
        reported_at=at - timedelta(days=3),
        target_at=at + timedelta(days=10),
        completed_at=at,
        completed_on_time=True,
        right_first_time=True,
        communal=communal,
    )


def tenancy_started(
    uprn: str, start: date, person: uuid.UUID, *, at: datetime | None = None
) -> Envelope[TenancyStartedV2]:
    """An assured tenancy of the home from `start`, `person` its sole lead tenant,
    announced at `at` (None: now)."""
    data = TenancyStartedV2(
        tenancy_id=uuid.uuid4(),
        tenancy_reference=f"T-{uuid.uuid4().hex[:8]}",
        uprn=uprn,
        tenants=[{"person_id": person, "lead": True, "joint": False}],
        start_date=start,
        tenancy_type="assured",
        weekly_rent_pence=12_345,
    )
    return Envelope(data=data) if at is None else Envelope(data=data, time=at)


def tenancy_ended(
    tenancy: Envelope[TenancyStartedV2],
    last_day: date,
    *,
    reason: str = "notice_given",
    at: datetime | None = None,
) -> Envelope[TenancyEnded]:
    """The tenancy ends on `last_day` (for `reason`), nothing owed, announced at `at`
    (None: now)."""
    data = TenancyEnded(
        tenancy_id=tenancy.data.tenancy_id,
        uprn=tenancy.data.uprn,
        end_date=last_day,
        reason=reason,
        closing_balance_pence=0,
    )
    return Envelope(data=data) if at is None else Envelope(data=data, time=at)


def check_due(uprn: str, at: datetime) -> Envelope[CheckDue]:
    """The home's gas safety check falls due (by 1 June 2027), raised at `at`."""
    return Envelope(
        data=CheckDue(
            check_id=uuid.uuid4(),
            uprn=uprn,
            check_type=CheckType.GAS_SAFETY,
            due_by=date(2027, 6, 1),
            raised_at=at,
        ),
        time=at,
    )


def a_copy_requested(
    uprn: str, tenancy_id: uuid.UUID, people: list[uuid.UUID]
) -> TenantCopyRequested:
    """The home's gas safety record, a copy owed to the tenancy's tenants (these person
    ids) within three days: compliance's tenant-copy-requested."""
    return TenantCopyRequested(
        copy_id=uuid.uuid4(),
        check_id=uuid.uuid4(),
        record_id=uuid.uuid4(),
        uprn=uprn,
        check_type=CheckType.GAS_SAFETY,
        tenancy_id=tenancy_id,
        person_ids=people,
        certificate_reference="CP12-778812",
        check_date=date(2026, 10, 1),
        expires_on=date(2027, 10, 1),
        copy_by=date.today() + timedelta(days=3),
        requested_at=datetime.now(UTC),
    )


@cache
def _handlers() -> EventHandlers:
    return build_services(EngagementSettings()).handlers


async def handle(db: Database, *envelopes: Envelope[Any]) -> None:
    """Each envelope handled by engagement's handler for its type, in order, each in its
    own transaction as the consumer does."""
    for envelope in envelopes:
        handler = _handlers().get(envelope.type)
        assert handler is not None
        async with db.sessionmaker() as session, session.begin():
            await handler(session, envelope)

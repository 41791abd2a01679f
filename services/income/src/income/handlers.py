"""Income's reactions to other services' events, one function each. Handlers write
through the session they are given and never commit; the consumer records each event
in the inbox in the same transaction.

The home projection takes a run of property-registered events at a time (`on_batch`):
one statement however long the run, which is what lets the consumer keep up with the
asset register being loaded. A single event (handled alone after a batch failed, or a
replayed dead letter) is a run of one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered
from hearth_contracts.events.engagement import (
    ResidentMerged,
    VulnerabilityRecorded,
    VulnerabilityRecordedV2,
)
from hearth_contracts.events.repairs import RechargeRaised
from hearth_kit.consumer import EventHandlers
from income.accounts.service import invoice_recharge
from income.arrears import repository as arrears
from income.homes import repository as homes
from income.homes.repository import RegisterEntry
from income.models import VulnerabilityFlag
from income.person_ids import kept_id, merge_person

handlers = EventHandlers()


@handlers.on_batch(PropertyRegistered)
async def on_properties_registered(
    session: AsyncSession, envelopes: Sequence[Envelope[PropertyRegistered]]
) -> None:
    """Keep the homes in income's projection of the asset register (an upsert, so
    handling the same events again changes nothing, and an older one arriving late is
    ignored)."""
    await homes.save_homes(
        session,
        [
            RegisterEntry(home.uprn, home.postcode, home.address_line_1, home.registered_at)
            for home in (envelope.data for envelope in envelopes)
        ],
    )


@handlers.on(RechargeRaised)
async def on_recharge_raised(session: AsyncSession, envelope: Envelope[RechargeRaised]) -> None:
    """Invoice a recharge on the tenancy's sundry account (once per recharge id)."""
    await invoice_recharge(session, envelope.data)


@handlers.on(ResidentMerged)
async def on_resident_merged(session: AsyncSession, envelope: Envelope[ResidentMerged]) -> None:
    """A second record of one person was merged into the resident kept (docs/adr/0124):
    the tenants and vulnerability flags under the duplicate's id are the kept one's."""
    await merge_person(session, envelope.data)


@handlers.on(VulnerabilityRecorded)
async def on_vulnerability_recorded(
    session: AsyncSession, envelope: Envelope[VulnerabilityRecorded]
) -> None:
    """An old (v1) record, still on the topic: flagged when it lists any category
    (the categories themselves are not kept)."""
    await remember_vulnerability(session, envelope.data, vulnerable=bool(envelope.data.categories))


@handlers.on(VulnerabilityRecordedV2)
async def on_vulnerability_recorded_v2(
    session: AsyncSession, envelope: Envelope[VulnerabilityRecordedV2]
) -> None:
    """The record as engagement publishes it now: only whether one is recorded."""
    await remember_vulnerability(session, envelope.data, vulnerable=envelope.data.vulnerable)


async def remember_vulnerability(
    session: AsyncSession,
    record: VulnerabilityRecorded | VulnerabilityRecordedV2,
    *,
    vulnerable: bool,
) -> None:
    """Keep only the flag that a person has a recorded vulnerability (never its
    detail): it pauses automatic arrears letters for a review. Not vulnerable clears
    the flag; an older record arriving late changes nothing (save_flag keeps the
    newer `as_of`). A resident id income has seen merged is kept under the person kept
    (person_ids.kept_ids, ADR 0172)."""
    await arrears.save_flag(
        session,
        VulnerabilityFlag(
            person_id=await kept_id(session, record.resident_id),
            uprn=record.uprn,
            tenancy_id=record.tenancy_id,
            flagged=vulnerable,
            as_of=record.recorded_at,
        ),
    )

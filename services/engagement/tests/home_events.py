"""Events about a home, as the asset register (compliance) and repairs publish them, for
engagement's tests of who at a home is written to or asked for feedback."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered
from hearth_contracts.events.repairs import RepairCompletedV2

A_GAS_FLAT = {
    "address_line_1": "1 Mare Street",
    "town": "London",
    "postcode": "E8 1HR",
    "property_type": "flat",
    "heating_fuel": "gas",
    "gas_supply": "live",
}
ADDRESS_AND_STOCK = {**A_GAS_FLAT, "tenure": "general_needs"}


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

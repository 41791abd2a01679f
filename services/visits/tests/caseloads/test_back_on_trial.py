"""A tenancy income puts back on trial (ADR 0081: its trial-end job settled the trial
before a claim issued in time was recorded, and an officer reinstated it) comes back
to the introductory caseload on income's correcting tenancy-type-changed (`other`, to
introductory or starter, effective the settlement's own day), as a confirmation moved
it off (ADR 0066)."""

from __future__ import annotations

import uuid
from datetime import date

from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyType, TenancyTypeChange, TenancyTypeChanged
from hearth_contracts.events.visits import Caseload
from hearth_kit.db import Database
from services.visits.tests.factories import OFFICERS, a_uprn
from services.visits.tests.test_handlers import (
    caseload,
    current,
    handle,
    registered,
    started,
    type_changed,
)
from visits.caseloads.rules import Placement, on_type_change

SETTLED_ON = date(2026, 11, 11)
TRIAL_ENDS = date(2026, 7, 7)


def test_other_to_a_trial_type_is_back_on_the_introductory_caseload() -> None:
    assert on_type_change(
        TenancyTypeChange.OTHER, TenancyType.INTRODUCTORY, None, TRIAL_ENDS, "E8", OFFICERS
    ) == Placement(Caseload.INTRODUCTORY, "officer-intro", TRIAL_ENDS)
    assert on_type_change(
        TenancyTypeChange.OTHER, TenancyType.STARTER, TRIAL_ENDS, None, "E8", OFFICERS
    ) == Placement(Caseload.INTRODUCTORY, "officer-intro", TRIAL_ENDS)


def test_other_to_a_type_off_trial_is_on_the_community_caseload_as_before() -> None:
    assert on_type_change(
        TenancyTypeChange.OTHER, TenancyType.SECURE, None, None, "E8", OFFICERS
    ) == Placement(Caseload.COMMUNITY, "officer-e8")


async def test_a_settled_trial_put_back_returns_to_the_introductory_officer(
    visits_database: Database,
) -> None:
    """Started 7 July 2025; income's job made it secure from 11 November 2026 (community
    caseload); the officer put it back: introductory again from that same day, the
    correction taking the settlement's place, with the trial's end income restored."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2025, 7, 7)))
    await handle(visits_database, type_changed(uprn, tenancy_id, "confirmed", "secure", SETTLED_ON))
    held = await caseload(visits_database, tenancy_id)
    assert held is not None
    assert held.caseload == "community"

    await handle(
        visits_database,
        Envelope(
            data=TenancyTypeChanged(
                tenancy_id=tenancy_id,
                uprn=uprn,
                change=TenancyTypeChange.OTHER,
                previous_type=TenancyType.SECURE,
                tenancy_type=TenancyType.INTRODUCTORY,
                effective_on=SETTLED_ON,
                introductory_period_ends_on=TRIAL_ENDS,
            )
        ),
    )
    held = await caseload(visits_database, tenancy_id)
    assert held is not None
    assert (held.caseload, held.officer, held.introductory_ends_on, held.since) == (
        "introductory",
        "officer-intro",
        TRIAL_ENDS,
        SETTLED_ON,
    )
    tenancy = await current(visits_database, uprn)
    assert tenancy is not None
    assert (tenancy.tenancy_type, tenancy.introductory_ends_on) == ("introductory", TRIAL_ENDS)

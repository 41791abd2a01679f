"""ADR 0144: income announces the step of arrears recovery a tenancy was loaded at
(arrears-stage-changed, `brought_forward`), so visits scores the household with it from
the load. The old system wrote that step's letter: engagement writes none for it, and
still writes the letter for a step the ladder takes."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.income import ArrearsStage, ArrearsStageChanged
from hearth_kit.db import Database
from services.engagement.tests.messages.test_pipeline import a_resident

from ..residents.test_merged_id_elsewhere import consume, letters


def a_step(
    uprn: str, tenancy_id: uuid.UUID, stage: ArrearsStage, previous: ArrearsStage, **more: object
) -> Envelope[ArrearsStageChanged]:
    return Envelope(
        data=ArrearsStageChanged(
            tenancy_id=tenancy_id,
            uprn=uprn,
            stage=stage,
            previous_stage=previous,
            arrears_pence=50_000,
            changed_at=datetime(2026, 11, 20, tzinfo=UTC),
            **more,
        )
    )


async def test_a_step_brought_forward_writes_no_letter_and_one_taken_does(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """Through the inbox: letter 2 brought forward at the load writes nothing to the
    tenant (before, one would have been written as if the ladder had just taken it); the
    notice the ladder takes next is written, once."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    tenancy_id = uuid.uuid4()
    tenant = uuid.UUID(await a_resident(engagement, tenancy_id=str(tenancy_id), uprn=uprn))
    topic = f"brought-forward-{uuid.uuid4().hex}"
    loaded = a_step(
        uprn, tenancy_id, ArrearsStage.LETTER_2, ArrearsStage.NONE, brought_forward=True
    )
    await consume(engagement_database, topic, [(0, loaded)])
    assert await letters(engagement_database, "arrears_stage", tenant) == []
    taken = a_step(
        uprn, tenancy_id, ArrearsStage.NOTICE_OF_SEEKING_POSSESSION, ArrearsStage.LETTER_2
    )
    await consume(engagement_database, topic, [(1, taken)])
    assert await letters(engagement_database, "arrears_stage", tenant) == [(tenant, 1)]

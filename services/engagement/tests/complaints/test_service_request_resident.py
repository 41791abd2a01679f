"""A service request naming a resident is about a home of theirs (the one they live at,
or one they were a tenant of), as a complaint's is: one of another home is refused
naming resident_id, nothing kept, and never listed as theirs."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from services.engagement.tests.home_events import a_uprn
from services.engagement.tests.surveys.test_surveys import a_resident


def a_request(uprn: str, resident_id: str) -> dict[str, object]:
    return {
        "uprn": uprn,
        "resident_id": resident_id,
        "category": "estate_and_communal",
        "medium": "online",
        "summary": "Please cut the grass",
        "received_at": datetime.now(UTC).isoformat(),
    }


async def test_a_resident_of_another_home_is_refused(engagement: httpx.AsyncClient) -> None:
    their_home, another = a_uprn(), a_uprn()
    resident_id = await a_resident(engagement, their_home)

    refused = await engagement.post("/v1/service-requests", json=a_request(another, resident_id))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "resident_id"
    listed = await engagement.get("/v1/service-requests", params={"resident_id": resident_id})
    assert listed.json()["items"] == []

    taken = await engagement.post("/v1/service-requests", json=a_request(their_home, resident_id))
    assert taken.status_code == 201, taken.text

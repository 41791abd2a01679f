"""The three composites, answered by a running gateway over the real services, are valid
for the schemas gateway/openapi.json gives them: their parts are typed with the
services' own schemas (gateway.parts), so a part the gateway reshaped differently from
what the document says (a home still carrying its compliance_status, a tenancy its
rent_summary) or a service answering outside its own schema shows here."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from gateway.openapi_document import PUBLISHED
from tests.api.conftest import user_token
from tests.harness.platform import Platform

pytestmark = [pytest.mark.integration, pytest.mark.api]

UPRN = "300000000071"


def assert_valid(document: dict[str, Any], path: str, answer: httpx.Response) -> None:
    assert answer.status_code == 200, answer.text
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    validator = jsonschema.Draft202012Validator(
        {**schema["schema"], "components": document["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer.json())]
    assert errors == [], path


async def test_each_composite_answers_what_its_schema_says(platform: Platform) -> None:
    document = json.loads(PUBLISHED.read_text())
    headers = {"Authorization": f"Bearer {user_token()}"}
    async with httpx.AsyncClient(base_url=platform.gateway_url, headers=headers) as gateway:
        home = await gateway.post(
            "/v1/homes",
            json={
                "uprn": UPRN,
                "address_line_1": "71 Mare Street",
                "town": "London",
                "postcode": "E8 3RH",
                "property_type": "flat",
                "heating_fuel": "gas",
                "gas_supply": "live",
            },
        )
        assert home.status_code == 201, home.text
        started = await gateway.post(
            "/v1/tenancies",
            json={
                "tenancy_reference": "T0071",
                "uprn": UPRN,
                "tenants": [{"full_name": "Ada Okafor"}],
                "start_date": "2026-10-01",
                "tenancy_type": "introductory",
                "weekly_rent_pence": 11250,
            },
        )
        assert started.status_code == 201, started.text
        tenancy = started.json()
        person = tenancy["tenants"][0]["person_id"]
        resident = await gateway.post(
            "/v1/residents",
            json={
                "person_id": person,
                "tenancy_id": tenancy["id"],
                "uprn": UPRN,
                "full_name": "Ada Okafor",
                "phone": "07700 900123",
                "preferred_channel": "text",
                "language": "en",
                "format_needs": ["large_print"],
            },
        )
        assert resident.status_code == 201, resident.text
        complaint = await gateway.post(
            "/v1/complaints",
            json={
                "uprn": UPRN,
                "resident_id": person,
                "category": "repairs",
                "medium": "phone",
                "summary": "The bath tap still drips",
                "received_at": "2026-11-02T09:00:00+00:00",
            },
        )
        assert complaint.status_code == 201, complaint.text

        overview = await gateway.get(f"/v1/homes/{UPRN}")
        assert_valid(document, "/v1/homes/{uprn}", overview)
        assert overview.json()["home"]["address_line_1"] == "71 Mare Street"
        assert overview.json()["gas"]["uprn"] == UPRN
        assert overview.json()["tenancy"]["id"] == tenancy["id"]

        by_tenancy = await gateway.get(f"/v1/tenancies/{tenancy['id']}/overview")
        assert_valid(document, "/v1/tenancies/{tenancy_id}/overview", by_tenancy)
        assert by_tenancy.json()["open_complaints"] != []

        view = await gateway.get(f"/v1/residents/{person}/contact-view")
        assert_valid(document, "/v1/residents/{resident_id}/contact-view", view)
        assert view.json()["needs"]["format_needs"] == ["large_print"]
        assert view.json()["open_complaints"] != []

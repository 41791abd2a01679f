"""A gas contractor's routes to compliance: it can list the checks assigned to it and
read back its own gas safety record, and the service serves each at the contractor's
own path, so the Location and a problem's `instance` it writes are URLs the contractor
may call (never a staff route that answers it 403)."""

from __future__ import annotations

import httpx
from gateway_stand_ins import StandIns

from gateway.app import create_app
from gateway.openapi_build import build_document, service_documents
from gateway.openapi_document import contractor_document
from gateway.routes.compliance import ROUTES
from gateway.settings import GatewaySettings

CONTRACTOR_ROWS = [row for row in ROUTES if "contractor" in row.scopes]


def test_the_service_serves_every_contractor_row_at_the_public_path() -> None:
    from compliance.app import create_app as compliance_app

    served = {
        (method.upper(), path)
        for path, item in compliance_app().openapi()["paths"].items()
        for method in item
    }
    for row in CONTRACTOR_ROWS:
        assert row.upstream_path is None, row.path
        assert (row.method, row.path) in served, row.path


def test_the_contractor_document_lists_its_checks_and_reads_its_records() -> None:
    app = create_app(GatewaySettings(environment="development"))
    document = contractor_document(build_document(app, service_documents()))
    listing = document["paths"]["/v1/contractor/compliance/checks"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"status", "type", "cursor", "limit"}
    assert "get" in document["paths"]["/v1/contractor/gas-safety-records/{record_id}"]


async def test_a_contractor_lists_its_checks_through_the_gateway(
    gateway: httpx.AsyncClient,
    contractor: dict[str, str],
    staff: dict[str, str],
    stand_ins: StandIns,
) -> None:
    path = "/v1/contractor/compliance/checks"
    before = len(stand_ins.received("compliance", "GET", path))
    await gateway.get(path, params={"status": "due", "type": "gas"}, headers=contractor)
    (seen,) = stand_ins.received("compliance", "GET", path)[before:]
    assert seen.query == "status=due&type=gas"
    refused = await gateway.get(path, headers=staff)
    assert refused.status_code == 403
    assert len(stand_ins.received("compliance", "GET", path)) == before + 1

    record = "/v1/contractor/gas-safety-records/0b3c2f0e-6f43-4f8e-9d5e-1f3f1d6f9a10"
    await gateway.get(record, headers=contractor)
    assert stand_ins.received("compliance", "GET", record)


async def test_a_contractor_records_a_gas_safety_check_at_the_path_issue_7_names(
    gateway: httpx.AsyncClient,
    contractor: dict[str, str],
    staff: dict[str, str],
    stand_ins: StandIns,
) -> None:
    """Issue 7 spells `POST /v1/gas-safety-records` for staff "or the contractor engineer
    with a contractor token for its own jobs". A contractor's token there reaches the
    service's contractor route (its own checks only, Location at its own URL), as
    `POST /v1/contractor/gas-safety-records` does; staff's reaches staff's."""
    staff_path, own_path = "/v1/gas-safety-records", "/v1/contractor/gas-safety-records"
    body = {"uprn": "100023336956"}
    before_staff = len(stand_ins.received("compliance", "POST", staff_path))
    before_own = len(stand_ins.received("compliance", "POST", own_path))

    answer = await gateway.post(staff_path, json=body, headers=contractor)
    assert answer.status_code not in (401, 403), answer.text
    (seen,) = stand_ins.received("compliance", "POST", own_path)[before_own:]
    assert b"100023336956" in seen.body

    await gateway.post(staff_path, json=body, headers=staff)
    assert len(stand_ins.received("compliance", "POST", staff_path)) == before_staff + 1
    assert len(stand_ins.received("compliance", "POST", own_path)) == before_own + 1


def test_the_staff_route_a_contractor_may_call_is_in_the_matrix_for_both() -> None:
    from gateway.authorisation import gateway_routes
    from gateway.roles import DEFAULT_ROLES

    (row,) = [
        r
        for r in gateway_routes(create_app(GatewaySettings(environment="development")))
        if (r.method, r.path) == ("POST", "/v1/gas-safety-records")
    ]
    assert row.allows(DEFAULT_ROLES["contractor"])
    assert row.allows(DEFAULT_ROLES["compliance_manager"])
    assert not row.allows(DEFAULT_ROLES["contact_centre"])

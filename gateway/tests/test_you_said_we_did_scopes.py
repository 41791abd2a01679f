"""Publishing "you said, we did" needs its own scope, `you-said-we-did:write`, held by
the roles that own the learning from complaints and feedback, not the survey writers'
`surveys:write` (docs/adr/0213); and a role that may publish may read."""

from __future__ import annotations

import uuid

import httpx
import pytest
from gateway_stand_ins import bearer, bearer_with_scopes

from gateway.app import create_app
from gateway.authorisation import gateway_routes
from gateway.roles import DEFAULT_ROLES, check_roles
from gateway.settings import GatewaySettings

ITEM = {
    "you_said": "Nobody rang back about the damp",
    "we_did": "Every damp report is now called back within a day",
    "published_on": "2026-04-01",
    "complaint_ids": [str(uuid.uuid4())],
}
ROUTES = {
    (r.method, r.path): r
    for r in gateway_routes(create_app(GatewaySettings(environment="development")))
}
PUBLISH = ROUTES["POST", "/v1/you-said-we-did"]
READS = [ROUTES["GET", "/v1/you-said-we-did"], ROUTES["GET", "/v1/you-said-we-did/{item_id}"]]


async def _publish(gateway: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await gateway.post(
        "/v1/you-said-we-did",
        json=ITEM,
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
    )


def test_publishing_needs_its_own_scope() -> None:
    assert PUBLISH.scopes == ("you-said-we-did:write",)
    assert ROUTES["POST", "/v1/surveys/responses"].scopes == ("surveys:write",)


@pytest.mark.parametrize("role", ["complaints_handler", "repairs_manager", "admin", "staff"])
def test_the_roles_that_own_the_learning_may_publish(role: str) -> None:
    assert PUBLISH.allows(DEFAULT_ROLES[role])


def test_the_contact_centre_records_survey_responses_but_does_not_publish() -> None:
    assert ROUTES["POST", "/v1/surveys/responses"].allows(DEFAULT_ROLES["contact_centre"])
    assert not PUBLISH.allows(DEFAULT_ROLES["contact_centre"])


@pytest.mark.parametrize("role", list(DEFAULT_ROLES))
def test_every_role_that_may_publish_may_read_what_it_published(role: str) -> None:
    if PUBLISH.allows(DEFAULT_ROLES[role]):
        assert all(read.allows(DEFAULT_ROLES[role]) for read in READS)


def test_a_configured_role_that_publishes_without_reading_stops_the_gateway_starting() -> None:
    roles = {**DEFAULT_ROLES, "comms": ("you-said-we-did:write",)}
    with pytest.raises(ValueError, match="'comms' grants 'you-said-we-did:write' without"):
        check_roles(roles)
    with pytest.raises(ValueError, match="surveys:read"):
        GatewaySettings(environment="development", roles=roles)


async def test_a_contact_centre_token_is_refused_naming_the_scope(
    gateway: httpx.AsyncClient,
) -> None:
    refused = await _publish(gateway, bearer("contact_centre"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["missing_scopes"] == ["you-said-we-did:write"]


async def test_a_token_minted_with_surveys_write_no_longer_publishes(
    gateway: httpx.AsyncClient,
) -> None:
    """A token the identity provider minted before the split, carrying surveys:write in
    its own scope, still records survey responses but publishes nothing (ADR 0213)."""
    old = bearer_with_scopes("surveys:read surveys:write")
    refused = await _publish(gateway, old)
    assert refused.status_code == 403, refused.text
    assert refused.json()["missing_scopes"] == ["you-said-we-did:write"]


@pytest.mark.parametrize("role", ["complaints_handler", "repairs_manager"])
async def test_a_complaints_handler_or_repairs_manager_publishes_and_reads(
    gateway: httpx.AsyncClient, role: str
) -> None:
    published = await _publish(gateway, bearer(role))
    assert published.status_code not in (401, 403), published.text
    listed = await gateway.get("/v1/you-said-we-did", headers=bearer(role))
    assert listed.status_code not in (401, 403), listed.text

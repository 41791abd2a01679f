"""The gateway's OpenAPI document: typed from the services' own, kept in the repository
as gateway/openapi.json (`make openapi`), served as it is, and its contractor part
published on its own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema

from gateway.app import create_app
from gateway.openapi_build import API_DOC, build_document, docs_with_matrix, service_documents
from gateway.openapi_document import PUBLISHED, contractor_document
from gateway.parts import PART_KEY
from gateway.settings import GatewaySettings
from hearth_kit.problems import PROBLEM_JSON


def test_gateway_openapi_json_is_what_make_openapi_writes() -> None:
    settings = GatewaySettings(environment="development")
    app = create_app(settings)
    built = build_document(app, service_documents())
    assert json.loads(PUBLISHED.read_text()) == built, "run `make openapi` and commit the result"
    assert docs_with_matrix(app, settings, API_DOC.read_text()) == API_DOC.read_text(), (
        "the authorisation matrix in docs/api.md is out of date: run `make openapi`"
    )


async def test_the_gateway_serves_the_published_document(gateway: httpx.AsyncClient) -> None:
    served = (await gateway.get("/openapi.json")).json()
    assert served == json.loads(PUBLISHED.read_text())


def test_pass_through_bodies_are_typed_from_the_owning_service() -> None:
    document = json.loads(PUBLISHED.read_text())
    body = document["paths"]["/v1/homes"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert "uprn" in schema["properties"]
    assert "x-hearth-upstream" not in json.dumps(document)


def test_every_error_the_gateway_documents_is_a_problem() -> None:
    document = json.loads(PUBLISHED.read_text())
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    assert list(response.get("content", {})) == [PROBLEM_JSON], (
                        f"{method} {path} {status}"
                    )
            if path.startswith("/v1/"):
                assert {"401", "429"} <= operation["responses"].keys(), f"{method} {path}"


async def test_the_contractor_document_holds_only_contractor_routes(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/v1/contractor/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert all(path.startswith("/v1/contractor/") for path in document["paths"])
    assert document == contractor_document(json.loads(PUBLISHED.read_text()))
    assert "Problem" in document["components"]["schemas"] or not document["paths"]


COMPOSITES = ("HomeOverview", "TenancyOverview", "ContactView", "ResidentNeeds")
"""The gateway's own answers made of the services' parts."""


def _bare_objects(schema: Any) -> Iterator[Any]:
    """Every object schema in `schema` that names no property and refers to nothing:
    any JSON object, which tells a client nothing."""
    if isinstance(schema, dict):
        if schema.get("type") == "object" and not schema.get("properties"):
            yield schema
        for item in schema.values():
            yield from _bare_objects(item)
    elif isinstance(schema, list):
        for item in schema:
            yield from _bare_objects(item)


def _fields(document: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """The property names of `schema` (a nullable one's object, a `$ref` followed)."""
    for branch in schema.get("anyOf", []):
        if branch != {"type": "null"}:
            schema = branch
    ref = schema.get("$ref")
    if ref is not None:
        schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return set(schema["properties"])


def _answer(services: dict[str, Any], service: str, method: str, path: str, status: str) -> Any:
    operation = services[service]["paths"][path][method]
    return operation["responses"][status]["content"]["application/json"]["schema"]


def test_every_composite_part_has_its_services_own_schema() -> None:
    document = json.loads(PUBLISHED.read_text())
    schemas = document["components"]["schemas"]
    for name in COMPOSITES:
        for field, schema in schemas[name]["properties"].items():
            assert not list(_bare_objects(schema)), f"{name}.{field} is any JSON object"
    assert PART_KEY not in json.dumps(document)

    services = service_documents()

    def fields_of(service: str, method: str, path: str, status: str = "200") -> set[str]:
        return _fields(services[service], _answer(services, service, method, path, status))

    home, tenancy, contact = (schemas[name]["properties"] for name in COMPOSITES[:3])
    compliance_status = fields_of("compliance", "get", "/v1/compliance/homes/{uprn}")
    rent_summary = fields_of("income", "get", "/v1/rent-accounts/{account_id}/summary")
    assert compliance_status >= {"gas_status", "gas_check_status", "checks"}
    for gas in (home["gas"], tenancy["gas"], contact["gas"]):
        assert _fields(document, gas) == compliance_status
    for rent in (home["rent"], tenancy["rent"], contact["rent"]):
        assert _fields(document, rent) == rent_summary
    # The home and the tenancy without the part the gateway takes out of them.
    registered_home = fields_of("compliance", "post", "/v1/homes", "201")
    assert _fields(document, home["home"]) == registered_home
    assert "compliance_status" not in registered_home
    one_tenancy = fields_of("income", "get", "/v1/tenancies/{tenancy_id}")
    for part in (home["tenancy"], tenancy["tenancy"]):
        assert _fields(document, part) == one_tenancy - {"rent_summary"}
    resident = fields_of("engagement", "get", "/v1/residents/{resident_id}")
    assert _fields(document, contact["resident"]) == resident
    assert _fields(document, home["residents"]["items"]) == resident
    assert home["gas"]["description"].startswith("The home's compliance checks")
    assert {"type": "null"} in home["gas"]["anyOf"]


def test_every_example_in_the_document_is_valid_for_its_schema() -> None:
    """An example that its own schema refuses (a part's record cut short, say) would
    mislead a client's developers."""
    document = json.loads(PUBLISHED.read_text())

    def invalid(schema: Any, where: str) -> Iterator[str]:
        if isinstance(schema, dict):
            examples = schema.get("examples")
            if isinstance(examples, list) and not where.endswith("/properties"):
                rest = {key: item for key, item in schema.items() if key != "examples"}
                validator = jsonschema.Draft202012Validator(
                    {**rest, "components": document["components"]}
                )
                for example in examples:
                    for error in validator.iter_errors(example):
                        yield f"{where}: {error.message}"
            for key, item in schema.items():
                yield from invalid(item, f"{where}/{key}")
        elif isinstance(schema, list):
            for index, item in enumerate(schema):
                yield from invalid(item, f"{where}/{index}")

    assert list(invalid(document["components"]["schemas"], "")) == []

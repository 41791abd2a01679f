"""The gateway's OpenAPI document: typed from the services' own, kept in the repository
as gateway/openapi.json (`make openapi`), served as it is, and its contractor part
published on its own."""

from __future__ import annotations

import json

import httpx

from gateway.app import create_app
from gateway.openapi_build import API_DOC, build_document, docs_with_matrix, service_documents
from gateway.openapi_document import PUBLISHED, contractor_document
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

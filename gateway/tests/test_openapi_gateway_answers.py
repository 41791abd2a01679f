"""What the gateway's document says of the gateway's own answers, built as `make
openapi` builds it: a 503's example fits the operation (a write's may or may not have
happened, naming the service that owns it), 429 and 503 declare the `Retry-After` the
gateway sends, every /v1 operation can answer 503 (a composite's when the identity
provider's keys cannot be fetched), every body has a schema, and the authorisation
matrix prints paths as the API shows them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.app import create_app
from gateway.openapi_build import API_DOC, build_document, docs_with_matrix, service_documents
from gateway.settings import GatewaySettings
from hearth_kit.problems import PROBLEM_JSON

Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document(
        create_app(GatewaySettings(environment="development")), service_documents()
    )


def _operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, item in document["paths"].items():
        if path.startswith("/v1/"):
            for method, operation in item.items():
                yield path, method, operation


def _unavailable(operation: dict[str, Any]) -> dict[str, Any]:
    example: dict[str, Any] = operation["responses"]["503"]["content"][PROBLEM_JSON]["example"]
    return example


def test_a_writes_503_example_says_it_may_have_happened_and_names_its_service(
    document: dict[str, Any],
) -> None:
    register = _unavailable(document["paths"]["/v1/homes"]["post"])
    assert register["service"] == "compliance"
    assert "The compliance service did not answer" in register["detail"]
    assert "may or may not have happened" in register["detail"]
    assert "same Idempotency-Key" in register["detail"]
    for path, method, operation in _operations(document):
        example = _unavailable(operation)
        if method == "get":
            assert "may or may not" not in example["detail"], f"{method} {path}"
        else:
            assert "may or may not have happened" in example["detail"], f"{method} {path}"
            assert f"The {example['service']} service" in example["detail"], f"{method} {path}"


def test_a_reads_503_example_names_its_service_and_says_nothing_changed(
    document: dict[str, Any],
) -> None:
    read = _unavailable(document["paths"]["/v1/compliance/homes/{uprn}"]["get"])
    assert read["service"] == "compliance"
    assert "Nothing was changed" in read["detail"]


@pytest.mark.parametrize(
    "path", ["/v1/homes/{uprn}", "/v1/tenancies/{tenancy_id}/overview", "/v1/reports/tsm"]
)
def test_a_composite_can_answer_503_when_the_keys_cannot_be_fetched(
    document: dict[str, Any], path: str
) -> None:
    assert _unavailable(document["paths"][path]["get"])["service"] == "identity-provider"


def test_429_and_503_declare_retry_after_on_every_v1_operation(
    document: dict[str, Any],
) -> None:
    for path, method, operation in _operations(document):
        for status in ("429", "503"):
            header = operation["responses"][status].get("headers", {}).get("Retry-After")
            assert header is not None, f"{method} {path} {status}"
            assert header["schema"] == {"type": "integer"}


def test_every_media_type_has_a_schema(document: dict[str, Any]) -> None:
    statement = document["paths"]["/v1/rent-accounts/{account_id}/statement"]["get"]
    assert statement["responses"]["200"]["content"]["text/html"]["schema"] == {"type": "string"}
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            for media_type, content in response.get("content", {}).items():
                assert "schema" in content, f"{method} {path} {status} {media_type}"


def test_the_matrix_prints_paths_without_their_type_markers() -> None:
    settings = GatewaySettings(environment="development")
    text = docs_with_matrix(create_app(settings), settings, API_DOC.read_text())
    assert "| `GET /v1/homes/{uprn}` |" in text
    assert not re.search(r"\| `[A-Z]+ [^`]*\{\w+:[^}]*\}", text)

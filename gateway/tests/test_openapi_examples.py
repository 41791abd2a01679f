"""Every JSON request body and success answer in the published document shows an
example, and each example is one its own schema accepts (JSON Schema 2020-12, the
dialect of OpenAPI 3.1): front-end and contractor developers copy them."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from gateway.openapi_document import PUBLISHED, contractor_document
from gateway.openapi_examples import ExampleBuilder, example_slots


def published() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(PUBLISHED.read_text())
    return document


def invalid_examples(document: dict[str, Any]) -> dict[str, list[str]]:
    schemas = document["components"]["schemas"]
    found: dict[str, list[str]] = {}
    for where, media in example_slots(document):
        if "example" not in media:
            found[where] = ["no example"]
            continue
        root = {"components": {"schemas": schemas}, **media["schema"]}
        checker = Draft202012Validator(root, format_checker=FormatChecker())
        errors = [error.message for error in checker.iter_errors(media["example"])]
        if errors:
            found[where] = errors
    return found


def test_the_document_is_openapi_3_1_so_examples_are_json_schema_2020_12() -> None:
    assert published()["openapi"].startswith("3.1")


def test_every_request_body_and_success_answer_has_a_valid_example() -> None:
    document = published()
    slots = example_slots(document)
    assert len(slots) > 150, "every operation's JSON bodies and 2xx answers"
    assert invalid_examples(document) == {}


def test_the_contractor_document_carries_the_same_examples() -> None:
    document = contractor_document(published())
    assert example_slots(document)
    assert invalid_examples(document) == {}


def test_key_examples_read_as_a_landlord_would_write_them() -> None:
    document = published()
    home = document["paths"]["/v1/homes"]["post"]["requestBody"]["content"]["application/json"]
    assert home["example"]["uprn"] == "100023336956"
    assert home["example"]["postcode"] == "E8 1DY"


def test_an_example_follows_the_schemas_if_then_rules() -> None:
    """A lite visit needs a channel: the example of a lite visit carries one."""
    schemas = {
        "Visit": {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["lite", "full"]},
                "channel": {
                    "anyOf": [{"type": "string", "enum": ["phone", "video"]}, {"type": "null"}]
                },
            },
            "required": ["kind"],
            "allOf": [
                {
                    "if": {"properties": {"kind": {"const": "lite"}}, "required": ["kind"]},
                    "then": {"required": ["channel"]},
                }
            ],
        }
    }
    builder = ExampleBuilder({"components": {"schemas": schemas}})
    assert builder.build({"$ref": "#/components/schemas/Visit"}) == {
        "kind": "lite",
        "channel": "phone",
    }


def test_a_sample_that_breaks_its_pattern_is_not_used() -> None:
    builder = ExampleBuilder({"components": {"schemas": {}}})
    uprn = builder.build({"type": "string", "pattern": "^[0-9]{7}$"}, "uprn")
    assert uprn == "1234567"

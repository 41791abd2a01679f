"""`make openapi`: the gateway's typed OpenAPI document, from the services' own.

    uv run python -m gateway.openapi_build          # writes gateway/openapi.json and the
                                                    # authorisation matrix in docs/api.md
    uv run python -m gateway.openapi_build --check  # exit 1 when either has drifted

Each service's app is built in-process (nothing is started) and asked for its OpenAPI
document. Every gateway operation marked with the service operation it passes through
to (`x-hearth-upstream`, gateway.proxy.upstream_openapi) takes that operation's
parameters, request body and responses, with their `$ref`s rewritten and the schemas
they use merged into the gateway's components (a name two services use for different
schemas gets the service's name in front). The gateway's own answers are added to
each: 401, 403, 429 and 503 as problems, 429 and 503 with the `Retry-After` header
they carry. A 503's example is what that operation would say: a read's names its service
and says nothing was changed, a write's that the write may or may not have happened and
to retry with the same Idempotency-Key, and a composite's (which answers with what it
has rather than a 503 when a service is slow) that the identity provider's keys could not
be fetched.

A composite's parts (the home overview's `home`, `gas`, `rent`, ...) are the services'
answers passed on, held as JSON objects; each part's field is marked with the service
answer it holds (`x-hearth-part`, gateway.parts), and its object schema is replaced by
that answer's schema (at the part's pointer in the service's response), merged the same
way, keeping the field's nullability, list-ness and description. Nothing is retyped by
hand, so the document says what the services accept and answer.

Last, every JSON request body and success answer is given an `example` built from its
schema and validated against it (gateway.openapi_examples); one that cannot be made
valid is left without and named on stderr.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import os
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from gateway.authorisation import gateway_routes, matrix_markdown
from gateway.openapi_document import PUBLISHED
from gateway.openapi_examples import add_examples
from gateway.parts import PART_KEY
from gateway.proxy import UPSTREAM_KEY
from gateway.settings import GatewaySettings
from hearth_contracts.topics import SERVICES
from hearth_kit.problems import PROBLEM_JSON

REPO = Path(__file__).resolve().parents[3]
API_DOC = REPO / "docs" / "api.md"
MATRIX_START = "<!-- authorisation-matrix:start (make openapi) -->"
MATRIX_END = "<!-- authorisation-matrix:end -->"

SCHEMA_REF = "#/components/schemas/"

GATEWAY_RESPONSES: dict[str, str] = {
    "401": "No valid bearer token (problem details; WWW-Authenticate says why)",
    "403": "The token lacks a scope this route needs: `missing_scopes` names them",
    "429": "Too many requests from this client: wait `Retry-After` seconds",
    "503": "The owning service did not answer in time: `detail` says whether a write may "
    "have happened; retry with the same Idempotency-Key",
}

JWKS_UNAVAILABLE = (
    "The token could not be checked: the identity provider's signing keys (JWKS) could "
    "not be fetched. Retry after `Retry-After` seconds"
)
"""The 503 of an operation that calls no one service: only its token check can fail so."""

RETRY_AFTER_HEADER: dict[str, Any] = {
    "Retry-After": {
        "description": "Whole seconds to wait before retrying",
        "schema": {"type": "integer"},
    }
}
"""The header the gateway sends with every 429 and 503."""

PATH_PARAMETER_TYPE = re.compile(r"\{(\w+):[^}]*\}")
"""A path parameter's type marker (`{uprn:home}`), which the routes use and the API's
paths do not show (`{uprn}`)."""

READ_METHODS = frozenset({"get", "head"})

ANNOTATIONS = ("title", "description", "examples", "default")
"""A composite field's own words, kept when its schema is replaced by its service's."""

NULL = {"type": "null"}

PROBLEM_EXAMPLES: dict[str, dict[str, Any]] = {
    "401": {
        "type": "https://hearth.example/problems/unauthorized",
        "title": "Unauthorized",
        "status": 401,
        "detail": "The token has expired",
    },
    "403": {
        "type": "https://hearth.example/problems/insufficient-scope",
        "title": "Forbidden",
        "status": 403,
        "detail": "This needs the scope repairs:read, which the token does not grant",
        "required_scopes": ["repairs:read"],
        "missing_scopes": ["repairs:read"],
    },
    "422": {
        "type": "https://hearth.example/problems/validation",
        "title": "Your request is not valid",
        "status": 422,
        "detail": "Invalid or missing fields: uprn",
        "errors": [
            {
                "field": "uprn",
                "location": "body",
                "message": "String should match pattern '^[0-9]{1,12}$'",
                "type": "string_pattern_mismatch",
            }
        ],
    },
    "429": {
        "type": "https://hearth.example/problems/too-many-requests",
        "title": "Too many requests",
        "status": 429,
        "detail": "This client made more than 50 requests a second; retry after 1 s",
    },
}


def unavailable_example(service: str | None, method: str) -> dict[str, Any]:
    """The 503 problem `method` on an operation owned by `service` answers when the
    service does not (gateway.proxy says the same), or, with no owning service, when the
    identity provider's keys cannot be fetched (gateway.auth)."""
    defaults = GatewaySettings.model_fields
    if service is None:
        service = "identity-provider"
        detail = (
            "The identity provider's signing keys could not be fetched, so the token "
            "cannot be checked. Try again shortly."
        )
    elif method.lower() in READ_METHODS:
        read = defaults["downstream_timeout_seconds"].default
        detail = (
            f"The {service} service did not answer (timed out after {read:g}s). Nothing "
            "was changed; retry shortly."
        )
    else:
        write = defaults["write_timeout_seconds"].default
        detail = (
            f"The {service} service did not answer (timed out after {write:g}s): the write "
            "may or may not have happened. Retry with the same Idempotency-Key: the service "
            "then returns the first outcome instead of writing twice."
        )
    return {
        "type": "https://hearth.example/problems/service-unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": detail,
        "service": service,
    }


def service_documents() -> dict[str, dict[str, Any]]:
    """Each service's OpenAPI document, from its app built in-process."""
    os.environ.setdefault("HEARTH_ENVIRONMENT", "development")
    documents: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        app: FastAPI = importlib.import_module(f"{service}.app").create_app()
        documents[service] = app.openapi()
    return documents


class _Merger:
    """Copies service operations into the gateway's document, schemas and all."""

    def __init__(self, gateway: dict[str, Any], services: dict[str, dict[str, Any]]) -> None:
        self.gateway = gateway
        self.services = services
        self.schemas: dict[str, Any] = gateway.setdefault("components", {}).setdefault(
            "schemas", {}
        )
        self.names: dict[tuple[str, str], str] = {}
        self.missing: list[str] = []
        self.owners: dict[tuple[str, str], str] = {}
        """(path, method) -> the service a pass-through operation goes to."""

    def name_for(self, service: str, name: str) -> str:
        """The gateway's name for `service`'s schema `name`, adding it when new."""
        if (service, name) in self.names:
            return self.names[(service, name)]
        source = self.services[service]["components"]["schemas"][name]
        chosen = name
        self.names[(service, name)] = chosen  # before recursing: schemas may refer to themselves
        rewritten = self.rewrite(service, source)
        if chosen in self.schemas and self.schemas[chosen] != rewritten:
            chosen = service.capitalize() + name
            self.names[(service, name)] = chosen
            rewritten = self.rewrite(service, source)
        self.schemas[chosen] = rewritten
        return chosen

    def rewrite(self, service: str, value: Any) -> Any:
        """`value` with every component `$ref` pointing at the gateway's copy."""
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key == "$ref" and isinstance(item, str) and item.startswith(SCHEMA_REF):
                    out[key] = SCHEMA_REF + self.name_for(service, item[len(SCHEMA_REF) :])
                else:
                    out[key] = self.rewrite(service, item)
            return out
        if isinstance(value, list):
            return [self.rewrite(service, item) for item in value]
        return value

    def type_operation(self, path: str, method: str, operation: dict[str, Any]) -> None:
        upstream = operation.pop(UPSTREAM_KEY, None)
        if upstream is None:
            return
        service = upstream["service"]
        self.owners[(path, method)] = service
        source = (
            self.services[service]
            .get("paths", {})
            .get(upstream["path"], {})
            .get(upstream["method"].lower())
        )
        if source is None:
            self.missing.append(f"{method.upper()} {path} -> {service} {upstream['path']}")
            return
        source = self.rewrite(service, copy.deepcopy(source))
        operation["parameters"] = [
            p for p in source.get("parameters", []) if p.get("name", "").lower() != "authorization"
        ]
        if not operation["parameters"]:
            del operation["parameters"]
        if "requestBody" in source:
            operation["requestBody"] = source["requestBody"]
        else:
            operation.pop("requestBody", None)
        responses = {
            status: response
            for status, response in source.get("responses", {}).items()
            if status != "401"  # the service's 401 is about the gateway's token, not the caller's
        }
        for status, response in operation.get("responses", {}).items():
            if status in GATEWAY_RESPONSES or status not in responses:
                responses.setdefault(status, response)
        operation["responses"] = dict(sorted(responses.items()))
        if source.get("description") and not operation.get("description"):
            operation["description"] = source["description"]

    def type_part(self, where: str, field: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
        """A composite field's schema (`where`: its model and name) with its object (each
        item's, for a list; the non-null one, for a nullable field) replaced by the
        service's schema for the part (gateway.parts.from_service)."""
        service = part["service"]
        operation = (
            self.services[service].get("paths", {}).get(part["path"], {}).get(part["method"])
        )
        if operation is None:
            raise ValueError(f"{where}: {service} has no {part['method'].upper()} {part['path']}")
        try:
            response = operation["responses"][part["status"]]
            node = response["content"]["application/json"]["schema"]
            for token in part["pointer"].split("/")[1:]:
                node = self.resolved(service, node)[token.replace("~1", "/").replace("~0", "~")]
        except (KeyError, TypeError) as missing:
            raise ValueError(
                f"{where}: {service} {part['method'].upper()} {part['path']} {part['status']} "
                f"has nothing at {part['pointer']!r} ({missing})"
            ) from None
        node = _not_null(node)
        if part.get("without"):
            node = self.without(service, node, part["without"])
        return _typed(field, self.rewrite(service, copy.deepcopy(node)), top=True)

    def resolved(self, service: str, node: dict[str, Any]) -> dict[str, Any]:
        """`node` with its `$ref` followed and a nullable `anyOf` taken as its non-null
        branch, so a pointer goes through both."""
        while True:
            node = _not_null(node)
            ref = node.get("$ref")
            if not (isinstance(ref, str) and ref.startswith(SCHEMA_REF)):
                return node
            node = self.services[service]["components"]["schemas"][ref[len(SCHEMA_REF) :]]

    def without(self, service: str, node: dict[str, Any], names: list[str]) -> dict[str, Any]:
        """The object schema `node` without the properties `names` (which the gateway
        takes out of the answer): the service's own schema of that shape when it has
        one (a `$ref`), else the reduced copy."""
        source = self.resolved(service, node)
        properties = {k: v for k, v in source.get("properties", {}).items() if k not in names}
        required = [name for name in source.get("required", []) if name not in names]
        for name, schema in self.services[service]["components"]["schemas"].items():
            if schema.get("properties") == properties and schema.get("required", []) == required:
                return {"$ref": SCHEMA_REF + name}
        reduced = {k: v for k, v in source.items() if k not in ("title", "properties", "required")}
        return {**reduced, "properties": properties, "required": required}


def _not_null(node: dict[str, Any]) -> dict[str, Any]:
    """A nullable schema's (`anyOf: [X, null]`) non-null branch, without the words the
    service put on its own field (the gateway's field has its own); any other as it is."""
    branches = node.get("anyOf")
    if isinstance(branches, list) and NULL in branches:
        others = [branch for branch in branches if branch != NULL]
        if len(others) == 1:
            only: dict[str, Any] = others[0]
            return only
    return node


def _typed(field: dict[str, Any], target: dict[str, Any], *, top: bool = False) -> dict[str, Any]:
    """`field`'s schema with `target` in place of its value: in each non-null branch of a
    nullable field, as the items of a list field. The field's title, description and
    examples stay."""
    if isinstance(field.get("anyOf"), list):
        return {
            **field,
            "anyOf": [b if b == NULL else _typed(b, target) for b in field["anyOf"]],
        }
    if field.get("type") == "array":
        return {**field, "items": _typed(field["items"], target)}
    kept = {key: field[key] for key in ANNOTATIONS if key in field} if top else {}
    return {**target, **kept}


def _type_parts(document: dict[str, Any], merger: _Merger) -> None:
    """Every composite field marked with its service's part (`x-hearth-part`) typed with
    that part's schema, the mark dropped."""
    schemas = document["components"]["schemas"]
    for name in list(schemas):
        properties = schemas[name].get("properties", {})
        for field, schema in properties.items():
            part = schema.pop(PART_KEY, None)
            if part is not None:
                properties[field] = merger.type_part(f"{name}.{field}", schema, part)


def _add_gateway_answers(document: dict[str, Any], owners: dict[tuple[str, str], str]) -> None:
    """Every /v1 route can answer 401, 403 (when it needs a scope), 429 and 503 (its
    service did not answer, or, for any, the identity provider's keys could not be
    fetched); each error response carries an example problem, and 429 and 503 declare
    `Retry-After`. `owners`: the service each pass-through operation goes to."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            owner = owners.get((path, method))
            if path.startswith("/v1/"):
                for status in ("401", "429"):
                    responses.setdefault(status, {"description": GATEWAY_RESPONSES[status]})
                responses.setdefault(
                    "503",
                    {"description": GATEWAY_RESPONSES["503"] if owner else JWKS_UNAVAILABLE},
                )
            for status, response in responses.items():
                example = (
                    unavailable_example(owner, method)
                    if status == "503"
                    else PROBLEM_EXAMPLES.get(status)
                )
                content = response.get("content", {})
                if PROBLEM_JSON in content and example is not None:
                    content[PROBLEM_JSON].setdefault("example", example)
                if status in ("401", "429", "503") and PROBLEM_JSON not in content:
                    response["content"] = {
                        PROBLEM_JSON: {
                            "schema": {"$ref": SCHEMA_REF + "Problem"},
                            "example": example,
                        }
                    }
                if status in ("429", "503"):
                    response.setdefault("headers", {}).update(copy.deepcopy(RETRY_AFTER_HEADER))
            operation["responses"] = dict(sorted(responses.items()))


def build_document(app: FastAPI, services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The gateway's typed document: `app`'s own, with each pass-through operation typed
    from `services`' documents."""
    document = copy.deepcopy(app.state.generated_openapi())
    merger = _Merger(document, services)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            merger.type_operation(path, method, operation)
    _type_parts(document, merger)
    if merger.missing:
        document.setdefault("info", {})["x-untyped-routes"] = merger.missing
    _add_gateway_answers(document, merger.owners)
    document["components"]["schemas"] = dict(sorted(document["components"]["schemas"].items()))
    add_examples(document, report=lambda line: print(line, file=sys.stderr))
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def docs_with_matrix(app: FastAPI, settings: GatewaySettings, text: str) -> str:
    """docs/api.md's text with the authorisation matrix between its markers replaced. Paths
    are printed as the API shows them: `{uprn}`, not the route's `{uprn:home}`."""
    routes = [
        replace(route, path=PATH_PARAMETER_TYPE.sub(r"{\1}", route.path))
        for route in gateway_routes(app)
    ]
    table = matrix_markdown(routes, settings.roles)
    start, end = text.find(MATRIX_START), text.find(MATRIX_END)
    if start < 0 or end < start:
        return text
    return text[: start + len(MATRIX_START)] + "\n\n" + table + "\n" + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.openapi_build")
    parser.add_argument("--check", action="store_true", help="exit 1 when a file has drifted")
    args = parser.parse_args(argv)
    os.environ.setdefault("HEARTH_ENVIRONMENT", "development")
    from gateway.app import create_app

    settings = GatewaySettings()
    app = create_app(settings)
    outputs = {
        PUBLISHED: render(build_document(app, service_documents())),
        API_DOC: docs_with_matrix(app, settings, API_DOC.read_text() if API_DOC.exists() else ""),
    }
    drifted = [
        path for path, text in outputs.items() if not path.exists() or path.read_text() != text
    ]
    if args.check:
        for path in drifted:
            print(f"{path.relative_to(REPO)} is out of date: run `make openapi`", file=sys.stderr)
        return 1 if drifted else 0
    for path in drifted:
        path.write_text(outputs[path])
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The OpenAPI document the gateway serves, and its contractor part.

The document is built ahead of time by `make openapi` (gateway.openapi_build: the
request and response schemas taken from the services' own documents) and kept in the
repository as gateway/openapi.json; the gateway serves that file at /openapi.json. A
test fails when it drifts from what the build would write now. Without the file (a
checkout that never ran the build) the gateway serves the document FastAPI generates,
whose pass-through bodies are untyped.

The contractor part, `/v1/contractor/openapi.json`, holds only the `/v1/contractor/`
routes and the schemas they use, so a contractor's developers see nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request

PUBLISHED = Path(__file__).resolve().parents[2] / "openapi.json"
"""gateway/openapi.json, written by `make openapi`."""

CONTRACTOR_PREFIX = "/v1/contractor/"


def serve_published_openapi(app: FastAPI, published: Path = PUBLISHED) -> None:
    """Make `app.openapi()` answer the published document (read once), keeping the
    generated one as `app.state.generated_openapi` for the build."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    app.state.generated_openapi = generate
    cache: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if "document" not in cache:
            cache["document"] = (
                json.loads(published.read_text()) if published.exists() else generate()
            )
        document: dict[str, Any] = cache["document"]
        return document

    # FastAPI's documented way to change the document is to replace app.openapi, which
    # mypy reports as assigning to a method.
    app.openapi = openapi  # type: ignore[method-assign]


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item.rsplit("/", 1)[-1]
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def used_components(document: dict[str, Any], roots: Any) -> dict[str, Any]:
    """The component schemas `roots` refer to, directly or through each other."""
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    seen: dict[str, Any] = {}
    pending = list(_refs(roots))
    while pending:
        name = pending.pop()
        if name in seen or name not in schemas:
            continue
        seen[name] = schemas[name]
        pending.extend(_refs(schemas[name]))
    return dict(sorted(seen.items()))


def contractor_document(document: dict[str, Any]) -> dict[str, Any]:
    """The part of `document` a contractor's client uses."""
    paths = {
        path: item for path, item in document["paths"].items() if path.startswith(CONTRACTOR_PREFIX)
    }
    components = dict(document.get("components", {}))
    components["schemas"] = used_components(document, paths)
    return {
        **document,
        "info": {
            **document["info"],
            "title": "Hearth contractor API",
            "description": "The routes a contractor's system calls with its client-credentials "
            "token (scope `contractor`, bound to one contractor). See docs/contractors.md.",
        },
        "paths": paths,
        "components": components,
    }


contractor_openapi_router = APIRouter(tags=["contractor"])


@contractor_openapi_router.get("/v1/contractor/openapi.json", include_in_schema=False)
async def contractor_openapi(request: Request) -> dict[str, Any]:
    """The contractor API's own OpenAPI document (no token needed: it is documentation)."""
    return contractor_document(request.app.openapi())

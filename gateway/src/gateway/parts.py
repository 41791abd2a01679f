"""Where a composite's part comes from, so its schema is the owning service's own.

A composite (the home overview, the tenancy overview, the resident contact view) holds
each part as the JSON its service answered (`dict[str, Any]`: the gateway passes it on,
it does not re-validate it). Declared so, every part would be a bare object in the
OpenAPI document and a generated client would see none of its fields. Each part's field
is marked instead with the service operation it is taken from and where in that
operation's answer it sits (`x-hearth-part`); `make openapi` (gateway.openapi_build)
replaces the field's object schema by that piece of the service's document, merged into
the gateway's components like a pass-through operation's, keeping the field's
nullability, list-ness and description. Nothing is retyped by hand, so the document
changes when the service's answer does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hearth_contracts.topics import Service

PART_KEY = "x-hearth-part"
"""Marks a composite's field with the service answer it holds; `make openapi` replaces
the field's schema with that answer's and drops the mark."""

ITEMS = "/properties/items/items"
"""The pointer to one item of a list route's page (`{"items": [...], "next_cursor"}`):
a part that is a list route's first page, as the gateway keeps only its items."""


def from_service(
    service: Service,
    path: str,
    pointer: str = "",
    *,
    method: str = "get",
    status: str = "200",
    without: Sequence[str] = (),
) -> dict[str, Any]:
    """`json_schema_extra` for a composite field whose every value (each item, for a
    list field) is what `service` answers to `method path` with `status`, at `pointer`
    (a JSON Pointer into that response's schema, `$ref`s followed; "" for the whole
    answer), with the properties named in `without` taken out (the gateway removes them:
    another part carries them)."""
    part: dict[str, Any] = {
        "service": service,
        "method": method,
        "path": path,
        "status": status,
        "pointer": pointer,
    }
    if without:
        part["without"] = list(without)
    return {PART_KEY: part}

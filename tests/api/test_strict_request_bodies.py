"""Every request body of every service takes its booleans, integers, days and moments
only in the JSON type its OpenAPI document states (hearth_kit.strict_types), so that
Schemathesis' negative data (0 for false, "5" for 5, a number of seconds for a moment)
is refused. A new request field of a lax type fails here, naming it, before the
Schemathesis run would. No broker or database: the apps are built, never started."""

from __future__ import annotations

import datetime as dt
import enum
import importlib
import json
import types
import typing
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic.functional_validators import BeforeValidator

from tests.harness.platform import SERVICE_NAMES

LAX = (bool, int, float, dt.date, dt.datetime, dt.time, dt.timedelta)
LAX_PYDANTIC = (
    pydantic.AwareDatetime,
    pydantic.NaiveDatetime,
    pydantic.PastDate,
    pydantic.FutureDate,
    pydantic.PastDatetime,
    pydantic.FutureDatetime,
)
RAW_CONSTRAINTS = {"ge", "gt", "le", "lt", "min_length", "max_length"}
"""Constraint names pydantic writes into a document as unknown keywords when it cannot
apply them to a validated type (instead of minimum, maxLength, ...)."""


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route


def _strict(metadata: list[Any]) -> bool:
    return any(getattr(m, "strict", None) for m in metadata) or any(
        isinstance(m, BeforeValidator) for m in metadata
    )


def _lax_fields(annotation: Any, metadata: list[Any], where: str, seen: set[type]) -> Iterator[str]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *more = typing.get_args(annotation)
        yield from _lax_fields(inner, [*metadata, *more], where, seen)
        return
    if origin is typing.Literal:
        return
    if origin in (typing.Union, types.UnionType, list, tuple, set, frozenset, dict):
        for argument in typing.get_args(annotation):
            if argument is not type(None) and argument is not Ellipsis:
                yield from _lax_fields(argument, metadata, where, seen)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for name, field in annotation.model_fields.items():
            yield from _lax_fields(
                field.annotation, list(field.metadata), f"{annotation.__name__}.{name}", seen
            )
        return
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return
    lax = annotation in LAX_PYDANTIC or (
        isinstance(annotation, type) and issubclass(annotation, LAX)
    )
    if lax and not _strict(metadata):
        yield f"{where}: {getattr(annotation, '__name__', annotation)}"


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            if key != "properties":  # property names are not keywords
                yield from _keys(value)
            else:
                for schema in value.values():
                    yield from _keys(schema)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_request_body_field_is_strict_about_its_json_type(service: str) -> None:
    app = importlib.import_module(f"{service}.app").create_app()
    lax: list[str] = []
    seen: set[type] = set()
    for route in _routes(app.routes):
        for parameter in route.dependant.body_params:
            info = parameter.field_info
            lax += [
                f"{route.path}: {field}"
                for field in _lax_fields(info.annotation, list(info.metadata), "body", seen)
            ]
    assert not lax, "read leniently (use hearth_kit.strict_types):\n" + "\n".join(sorted(lax))
    document = app.openapi()
    unknown = RAW_CONSTRAINTS & set(_keys(document["components"].get("schemas", {})))
    assert not unknown, f"constraints written as unknown keywords: {unknown}"
    assert json.dumps(document)  # the document still renders


def test_a_residents_needs_are_cleared_with_an_empty_list_never_null() -> None:
    """A null list of needs was stored as such and broke the resident (a 500 found by
    Schemathesis); the schema and the model now refuse it, naming the field."""
    from engagement.residents.schemas import ResidentUpdate

    for name in ("format_needs", "accessibility_needs"):
        with pytest.raises(pydantic.ValidationError) as refused:
            ResidentUpdate.model_validate({name: None})
        assert refused.value.errors()[0]["loc"] == (name,)
        assert ResidentUpdate.model_validate({name: []}).model_dump(exclude_unset=True) == {
            name: []
        }
        assert name not in ResidentUpdate.model_validate({}).model_dump(exclude_unset=True)
        schema = ResidentUpdate.model_json_schema()["properties"][name]
        assert schema["type"] == "array"
        assert "default" not in schema

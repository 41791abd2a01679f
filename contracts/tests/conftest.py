"""Shared helpers for the contract tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hearth_contracts.catalogue import default_root
from hearth_contracts.events.base import Event


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return default_root()


def example_from_schema(node: dict[str, Any], root: dict[str, Any]) -> Any:
    """A minimal valid JSON value for a pydantic-generated schema (our subset of it)."""
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        return example_from_schema(target, root)
    if "anyOf" in node:
        alternatives = [a for a in node["anyOf"] if a.get("type") != "null"]
        return example_from_schema(alternatives[0], root)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        return {
            name: example_from_schema(prop, root)
            for name, prop in node.get("properties", {}).items()
        }
    if kind == "array":
        return [example_from_schema(node["items"], root)] * max(1, node.get("minItems", 1))
    if kind == "integer":
        return max(node.get("minimum", 1), node.get("exclusiveMinimum", 0) + 1)
    if kind == "number":
        return max(node.get("minimum", 1), node.get("exclusiveMinimum", 0) + 1)
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = node.get("format")
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt == "date-time":
            return "2025-10-27T09:30:00+00:00"
        if fmt == "date":
            return "2025-10-27"  # a Monday
        if node.get("pattern") == "^[0-9]{1,12}$":
            return "100023336956"
        return "x" * max(node.get("minLength", 1), 1)
    raise AssertionError(f"no example for schema {node}")


def _example_event(cls: type[Event]) -> Event:
    """A valid instance of an event type, built from its own schema."""
    schema = cls.model_json_schema()
    return cls.model_validate(example_from_schema(schema, schema))


@pytest.fixture(scope="session")
def example_event() -> Callable[[type[Event]], Event]:
    """Builds a valid instance of any event type (test modules cannot import conftest)."""
    return _example_event

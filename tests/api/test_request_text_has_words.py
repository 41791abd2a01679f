"""A text value a request must give (a string with a minimum length) takes something
besides whitespace: a tenant's name, a defect's description, a complaint's summary of
"   " was kept as given, a value the caller had to send that says nothing. Each such
string's schema has a pattern no whitespace-only text matches (`\\S` where the text is
free), so the document says it and the service refuses it, a 422 naming the field.
No broker or database: the apps are built, never started."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from hearth_kit.text_patterns import SPACE_TO_ANY_ENGINE
from tests.harness.platform import SERVICE_NAMES

WHITESPACE_ONLY = (" ", "   ", "\t", " \n ")


def _refs(document: dict[str, Any], node: Any, seen: set[str]) -> Iterator[dict[str, Any]]:
    """Every schema inside `node`, following $refs once each."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                yield from _refs(document, document["components"]["schemas"][name], seen)
            return
        yield node
        for key, value in node.items():
            if key == "properties":
                for schema in value.values():
                    yield from _refs(document, schema, seen)
            elif key not in ("examples", "example", "default", "const", "enum"):
                yield from _refs(document, value, seen)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(document, item, seen)


def _alternatives(document: dict[str, Any], prop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A property's own schema and its alternatives (`anyOf` with null), and its items
    when it is a list of strings; nested objects are walked as schemas of their own."""
    ref = prop.get("$ref")
    if isinstance(ref, str):
        prop = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    yield prop
    for each in (*prop.get("anyOf", ()), *prop.get("oneOf", ()), prop.get("items", {})):
        yield from _alternatives(document, each) if each else ()


def _says_nothing(schema: dict[str, Any]) -> bool:
    """A required text (minLength 1 or more, free or patterned) that whitespace alone
    would satisfy."""
    if schema.get("type") != "string" or "format" in schema or "enum" in schema:
        return False
    if int(schema.get("minLength", 0)) < 1:
        return False
    pattern = schema.get("pattern")
    longest = int(schema.get("maxLength", 10**6))
    return any(
        len(text) <= longest and (pattern is None or re.search(pattern, text))
        for text in WHITESPACE_ONLY
        if len(text) >= int(schema["minLength"])
    )


def _request_strings(document: dict[str, Any]) -> Iterator[str]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                for schema in _refs(document, media.get("schema", {}), set()):
                    for name, prop in schema.get("properties", {}).items():
                        if any(map(_says_nothing, _alternatives(document, prop))):
                            yield f"{method.upper()} {path}: {name}"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_text_a_request_must_give_takes_more_than_whitespace(service: str) -> None:
    document = importlib.import_module(f"{service}.app").create_app().openapi()
    empty = sorted(set(_request_strings(document)))
    assert not empty, "whitespace alone is taken (add pattern=HAS_WORDS):\n" + "\n".join(empty)


def _patterns(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every pattern a request's body or parameters state, with where."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", ()):
                for schema in _refs(document, parameter.get("schema", {}), set()):
                    if "pattern" in schema:
                        yield f"{where}: {parameter['name']}", schema["pattern"]
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                for schema in _refs(document, media.get("schema", {}), set()):
                    if "pattern" in schema:
                        yield where, schema["pattern"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_pattern_says_space_the_way_every_regex_engine_reads_it(service: str) -> None:
    """`\\s` and `\\S` match different characters in Python, in pydantic's Rust regex and
    in the document's ECMA-262 dialect (hearth_kit.text_patterns): a text of U+001F
    was valid by the document and refused by the service. A pattern names space only
    as the kit's union of the three."""
    loose = sorted(
        {
            f"{where}: {pattern}"
            for where, pattern in _patterns(
                importlib.import_module(f"{service}.app").create_app().openapi()
            )
            if re.search(r"\\[sS]", pattern.replace(SPACE_TO_ANY_ENGINE, ""))
        }
    )
    assert not loose, "use hearth_kit.text_patterns (HAS_WORDS, ONE_WORD):\n" + "\n".join(loose)

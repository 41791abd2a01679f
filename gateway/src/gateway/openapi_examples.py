"""An example for every request body and success answer in the gateway's document.

Front-end and contractor developers read gateway/openapi.json to integrate; a schema
says what is allowed, an example shows what a real request or answer looks like. The
examples are built from the schemas themselves when `make openapi` runs (nothing is
written by hand per operation), so they change when a service's schema does.

A value is chosen, in order, from the field's own `examples`, `example`, `default`,
`const` or first `enum`; else a landlord's sample for a field of that name (a UPRN, a
postcode, an amount in pence); else one for its `format`; else one for its type. Each
string is held to its own `pattern` and lengths, the next candidate tried when one
fails. An object has its required fields and the optional ones with a sample of their
own (or a name this module knows). The conditional rules the services state
(`if`/`then`, `oneOf` of "exactly one of these") are followed. Personal data is made up
and looks it ("A. Tenant", example.org).

The build validates every example against its schema (JSON Schema 2020-12, OpenAPI
3.1's dialect) and leaves out, and reports, any it could not make valid: the document
never shows an example its own schema refuses.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_REF = "#/components/schemas/"
JSON = "application/json"
NULL = {"type": "null"}

SAMPLE_UUID = "3f2b8c1e-5d4a-4e7b-9c6f-1a2b3c4d5e6f"
SAMPLE_DATE = "2026-11-20"
SAMPLE_END_DATE = "2026-11-27"
SAMPLE_DATE_TIME = "2026-11-20T10:30:00Z"
SAMPLE_END_DATE_TIME = "2026-11-20T12:30:00Z"

END_NAMES = re.compile(r"(^|_)(to|end|ends|until|by|expires)(_|$)|_end$|end_date|_ended")
"""Fields that close a period: their dates come after the ones that open it."""

NAMED_STRINGS: dict[str, list[str]] = {
    "uprn": ["100023336956"],
    "postcode": ["E8 1DY"],
    "address_line_1": ["12 Mare Street"],
    "address_line_2": ["Flat 3"],
    "town": ["London"],
    "full_name": ["A. Tenant"],
    "name": ["Mare Street"],
    "engineer_name": ["A. Engineer"],
    "email": ["tenant@example.org"],
    "phone": ["020 7946 0000"],
    "gas_safe_number": ["1234567"],
    "certificate_reference": ["GS-2026-0001"],
    "last_certificate_reference": ["GS-2026-0001"],
    "tenancy_reference": ["T-000123"],
    "reference": ["PAY-000123"],
    "language": ["en"],
    "estate_id": ["mare-street"],
    "block_id": ["1001"],
    "contractor_id": ["acme-plumbing"],
    "sor_code": ["SOR-001"],
    "location": ["Kitchen"],
    "room": ["Kitchen"],
    "description": ["The kitchen tap drips constantly"],
    "summary": ["The kitchen tap drips constantly"],
    "notes": ["Tenant prefers morning appointments"],
    "access_information": ["Key safe by the front door"],
    "accessibility_notes": ["Step-free access needed"],
    "slot": ["am"],
    "piece_id": ["piece-1"],
    "evidence": ["photos/2026-11-20-kitchen-wall.jpg"],
    "photo_reference": ["photos/2026-11-20-kitchen-tap.jpg"],
    "year": ["2026-27"],
    "you_said": ["Repairs took too long to book"],
    "we_did": ["We added Saturday appointments"],
    "officer": ["officer-1"],
    "handler": ["handler-1"],
    "attempted_by": ["officer-1"],
    "reason": ["tenant_request"],
    "hazard_type": ["damp_and_mould"],
    "next_cursor": [],
}
"""Landlord-realistic strings by field name. Names of people are made up on purpose."""

FALLBACK_STRINGS = [
    "example",
    "Example text",
    "en",
    "json",
    "piece-1",
    "100023336956",
    "2026-27",
    "2026-11",
    "1234567",
    "E8 1DY",
    "damp",
    "abc",
]
"""Strings tried, in order, for a string with nothing better, until one fits its pattern."""


class ExampleBuilder:
    """Builds one deterministic example for a schema of `document`'s components."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})

    # --- schemas -------------------------------------------------------------------

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """`schema` with its `$ref` followed (the reference's own words kept)."""
        seen = 0
        while isinstance(schema.get("$ref"), str) and schema["$ref"].startswith(SCHEMA_REF):
            target = self.schemas[schema["$ref"][len(SCHEMA_REF) :]]
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            seen += 1
            if seen > 20:
                break
        return schema

    def merge(self, base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        """`base` narrowed by `extra` (a `then`'s property rules): properties merged
        field by field, `required` joined, other keywords `extra`'s."""
        base = self.resolve(base)
        extra = self.resolve(extra)
        base = _non_null(base) if extra.get("not") == NULL else base
        merged = dict(base)
        for key, value in extra.items():
            if key == "properties":
                properties = dict(base.get("properties", {}))
                for name, rule in value.items():
                    properties[name] = (
                        self.merge(properties[name], rule) if name in properties else rule
                    )
                merged["properties"] = properties
            elif key == "required":
                merged["required"] = list(dict.fromkeys([*base.get("required", []), *value]))
            elif key == "items" and "items" in base:
                merged["items"] = self.merge(base["items"], value)
            elif key == "not" and value == NULL:
                continue
            elif key in ("enum", "const"):
                merged.pop("anyOf", None)
                merged.pop("$ref", None)
                merged[key] = value
            else:
                merged[key] = value
        return merged

    # --- values --------------------------------------------------------------------

    def build(self, schema: dict[str, Any], name: str = "", depth: int = 0) -> Any:
        """An example of `schema` (a field called `name`)."""
        if depth > 12:
            return None
        schema = self.resolve(schema)
        for key in ("examples",):
            if isinstance(schema.get(key), list) and schema[key]:
                return copy.deepcopy(schema[key][0])
        for key in ("example", "const"):
            if key in schema:
                return copy.deepcopy(schema[key])
        if "enum" in schema:
            values = [v for v in schema["enum"] if v is not None]
            return values[0] if values else None
        if "default" in schema and schema["default"] is not None:
            return copy.deepcopy(schema["default"])
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema.get("type") != "object":
                branches = [b for b in schema[key] if self.resolve(b) != NULL]
                if branches and "properties" not in schema:
                    return self.build({**_annotations(schema), **branches[0]}, name, depth + 1)
        if isinstance(schema.get("allOf"), list) and "properties" not in schema:
            merged: dict[str, Any] = {}
            for branch in schema["allOf"]:
                merged = self.merge(merged, branch) if merged else self.resolve(branch)
            return self.build(merged, name, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind == "object" or "properties" in schema:
            return self.build_object(schema, depth)
        if kind == "array":
            item = self.build(schema.get("items", {}), _singular(name), depth + 1)
            count = max(1, schema.get("minItems", 1))
            if schema.get("maxItems") == 0:
                return []
            return [copy.deepcopy(item) for _ in range(count)]
        if kind == "string":
            return self.build_string(schema, name)
        if kind == "integer":
            return self.build_number(schema, name, integer=True)
        if kind == "number":
            return self.build_number(schema, name, integer=False)
        if kind == "boolean":
            return name in ("consent", "landlord_owned", "safe_to_use")
        if kind == "null":
            return None
        return None

    def build_object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        value: dict[str, Any] = {}
        for name, field in properties.items():
            if name in required or self.has_own_sample(field, name):
                value[name] = self.build(field, name, depth + 1)
        if not properties and isinstance(schema.get("additionalProperties"), dict):
            extra = schema["additionalProperties"]
            minimum = schema.get("minProperties", 0)
            if minimum:
                value["name"] = self.build(extra, "name", depth + 1)
        self.follow_rules(schema, value, depth)
        return value

    def has_own_sample(self, field: dict[str, Any], name: str) -> bool:
        """Whether an optional field is worth showing: it has an example of its own, or
        is a field this module knows a sample for."""
        resolved = self.resolve(field)
        own = _non_null(resolved)
        own = self.resolve(own)
        if "examples" in resolved or "example" in resolved or "examples" in own:
            return True
        if NAMED_STRINGS.get(name):
            # a free text the name's sample can fill; an optional choice (an enum) is
            # left out, since its first value may contradict the rest of the body
            return own.get("type") == "string" and not {"enum", "const"} & own.keys()
        return False

    def follow_rules(self, schema: dict[str, Any], value: dict[str, Any], depth: int) -> None:
        """Make `value` meet the object's conditional rules: each `if` that holds
        applies its `then`; a `oneOf` of alternatives keeps the first only."""
        rules: list[dict[str, Any]] = []
        for rule in schema.get("allOf", []):
            rule = self.resolve(rule)
            if "oneOf" in rule:
                rules.append({"oneOf": rule["oneOf"]})
            if "if" in rule:
                rules.append(rule)
        if "oneOf" in schema and "properties" in schema:
            rules.insert(0, {"oneOf": schema["oneOf"]})
        properties: dict[str, Any] = schema.get("properties", {})
        for rule in rules:
            if "oneOf" in rule:
                first, *others = [self.resolve(b) for b in rule["oneOf"]]
                keep = set(first.get("required", []))
                for other in others:
                    for name in other.get("required", []):
                        if name not in keep:
                            value.pop(name, None)
                self.apply(first, properties, value, depth)
            elif _valid(rule["if"], value, self.schemas):
                self.apply(rule.get("then", {}), properties, value, depth)

    def apply(
        self, then: dict[str, Any], properties: dict[str, Any], value: dict[str, Any], depth: int
    ) -> None:
        rules: dict[str, Any] = then.get("properties", {})
        for name in then.get("required", []):
            if value.get(name) is None:
                field = self.merge(properties.get(name, {}), rules.get(name, {}))
                value[name] = self.build(field, name, depth + 1)
        for name, rule in rules.items():
            if rule == NULL:
                value.pop(name, None)
            elif name in value and not _valid(rule, value[name], self.schemas):
                value[name] = self.build(self.merge(properties.get(name, {}), rule), name, depth)

    def build_string(self, schema: dict[str, Any], name: str) -> str | None:
        candidates = list(NAMED_STRINGS.get(name, []))
        fmt = schema.get("format")
        late = bool(END_NAMES.search(name))
        if fmt == "uuid" or ((name == "id" or name.endswith("_id")) and not candidates):
            candidates.append(SAMPLE_UUID)
        if fmt == "date":
            candidates.insert(0, SAMPLE_END_DATE if late else SAMPLE_DATE)
        if fmt == "date-time":
            candidates.insert(0, SAMPLE_END_DATE_TIME if late else SAMPLE_DATE_TIME)
        if fmt == "email":
            candidates.insert(0, "tenant@example.org")
        if fmt in ("uri", "url"):
            candidates.insert(0, "https://hearth.example/")
        candidates += FALLBACK_STRINGS
        for candidate in candidates:
            if _fits_string(schema, candidate):
                return candidate
        minimum = schema.get("minLength", 0)
        padded = "a" * max(minimum, 1)
        return padded if _fits_string(schema, padded) else None

    def build_number(self, schema: dict[str, Any], name: str, *, integer: bool) -> int | float:
        if name.endswith("_pence"):
            wanted: float = 2250
        elif name in ("quantity", "attempt_number", "count"):
            wanted = 1
        elif name.endswith("_months"):
            wanted = 6
        elif name == "duration_minutes":
            wanted = 60
        else:
            wanted = 1
        low = schema.get("minimum")
        high = schema.get("maximum")
        if "exclusiveMinimum" in schema:
            low = schema["exclusiveMinimum"] + 1
        if "exclusiveMaximum" in schema:
            high = schema["exclusiveMaximum"] - 1
        if low is not None and wanted < low:
            wanted = low
        if high is not None and wanted > high:
            wanted = high
        return int(wanted) if integer else float(wanted)


def _annotations(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k in ("title", "description")}


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    branches = schema.get("anyOf")
    if isinstance(branches, list):
        others = [b for b in branches if b != NULL]
        if others:
            return {**_annotations(schema), **others[0]}
    return schema


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name


def _fits_string(schema: dict[str, Any], value: str) -> bool:
    if len(value) < schema.get("minLength", 0):
        return False
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return False
    pattern = schema.get("pattern")
    if pattern and re.search(pattern, value) is None:
        return False
    return _valid_format(schema, value)


def _valid_format(schema: dict[str, Any], value: str) -> bool:
    fmt = schema.get("format")
    if fmt is None:
        return True
    return FormatChecker().conforms(value, fmt)


def validator(schema: Any, schemas: dict[str, Any]) -> Draft202012Validator:
    """A JSON Schema 2020-12 validator (OpenAPI 3.1's dialect) for `schema`, its
    `#/components/schemas/` references resolved within the document, formats checked."""
    root = {"components": {"schemas": schemas}, **schema} if isinstance(schema, dict) else schema
    return Draft202012Validator(root, format_checker=FormatChecker())


def _valid(schema: Any, value: Any, schemas: dict[str, Any]) -> bool:
    return bool(validator(schema, schemas).is_valid(value))


def problems(schema: Any, value: Any, schemas: dict[str, Any]) -> list[str]:
    """Why `value` is not valid for `schema` (empty when it is)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in validator(schema, schemas).iter_errors(value)
    ]


def example_slots(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every place an example belongs: each operation's JSON request body and each of
    its 2xx JSON answers, named ("POST /v1/homes request", "GET /v1/homes/{uprn} 200")."""
    slots: list[tuple[str, dict[str, Any]]] = []
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            where = f"{method.upper()} {path}"
            body = operation.get("requestBody", {}).get("content", {}).get(JSON)
            if body is not None and "schema" in body:
                slots.append((f"{where} request", body))
            for status, response in operation.get("responses", {}).items():
                media = response.get("content", {}).get(JSON)
                if status.startswith("2") and media is not None and "schema" in media:
                    slots.append((f"{where} {status}", media))
    return slots


def add_examples(
    document: dict[str, Any], report: Callable[[str], None] | None = None
) -> list[str]:
    """Give every request body and success answer in `document` an example valid
    against its schema (one it already has is kept); the slots it could not, named."""
    builder = ExampleBuilder(document)
    schemas = builder.schemas
    left_out: list[str] = []
    for where, media in example_slots(document):
        if "example" in media:
            continue
        example = builder.build(media["schema"])
        why = problems(media["schema"], example, schemas)
        if why:
            left_out.append(where)
            if report is not None:
                report(f"no example for {where}: {'; '.join(why[:3])}")
            continue
        media["example"] = example
    return left_out

"""Schema compatibility: may a published event type's schema change this way?

A published event type is read by consumers deployed independently of its producer,
and its old events stay in the topic to be replayed. So a change is compatible only if
both sides keep working:

- old consumers read new events: they ignore fields they do not know, but they still
  validate every field they do know with the old rules;
- new consumers read old events: a field the old producer never sent must be optional.

Hence the one compatible change is adding an OPTIONAL property (in the event or in a
value nested in it). Everything else that changes what validates is a problem:
removing a property, making a property required or no longer required, changing a
type or format, adding or removing enum values (old consumers reject a new value),
changing a bound, pattern or default, and changing the Kafka key, subject, topic or
producer (`x-hearth`). Titles, descriptions and examples may change freely.

A breaking change is a new `.vN` event type, published alongside the old one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]

ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "examples",
        "$comment",
        "$defs",
        "definitions",
        "$id",
        "$schema",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)
"""Keywords that document a schema without changing what validates."""

STRUCTURE = frozenset(
    {"properties", "required", "items", "prefixItems", "anyOf", "oneOf", "allOf", "$ref"}
)
"""Keywords compared structurally (recursively) rather than by value."""

HEARTH_METADATA = ("type", "producer", "topic", "key", "subject")
"""`x-hearth` entries that must never change: they decide where events go and in what
order."""

_LOWER_BOUNDS = frozenset({"minimum", "exclusiveMinimum", "minLength", "minItems"})
_UPPER_BOUNDS = frozenset({"maximum", "exclusiveMaximum", "maxLength", "maxItems"})


def compatibility_problems(old_schema: Schema, new_schema: Schema) -> list[str]:
    """Why `new_schema` may not replace the published `old_schema` (empty: compatible).

    Both are JSON Schemas as pydantic generates them (local `$ref`s into `$defs`).
    """
    problems: list[str] = []
    old_meta = old_schema.get("x-hearth") or {}
    new_meta = new_schema.get("x-hearth") or {}
    for entry in HEARTH_METADATA:
        if old_meta.get(entry) != new_meta.get(entry):
            problems.append(
                f"x-hearth.{entry} changed from {_show(old_meta.get(entry))} "
                f"to {_show(new_meta.get(entry))}"
            )
    _compare(old_schema, new_schema, "", old_schema, new_schema, problems, set())
    return problems


def catalogue_problems(
    published: Mapping[str, Schema],
    current: Mapping[str, Schema],
    retired: frozenset[str] = frozenset(),
) -> list[str]:
    """Problems across whole catalogues, both keyed by CloudEvents type.

    A published type that is missing from `current` is a problem unless it is listed in
    `retired` (removed on purpose after its deprecation period). New types are fine.
    """
    problems: list[str] = []
    for ce_type in sorted(published):
        if ce_type not in current:
            if ce_type not in retired:
                problems.append(
                    f"{ce_type}: event type removed (publish a deprecation and list it as "
                    "retired instead)"
                )
            continue
        problems.extend(
            f"{ce_type}: {problem}"
            for problem in compatibility_problems(published[ce_type], current[ce_type])
        )
    return problems


def _compare(
    old: Schema,
    new: Schema,
    path: str,
    old_root: Schema,
    new_root: Schema,
    problems: list[str],
    seen: set[tuple[str, str]],
) -> None:
    # Guard against recursive models: never re-enter a pair of definitions that is
    # already being compared further up.
    refs = (str(old.get("$ref")), str(new.get("$ref")))
    if "$ref" in old and "$ref" in new:
        if refs in seen:
            return
        seen.add(refs)
        try:
            _compare_resolved(
                _resolve(old, old_root),
                _resolve(new, new_root),
                path,
                old_root,
                new_root,
                problems,
                seen,
            )
        finally:
            seen.discard(refs)
    else:
        _compare_resolved(
            _resolve(old, old_root),
            _resolve(new, new_root),
            path,
            old_root,
            new_root,
            problems,
            seen,
        )


def _compare_resolved(
    old: Schema,
    new: Schema,
    path: str,
    old_root: Schema,
    new_root: Schema,
    problems: list[str],
    seen: set[tuple[str, str]],
) -> None:
    where = path or "(event)"

    old_props: Mapping[str, Schema] = old.get("properties") or {}
    new_props: Mapping[str, Schema] = new.get("properties") or {}
    old_required = set(old.get("required") or ())
    new_required = set(new.get("required") or ())
    for name in old_props:
        child = _join(path, name)
        if name not in new_props:
            problems.append(f"{child}: property removed")
            continue
        if name in old_required and name not in new_required:
            problems.append(f"{child}: no longer required (old consumers expect it in every event)")
        if name not in old_required and name in new_required:
            problems.append(f"{child}: now required (old events in the topic do not have it)")
        _compare(old_props[name], new_props[name], child, old_root, new_root, problems, seen)
    for name in new_props:
        if name not in old_props and name in new_required:
            problems.append(
                f"{_join(path, name)}: new required property (only optional properties "
                "may be added)"
            )
    for name in sorted(new_required - set(new_props) - old_required):
        problems.append(f"{_join(path, name)}: now required")

    if "items" in old or "items" in new:
        if isinstance(old.get("items"), Mapping) and isinstance(new.get("items"), Mapping):
            _compare(old["items"], new["items"], f"{path}[]", old_root, new_root, problems, seen)
        elif old.get("items") != new.get("items"):
            problems.append(f"{where}: items changed")

    for keyword in ("anyOf", "oneOf", "allOf", "prefixItems"):
        old_alts = old.get(keyword)
        new_alts = new.get(keyword)
        if old_alts is None and new_alts is None:
            continue
        if old_alts is None or new_alts is None or len(old_alts) != len(new_alts):
            problems.append(
                f"{where}: type changed ({keyword} {_summary(old, old_root)} -> "
                f"{_summary(new, new_root)})"
            )
            continue
        for index, (old_alt, new_alt) in enumerate(zip(old_alts, new_alts, strict=True)):
            _compare(
                old_alt, new_alt, f"{path}<{keyword}{index}>", old_root, new_root, problems, seen
            )

    for keyword in sorted((set(old) | set(new)) - ANNOTATIONS - STRUCTURE):
        if keyword.startswith("x-"):
            continue
        if (
            keyword == "additionalProperties"
            and isinstance(old.get(keyword), Mapping)
            and isinstance(new.get(keyword), Mapping)
        ):
            _compare(old[keyword], new[keyword], f"{path}{{*}}", old_root, new_root, problems, seen)
            continue
        if keyword not in new:
            why = (
                "old events would be read differently"
                if keyword == "default"
                else ("old consumers still enforce it")
            )
            problems.append(f"{where}: {keyword} {_show(old[keyword])} removed ({why})")
        elif keyword not in old:
            why = (
                "old events would be read differently"
                if keyword == "default"
                else ("a new constraint")
            )
            problems.append(f"{where}: {keyword} {_show(new[keyword])} added ({why})")
        elif old[keyword] != new[keyword]:
            problems.append(f"{where}: {_describe(keyword, old[keyword], new[keyword])}")


def _describe(keyword: str, before: Any, after: Any) -> str:
    if keyword == "enum" and isinstance(before, list) and isinstance(after, list):
        removed = [v for v in before if v not in after]
        added = [v for v in after if v not in before]
        parts = []
        if removed:
            parts.append(f"enum values removed {_show(removed)} (old events would not validate)")
        if added:
            parts.append(f"enum values added {_show(added)} (old consumers would reject them)")
        return "; ".join(parts) or "enum reordered"
    if keyword in _LOWER_BOUNDS | _UPPER_BOUNDS and _numbers(before, after):
        tighter = after > before if keyword in _LOWER_BOUNDS else after < before
        way = "tightened" if tighter else "loosened (old consumers still enforce the old bound)"
        return f"{keyword} {way}: {_show(before)} -> {_show(after)}"
    if keyword == "type":
        return f"type changed: {_show(before)} -> {_show(after)}"
    return f"{keyword} changed: {_show(before)} -> {_show(after)}"


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _resolve(node: Schema, root: Schema, depth: int = 0) -> Schema:
    """Follow a local `$ref` (siblings of the `$ref` override the target)."""
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    if depth > 32:
        raise ValueError(f"$ref chain too deep at {ref}")
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, not {ref!r}")
    target: Any = root
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    merged = {**_resolve(target, root, depth + 1), **{k: v for k, v in node.items() if k != "$ref"}}
    return merged


def _summary(node: Schema, root: Schema) -> str:
    alts = node.get("anyOf") or node.get("oneOf") or node.get("allOf")
    if isinstance(alts, list):
        return "|".join(_summary(_resolve(a, root), root) for a in alts)
    if "enum" in node:
        return str(node.get("title") or "enum")
    return str(node.get("type") or node.get("title") or "?")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True)

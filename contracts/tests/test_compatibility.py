"""Published event types only change compatibly.

`contracts/schemas/` is the published baseline. Three checks guard it:

1. the current models against the committed schema files (catches an incompatible
   model change even when nobody regenerated the files);
2. the committed schema files against the same files at a git baseline: `HEAD`, and
   the merge-base with `origin/main` when there is one, or `$HEARTH_CONTRACTS_BASELINE`
   when set (catches regenerating the files for a breaking change); skipped when git
   or the baseline is not available;
3. `compatibility_problems` itself, on small hand-made schemas.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hearth_contracts import catalogue
from hearth_contracts.compatibility import catalogue_problems, compatibility_problems

BASELINE_ENV = "HEARTH_CONTRACTS_BASELINE"


def committed_schemas(root: Path) -> dict[str, dict[str, Any]]:
    """The schema files in the working tree, by CloudEvents type."""
    return {
        path.name.removesuffix(".json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((root / catalogue.SCHEMAS_DIR).glob("*.json"))
    }


def _git(root: Path, *args: str) -> str | None:
    if shutil.which("git") is None:
        return None
    try:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    return result.stdout if result.returncode == 0 else None


def baseline_refs(root: Path) -> list[str]:
    """The git revisions to compare the committed schemas against."""
    if _git(root, "rev-parse", "--is-inside-work-tree") is None:
        return []
    if os.environ.get(BASELINE_ENV):
        return [os.environ[BASELINE_ENV]]
    refs = []
    merge_base = _git(root, "merge-base", "HEAD", "origin/main")
    if merge_base:
        refs.append(merge_base.strip())
    if _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}") is not None:
        refs.append("HEAD")
    return list(dict.fromkeys(refs))


def schemas_at(root: Path, ref: str) -> dict[str, dict[str, Any]]:
    """The schema files as they were at a git revision (empty when there were none)."""
    listing = _git(root, "ls-tree", "--name-only", f"{ref}:{catalogue.SCHEMAS_DIR}")
    if not listing:
        return {}
    schemas = {}
    for name in listing.split():
        if not name.endswith(".json"):
            continue
        text = _git(root, "show", f"{ref}:{catalogue.SCHEMAS_DIR}/{name}")
        if text is not None:
            schemas[name.removesuffix(".json")] = json.loads(text)
    return schemas


# --- the catalogue against its published baseline ----------------------------------


def test_models_are_compatible_with_the_committed_schemas(repo_root: Path) -> None:
    published = committed_schemas(repo_root)
    problems = catalogue_problems(published, catalogue.schemas(), catalogue.RETIRED_TYPES)
    assert not problems, (
        "Event models changed incompatibly with their published schemas in "
        "contracts/schemas (a breaking change is a new .vN event type):\n  " + "\n  ".join(problems)
    )


def test_committed_schemas_are_compatible_with_the_git_baseline(repo_root: Path) -> None:
    refs = baseline_refs(repo_root)
    if not refs:
        pytest.skip("git or a baseline revision is not available")
    for ref in refs:
        if _git(repo_root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") is None:
            pytest.fail(f"${BASELINE_ENV}={ref} is not a git revision")
    current = committed_schemas(repo_root)
    problems = []
    for ref in refs:
        problems += [
            f"against {ref}: {problem}"
            for problem in catalogue_problems(
                schemas_at(repo_root, ref), current, catalogue.RETIRED_TYPES
            )
        ]
    assert not problems, (
        "Committed schemas in contracts/schemas changed incompatibly (a breaking change "
        "is a new .vN event type, published alongside the old one):\n  " + "\n  ".join(problems)
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_git_baseline_check_catches_a_regenerated_breaking_change(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    schemas_dir = tmp_path / catalogue.SCHEMAS_DIR
    schemas_dir.mkdir(parents=True)
    ce_type = "uk.hearth.visits.visit-completed.v1"
    published = catalogue.schemas()[ce_type]
    (schemas_dir / f"{ce_type}.json").write_text(catalogue.render_json(published))
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "baseline")

    breaking = json.loads(json.dumps(published))
    del breaking["properties"]["hazards_found"]
    (schemas_dir / f"{ce_type}.json").write_text(catalogue.render_json(breaking))

    assert baseline_refs(tmp_path) == ["HEAD"]
    assert schemas_at(tmp_path, "HEAD") == {ce_type: published}
    problems = catalogue_problems(schemas_at(tmp_path, "HEAD"), committed_schemas(tmp_path))
    assert problems == [f"{ce_type}: hazards_found: property removed"]

    (schemas_dir / f"{ce_type}.json").unlink()
    problems = catalogue_problems(schemas_at(tmp_path, "HEAD"), committed_schemas(tmp_path))
    assert len(problems) == 1
    assert "event type removed" in problems[0]


def test_every_published_schema_is_compatible_with_itself() -> None:
    for ce_type, schema in catalogue.schemas().items():
        assert compatibility_problems(schema, schema) == [], ce_type


# --- compatibility_problems on hand-made schemas -----------------------------------


def schema(
    properties: dict[str, Any], required: list[str], defs: dict[str, Any] | None = None
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "type": "object",
        "title": "Example",
        "properties": properties,
        "required": required,
        "x-hearth": {
            "type": "uk.hearth.visits.example.v1",
            "producer": "visits",
            "topic": "hearth.visits.events",
            "key": "uprn",
            "subject": "id",
        },
    }
    if defs:
        document["$defs"] = defs
    return document


UPRN = {"type": "string", "pattern": "^[0-9]{1,12}$"}
ID = {"type": "string", "format": "uuid"}
KIND = {"enum": ["full", "lite"], "type": "string", "title": "Kind"}
BASE = schema(
    {
        "id": ID,
        "uprn": UPRN,
        "kind": {"$ref": "#/$defs/Kind"},
        "count": {"type": "integer", "minimum": 0},
        "note": {
            "anyOf": [{"type": "string", "maxLength": 100}, {"type": "null"}],
            "default": None,
        },
    },
    ["id", "uprn", "kind", "count"],
    {"Kind": KIND},
)


def changed(**edits: Any) -> dict[str, Any]:
    new = json.loads(json.dumps(BASE))
    for path, value in edits.items():
        *parents, last = path.split("__")
        node = new
        for part in parents:
            node = node[part]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return new


def test_identical_is_compatible() -> None:
    assert compatibility_problems(BASE, json.loads(json.dumps(BASE))) == []


def test_added_optional_property_is_compatible() -> None:
    new = changed(properties__extra={"anyOf": [ID, {"type": "null"}], "default": None})
    assert compatibility_problems(BASE, new) == []


def test_documentation_may_change() -> None:
    new = changed(title="Renamed", description="Now documented")
    new["properties"]["count"]["description"] = "How many"
    new["$defs"]["Kind"]["title"] = "VisitKind"
    assert compatibility_problems(BASE, new) == []


def test_removed_property_is_a_problem() -> None:
    assert compatibility_problems(BASE, changed(properties__note=None)) == [
        "note: property removed"
    ]


def test_new_required_property_is_a_problem() -> None:
    new = changed(properties__extra=ID, required=[*BASE["required"], "extra"])
    problems = compatibility_problems(BASE, new)
    assert problems == ["extra: new required property (only optional properties may be added)"]


def test_optional_becoming_required_is_a_problem() -> None:
    new = changed(required=[*BASE["required"], "note"])
    assert any("note: now required" in p for p in compatibility_problems(BASE, new))


def test_required_becoming_optional_is_a_problem() -> None:
    new = changed(required=["id", "uprn", "kind"])
    assert any("count: no longer required" in p for p in compatibility_problems(BASE, new))


def test_changed_type_is_a_problem() -> None:
    problems = compatibility_problems(BASE, changed(properties__count={"type": "string"}))
    assert any("count: type changed" in p for p in problems)


def test_changed_format_is_a_problem() -> None:
    new = changed(properties__id={"type": "string", "format": "uri"})
    assert any("id: format changed" in p for p in compatibility_problems(BASE, new))


def test_becoming_nullable_is_a_problem() -> None:
    new = changed(properties__uprn={"anyOf": [UPRN, {"type": "null"}]})
    assert any("uprn: type changed" in p for p in compatibility_problems(BASE, new))


def test_narrowed_enum_is_a_problem() -> None:
    new = changed(**{"$defs__Kind__enum": ["full"]})
    problems = compatibility_problems(BASE, new)
    assert len(problems) == 1
    assert "kind: enum values removed" in problems[0]


def test_widened_enum_is_a_problem_for_old_consumers() -> None:
    new = changed(**{"$defs__Kind__enum": ["full", "lite", "survey"]})
    problems = compatibility_problems(BASE, new)
    assert len(problems) == 1
    assert "enum values added" in problems[0]


def test_tightened_constraints_are_problems() -> None:
    assert any(
        "count: minimum tightened" in p
        for p in compatibility_problems(BASE, changed(properties__count__minimum=1))
    )
    assert any(
        "maximum" in p and "added" in p
        for p in compatibility_problems(BASE, changed(properties__count__maximum=10))
    )
    new = changed(properties__uprn={"type": "string", "pattern": "^[0-9]{12}$"})
    assert any("uprn: pattern changed" in p for p in compatibility_problems(BASE, new))
    new = changed(
        properties__note={"anyOf": [{"type": "string", "maxLength": 50}, {"type": "null"}]}
    )
    assert any("maxLength tightened" in p for p in compatibility_problems(BASE, new))


def test_changed_default_is_a_problem() -> None:
    new = changed(properties__note={**BASE["properties"]["note"], "default": "none"})
    assert any("note: default changed" in p for p in compatibility_problems(BASE, new))


def test_changed_key_or_subject_is_a_problem() -> None:
    new = changed(**{"x-hearth__key": "id"})
    assert compatibility_problems(BASE, new) == ['x-hearth.key changed from "uprn" to "id"']


def test_nested_objects_follow_the_same_rules() -> None:
    tenant = {
        "type": "object",
        "properties": {"person_id": ID, "full_name": {"type": "string"}},
        "required": ["person_id", "full_name"],
    }
    old = schema(
        {"id": ID, "tenants": {"type": "array", "items": {"$ref": "#/$defs/Tenant"}}},
        ["id", "tenants"],
        {"Tenant": tenant},
    )
    added = json.loads(json.dumps(old))
    added["$defs"]["Tenant"]["properties"]["title"] = {"type": "string", "default": ""}
    assert compatibility_problems(old, added) == []
    removed = json.loads(json.dumps(old))
    del removed["$defs"]["Tenant"]["properties"]["full_name"]
    removed["$defs"]["Tenant"]["required"] = ["person_id"]
    assert compatibility_problems(old, removed) == ["tenants[].full_name: property removed"]


def test_removed_event_type_is_a_problem() -> None:
    problems = catalogue_problems({"uk.hearth.visits.example.v1": BASE}, {})
    assert len(problems) == 1
    assert "event type removed" in problems[0]
    retired = frozenset({"uk.hearth.visits.example.v1"})
    assert catalogue_problems({"uk.hearth.visits.example.v1": BASE}, {}, retired) == []


def test_new_event_type_is_compatible() -> None:
    assert catalogue_problems({}, {"uk.hearth.visits.example.v1": BASE}) == []


def test_a_real_breaking_model_change_is_caught() -> None:
    published = catalogue.schemas()["uk.hearth.repairs.repair-completed.v1"]
    new = json.loads(json.dumps(published))
    new["properties"]["right_first_time"] = {"type": "string"}
    assert compatibility_problems(published, new) == [
        'right_first_time: type changed: "boolean" -> "string"'
    ]

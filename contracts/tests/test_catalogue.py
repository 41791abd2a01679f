"""The generated contract files match the models, and the catalogue is consistent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from hearth_contracts import catalogue
from hearth_contracts.envelope import dataschema_for
from hearth_contracts.events.base import event_types
from hearth_contracts.topics import SERVICES, events_topic


def test_generated_files_are_up_to_date(repo_root: Path) -> None:
    differences = catalogue.check(repo_root)
    assert not differences, (
        "Generated contract files are out of date: run `make contracts` "
        "(uv run python -m hearth_contracts.catalogue) and commit the result:\n  "
        + "\n  ".join(differences)
    )


def test_the_catalogue_is_consistent() -> None:
    assert catalogue.catalogue_problems() == []


def test_every_event_type_has_a_row() -> None:
    rows = catalogue.catalogue_rows()
    assert [row.type for row in rows] == list(catalogue.schemas())
    assert {row.type for row in rows} == set(event_types())
    assert [row.producer for row in rows] == sorted(
        (row.producer for row in rows), key=SERVICES.index
    )
    for row in rows:
        assert row.topic == events_topic(row.producer)
        assert row.description
        assert row.producer not in row.consumers


def test_the_projections_the_architecture_names() -> None:
    consumed_by = {
        service: {t for t, consumers in catalogue.CONSUMERS.items() if service in consumers}
        for service in SERVICES
    }

    def t(service: str, name: str) -> str:
        return f"uk.hearth.{service}.{name}.v1"

    assert {
        t("visits", "visit-found-repair"),
        t("visits", "hazard-identified"),
        t("compliance", "property-registered"),
        t("compliance", "safety-defect-found"),
        t("engagement", "vulnerability-recorded"),
    } <= consumed_by["repairs"]
    assert {
        t("compliance", "property-registered"),
        t("income", "tenancy-started"),
        t("income", "arrears-stage-changed"),
        t("engagement", "vulnerability-recorded"),
        t("engagement", "resident-registered"),
        t("compliance", "check-due"),
    } <= consumed_by["visits"]
    assert {t("repairs", "recharge-raised"), t("compliance", "property-registered")} <= (
        consumed_by["income"]
    )
    assert {
        t("income", "tenancy-started"),
        t("repairs", "repair-completed"),
        t("visits", "visit-completed"),
        t("compliance", "check-completed"),
    } <= consumed_by["engagement"]


def test_schema_files_carry_id_and_metadata(repo_root: Path) -> None:
    for ce_type, cls in event_types().items():
        path = repo_root / catalogue.schema_path(ce_type)
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["$id"] == dataschema_for(ce_type)
        assert schema["x-hearth"] == {
            "type": ce_type,
            "producer": cls.service,
            "topic": events_topic(cls.service),
            "key": cls.key_field,
            "subject": cls.subject_field,
        }
        assert schema["description"] == cls.meaning
        assert path.read_text(encoding="utf-8").endswith("}\n")


def test_asyncapi_document(repo_root: Path) -> None:
    document = yaml.safe_load((repo_root / catalogue.ASYNCAPI_FILE).read_text(encoding="utf-8"))
    assert document["asyncapi"] == "3.0.0"
    assert {c["address"] for c in document["channels"].values()} == {
        events_topic(s) for s in SERVICES
    }
    messages = document["components"]["messages"]
    assert {m["name"] for m in messages.values()} == set(event_types())
    for message in messages.values():
        payload = repo_root / "contracts" / message["payload"]["$ref"]
        assert payload.is_file()
        headers = message["headers"]["allOf"]
        assert headers[0] == {"$ref": "#/components/schemas/CloudEventsHeaders"}
        assert headers[1]["properties"]["ce_type"] == {"const": message["name"]}
    operations = document["operations"]
    for service in SERVICES:
        send = operations[f"{service}-publish"]
        assert send["action"] == "send"
        assert send["channel"] == {"$ref": f"#/channels/{service}"}
    received = {
        (name.split("-receive-")[0], ref["$ref"].rsplit("/", 1)[1])
        for name, op in operations.items()
        if op["action"] == "receive"
        for ref in op["messages"]
    }
    expected = {
        (consumer, row.model) for row in catalogue.catalogue_rows() for consumer in row.consumers
    }
    assert received == expected
    # every reference inside the document resolves
    for ref in _refs(document):
        if ref.startswith("#/"):
            node = document
            for part in ref[2:].split("/"):
                node = node[part]


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_docs_list_every_event_type(repo_root: Path) -> None:
    text = (repo_root / catalogue.DOCS_FILE).read_text(encoding="utf-8")
    for ce_type in event_types():
        assert f"`{ce_type}`" in text
    for service in SERVICES:
        assert f"## {service}" in text


def test_check_writes_nothing_and_reports_missing_files(tmp_path: Path) -> None:
    assert catalogue.main(["--check", "--root", str(tmp_path)]) == 1
    assert list(tmp_path.iterdir()) == []


def test_generate_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert catalogue.main(["--root", str(tmp_path)]) == 0
    assert catalogue.main(["--check", "--root", str(tmp_path)]) == 0
    assert len(list((tmp_path / catalogue.SCHEMAS_DIR).glob("*.json"))) == len(event_types())

    schema = tmp_path / catalogue.schema_path("uk.hearth.visits.visit-completed.v1")
    schema.write_text(schema.read_text() + " ")
    stale = tmp_path / catalogue.SCHEMAS_DIR / "uk.hearth.visits.visit-vanished.v1.json"
    stale.write_text("{}\n")
    capsys.readouterr()
    assert catalogue.main(["--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "uk.hearth.visits.visit-completed.v1.json (differs)" in err
    assert "uk.hearth.visits.visit-vanished.v1.json (no model" in err
    assert "make contracts" in err

    # regenerating repairs the drift but never deletes a published schema silently
    assert catalogue.main(["--root", str(tmp_path)]) == 1
    assert stale.is_file()
    assert catalogue.check(tmp_path) == [
        f"{catalogue.SCHEMAS_DIR}/uk.hearth.visits.visit-vanished.v1.json "
        "(no model declares this type)"
    ]


def test_generation_is_deterministic() -> None:
    assert catalogue.generated_files() == catalogue.generated_files()


def test_the_runtime_package_does_not_need_yaml() -> None:
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['yaml'] = None\n"
        "import hearth_contracts, hearth_contracts.catalogue as c\n"
        "assert len(c.catalogue_rows()) >= 32\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

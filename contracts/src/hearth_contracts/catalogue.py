"""The event catalogue: who publishes and who consumes each event type, and the files
generated from the models.

    uv run python -m hearth_contracts.catalogue          # (re)write the generated files
    uv run python -m hearth_contracts.catalogue --check  # exit 1 if any is out of date

Generated, and committed, from the pydantic models:

- `contracts/schemas/<ce-type>.json`: one JSON Schema per event type, its `$id` the
  envelope's `ce_dataschema` URN, with `x-hearth` metadata (type, producer, topic,
  key field, subject field). These files are the published baseline: the contract
  tests fail when a model no longer matches them compatibly.
- `contracts/asyncapi.yaml`: an AsyncAPI 3.0.0 document (one channel per service
  topic, one message per event type, send and receive operations).
- `docs/events.md`: the catalogue for people.

Only `write_yaml` needs PyYAML (a dev dependency), imported where it is used, so the
runtime package still depends on pydantic only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hearth_contracts.envelope import CONTENT_TYPE, SPEC_VERSION, dataschema_for, source_for
from hearth_contracts.events.base import Event, event_types
from hearth_contracts.topics import SERVICES, dead_letter_topic, events_topic

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"

SCHEMAS_DIR = "contracts/schemas"
ASYNCAPI_FILE = "contracts/asyncapi.yaml"
DOCS_FILE = "docs/events.md"


def _t(service: str, name: str, version: int = 1) -> str:
    return f"uk.hearth.{service}.{name}.v{version}"


CONSUMERS: dict[str, tuple[str, ...]] = {
    # visits
    _t("visits", "visit-scheduled"): ("compliance",),  # books a paired gas check
    _t("visits", "visit-completed"): ("engagement",),  # visit survey
    _t("visits", "visit-no-access"): ("compliance",),  # access history: start checks early
    _t("visits", "visit-declined"): (),
    _t("visits", "visit-found-repair"): ("repairs",),  # raises the repair request
    _t("visits", "hazard-identified"): ("repairs",),  # opens an Awaab's Law case
    _t("visits", "hazard-identified", 2): ("repairs",),  # v2: codes only (adr/0071)
    # no consumer: visits puts it on the tenancy's caseload entry itself (referred, or
    # open in concerns_open until recorded dealt with)
    _t("visits", "tenancy-concern-raised"): (),
    _t("visits", "resident-details-confirmed"): ("engagement",),  # follows corrections up
    # repairs: a communal report awaiting a manager's triage (docs/adr/0044)
    _t("visits", "communal-issue-found"): ("repairs",),
    _t("visits", "caseload-review-overdue"): (),  # the officer's caseload view shows it
    # repairs
    _t("repairs", "repair-reported"): (),
    _t("repairs", "repair-reported", 2): (),  # v2: a complaint as a source
    _t("repairs", "repair-reported", 3): (),  # v3: no free text (adr/0048); published now
    _t("repairs", "appointment-booked"): ("engagement",),  # appointment letter or text
    _t("repairs", "appointment-missed"): (),
    _t("repairs", "appointment-cancelled"): ("engagement",),  # cancellation letter or text
    _t("repairs", "repair-completed"): ("compliance", "engagement"),  # defect closed; survey
    _t("repairs", "repair-completed", 2): ("compliance", "engagement"),  # v2: published now
    _t("repairs", "recharge-raised"): ("income",),  # invoices it
    _t("repairs", "damp-mould-case-opened"): ("visits",),  # damp history in the risk score
    _t("repairs", "hazard-deadline-breached"): (),
    _t("repairs", "work-order-raised"): (),  # pushed to the contractor's webhook
    _t("repairs", "work-order-raised", 2): (),  # v2: decimal quantities; published now
    # compliance
    _t("compliance", "property-registered"): ("visits", "repairs", "income", "engagement"),
    _t("compliance", "property-updated"): ("visits", "repairs", "engagement"),
    _t("compliance", "check-due"): ("visits", "engagement"),  # pairs the visit; check letter
    _t("compliance", "check-completed"): ("engagement", "visits"),  # survey; unpairs visits
    _t("compliance", "check-completed", 2): ("engagement", "visits"),  # v2: published now
    _t("compliance", "certificate-expired"): (),
    _t("compliance", "check-withdrawn"): ("visits",),  # closes gas_check_due, officer visit
    _t("compliance", "access-failed"): ("visits",),  # no-access history in the risk score
    _t("compliance", "access-escalated"): ("visits", "engagement"),  # officer visit; letter
    _t("compliance", "safety-defect-found"): ("repairs",),  # raises the repair
    _t("compliance", "hazard-found"): ("repairs",),  # damp and mould at a check: Awaab case
    _t("compliance", "required-alarm-missing"): ("repairs",),  # raises the repair to fit it
    _t("compliance", "check-overdue-escalated"): (),
    _t("compliance", "combined-appointment-offered"): ("visits",),  # one appointment
    _t("compliance", "tenant-copy-requested"): ("engagement",),  # new tenancy's record copy
    # income
    _t("income", "tenancy-started"): ("visits", "compliance", "engagement", "repairs"),  # v1
    _t("income", "tenancy-started", 2): ("visits", "compliance", "engagement", "repairs"),
    _t("income", "tenancy-type-changed"): ("visits",),  # introductory caseload
    # compliance: a record made while the home stands empty owes no household copy
    _t("income", "tenancy-ended"): ("visits", "engagement", "repairs", "compliance"),
    # a tenancy withdrawn before its first day: what tenancy-started did undone (ADR 0111)
    _t("income", "tenancy-withdrawn"): ("visits", "compliance", "engagement", "repairs"),
    _t("income", "rent-charged"): (),
    _t("income", "payment-received"): (),
    _t("income", "arrears-stage-changed"): ("visits", "engagement"),  # risk score; letter
    _t("income", "arrangement-made"): (),
    _t("income", "arrangement-broken"): (),
    _t("income", "former-tenant-arrears-written-off"): (),
    _t("income", "recharge-paid"): ("repairs",),  # recharges collected
    # engagement
    _t("engagement", "resident-registered"): ("visits",),  # v1: old events
    _t("engagement", "resident-registered", 2): ("visits",),  # no names
    _t("engagement", "resident-updated"): ("visits",),  # v1: old events
    _t("engagement", "resident-updated", 2): ("visits",),  # no names
    _t("engagement", "vulnerability-recorded"): ("visits", "repairs", "income"),  # v1: old events
    _t("engagement", "vulnerability-recorded", 2): ("visits", "repairs", "income"),  # flag only
    _t("engagement", "contact-logged"): ("visits",),  # contact frequency in the risk score
    _t("engagement", "complaint-received"): ("repairs",),  # damp and mould: Awaab case
    _t("engagement", "complaint-escalated"): (),
    _t("engagement", "complaint-deadline-breached"): (),
    _t("engagement", "survey-responded"): (),
    _t("engagement", "tenant-copy-sent"): ("compliance",),  # stamps the copy sent, in time?
    _t("engagement", "resident-merged"): ("repairs", "income", "visits"),  # re-key the person id
}
"""Which services consume each event type (their local projections and reactions).
Every event type must be listed, with `()` when only its producer and dashboards use it."""

RETIRED_TYPES: frozenset[str] = frozenset()
"""Event types removed on purpose after their deprecation period; their schema files
are deleted and the compatibility check no longer asks for them."""


@dataclass(frozen=True)
class CatalogueRow:
    """One event type as the docs and the AsyncAPI document describe it."""

    type: str
    producer: str
    topic: str
    key: str
    subject: str
    description: str
    consumers: tuple[str, ...]
    model: str
    name: str
    version: int


def _ordered_types() -> list[type[Event]]:
    """Every event type, by producing service (in SERVICES order) then declaration."""
    by_service: dict[str, int] = {service: index for index, service in enumerate(SERVICES)}
    registered = list(event_types().values())
    return sorted(registered, key=lambda cls: by_service[cls.service])


def catalogue_rows() -> list[CatalogueRow]:
    """The catalogue: one row per event type (type, producer, topic, key, subject,
    description, consumers), by producing service."""
    return [
        CatalogueRow(
            type=cls.type,
            producer=cls.service,
            topic=events_topic(cls.service),
            key=cls.key_field,
            subject=cls.subject_field,
            description=cls.meaning,
            consumers=CONSUMERS.get(cls.type, ()),
            model=cls.__name__,
            name=cls.name,
            version=cls.version,
        )
        for cls in _ordered_types()
    ]


def catalogue_problems() -> list[str]:
    """Inconsistencies between the models and CONSUMERS (empty when consistent)."""
    problems: list[str] = []
    types = event_types()
    for ce_type in types:
        if ce_type not in CONSUMERS:
            problems.append(f"{ce_type}: missing from CONSUMERS")
    models: dict[str, str] = {}
    for ce_type, cls in types.items():
        if cls.__name__ in models:
            problems.append(
                f"{ce_type}: model name {cls.__name__} also used by {models[cls.__name__]}"
            )
        models[cls.__name__] = ce_type
    for ce_type, consumers in CONSUMERS.items():
        if ce_type not in types:
            problems.append(f"{ce_type}: in CONSUMERS but no such event type")
            continue
        for consumer in consumers:
            if consumer not in SERVICES:
                problems.append(f"{ce_type}: unknown consumer {consumer!r}")
            elif consumer == types[ce_type].service:
                problems.append(f"{ce_type}: a service does not consume its own events")
        if len(set(consumers)) != len(consumers):
            problems.append(f"{ce_type}: a consumer is listed twice")
    for ce_type in RETIRED_TYPES & set(types):
        problems.append(f"{ce_type}: retired but still declared")
    return problems


# --- JSON Schema -------------------------------------------------------------------


def event_schema(cls: type[Event]) -> dict[str, Any]:
    """The published JSON Schema of one event type's `data`."""
    schema = cls.model_json_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = dataschema_for(cls.type)
    schema["x-hearth"] = {
        "type": cls.type,
        "producer": cls.service,
        "topic": events_topic(cls.service),
        "key": cls.key_field,
        "subject": cls.subject_field,
    }
    return schema


def schemas() -> dict[str, dict[str, Any]]:
    """Every event type's schema, by CloudEvents type."""
    return {cls.type: event_schema(cls) for cls in _ordered_types()}


def render_json(document: Any) -> str:
    """Stable JSON: sorted keys, 2-space indent, a trailing newline."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def schema_path(ce_type: str) -> str:
    """Where an event type's schema lives, relative to the repository root."""
    return f"{SCHEMAS_DIR}/{ce_type}.json"


# --- AsyncAPI ----------------------------------------------------------------------


def _headers_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "CloudEvents 1.0 attributes in the Kafka protocol binding's binary "
        "content mode, plus W3C trace context.",
        "required": [
            "ce_specversion",
            "ce_id",
            "ce_source",
            "ce_type",
            "ce_subject",
            "ce_time",
            "ce_dataschema",
            "content-type",
        ],
        "properties": {
            "ce_specversion": {"type": "string", "const": SPEC_VERSION},
            "ce_id": {
                "type": "string",
                "format": "uuid",
                "description": "Unique per event; consumers de-duplicate on it (inbox).",
            },
            "ce_source": {
                "type": "string",
                "description": "`/hearth/<service>`: the producing service.",
            },
            "ce_type": {
                "type": "string",
                "description": "`uk.hearth.<service>.<event-name>.v<N>`.",
            },
            "ce_subject": {
                "type": "string",
                "description": "The aggregate the event is about (its subject field).",
            },
            "ce_time": {
                "type": "string",
                "format": "date-time",
                "description": "When the event happened (RFC 3339, with offset).",
            },
            "ce_dataschema": {
                "type": "string",
                "format": "uri",
                "description": "The data's JSON Schema: `urn:hearth:schema:<ce_type>`.",
            },
            "content-type": {"type": "string", "const": CONTENT_TYPE},
            "traceparent": {
                "type": "string",
                "pattern": TRACEPARENT_PATTERN,
                "description": "W3C trace context of the request that caused the event.",
            },
            "tracestate": {"type": "string", "description": "W3C trace state, if any."},
        },
    }


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document for every topic, message and producer/consumer."""
    rows = catalogue_rows()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for service in SERVICES:
        published = [row for row in rows if row.producer == service]
        if not published:
            continue
        channels[service] = {
            "address": events_topic(service),
            "title": f"{service} events",
            "description": f"Every event the {service} service publishes. The message key "
            "is the home's UPRN (else the aggregate id), so events about one home stay in "
            "order.",
            "messages": {
                row.model: {"$ref": f"#/components/messages/{row.model}"} for row in published
            },
            "bindings": {
                "kafka": {"topic": events_topic(service), "bindingVersion": KAFKA_BINDING_VERSION}
            },
        }
        operations[f"{service}-publish"] = {
            "action": "send",
            "title": f"{service} publishes its events",
            "summary": f"Written to the {service} outbox in the same transaction as the "
            "state change, then relayed to Kafka (acks=all, idempotent producer).",
            "channel": {"$ref": f"#/channels/{service}"},
            "messages": [
                {"$ref": f"#/channels/{service}/messages/{row.model}"} for row in published
            ],
        }
        for row in published:
            messages[row.model] = {
                "name": row.type,
                "title": row.model,
                "summary": row.description.split("\n\n")[0].replace("\n", " "),
                "description": row.description,
                "contentType": CONTENT_TYPE,
                "headers": {
                    "allOf": [
                        {"$ref": "#/components/schemas/CloudEventsHeaders"},
                        {
                            "type": "object",
                            "properties": {
                                "ce_type": {"const": row.type},
                                "ce_source": {"const": source_for(row.producer)},
                                "ce_subject": {
                                    "description": f"The data's `{row.subject}`.",
                                },
                                "ce_dataschema": {"const": dataschema_for(row.type)},
                            },
                        },
                    ]
                },
                "payload": {"$ref": f"schemas/{row.type}.json"},
                "bindings": {
                    "kafka": {
                        "key": {
                            "type": "string",
                            "description": f"The data's `{row.key}`.",
                        },
                        "bindingVersion": KAFKA_BINDING_VERSION,
                    }
                },
                "x-hearth": {
                    "producer": row.producer,
                    "key": row.key,
                    "subject": row.subject,
                    "consumers": list(row.consumers),
                },
            }
    for consumer in SERVICES:
        for producer in SERVICES:
            consumed = [
                row for row in rows if row.producer == producer and consumer in row.consumers
            ]
            if not consumed:
                continue
            group = f"hearth.{consumer}"
            operations[f"{consumer}-receive-{producer}"] = {
                "action": "receive",
                "title": f"{consumer} consumes {producer} events",
                "summary": f"Consumer group `{group}`; a handler that keeps failing is "
                f"dead-lettered to `{dead_letter_topic(consumer, group)}`.",
                "channel": {"$ref": f"#/channels/{producer}"},
                "messages": [
                    {"$ref": f"#/channels/{producer}/messages/{row.model}"} for row in consumed
                ],
                "bindings": {
                    "kafka": {
                        "groupId": {"type": "string", "enum": [group]},
                        "bindingVersion": KAFKA_BINDING_VERSION,
                    }
                },
            }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Hearth events",
            "version": "1.0.0",
            "description": "The domain events Hearth's services publish to Apache Kafka, as "
            "CloudEvents 1.0 in the Kafka binding's binary mode: the message value is the "
            "event's data as JSON, the attributes travel as `ce_*` headers. Generated by "
            "`python -m hearth_contracts.catalogue`; do not edit by hand.",
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": {"CloudEventsHeaders": _headers_schema()},
            "messages": messages,
        },
    }


def render_yaml(document: Any) -> str:
    """Stable YAML (needs PyYAML, a dev dependency)."""
    import yaml

    return yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )


# --- docs --------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_events_md() -> str:
    """docs/events.md: the catalogue for people."""
    rows = catalogue_rows()
    example_group = "repairs"
    lines = [
        "# Hearth events",
        "",
        "<!-- Generated by `python -m hearth_contracts.catalogue` (`make contracts`) from "
        "the models in contracts/src/hearth_contracts/events/. Do not edit by hand. -->",
        "",
        f"Hearth's five services publish {len(rows)} event types. Each is a pydantic model "
        "in `hearth_contracts.events.<service>`, with a JSON Schema in "
        "`contracts/schemas/<ce_type>.json` and a message in `contracts/asyncapi.yaml`.",
        "",
        "## Envelope",
        "",
        "Every event is a CloudEvents 1.0 event in the Kafka protocol binding's binary "
        "content mode: the Kafka message value is the event's data as JSON (UTF-8), and "
        "the context attributes travel as headers.",
        "",
        "| header | value |",
        "|---|---|",
        f"| `ce_specversion` | `{SPEC_VERSION}` |",
        "| `ce_id` | a UUID, unique per event; consumers record it in their inbox so a "
        "redelivered event has no second effect |",
        "| `ce_source` | `/hearth/<service>`, the producer |",
        "| `ce_type` | `uk.hearth.<service>.<event-name>.v<N>` |",
        "| `ce_subject` | the aggregate id (the event's *subject* field below) |",
        "| `ce_time` | when the producer recorded the event (its transaction), RFC 3339 with an "
        "offset; when the thing itself happened is a field of the data (`reported_at`, "
        "`visited_at`, ...), which is what every clock counts from |",
        "| `ce_dataschema` | `urn:hearth:schema:<ce_type>`, the `$id` of its JSON Schema |",
        f"| `content-type` | `{CONTENT_TYPE}` |",
        "| `traceparent`, `tracestate` | W3C trace context of the request that caused the "
        "event, so the consumer's span joins the original trace |",
        "",
        "In the data, money is integer pence (a balance is positive when the tenant owes), "
        "moments are timezone-aware RFC 3339 date-times, dates are ISO dates, a home is "
        "its UPRN (1 to 12 digits, as text) and codes are lower-case snake_case enums. "
        "Personal details stay with the service that owns them: events carry ids, codes "
        "and flags, never free text about a person.",
        "",
        "## Topics and keys",
        "",
        "- One topic per publishing service: `hearth.<service>.events` "
        f"(e.g. `{events_topic('visits')}`).",
        "- The Kafka message key is the home's UPRN wherever a home applies, else the "
        "aggregate id (the *key* field below), so all events about one home stay in order "
        "within a topic.",
        "- Each consuming service reads with one consumer group named for it, `<service>` "
        "(e.g. `repairs`). A handler that keeps failing is retried with back-off, then "
        "dead-lettered to `hearth.<service>.dlq.<consumer-group>`, named for the consuming "
        f"service (e.g. `{dead_letter_topic('repairs', example_group)}`); dead letters can "
        "be listed and replayed.",
        "- An optional namespace prefixes every topic and consumer group "
        "(`<namespace>.hearth.repairs.events`, group `<namespace>.repairs`: test isolation).",
        "",
        "## Versioning",
        "",
        "A published event type is never changed incompatibly. The only compatible change "
        "is adding an optional field: consumers ignore fields they do not know, and read "
        "old events without it. Removing or renaming a field, making one required (or no "
        "longer required), changing its type or format, adding or removing enum values, "
        "changing a bound, pattern or default, or changing the key, subject or topic is a "
        "breaking change: publish a new `.v<N+1>` type alongside the old one for a "
        "deprecation period, then retire the old one.",
        "",
        "`contracts/schemas/` is the published baseline. The contract tests fail when a "
        "model no longer generates its committed schema compatibly, when a committed "
        "schema changed incompatibly against git `HEAD` and the merge-base with "
        "`origin/main` (or the revision in `$HEARTH_CONTRACTS_BASELINE`), and when the "
        "generated files are out of date (`make contracts`, that is "
        "`uv run python -m hearth_contracts.catalogue`, regenerates them). An event type "
        "is only removed after its deprecation period, by listing it in "
        "`hearth_contracts.catalogue.RETIRED_TYPES`.",
        "",
    ]
    for service in SERVICES:
        published = [row for row in rows if row.producer == service]
        if not published:
            continue
        lines += [
            f"## {service}",
            "",
            f"Topic `{events_topic(service)}`, source `{source_for(service)}`.",
            "",
            "| type | key | subject | consumers | meaning |",
            "|---|---|---|---|---|",
        ]
        for row in published:
            consumers = ", ".join(row.consumers) if row.consumers else "-"
            lines.append(
                f"| `{row.type}` | `{row.key}` | `{row.subject}` | {consumers} | "
                f"{_cell(row.description)} |"
            )
        lines.append("")
    lines += [
        "## Who consumes what",
        "",
        "| consumer | event types |",
        "|---|---|",
    ]
    for consumer in SERVICES:
        consumed = [row.type for row in rows if consumer in row.consumers]
        listed = ", ".join(f"`{t}`" for t in consumed) if consumed else "-"
        lines.append(f"| {consumer} | {listed} |")
    lines.append("")
    return "\n".join(lines)


# --- files -------------------------------------------------------------------------


def generated_files() -> dict[str, str]:
    """Every generated file's content, by path relative to the repository root."""
    files = {schema_path(t): render_json(s) for t, s in schemas().items()}
    files[ASYNCAPI_FILE] = render_yaml(asyncapi_document())
    files[DOCS_FILE] = render_events_md()
    return files


def stale_schema_files(root: Path) -> list[str]:
    """Committed schema files with no model (relative paths)."""
    expected = {schema_path(t) for t in event_types()}
    found = sorted((root / SCHEMAS_DIR).glob("*.json"))
    return [
        rel for rel in (path.relative_to(root).as_posix() for path in found) if rel not in expected
    ]


def check(root: Path) -> list[str]:
    """What differs from what would be generated (nothing is written)."""
    differences = []
    for rel, content in generated_files().items():
        path = root / rel
        if not path.is_file():
            differences.append(f"{rel} (missing)")
        elif path.read_text(encoding="utf-8") != content:
            differences.append(f"{rel} (differs)")
    for rel in stale_schema_files(root):
        differences.append(f"{rel} (no model declares this type)")
    return differences


def write(root: Path) -> list[str]:
    """Write every generated file that changed; remove retired types' schemas."""
    written = []
    for rel, content in generated_files().items():
        path = root / rel
        if path.is_file() and path.read_text(encoding="utf-8") == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(rel)
    for ce_type in sorted(RETIRED_TYPES):
        path = root / schema_path(ce_type)
        if path.is_file():
            path.unlink()
            written.append(f"{schema_path(ce_type)} (removed: retired)")
    return written


def default_root() -> Path:
    """The repository root: the one holding this source tree, else the working directory."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "contracts" / "pyproject.toml").is_file():
            return parent
    return Path.cwd()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hearth_contracts.catalogue",
        description="Generate the event schemas, the AsyncAPI document and docs/events.md.",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file is out of date"
    )
    parser.add_argument("--root", type=Path, default=None, help="the repository root")
    args = parser.parse_args(argv)
    root: Path = args.root or default_root()

    problems = catalogue_problems()
    if problems:
        print("The catalogue is inconsistent:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    if args.check:
        differences = check(root)
        if differences:
            print(
                "Generated contract files are out of date (run `make contracts`):",
                *differences,
                sep="\n  ",
                file=sys.stderr,
            )
            return 1
        print(f"{len(generated_files())} generated contract files are up to date.")
        return 0
    written = write(root)
    for rel in written:
        print(f"wrote {rel}")
    stale = stale_schema_files(root)
    if stale:
        print(
            "Schema files with no model (event types are never removed silently; list the "
            "type in RETIRED_TYPES after its deprecation period):",
            *stale,
            sep="\n  ",
            file=sys.stderr,
        )
        return 1
    print(f"{len(written)} file(s) written; the catalogue has {len(event_types())} event types.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

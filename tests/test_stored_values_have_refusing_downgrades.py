"""Every value a service stores as text (`text_enum` columns) is one the release before
could read, or its migrations refuse to go back below it while a row holds it
(docs/adr/0152). A release that reads a value its enum lacks answers 500 for that row
and every list holding it, so a new value ships with a downgrade that calls
`hearth_kit.migrations.refuse_downgrade_while_stored` on its table and column.

`stored_values_before_adr_0152.json` lists the values stored before that rule, per
service and `table.column`; it is never added to."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

SERVICES = {
    "compliance": "ComplianceModel",
    "income": "IncomeModel",
    "engagement": "EngagementModel",
    "visits": "VisitsModel",
    "repairs": "RepairsModel",
}
BEFORE_THE_RULE = Path(__file__).with_name("stored_values_before_adr_0152.json")

Stored = dict[str, frozenset[str]]
"""`table.column` -> the values a service's models store there."""


def stored_values(service: str) -> Stored:
    models = importlib.import_module(f"{service}.models")
    metadata = getattr(models, SERVICES[service]).metadata
    return {
        f"{table.name}.{column.name}": frozenset(column.type.enums)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.Enum)
    }


def guarded_values(migrations: Path) -> Stored:
    """What the migrations' downgrades refuse to leave behind: the literal table, column
    and values of each `refuse_downgrade_while_stored` call."""
    guarded: dict[str, set[str]] = {}
    for path in sorted((migrations / "versions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "refuse_downgrade_while_stored"
            ):
                continue
            table, column, values = (ast.literal_eval(arg) for arg in node.args[:3])
            guarded.setdefault(f"{table}.{column}", set()).update(values)
    return {name: frozenset(values) for name, values in guarded.items()}


def unguarded(stored: Stored, before: dict[str, list[str]], guarded: Stored) -> list[str]:
    """The values stored now that were not before the rule and no downgrade guards."""
    return sorted(
        f"{name}: {value}"
        for name, values in stored.items()
        for value in values - set(before.get(name, ())) - guarded.get(name, frozenset())
    )


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_new_stored_value_has_a_refusing_downgrade(service: str) -> None:
    migrations_dir = importlib.import_module(f"{service}.settings").MIGRATIONS_DIR
    before = json.loads(BEFORE_THE_RULE.read_text())[service]
    stored = stored_values(service)
    guarded = guarded_values(migrations_dir)

    assert unguarded(stored, before, guarded) == [], (
        "a value the release before cannot read: give it a migration whose downgrade "
        "calls refuse_downgrade_while_stored, and a note in docs/runbooks/upgrading.md "
        "(docs/adr/0152)"
    )
    # and a guard of an enum column names values its enum has (no typo passes); a guard
    # of a plain text column (visits' draft sections) is the migration's own business
    for name, values in guarded.items():
        if name in stored:
            assert values <= stored[name], name


def test_a_new_value_without_a_guard_is_found() -> None:
    stored = {"work_order.status": frozenset({"raised", "cancelled", "on_hold"})}
    before = {"work_order.status": ["raised"]}
    guarded = {"work_order.status": frozenset({"cancelled"})}

    assert unguarded(stored, before, guarded) == ["work_order.status: on_hold"]
    assert unguarded(stored, before, {}) == [
        "work_order.status: cancelled",
        "work_order.status: on_hold",
    ]
    assert unguarded({"recharge.status": frozenset({"declined"})}, {}, {}) == [
        "recharge.status: declined"
    ]

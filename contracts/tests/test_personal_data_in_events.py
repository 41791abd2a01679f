"""Personal data stays out of events: no event's schema has a field for a person's name
or contact details, apart from the ones listed here on purpose (each with why), so a
new one cannot slip in unnoticed. Income's tenancy-started v2 names tenants by person id
only, engagement's resident events v2 name no one, and the catalogue lists their
consumers as for v1."""

from __future__ import annotations

from typing import Any

from hearth_contracts.catalogue import CONSUMERS, schemas

PERSONAL_FIELDS = frozenset(
    {"full_name", "name", "first_name", "last_name", "email", "phone", "date_of_birth"}
)

STILL_CARRYING_NAMES = {
    "uk.hearth.income.tenancy-started.v1": "superseded by v2; income no longer publishes it",
    "uk.hearth.engagement.resident-registered.v1": "superseded by v2; no longer published",
    "uk.hearth.engagement.resident-updated.v1": "superseded by v2; no longer published",
}
"""Event types whose schema still has a name field, and why they are tolerated."""


def field_names(node: Any) -> set[str]:
    """Every property name anywhere in a JSON Schema (nested parts included)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                found |= set(value)
            found |= field_names(value)
    elif isinstance(node, list):
        for item in node:
            found |= field_names(item)
    return found


def test_no_event_carries_a_name_or_contact_details_except_those_listed() -> None:
    carrying = {
        ce_type: sorted(field_names(schema) & PERSONAL_FIELDS)
        for ce_type, schema in schemas().items()
        if field_names(schema) & PERSONAL_FIELDS
    }
    assert set(carrying) == set(STILL_CARRYING_NAMES), carrying


def test_tenancy_started_v2_names_tenants_by_person_id_with_lead_and_joint_only() -> None:
    schema = schemas()["uk.hearth.income.tenancy-started.v2"]
    tenant = schema["$defs"]["TenantOfTenancy"]
    assert set(tenant["properties"]) == {"person_id", "lead", "joint"}
    assert not field_names(schema) & PERSONAL_FIELDS


def test_the_catalogue_lists_the_v2_events_and_recharge_paid_consumers() -> None:
    v1 = CONSUMERS["uk.hearth.income.tenancy-started.v1"]
    assert sorted(CONSUMERS["uk.hearth.income.tenancy-started.v2"]) == sorted(v1)
    assert {"visits", "compliance", "engagement"} <= set(v1)
    for name in ("resident-registered", "resident-updated"):
        old = CONSUMERS[f"uk.hearth.engagement.{name}.v1"]
        assert CONSUMERS[f"uk.hearth.engagement.{name}.v2"] == old == ("visits",)
    assert "repairs" in CONSUMERS["uk.hearth.income.recharge-paid.v1"]

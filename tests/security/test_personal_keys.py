"""The logs' redaction knows the services' own names for personal data.

`hearth_kit.logs` redacts by key name (`hearth_kit.personal_data.PERSONAL_KEYS`), so a
model or dict logged whole loses a field only if its name is listed there. The names
that matter are the ones the services give their fields: a complaint's `summary`, a
vulnerability's `detail`, a diversity profile's `ethnicity`. This walks every pydantic
model of the services, the gateway and the contracts, and fails on a field of free text
(a string with no pattern) whose name is neither personal to the kit nor named here as
not personal, so a new free-text field is decided on when it is added.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types
import typing
from collections.abc import Iterator

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from hearth_kit.personal_data import is_personal_key

PACKAGES = (
    "compliance",
    "engagement",
    "income",
    "repairs",
    "visits",
    "gateway",
    "hearth_contracts",
)

NOT_PERSONAL = frozenset(
    {
        # Codes, references and ids the landlord gives
        "alerts",
        "applied_to",
        "area",
        "before_the_court",
        "block_id",
        "blocked_by",
        "certificate_reference",
        "classification",
        "code",
        "component",
        "condition",
        "configuration",
        "contractor_id",
        "estate_id",
        "event_type",
        "evidence",
        "field",
        "frequency",
        "gas_safe_number",
        "gas_supply",
        "hazard_type",
        "heating_fuel",
        "id",
        "issue",
        "item_code",
        "kind",
        "language",
        "last_certificate_reference",
        "last_error",
        "location",
        "next_cursor",
        "piece_id",
        "place",
        "priority",
        "provider_message_id",
        "room",
        "schedule",
        "section",
        "slot",
        "slot_name",
        "sor_code",
        "source_key",
        "strand",
        "template",
        "tenancy_reference",
        "unit",
        "untranslated_from",  # a language tag, as `language` (engagement, ADR 0119)
        "value",
        "work_class",
        "year",
        # Fields typed loosely that hold codes or ids (their models say which)
        "access_needs",
        "accessibility_needs",
        "age_band",
        "format_needs",
        "preferred_channel",
        "resident_id",
        "tenancy_id",
        "uprn",
        # The landlord's staff and contractors, by staff id or name: not residents
        "acknowledged_by",
        "approved_by",
        "attempted_by",
        "cancelled_by",
        "corrected_by",
        "declined_by",
        "engineer_name",
        "handler",
        "introductory",
        "listed_by",
        "logged_by",
        "officer",
        "outcome_recorded_by",
        "previous_recorded_by",
        "reader",
        "recorded_by",
        "reinstated_by",
        "resident_asked_confirmed_by",
        "responded_by",
        "sustainable_tenancy",
        "triaged_by",
        "variation_approved_by",
        "withdrawn_by",
    }
)
"""Free-text field names that hold no resident's personal data (codes, references, the
landlord's staff). Personal ones belong in PERSONAL_KEYS instead."""


def _models() -> Iterator[type[BaseModel]]:
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for module_info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if module_info.name.rsplit(".", 1)[-1] in {"__main__", "cli", "settings"}:
                continue  # settings hold hosts and keys, never a resident's details
            module = importlib.import_module(module_info.name)
            for _, model in inspect.getmembers(module, inspect.isclass):
                if (
                    issubclass(model, BaseModel)
                    and not issubclass(model, BaseSettings)
                    and model.__module__ == module.__name__
                ):
                    yield model


def _free_text(field: FieldInfo) -> bool:
    """A string (or an optional one) with no pattern: anything may be typed into it."""
    annotation = field.annotation
    is_text = annotation is str or (
        typing.get_origin(annotation) in (typing.Union, types.UnionType)
        and str in typing.get_args(annotation)
    )
    return is_text and not any(getattr(rule, "pattern", None) for rule in field.metadata)


def test_every_free_text_field_is_personal_to_the_logs_or_named_not_personal() -> None:
    undecided = sorted(
        {
            f"{name} ({model.__module__}.{model.__name__})"
            for model in _models()
            for name, field in model.model_fields.items()
            if _free_text(field) and not is_personal_key(name) and name not in NOT_PERSONAL
        }
    )
    assert not undecided, (
        "free-text fields the logs would print: add the personal ones to "
        "hearth_kit.personal_data.PERSONAL_KEYS, the others to NOT_PERSONAL here: "
        + ", ".join(undecided)
    )


def test_the_fields_named_not_personal_are_not_redacted_by_mistake() -> None:
    assert not [name for name in NOT_PERSONAL if is_personal_key(name)]

"""Request and response models for residents."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engagement.residents.rules import CHANNEL_NEEDS
from hearth_contracts.events.engagement import Adjustment, AgeBand, ContactChannel, FormatNeed
from hearth_contracts.values import Uprn
from hearth_kit.strict_types import StrictBoolean, given
from hearth_kit.text_patterns import CONTROL_CHARACTERS, HAS_WORDS, SPACE_TO_ANY_ENGINE


class FollowUp(StrEnum):
    """A detail listed across residents by `GET /v1/residents?follow_up=`: `person_id`,
    a resident on a tenancy income's tenancy-started does not name, perhaps a second
    record of a tenant (ADR 0118). The other details a visit flags are followed up from
    the resident's own record."""

    PERSON_ID = "person_id"


# Loose on purpose: one @, and a dot somewhere in the part after it; no space (to any
# regex engine: hearth_kit.text_patterns) and no control character.
_ADDRESS_CHARACTER = f"[^@{SPACE_TO_ANY_ENGINE}{CONTROL_CHARACTERS}]"
EMAIL = re.compile(f"^{_ADDRESS_CHARACTER}+@{_ADDRESS_CHARACTER}+\\.{_ADDRESS_CHARACTER}+$")
# A UK phone number as people write it: digits and spaces, optionally a leading +.
PHONE = re.compile(r"^\+?[0-9 ]+$")
PHONE_DIGITS = (10, 15)
# BCP 47-ish: a 2 to 8 letter language subtag, then alphanumeric subtags (en, en-GB,
# pl, bfi, zh-Hant-HK).
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
# The same rules as the schema states them for a value as sent (before it is tidied).
EMAIL_AS_SENT = f"^ *{_ADDRESS_CHARACTER}+@{_ADDRESS_CHARACTER}+\\.{_ADDRESS_CHARACTER}+ *$"
PHONE_AS_SENT = r"^ *\+?( *[0-9]){10,15} *$"


def _valid_email(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not EMAIL.match(value):
        raise ValueError("not an email address")
    return value


def _valid_phone(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    digits = sum(c.isdigit() for c in value)
    if not PHONE.match(value) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        raise ValueError("not a phone number: 10 to 15 digits, spaces and a leading +")
    return value


def _valid_language(value: str | None) -> str | None:
    if value is not None and not LANGUAGE_TAG.match(value):
        raise ValueError("not a BCP 47 language tag, such as en or pl or en-GB")
    return value


def _cross_field_rules(schema: dict[str, Any]) -> None:
    """The document states the rules that join two fields, as the service enforces
    them: the preferred channel needs its contact detail (email an email address, text
    and phone a phone number; CHANNEL_NEEDS), a tenancy and its home are given
    together, and a tenant is named by income's person id (ADR 0118)."""
    needs: dict[str, list[str]] = {}
    for channel, detail in CHANNEL_NEEDS.items():
        needs.setdefault(detail, []).append(channel.value)
    schema["allOf"] = [
        *(
            {
                "if": {
                    "required": ["preferred_channel"],
                    "properties": {"preferred_channel": {"enum": channels}},
                },
                "then": given(detail),
            }
            for detail, channels in needs.items()
        ),
        {"if": given("tenancy_id"), "then": given("uprn")},
        {"if": given("uprn"), "then": given("tenancy_id")},
        {"if": given("tenancy_id"), "then": given("person_id")},
    ]


class ResidentCreate(BaseModel):
    """A resident to register. A tenant (someone on a tenancy) is registered under the
    person id income names them by, whether or not income's tenancy-started has arrived
    yet: on a tenancy income announced they are residents already (GET
    /v1/residents?tenancy_id=), and this records their details. Someone on no tenancy
    gets a new id, which income's tenancy then names (ADR 0118)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_cross_field_rules)

    person_id: uuid.UUID | None = Field(
        default=None,
        description="The platform's id for this person (income's tenancy names each "
        "tenant's): their details are recorded under it. Required with `tenancy_id` "
        "(a 422 naming it otherwise, or when income's announced tenancy names no such "
        "tenant); left out for someone on no tenancy, who gets a new id. Never found by "
        "name",
    )
    tenancy_id: uuid.UUID | None = None
    uprn: Uprn | None = None
    full_name: str = Field(min_length=1, pattern=HAS_WORDS, max_length=200)
    email: str | None = Field(
        default=None, max_length=254, pattern=EMAIL_AS_SENT, examples=["sam@example.org"]
    )
    phone: str | None = Field(
        default=None, max_length=32, pattern=PHONE_AS_SENT, examples=["07700 900123"]
    )
    preferred_channel: ContactChannel
    language: str = Field(
        default="en",
        max_length=35,
        pattern=LANGUAGE_TAG.pattern,
        description="BCP 47 language tag",
    )
    format_needs: list[FormatNeed] = Field(
        default_factory=list,
        max_length=len(FormatNeed),
        description="Each need once (repeats are dropped)",
    )
    accessibility_needs: list[Adjustment] = Field(
        default_factory=list, max_length=len(Adjustment), description="Each need once"
    )
    accessibility_notes: str | None = Field(default=None, max_length=1000)
    age_band: AgeBand | None = None
    lives_alone: StrictBoolean | None = None

    _email = field_validator("email")(_valid_email)
    _phone = field_validator("phone")(_valid_phone)
    _language = field_validator("language")(_valid_language)

    @field_validator("format_needs", "accessibility_needs")
    @classmethod
    def _each_need_once(cls, value: list[FormatNeed]) -> list[FormatNeed]:
        return list(dict.fromkeys(value))


def _never_null(schema: dict[str, Any]) -> None:
    """A detail that is never cleared: the document states its type without null (a
    null sent is a 422 naming it) and no default (left out, it stays as it is)."""
    schema.pop("default", None)
    for branch in schema.pop("anyOf", []):
        if branch.get("type") != "null":
            schema.update(branch)


class ResidentUpdate(BaseModel):
    """Details to change (only those sent; null clears an optional one). The name, the
    preferred channel and the language are never cleared, so the document does not let
    them be null; needs are cleared with an empty list."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(
        default=None, min_length=1, pattern=HAS_WORDS, max_length=200, json_schema_extra=_never_null
    )
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_AS_SENT)
    phone: str | None = Field(default=None, max_length=32, pattern=PHONE_AS_SENT)
    preferred_channel: ContactChannel | None = Field(default=None, json_schema_extra=_never_null)
    language: str | None = Field(
        default=None, max_length=35, pattern=LANGUAGE_TAG.pattern, json_schema_extra=_never_null
    )
    # cleared with [], never null (a null list was stored and broke the resident: a 500)
    format_needs: list[FormatNeed] = Field(
        default_factory=list, max_length=len(FormatNeed), json_schema_extra=_never_null
    )
    accessibility_needs: list[Adjustment] = Field(
        default_factory=list, max_length=len(Adjustment), json_schema_extra=_never_null
    )
    accessibility_notes: str | None = Field(default=None, max_length=1000)
    age_band: AgeBand | None = None
    lives_alone: StrictBoolean | None = None

    _email = field_validator("email")(_valid_email)
    _phone = field_validator("phone")(_valid_phone)
    _language = field_validator("language")(_valid_language)


class ResidentPublic(BaseModel):
    """A resident."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The person's one id across the platform")
    tenancy_id: uuid.UUID | None
    uprn: str | None
    tenancy_started_on: date | None = Field(
        default=None, description="The tenancy's start date, once income announced it"
    )
    tenancy_ended_on: date | None = Field(
        default=None,
        description="The tenancy ended on this date: a former tenant, `uprn` their last home",
    )
    full_name: str
    email: str | None
    phone: str | None
    preferred_channel: ContactChannel
    language: str
    format_needs: list[FormatNeed]
    accessibility_needs: list[Adjustment]
    accessibility_notes: str | None
    age_band: AgeBand | None
    lives_alone: bool | None
    household_size: int | None
    details_confirmed_at: datetime | None = Field(description="Last confirmed at a home visit")
    details_to_follow_up: list[str] = Field(
        description="Details a visit found wrong, to correct with the resident"
    )
    registered_at: datetime
    version: int = Field(
        description="Counts the changes to the resident's details: their ETag is "
        '`"<version>"` (If-Match on PATCH)'
    )


class ResidentMerge(BaseModel):
    """A second record of the same person, to merge into the resident kept (the one in
    the path; ADR 0124)."""

    model_config = ConfigDict(extra="forbid")

    duplicate_person_id: uuid.UUID = Field(
        description="The resident to merge away: everything held under this id becomes "
        "the kept resident's, and this id is no longer used"
    )

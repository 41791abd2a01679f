"""Request and response models for residents."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hearth_contracts.events.engagement import ContactChannel, FormatNeed
from hearth_contracts.values import Uprn

# Loose on purpose: one @, and a dot somewhere in the part after it.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A UK phone number as people write it: digits and spaces, optionally a leading +.
PHONE = re.compile(r"^\+?[0-9 ]+$")
PHONE_DIGITS = (10, 15)
# BCP 47-ish: a 2 to 8 letter language subtag, then alphanumeric subtags (en, en-GB,
# pl, bfi, zh-Hant-HK).
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


class ResidentCreate(BaseModel):
    """A resident to register on a tenancy."""

    model_config = ConfigDict(extra="forbid")

    tenancy_id: uuid.UUID
    uprn: Uprn
    full_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254, examples=["sam@example.org"])
    phone: str | None = Field(default=None, max_length=32, examples=["07700 900123"])
    preferred_channel: ContactChannel
    language: str = Field(default="en", max_length=35, description="BCP 47 language tag")
    format_needs: list[FormatNeed] = Field(
        default_factory=list,
        max_length=len(FormatNeed),
        description="Each need once (repeats are dropped)",
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not EMAIL.match(value):
            raise ValueError("not an email address")
        return value

    @field_validator("phone")
    @classmethod
    def _uk_phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        digits = sum(c.isdigit() for c in value)
        if not PHONE.match(value) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
            raise ValueError("not a phone number: 10 to 15 digits, spaces and a leading +")
        return value

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str) -> str:
        if not LANGUAGE_TAG.match(value):
            raise ValueError("not a BCP 47 language tag, such as en or pl or en-GB")
        return value

    @field_validator("format_needs")
    @classmethod
    def _each_need_once(cls, value: list[FormatNeed]) -> list[FormatNeed]:
        return list(dict.fromkeys(value))


class ResidentPublic(BaseModel):
    """A resident."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenancy_id: uuid.UUID
    uprn: str
    full_name: str
    email: str | None
    phone: str | None
    preferred_channel: ContactChannel
    language: str
    format_needs: list[FormatNeed]
    registered_at: datetime

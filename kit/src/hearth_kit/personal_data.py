"""What counts as personal data in a log line or a span, and how the kit leaves it out.

Residents' names, phone numbers, email addresses, dates of birth, addresses and free
text about them belong in the services' databases only: logs and traces are kept
longer and read more widely (UK GDPR data minimisation). The kit's log processors,
span processor and exception rendering use what is here; see docs/conventions.md.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Mapping
from typing import Any

from aiokafka.errors import KafkaError
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

REDACTED = "[redacted]"

PERSONAL_KEYS = frozenset(
    {
        "name",
        "full_name",
        "first_name",
        "last_name",
        "given_name",
        "family_name",
        "surname",
        "preferred_name",
        "phone",
        "phone_number",
        "mobile",
        "telephone",
        "email",
        "email_address",
        "date_of_birth",
        "dob",
        "birth_date",
        "address",
        "address_lines",
        "street",
        "postcode",
        "post_code",
        "town",
        "recipient",
        # Free text typed by staff or residents (it often names people)
        "description",
        "notes",
        "note",
        "free_text",
        "comment",
        "comments",
        "summary",
        "detail",
        "details",
        "reason",
        "reasons",
        "remedy",
        "root_cause",
        "learning",
        "you_said",
        "we_did",
        "operative_feedback",
        "access_information",
        "subject",
        "body",
        "reference",
        # Diversity and vulnerability
        "ethnicity",
        "religion",
        "sex",
        "gender",
        "gender_identity",
        "sexual_orientation",
        "disability",
        "vulnerabilities",
        # Bank details
        "sort_code",
        "account_number",
        "bank_account",
        "iban",
    }
)
"""Keys whose values are about a person (exact match, any case): the names the services
give such fields (a complaint's `summary`, a vulnerability's `detail`, a payment's
`reference`, a message's `recipient` and `body`), so a model or dict logged whole loses
them. tests/security/test_personal_keys.py walks every service's models and fails on a
new free-text field that is neither personal here nor named not personal there."""

PERSONAL_KEY_PATTERN = re.compile(
    r"(^address_line_?\d*$)"
    r"|(_(email|phone|postcode|full_name|first_name|last_name|date_of_birth|notes|reason"
    r"|account_number)$)"
)
"""Keys such as address_line_1, contact_email, tenant_full_name, accessibility_notes or
extension_reason."""

MESSAGE_SAFE_EXCEPTIONS: tuple[type[BaseException], ...] = (
    OSError,  # connection refused, timeouts: about hosts and ports
    TimeoutError,
    KafkaError,  # about brokers, topics and partitions
    SQLAlchemyError,  # bound values hidden and PostgreSQL's DETAIL dropped (hearth_kit.db)
)
"""Exceptions whose messages are about infrastructure, never about a person. Any other
exception is described by its type only: its message may quote a value (pydantic's
`input_value=...`, a ValueError written around the value it refused)."""


def is_personal_key(key: str) -> bool:
    normal = key.strip().lower()
    return normal in PERSONAL_KEYS or PERSONAL_KEY_PATTERN.search(normal) is not None


def without_personal_data(value: Any, depth: int = 0) -> Any:
    """`value` with every personal key's value replaced by [redacted], looking into
    mappings, sequences and pydantic models; exceptions become `describe_exception`."""
    if depth > 5:
        return value
    if isinstance(value, BaseException):
        return describe_exception(value)
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if isinstance(key, str) and is_personal_key(key)
            else without_personal_data(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [without_personal_data(item, depth + 1) for item in value]
    return value


_QUOTED_VALUE = re.compile(r"""(?<!\w)(['"])(?:(?!\1)[^\n])*\1(?!\w)""")
"""A value quoted whole in a sentence ('...' or "..."), as Python's and libraries' errors
quote what they refused: invalid literal for int() with base 10: '...', '...' is not a
valid VisitKind, time data '...' does not match format, KeyError('...'). An apostrophe
inside a word (a resident's) opens no quote."""


def without_quoted_values(message: str) -> str:
    """`message` with every value it quotes whole replaced by [redacted]."""
    return _QUOTED_VALUE.sub(REDACTED, message)


def exception_type_name(exc: BaseException) -> str:
    cls = type(exc)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def describe_exception(exc: BaseException) -> str:
    """`module.Type: message` when messages of that type are about infrastructure
    (MESSAGE_SAFE_EXCEPTIONS), else just `module.Type`."""
    name = exception_type_name(exc)
    if isinstance(exc, MESSAGE_SAFE_EXCEPTIONS):
        message = str(exc)
        return f"{name}: {message}" if message else name
    return name


CAUSE = "The above exception was the direct cause of the following exception:"
CONTEXT = "During handling of the above exception, another exception occurred:"


def format_exception_without_values(exc: BaseException) -> str:
    """A traceback as Python prints it (frames and source lines, no locals), each
    exception in the chain described by `describe_exception` instead of its message."""
    # Newest first, each with the sentence that links it to the newer one.
    chain: list[tuple[BaseException, str | None]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link: str | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, CONTEXT
        else:
            current = None
    parts: list[str] = []
    for item, link_to_newer in reversed(chain):
        if item.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(item.__traceback__))
        parts.append(describe_exception(item) + "\n")
        if link_to_newer is not None:
            parts.append(f"\n{link_to_newer}\n\n")
    return "".join(parts).rstrip("\n")

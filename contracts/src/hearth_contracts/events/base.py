"""The base of every event type: its CloudEvents type, producer, version, key and subject."""

from __future__ import annotations

import inspect
import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from hearth_contracts.topics import SERVICES

TYPE_PREFIX = "uk.hearth"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
"""Event names are kebab-case: `visit-completed`."""

_REGISTRY: dict[str, type[Event]] = {}


class EventPart(BaseModel):
    """A value nested inside an event (a list item, say). Like events, parts are frozen
    and ignore fields they do not know, so adding an optional field stays compatible."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Event(BaseModel):
    """The `data` of one domain event.

    Subclasses declare themselves with class keywords::

        class VisitCompleted(Event, service="visits", name="visit-completed", version=1,
                             key="uprn", subject="visit_id"):
            ...

    `key` names the field used as the Kafka message key (the home's UPRN wherever a
    home applies, so all events about one home stay in order); `subject` names the
    field carried as `ce_subject` (the aggregate id). Both must be required fields.
    The class docstring is the event's meaning, in the landlord's words; it is
    published in the JSON Schema, the AsyncAPI document and docs/events.md.
    Consumers ignore fields they do not know, so adding an optional field is compatible.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    service: ClassVar[str]
    name: ClassVar[str]
    version: ClassVar[int]
    type: ClassVar[str]
    key_field: ClassVar[str]
    subject_field: ClassVar[str]
    meaning: ClassVar[str]
    """The class docstring, cleaned (several events also have a `description` field)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The declaration keywords are consumed by __pydantic_init_subclass__ below,
        # once pydantic has built the fields.
        super().__init_subclass__()

    @classmethod
    def __pydantic_init_subclass__(
        cls,
        *,
        service: str | None = None,
        name: str | None = None,
        version: int = 1,
        key: str = "uprn",
        subject: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__pydantic_init_subclass__()
        if service is None or name is None:
            return  # an abstract intermediate class
        if service not in SERVICES:
            raise TypeError(f"{cls.__name__}: unknown service {service!r}")
        if not NAME_PATTERN.match(name):
            raise TypeError(f"{cls.__name__}: event name {name!r} is not kebab-case")
        if version < 1:
            raise TypeError(f"{cls.__name__}: version must be 1 or more")
        for field in (key, subject or key):
            if field not in cls.model_fields:
                raise TypeError(f"{cls.__name__}: no field {field!r} for key/subject")
            if not cls.model_fields[field].is_required():
                raise TypeError(f"{cls.__name__}: key/subject field {field!r} must be required")
        if not (cls.__doc__ or "").strip():
            raise TypeError(f"{cls.__name__}: an event type needs a docstring (its meaning)")
        cls.service = service
        cls.name = name
        cls.version = version
        cls.type = f"{TYPE_PREFIX}.{service}.{name}.v{version}"
        cls.key_field = key
        cls.subject_field = subject or key
        cls.meaning = inspect.cleandoc(cls.__doc__ or "")
        if cls.type in _REGISTRY:
            raise TypeError(f"event type {cls.type} is declared twice")
        _REGISTRY[cls.type] = cls

    def key(self) -> str:
        """The Kafka message key."""
        return str(getattr(self, self.key_field))

    def subject(self) -> str:
        """The CloudEvents subject: the aggregate this event is about."""
        return str(getattr(self, self.subject_field))


def event_types() -> dict[str, type[Event]]:
    """Every registered event type by its CloudEvents type (import hearth_contracts first)."""
    return dict(_REGISTRY)


def event_class(ce_type: str) -> type[Event]:
    """The model for a CloudEvents type; KeyError when the type is unknown."""
    return _REGISTRY[ce_type]

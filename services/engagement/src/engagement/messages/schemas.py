"""Request and response models for messages."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engagement.messages.templates import PUBLISHED_LANGUAGE_TAG, TemplateName, print_notes
from engagement.models import MessageStatus
from hearth_contracts.events.engagement import ContactChannel, FormatNeed


class MessageRequest(BaseModel):
    """A message from a template to one resident, sent by staff."""

    model_config = ConfigDict(extra="forbid")

    template: TemplateName = Field(examples=["appointment_booked"])
    language: str | None = Field(
        default=None,
        max_length=35,
        pattern=PUBLISHED_LANGUAGE_TAG.pattern,
        description="A language the templates are written in (en, cy or pl, or a regional "
        "tag of one: en-GB); the resident's language when left out (a resident whose "
        "language no template is written in is a 422 naming `language`)",
    )
    values: dict[str, str] = Field(
        default_factory=dict, max_length=20, description="The template's fields"
    )


class UntranslatedMessage(BaseModel):
    """A statutory message written in English for want of a translation (ADR 0119), as
    the list across residents shows it: what staff need to arrange a translation (which
    message, whose, which template, by which channel, from which language, when and how
    it went), never its subject, body, recipient or formats. The list reaches every
    resident's arrears letters and complaint acknowledgements, so it is a worklist of
    ids: a message's text is opened on its resident's own list
    (/v1/residents/{resident_id}/messages), one resident at a time."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    resident_id: uuid.UUID
    template: str
    channel: ContactChannel
    untranslated_from: str = Field(
        examples=["so"],
        description="The resident's language the message should have been written in: "
        "the translation staff arrange (ADR 0119)",
    )
    status: MessageStatus
    created_at: datetime
    sent_at: datetime | None


class MessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    resident_id: uuid.UUID
    template: str
    language: str
    formats: list[FormatNeed]
    channel: ContactChannel
    subject: str
    body: str
    status: MessageStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    untranslated_from: str | None = Field(
        default=None,
        description="A statutory message written in English because none of its "
        "templates is in the resident's language (that language, here): staff follow it "
        "up with a translation (ADR 0119). Null otherwise",
    )

    print_notes: list[str] = Field(
        default_factory=list,
        description="A letter's notes for the print room (large print, braille, audio, "
        "easy read), from `formats`: never part of the body; empty for an email or text",
    )

    @model_validator(mode="after")
    def _notes_for_the_print_room(self) -> MessagePublic:
        self.print_notes = (
            print_notes(self.formats) if self.channel == ContactChannel.LETTER else []
        )
        return self

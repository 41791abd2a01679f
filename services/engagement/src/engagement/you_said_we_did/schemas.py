"""Request and response models for "you said, we did"."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from hearth_kit.strict_types import StrictDay
from hearth_kit.text_patterns import HAS_WORDS


class YouSaidWeDidCreate(BaseModel):
    """A change published to residents, linked to the complaints and survey responses
    that led to it."""

    model_config = ConfigDict(extra="forbid")

    you_said: str = Field(min_length=1, pattern=HAS_WORDS, max_length=2000)
    we_did: str = Field(min_length=1, pattern=HAS_WORDS, max_length=2000)
    published_on: StrictDay = Field(
        description="The day it was published (London): not after today, nor before the "
        "day the latest complaint or survey response it links was received or given (a "
        "422 naming it)"
    )
    complaint_ids: list[uuid.UUID] = Field(default_factory=list, max_length=200)
    survey_response_ids: list[uuid.UUID] = Field(default_factory=list, max_length=200)


class YouSaidWeDidPublic(BaseModel):
    id: uuid.UUID
    you_said: str
    we_did: str
    published_on: date
    complaint_ids: list[uuid.UUID]
    survey_response_ids: list[uuid.UUID]
    created_at: datetime

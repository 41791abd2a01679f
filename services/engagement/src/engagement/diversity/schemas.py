"""Request and response models for diversity profiles (kept apart; read only as
aggregates)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from engagement.diversity.rules import Strand

CODE = r"^[a-z0-9_]{1,64}$"


class DiversityProfileSet(BaseModel):
    """A resident's optional diversity profile (each answer an optional code, such as
    the census category `white_british`; prefer_not_to_say is an answer)."""

    model_config = ConfigDict(extra="forbid")

    ethnicity: str | None = Field(default=None, pattern=CODE)
    disability: str | None = Field(default=None, pattern=CODE)
    sex: str | None = Field(default=None, pattern=CODE)
    religion: str | None = Field(default=None, pattern=CODE)
    sexual_orientation: str | None = Field(default=None, pattern=CODE)


class GroupPublic(BaseModel):
    value: str | None = Field(
        description="The group's answer; null for the one entry standing for every "
        "suppressed group together (their labels are never shown)"
    )
    count: int | None = Field(description="Null when suppressed")
    suppressed: bool


class DiversityAggregate(BaseModel):
    """How many residents are in each group of a strand. Groups under the minimum size
    are suppressed, and so is the smallest other group while what is left out could be
    worked out by subtraction; the suppressed groups are one entry, without labels."""

    strand: Strand
    minimum_group_size: int
    groups: list[GroupPublic]

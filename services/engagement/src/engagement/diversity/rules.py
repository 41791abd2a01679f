"""Pure rules for diversity aggregates: a group smaller than the minimum size is
suppressed, so no one can be picked out of a breakdown."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Strand(StrEnum):
    """A diversity strand results can be broken down by."""

    ETHNICITY = "ethnicity"
    DISABILITY = "disability"
    SEX = "sex"
    RELIGION = "religion"
    SEXUAL_ORIENTATION = "sexual_orientation"
    AGE_BAND = "age_band"
    """Kept with the resident's operational details (visits' risk score uses it)."""


NOT_STATED = "not_stated"
"""The group of people who gave no answer for the strand."""


@dataclass(frozen=True)
class Group:
    value: str
    count: int | None
    """None when suppressed."""
    suppressed: bool


def suppress_small_groups(counts: dict[str, int], minimum: int) -> list[Group]:
    """Each group with its count, or suppressed when fewer than `minimum` people are in
    it (zero-sized groups are left out), in value order."""
    return [
        Group(value, None, True) if count < minimum else Group(value, count, False)
        for value, count in sorted(counts.items())
        if count > 0
    ]

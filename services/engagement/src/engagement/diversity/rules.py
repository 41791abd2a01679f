"""Pure rules for diversity aggregates: a group smaller than the minimum size is
suppressed, and so is any group whose showing would let the suppressed ones be worked
out by subtraction, so no one can be picked out of a breakdown."""

from __future__ import annotations

from collections.abc import Mapping
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
    value: str | None
    """The group's answer; None for the groups suppressed together (their labels are
    never shown: a label alone says someone gave that answer)."""
    count: int | None
    """None when suppressed."""
    suppressed: bool


def suppressed_values(counts: Mapping[str, int], minimum: int) -> set[str]:
    """The groups a breakdown must not show. Primary: each group of fewer than
    `minimum` people. Secondary: while the people in the groups not shown add up to
    fewer than `minimum` (but more than none), the smallest group shown is not shown
    either, since the total minus the groups shown would give them away (11 respondents,
    10 in one group: showing that group shows the eleventh by subtraction). So whatever
    is left out is never fewer than `minimum` people, or is everyone."""
    present = {value: count for value, count in counts.items() if count > 0}
    hidden = {value for value, count in present.items() if count < minimum}
    while hidden and sum(present[value] for value in hidden) < minimum:
        shown = sorted((count, value) for value, count in present.items() if value not in hidden)
        if not shown:
            break
        hidden.add(shown[0][1])
    return hidden


def suppress_small_groups(counts: Mapping[str, int], minimum: int) -> list[Group]:
    """Each group shown with its count, in value order (zero-sized groups are left
    out), then, when any group is suppressed (suppressed_values), one entry standing for
    all of them together, with neither label nor count."""
    hidden = suppressed_values(counts, minimum)
    groups = [
        Group(value, count, False)
        for value, count in sorted(counts.items())
        if count > 0 and value not in hidden
    ]
    if hidden:
        groups.append(Group(None, None, True))
    return groups

"""Value types shared by every event and API: UPRN, money in pence, identifiers, times.

Conventions every event follows:

- Money is integer pence (GBP), never floats. A balance is positive when the tenant
  owes the landlord (arrears) and negative when the account is in credit.
- Moments are timezone-aware datetimes (`AwareDatetime`): a naive datetime is
  rejected, because a business day in Europe/London is ambiguous without an offset.
  Calendar dates (`date`) are used for due dates and rent weeks.
- A home is its UPRN, kept as text of 1 to 12 ASCII digits.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

UPRN_PATTERN = r"^[0-9]{1,12}$"
"""1 to 12 ASCII digits (`\\d` would also accept other scripts' digits)."""

Uprn = Annotated[
    str,
    StringConstraints(pattern=UPRN_PATTERN),
    Field(
        description="Unique Property Reference Number: the home, as 1 to 12 digits.",
        examples=["100023336956"],
    ),
]
"""A home's Unique Property Reference Number (1 to 12 digits, kept as text)."""

Pence = Annotated[int, Field(description="An amount of money in integer pence (GBP).")]
"""Money is always integer pence; never floats."""

NonNegativePence = Annotated[int, Field(ge=0, description="A non-negative amount in pence.")]

PositivePence = Annotated[int, Field(gt=0, description="A positive amount in pence.")]

MAX_PENCE = 10**11
"""The most an API accepts as one amount: 100,000,000,000 pence (a billion pounds), far
above any rent, balance or charge, and well inside a BIGINT column. The event types
above stay unbounded: a bound added to a published (v1) schema would refuse old events
(see compatibility.py); the API's bound keeps new ones inside it."""

BoundedNonNegativePence = Annotated[
    int,
    Field(ge=0, le=MAX_PENCE, description="A non-negative amount in pence, at most 10^11."),
]
"""What a request may carry as a non-negative amount (a weekly rent, say)."""

ContractorId = Annotated[str, Field(min_length=1, max_length=64, description="A contractor id.")]
StaffId = Annotated[
    str, Field(min_length=1, max_length=64, description="A member of staff's id (never a name).")
]

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

import uuid
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

PersonId = Annotated[uuid.UUID, Field(description="A person (resident, tenant) id.")]
TenancyId = Annotated[uuid.UUID, Field(description="A tenancy id.")]
VisitId = Annotated[uuid.UUID, Field(description="A home visit id.")]
RepairId = Annotated[uuid.UUID, Field(description="A repair request id.")]
AppointmentId = Annotated[uuid.UUID, Field(description="An appointment id.")]
ContractorId = Annotated[str, Field(min_length=1, max_length=64, description="A contractor id.")]
StaffId = Annotated[
    str, Field(min_length=1, max_length=64, description="A member of staff's id (never a name).")
]

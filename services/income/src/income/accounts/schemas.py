"""Request and response models for rent and sundry accounts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.income import ArrearsStage, PaymentMethod, WriteOffReason
from hearth_contracts.values import MAX_PENCE
from hearth_kit.strict_types import WHOLE_NUMBER, StrictDay
from hearth_kit.text_patterns import CONTROL_CHARACTERS, SPACE_TO_ANY_ENGINE
from income.models import AccountKind, ArrangementStatus, EntryKind

WORDS_ON_ONE_LINE = (
    f"^[^{CONTROL_CHARACTERS}]*[^{SPACE_TO_ANY_ENGINE}{CONTROL_CHARACTERS}]"
    f"[^{CONTROL_CHARACTERS}]*$"
)
"""Text on one line (no control character) that is not space alone."""

PaymentPence = Annotated[
    int,
    Field(
        gt=0,
        le=MAX_PENCE,
        description="A positive whole number of pence, at most 10^11 (no fractions)",
    ),
    WHOLE_NUMBER,
]


class PaymentCreate(BaseModel):
    """A payment received: by direct debit (any day, any frequency), card, bank, or
    housing benefit or Universal Credit paid direct to the landlord."""

    model_config = ConfigDict(extra="forbid")

    amount_pence: PaymentPence
    method: PaymentMethod
    received_on: StrictDay = Field(
        description="The day it was received: not in the future, and on a loaded "
        "tenancy's rent account after its balance brought forward's as_at (on or before, "
        "the balance holds it: a 422 naming this field, ADR 0144)"
    )
    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$",
        description="The payment's own reference from the bank, the direct debit or the "
        "benefit schedule. The same method and reference on the same account is the same "
        "payment: sent again (a file imported twice), the first entry is answered "
        "(`already_posted` true) and nothing is posted",
    )


class ReversalCreate(BaseModel):
    """A correction: the entry stays posted, and a reversing entry cancels it."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9_]+$",
        examples=["direct_debit_returned", "posted_in_error"],
        description="A reason code (never free text about a person)",
    )


class HeldRechargeCharge(BaseModel):
    """The decision on a held recharge: charge what is still owed on it to a named
    tenancy of its home."""

    model_config = ConfigDict(extra="forbid")

    tenancy_id: uuid.UUID = Field(
        description="The tenancy of the recharge's home to charge (an ended one's former "
        "tenant arrears)"
    )
    reason: str = Field(
        min_length=1,
        max_length=64,
        pattern=WORDS_ON_ONE_LINE,
        examples=["Damage reported by the household before the tenancy began"],
        description="Why this household is charged, in the officer's words: kept on the "
        "held account's credit, never in an event or a log",
    )


class WriteOffCreate(BaseModel):
    """Former tenant arrears written off, by an approved decision."""

    model_config = ConfigDict(extra="forbid")

    amount_pence: PaymentPence
    reason: WriteOffReason


class EntryPublic(BaseModel):
    """A posted ledger entry. Positive amounts are charges, negative ones credits."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    kind: EntryKind
    amount_pence: int
    effective_on: date
    posted_at: datetime
    charge_week: date | None
    payment_method: PaymentMethod | None
    reverses_entry_id: uuid.UUID | None
    reason: str | None
    reference: str | None = None
    approved_by: str | None


class PostedPublic(BaseModel):
    """An entry just posted, with the account's balance after it."""

    entry: EntryPublic
    balance_pence: int
    applied_to: str = Field(
        description="`rent_account`, or `former_tenant_arrears` for an ended tenancy"
    )
    already_posted: bool = Field(
        default=False,
        description="True when a payment with this method and reference was already posted "
        "on the account: `entry` is that first entry, and nothing was posted now",
    )


class HeldRechargeChargedPublic(BaseModel):
    """A held recharge charged to a tenancy: the recharge posted on the tenancy's sundry
    account and the credit that took it off the home's held account."""

    entry: EntryPublic = Field(description="The recharge on the tenancy's sundry account")
    balance_pence: int = Field(description="The tenancy's sundry account balance after it")
    applied_to: str = Field(
        description="`sundry_account`, or `former_tenant_arrears` for an ended tenancy"
    )
    held_entry: EntryPublic = Field(
        description="The credit on the held account, reversing what was owed on the recharge"
    )
    held_balance_pence: int = Field(description="The held account's balance after it")


class AccountPublic(BaseModel):
    """An account: its balance is the sum of its entries."""

    id: uuid.UUID
    tenancy_id: uuid.UUID | None
    uprn: str
    kind: AccountKind
    opened_on: date
    balance_pence: int


class StatementLinePublic(BaseModel):
    effective_on: date
    kind: str
    description: str
    debit_pence: int
    credit_pence: int
    balance_pence: int


class StatementPublic(BaseModel):
    """An account's statement for a period (both days included)."""

    model_config = ConfigDict(populate_by_name=True)

    account_id: uuid.UUID
    tenancy_reference: str | None
    uprn: str
    from_: date = Field(alias="from")
    to: date
    opening_balance_pence: int
    lines: list[StatementLinePublic]
    closing_balance_pence: int


class ArrangementBrief(BaseModel):
    id: uuid.UUID
    status: ArrangementStatus
    instalment_pence: int
    frequency: str
    first_instalment_on: date
    review_on: date


class LastPayment(BaseModel):
    amount_pence: int
    method: PaymentMethod | None
    received_on: date


class SummaryPublic(BaseModel):
    """What the person handling any contact sees of the rent account."""

    account_id: uuid.UUID
    tenancy_id: uuid.UUID | None
    uprn: str
    tenancy_ended: bool
    balance_pence: int
    arrears_pence: int = Field(description="Owed beyond the current rent week's charges")
    former_tenant_arrears_pence: int = Field(description="What an ended tenancy still owes")
    weekly_charge_pence: int = Field(description="Rent plus service charge a week")
    weeks_in_arrears: float
    arrears_stage: ArrearsStage
    nosp_live_until: date | None
    paused_for_review: bool
    personal_contact_needed: bool
    blocked_by: str | None
    arrangement: ArrangementBrief | None
    last_payment: LastPayment | None


class HeldRechargePublic(BaseModel):
    """A recharge still owed on a held account: cancel it by reversing `entry_id`."""

    entry_id: uuid.UUID
    recharge_id: uuid.UUID | None = Field(
        description="Repairs' recharge id (null for a recharge invoiced before migration 0006)"
    )
    amount_pence: int = Field(description="What the recharge charged")
    outstanding_pence: int = Field(description="What is still owed on it")
    raised_on: date = Field(description="The London day repairs raised it")


class HeldRechargesPublic(BaseModel):
    """A home's sundry account with no tenancy: recharges no household was in the home
    to pay (a home never let, or damage from before its first tenancy), held for a
    decision. No personal data: the home, the account and its recharges."""

    account_id: uuid.UUID
    uprn: str
    balance_pence: int
    recharges: list[HeldRechargePublic] = Field(
        description="Its recharges still owed, oldest first (credits pay the oldest first)"
    )

"""Request and response models for tenancies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hearth_contracts.events.income import TenancyEndReason, TenancyType, TenancyTypeChange
from hearth_contracts.values import MAX_PENCE, BoundedNonNegativePence, Uprn
from hearth_kit.strict_types import WHOLE_NUMBER, StrictDay
from hearth_kit.text_patterns import HAS_WORDS
from income.accounts.schemas import SummaryPublic
from income.models import TenancyStatus, WithdrawalReason

MAX_JOINT_TENANTS = 4


class TenantCreate(BaseModel):
    """A person named on the tenancy."""

    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(min_length=1, pattern=HAS_WORDS, max_length=200)
    person_id: uuid.UUID | None = Field(
        default=None, description="The person's id, when known; a new id is given otherwise"
    )


class BalanceBroughtForward(BaseModel):
    """The balance a tenancy loaded from the landlord's old system brings with it (a
    go-live or bulk load, ADR 0132), and the day that system struck it."""

    model_config = ConfigDict(extra="forbid")

    amount_pence: Annotated[int, Field(ge=-MAX_PENCE, le=MAX_PENCE), WHOLE_NUMBER] = Field(
        description="What the household owed on that day (positive: owed; negative: in "
        "credit; 0: nothing either way), posted as one opening_balance entry on the rent "
        "account, dated as_at"
    )
    as_at: StrictDay = Field(
        description="The day it was struck: the last day of a rent week (a Sunday) before "
        "the current rent week. Every rent week up to it is the old system's, in this "
        "balance: neither the rent run nor the charge back of a tenancy recorded late "
        "charges it; the weeks after it are charged (ADR 0132). A 422 naming this field "
        "otherwise"
    )


StageBroughtForward = Literal[
    "text_reminder",
    "letter_1",
    "letter_2",
    "notice_of_seeking_possession",
    "court_warning",
    "court_application",
]
"""The ladder's steps a loaded case can stand at (none is the default: no stage brought
forward)."""


class ArrearsStageBroughtForward(BaseModel):
    """Where the old system's arrears recovery stood for a loaded tenancy (ADR 0144):
    the ladder goes on from that step, no letter sent again for one already taken."""

    model_config = ConfigDict(extra="forbid")

    stage: StageBroughtForward = Field(
        description="The ladder's step the old system had reached (the arrears case's stage names)"
    )
    reached_on: StrictDay = Field(
        description="The day it was reached (a letter sent, the notice served): not "
        "before the tenancy's start nor after balance_brought_forward.as_at (so never in "
        "the future); the ladder's next step counts its interval from it. A 422 naming "
        "this field otherwise"
    )
    notice_served_on: StrictDay | None = Field(
        default=None,
        description="At court_warning or court_application only, and then required: the "
        "day the notice of seeking possession the case is on was served, from which its "
        "12 months run (at notice_of_seeking_possession, reached_on is that day). Not "
        "before the tenancy's start nor after reached_on. A 422 naming this field "
        "otherwise",
    )


class TenancyCreate(BaseModel):
    """A tenancy to start."""

    model_config = ConfigDict(extra="forbid")

    tenancy_reference: str = Field(
        min_length=1, pattern=HAS_WORDS, max_length=32, examples=["T-000123"]
    )
    uprn: Uprn
    tenants: list[TenantCreate] = Field(
        min_length=1,
        max_length=MAX_JOINT_TENANTS,
        description="Joint tenants each appear; at most four (the legal limit on those "
        "holding a legal estate in land, Law of Property Act 1925 s.34)",
    )
    start_date: StrictDay = Field(
        description="The tenancy's first day: may be ahead, at most 12 months after today "
        "(London; further is a year typed wrong), and after the last day of the home's "
        "previous tenancy (one household in a home on any day); a 422 naming this field "
        "otherwise"
    )
    tenancy_type: TenancyType = Field(
        description="One the landlord can grant: a council's secure, introductory or "
        "fixed_term; a housing association's assured, starter, fixed_term or secure "
        "(HEARTH_INCOME_LANDLORD_KIND); a 422 naming this field otherwise"
    )
    weekly_rent_pence: Annotated[BoundedNonNegativePence, WHOLE_NUMBER]
    weekly_service_charge_pence: Annotated[BoundedNonNegativePence, WHOLE_NUMBER] = Field(
        default=0, description="Service charges a week, charged apart from rent"
    )
    balance_brought_forward: BalanceBroughtForward | None = Field(
        default=None,
        description="For a tenancy loaded from the old system (go-live): the balance it "
        "held and the day it was struck. The weeks up to that day are not charged again, "
        "whatever `backdated_charge_weeks` is (ADR 0132); absent for a new letting",
    )
    arrears_stage_brought_forward: ArrearsStageBroughtForward | None = Field(
        default=None,
        description="With balance_brought_forward only: the step the old system's arrears "
        "recovery had reached, and when. The arrears case starts there and the ladder "
        "goes on from it, writing no letter for a step already taken; a notice brought "
        "forward is kept with the case's notices, live 12 months from its service (ADR "
        "0144). Absent: the case starts at none",
    )

    @field_validator("tenants")
    @classmethod
    def _each_person_once(cls, tenants: list[TenantCreate]) -> list[TenantCreate]:
        ids = [t.person_id for t in tenants if t.person_id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("a person is named on a tenancy only once")
        return tenants


class TenantPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: uuid.UUID
    full_name: str


class TenancyPublic(BaseModel):
    """A tenancy."""

    id: uuid.UUID
    tenancy_reference: str
    uprn: str
    tenants: list[TenantPublic]
    start_date: date
    end_date: date | None
    tenancy_type: TenancyType
    weekly_rent_pence: int = Field(
        description="The rent the tenancy started on; a later change is made with POST "
        ".../rent-change, and the rent in force now is the summary's weekly_charge_pence"
    )
    weekly_service_charge_pence: int = Field(description="The service charge it started on")
    status: TenancyStatus
    end_reason: TenancyEndReason | None
    introductory_ends_on: date | None = Field(
        description="The day an introductory or starter tenancy's trial ends: the first "
        "day it is secure or assured unless decided otherwise (12 months from the start, "
        "or 18 once extended; on trial up to the day before); null for other tenancy "
        "types and once the trial is decided or over"
    )
    rent_account_id: uuid.UUID | None = Field(
        description="The tenancy's rent account (GET /v1/rent-accounts/{id}/summary)"
    )
    sundry_account_id: uuid.UUID | None = Field(
        default=None, description="Its sundry account (recharges), once one is invoiced"
    )
    withdrawn_at: datetime | None = Field(
        default=None,
        description="When it was withdrawn before its first day (`status` `withdrawn`, "
        "POST .../withdrawal); null otherwise",
    )
    withdrawal_reason: WithdrawalReason | None = Field(
        default=None,
        description="Why it was withdrawn, when the officer gave a reason (a code: "
        "`offer_refused`, `applicant_withdrew`, `offer_made_in_error`, `other`); null "
        "otherwise",
    )
    backdated_weeks_charged: int = Field(
        default=0,
        description="The rent weeks charged when it was recorded, its start being in the "
        "past by at most the configured weeks (4 by default): from the week it started "
        "in to the week it was recorded in, rent-free weeks excepted (ADR 0112), from the "
        "week after its balance brought forward when it has one (ADR 0132). 0: its "
        "start was not in the past, or further back, or none are charged back",
    )

    balance_brought_forward_pence: int | None = Field(
        default=None,
        description="The balance brought forward from the old system when it was loaded "
        "(ADR 0132); null: none",
    )
    balance_brought_forward_as_at: date | None = Field(
        default=None,
        description="The day that balance was struck: the rent weeks up to it are the "
        "old system's; null: none brought forward",
    )


class TenancyWithRentSummary(TenancyPublic):
    """A tenancy in the list; asked with `include=rent_summary`, it carries its rent
    account's summary too, so a composite needs one call, not two."""

    rent_summary: SummaryPublic | None = Field(
        default=None,
        description="Only with `include=rent_summary` (absent otherwise): the rent "
        "account's summary, as GET /v1/rent-accounts/{id}/summary answers it; null when "
        "the tenancy has no rent account",
    )


class TenancyEnd(BaseModel):
    """A tenancy ending: what is still owed becomes former tenant arrears."""

    model_config = ConfigDict(extra="forbid")

    end_date: StrictDay = Field(description="The tenancy's last day (not in the future)")
    reason: TenancyEndReason


class TenancyWithdrawal(BaseModel):
    """A tenancy withdrawn before its first day, optionally with why (the body may be
    left out altogether)."""

    model_config = ConfigDict(extra="forbid")

    reason: WithdrawalReason | None = Field(
        default=None,
        description="Why the offer fell through, in the landlord's words: `offer_refused` "
        "(the household refused it), `applicant_withdrew`, `offer_made_in_error` (the "
        "landlord's mistake) or `other`; a code, never free text about the household. "
        "Kept and shown on the tenancy (`withdrawal_reason`), not published",
    )


class TenancyTypeDecision(BaseModel):
    """A decision on an introductory tenancy: confirm it (it becomes secure or assured)
    or extend its trial period by 6 months (once)."""

    model_config = ConfigDict(extra="forbid")

    change: Literal[TenancyTypeChange.CONFIRMED, TenancyTypeChange.EXTENDED] = Field(
        description="`confirmed` or `extended` (the event's other changes, `demoted` and "
        "`other`, are not an officer's decision on a trial)"
    )
    tenancy_type: TenancyType | None = Field(
        default=None,
        description="For `confirmed`: `secure` for an introductory tenancy, `assured` for "
        "a starter tenancy (the type the law makes it; the other is a 422 naming this field)",
    )
    effective_on: StrictDay = Field(
        description="The decision's date (not in the future, nor before the tenancy's "
        "start; for `extended`, before the trial ends: earlier than "
        "introductory_ends_on)"
    )

"""Events published by the income service (topic hearth.income.events).

Income owns tenancies and rent accounts, charges and payments, arrears cases and their
recovery stages, arrangements, invoiced recharges, former tenant arrears and write-offs.
Every event here is keyed by the home's UPRN, so a home's tenancy and rent account
events stay in order. Money is integer pence; a balance is positive when the tenant
owes the landlord.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from hearth_contracts.events.base import Event, EventPart
from hearth_contracts.values import NonNegativePence, Pence, PositivePence, StaffId, Uprn


class TenancyType(StrEnum):
    INTRODUCTORY = "introductory"
    SECURE = "secure"
    ASSURED = "assured"
    STARTER = "starter"
    FIXED_TERM = "fixed_term"


class Tenant(BaseModel):
    """One tenant named on a tenancy (joint tenants each appear), in tenancy-started v1
    only: its name is personal data, which v2 no longer carries."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    person_id: uuid.UUID
    full_name: str = Field(min_length=1, max_length=200)


class TenancyEndReason(StrEnum):
    NOTICE_GIVEN = "notice_given"
    DEATH = "death"
    TRANSFER = "transfer"
    MUTUAL_EXCHANGE = "mutual_exchange"
    EVICTION = "eviction"
    ABANDONMENT = "abandonment"
    OTHER = "other"


class TenancyTypeChange(StrEnum):
    """How a tenancy's type changed."""

    CONFIRMED = "confirmed"
    """An introductory tenancy became secure or assured."""
    EXTENDED = "extended"
    """An introductory tenancy was extended (by 6 months)."""
    DEMOTED = "demoted"
    OTHER = "other"


class PaymentMethod(StrEnum):
    DIRECT_DEBIT = "direct_debit"
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    HOUSING_BENEFIT = "housing_benefit"
    UNIVERSAL_CREDIT = "universal_credit"
    """A Universal Credit direct (managed) payment to the landlord."""
    OTHER = "other"


class ArrearsStage(StrEnum):
    """A step of the arrears recovery ladder (the default ladder; thresholds are
    configured)."""

    NONE = "none"
    """No recovery action: the account is up to date or the case closed."""
    TEXT_REMINDER = "text_reminder"
    LETTER_1 = "letter_1"
    LETTER_2 = "letter_2"
    NOTICE_OF_SEEKING_POSSESSION = "notice_of_seeking_possession"
    COURT_WARNING = "court_warning"
    COURT_APPLICATION = "court_application"


class InstalmentFrequency(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    FOUR_WEEKLY = "four_weekly"
    MONTHLY = "monthly"


class WriteOffReason(StrEnum):
    DECEASED_NO_ESTATE = "deceased_no_estate"
    UNTRACEABLE = "untraceable"
    UNECONOMIC_TO_PURSUE = "uneconomic_to_pursue"


class TenancyStarted(
    Event, service="income", name="tenancy-started", key="uprn", subject="tenancy_id"
):
    """A tenancy of a home began; its rent account is open. Superseded by v2, which
    names the tenants by person id only: income publishes v2 alone, and consumers handle
    v1 events still on the topic as they handle v2."""

    tenancy_id: uuid.UUID
    tenancy_reference: str = Field(min_length=1, max_length=32)
    uprn: Uprn
    tenants: list[Tenant] = Field(min_length=1)
    start_date: date
    tenancy_type: TenancyType
    weekly_rent_pence: NonNegativePence
    weekly_service_charge_pence: NonNegativePence = Field(
        default=0, description="Service charges, charged weekly apart from rent"
    )
    rent_account_id: uuid.UUID | None = Field(
        default=None, description="The tenancy's rent account (GET /v1/rent-accounts/{id}/summary)"
    )


class TenantOfTenancy(EventPart):
    """One tenant of a tenancy, by the platform's person id only: names and contact
    details stay in the services that own them (income's tenancy, engagement's
    resident)."""

    person_id: uuid.UUID
    lead: bool = Field(default=False, description="The lead tenant, named first on the tenancy")
    joint: bool = Field(default=False, description="One of two or more joint tenants")


class TenancyStartedV2(
    Event, service="income", name="tenancy-started", version=2, key="uprn", subject="tenancy_id"
):
    """A tenancy of a home began; its rent account is open. The tenants (joint tenants
    each) are named by their person ids, the ids engagement keeps their residents under;
    no names or contact details."""

    tenancy_id: uuid.UUID
    tenancy_reference: str = Field(min_length=1, max_length=32)
    uprn: Uprn
    tenants: list[TenantOfTenancy] = Field(min_length=1)
    start_date: date
    tenancy_type: TenancyType
    weekly_rent_pence: NonNegativePence
    weekly_service_charge_pence: NonNegativePence = Field(
        default=0, description="Service charges, charged weekly apart from rent"
    )
    rent_account_id: uuid.UUID | None = Field(
        default=None, description="The tenancy's rent account (GET /v1/rent-accounts/{id}/summary)"
    )


def trial_ends_on(start: date, months: int) -> date:
    """The day an introductory (or starter) trial of `months` months (12, or 18 once
    extended) ends: the first day the tenancy is secure (or assured) when nothing else
    is decided; it is on trial up to the day before. In law the trial is "the period of
    one year beginning with" the start (Housing Act 1996 s.125(2); an extension adds 6
    months, s.125A; starter tenancies follow the same pattern), so it ends at the end of
    the day before the same date `months` later: a tenancy started on 1 March 2025 is
    on trial to 28 February 2026 and secure from 1 March 2026. When that month lacks the
    day (a start on 29 February, or on the 29th to 31st with 18 months), the period
    runs to the month's last day and the tenancy is secure from the 1st of the next:
    started on 29 February 2024, secure from 1 March 2025. A tenancy's
    `introductory_ends_on` (income, visits) and an extension's
    `introductory_period_ends_on` are this day, so income's trial-end job and visits'
    caseload sweep agree (docs/adr/0059)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    if start.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start.day)
    return date(year, month, calendar.monthrange(year, month)[1]) + timedelta(days=1)


class TenancyTypeChanged(
    Event, service="income", name="tenancy-type-changed", key="uprn", subject="tenancy_id"
):
    """A tenancy's type changed: an introductory tenancy was confirmed as secure or
    assured, or extended. `other` back to introductory (or starter) corrects a trial
    income's trial-end job settled too soon, put back by an officer or by the correction
    of the court outcome the settlement rested on: the tenancy is on trial again from
    `effective_on`, the settlement's own day (ADR 0081, 0093)."""

    tenancy_id: uuid.UUID
    uprn: Uprn
    change: TenancyTypeChange
    previous_type: TenancyType
    tenancy_type: TenancyType
    effective_on: date
    introductory_period_ends_on: date | None = Field(
        default=None,
        description="An extension's new end of the trial: the first day the tenancy is "
        "no longer on trial (18 months from the start; on trial up to the day before). "
        "With `other` back to a trial type, the trial's end restored (past: the tenancy "
        "stays on trial while possession proceedings brought in time run)",
    )


class TenancyEnded(Event, service="income", name="tenancy-ended", key="uprn", subject="tenancy_id"):
    """A tenancy ended; what is still owed on its rent account becomes former tenant
    arrears."""

    tenancy_id: uuid.UUID
    uprn: Uprn
    end_date: date
    reason: TenancyEndReason
    closing_balance_pence: Pence = Field(
        description="Positive: former tenant arrears; negative: a credit to refund"
    )


class TenancyWithdrawn(
    Event, service="income", name="tenancy-withdrawn", key="uprn", subject="tenancy_id"
):
    """A tenancy recorded ahead was withdrawn before its first day (the offer fell
    through): the household never moved in, and the home is free for another tenancy
    from any day. Not an end: there are no former tenants and no former tenant arrears.
    Consumers undo what tenancy-started did, as for a tenancy that ran no day (its last
    day the day before `start_date`), whichever of the two events they handle first.
    Its rent account keeps no charge: one posted for the week it was to start in is
    reversed (ADR 0111)."""

    tenancy_id: uuid.UUID
    uprn: Uprn
    start_date: date = Field(description="The first day it was to start on (tenancy-started's)")
    withdrawn_at: AwareDatetime


class RentCharged(Event, service="income", name="rent-charged", key="uprn", subject="tenancy_id"):
    """A week's rent and service charges were charged to a rent account, in advance for
    the rent week starting on Monday `week_starting` (rent-free weeks charge nothing)."""

    charge_id: uuid.UUID
    tenancy_id: uuid.UUID
    uprn: Uprn
    week_starting: date = Field(description="The Monday the rent week starts")
    rent_pence: NonNegativePence
    service_charge_pence: NonNegativePence
    balance_pence: Pence = Field(description="The account balance after the charge")
    charged_at: AwareDatetime

    @field_validator("week_starting")
    @classmethod
    def _a_monday(cls, value: date) -> date:
        if value.weekday() != 0:
            raise ValueError("a rent week starts on a Monday")
        return value


class PaymentReceived(
    Event, service="income", name="payment-received", key="uprn", subject="tenancy_id"
):
    """A payment was credited to a rent account (direct debit, card, bank, housing
    benefit or Universal Credit paid direct)."""

    payment_id: uuid.UUID
    tenancy_id: uuid.UUID
    uprn: Uprn
    amount_pence: PositivePence
    method: PaymentMethod
    received_on: date
    balance_pence: Pence = Field(description="The account balance after the payment")
    recorded_at: AwareDatetime


class ArrearsStageChanged(
    Event, service="income", name="arrears-stage-changed", key="uprn", subject="tenancy_id"
):
    """A rent account moved to another step of arrears recovery (a reminder, a letter, a
    notice of seeking possession, court action) or left recovery (`stage` none). A
    tenancy loaded from the old system at a step of its recovery (ADR 0144) is announced
    at the load, `brought_forward` and `changed_at` the day the old system reached the
    step: the household was written to then, so no letter or text is sent for it;
    the stage is the tenancy's as any other."""

    tenancy_id: uuid.UUID
    uprn: Uprn
    stage: ArrearsStage
    previous_stage: ArrearsStage
    arrears_pence: NonNegativePence
    changed_at: AwareDatetime
    person_ids: list[uuid.UUID] = Field(
        default_factory=list,
        description="The tenants (joint tenants each), by the platform's person ids: "
        "engagement sends each the letter or text in their language and format",
    )
    reason: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[a-z0-9_]+$",
        description="Why the step was taken, as a rule code (arrears_at_least_1000_pence); "
        "never about the person",
    )
    rent_account_id: uuid.UUID | None = None
    brought_forward: bool = Field(
        default=False,
        description="The step the old system's recovery had reached, brought forward at "
        "a tenancy's load (ADR 0144), not a step taken: its letter was the old system's",
    )


class ArrangementMade(
    Event, service="income", name="arrangement-made", key="uprn", subject="arrangement_id"
):
    """An arrangement to pay arrears by instalments was agreed on income and
    expenditure; recovery waits while it is kept."""

    arrangement_id: uuid.UUID
    tenancy_id: uuid.UUID
    uprn: Uprn
    instalment_pence: PositivePence
    frequency: InstalmentFrequency
    first_instalment_on: date
    arrears_pence: NonNegativePence = Field(description="The arrears the arrangement covers")
    review_on: date = Field(description="Reviewed every 3 to 6 months")
    made_at: AwareDatetime


class ArrangementBroken(
    Event, service="income", name="arrangement-broken", key="uprn", subject="arrangement_id"
):
    """An instalment was missed, so the arrangement is broken and recovery resumes at
    the next step."""

    arrangement_id: uuid.UUID
    tenancy_id: uuid.UUID
    uprn: Uprn
    missed_instalment_on: date
    arrears_pence: NonNegativePence
    broken_at: AwareDatetime


class FormerTenantArrearsWrittenOff(
    Event,
    service="income",
    name="former-tenant-arrears-written-off",
    key="uprn",
    subject="tenancy_id",
):
    """Former tenant arrears were written off, by an approved decision with a reason."""

    write_off_id: uuid.UUID
    tenancy_id: uuid.UUID
    uprn: Uprn
    amount_pence: PositivePence
    reason: WriteOffReason
    approved_by: StaffId
    written_off_at: AwareDatetime


class RechargeSettledBy(StrEnum):
    """What changed what is owed on a recharge (recharge-paid `settled_by`)."""

    PAYMENT = "payment"
    """A payment (with `correction` true: a payment reversed, or credit moved between
    the account's recharges)."""
    WRITE_OFF = "write_off"
    """An approved write-off of former tenant arrears: not paid, taken off the books
    (with `correction` true: the write-off undone, or a write-off's credit now covering
    some of the recharge, docs/adr/0183)."""


class RechargePaid(
    Event, service="income", name="recharge-paid", key="uprn", subject="recharge_id"
):
    """A payment landed on a recharge's sundry account. Payments pay a sundry account's
    recharges oldest first, so one payment may pay several recharges: one event each,
    `amount_pence` being the part of the payment that went to this recharge. A recharge
    is collected when `paid_in_full`.

    A correction changes what is owed too: a payment or write-off reversed (a direct
    debit returned, say) takes back what it paid, newest recharge first, and one event
    per recharge it changed says so (`correction` true, `outstanding_pence` what is owed
    now, `paid_in_full` false when something is owed again).

    The recharge's state is its latest event by `posted_at`, when income posted it
    (strictly later for each posting to the account, whatever day a payment was
    received on: a cheque received yesterday but posted after today's payment is the
    later word). An event without `posted_at` (published before income sent it)
    counts as posted at its `paid_at`: never later than it really was posted, so it
    comes before every event that has `posted_at`, and such events among themselves
    are ordered by `paid_at` as before.

    A write-off of former tenant arrears on the recharge's account takes its recharges
    off the books, oldest first as a payment would pay them: one event per recharge it
    changed, `settled_by` write_off, `paid_in_full` false (nothing was paid: a recharge
    left owing nothing by a write-off is written off, not collected), `outstanding_pence`
    what is still owed. The write-off undone owes it again: `correction` true,
    `settled_by` write_off (docs/adr/0179). Credit moved onto a recharge by another
    posting (a recharge cancelled freed it) says the kind of credit now covering the
    recharge: `settled_by` write_off, not paid in full, when a write-off's credit covers
    any of it (income counts payments as paying first, write-offs what they left),
    with `correction` true (docs/adr/0183). A recharge owing nothing before and after a
    posting whose cover changed kind (a payment reversed or posted on an account with a
    write-off slides the write-off's cover between recharges) says the kind now:
    `correction` true, `outstanding_pence` 0, `amount_pence` the part whose kind changed.
    Events from before income sent `settled_by` are payments or their corrections (a
    write-off then published none).

    A recharge cancelled (its charge reversed on the sundry account) is owed no more and
    was not paid: one event says so, `cancelled` true, `correction` true, `paid_in_full`
    false, `outstanding_pence` 0, `amount_pence` the charge cancelled. It is the
    recharge's last event: a cancellation is never undone (docs/adr/0176). Events from
    before income sent `cancelled` are none of them a cancellation (one then published
    nothing)."""

    recharge_id: uuid.UUID = Field(description="Repairs' recharge (from recharge-raised)")
    repair_id: uuid.UUID
    uprn: Uprn
    amount_pence: PositivePence = Field(
        description="What this payment paid of the recharge (a write-off: what it took off "
        "it); for a correction, how much what is owed on it changed (a cancellation: the charge "
        "cancelled; a recharge owing nothing whose cover changed kind: the part that changed)"
    )
    outstanding_pence: NonNegativePence = Field(description="What is still owed on the recharge")
    paid_in_full: bool
    paid_at: AwareDatetime = Field(
        description="When the payment was received (its day's start for a payment received "
        "on an earlier day); for a correction, when it was posted"
    )
    correction: bool = Field(
        default=False,
        description="True when a correction (a reversed payment or write-off, or credit "
        "moved between the account's recharges) changed what is owed on the recharge, or "
        "changed only the kind of credit covering a recharge owing nothing before and "
        "after (`outstanding_pence` 0: docs/adr/0183); false for a payment's or "
        "write-off's own share, or credit paying a recharge as it is invoiced",
    )
    posted_at: AwareDatetime | None = Field(
        default=None,
        description="When income posted the payment or correction: strictly later for each "
        "posting to the recharge's account, so the event with the latest `posted_at` is the "
        "recharge's state (`paid_at` is the day it was received, which may be earlier). "
        "None on an event published before income sent it: it counts as posted at its "
        "`paid_at`",
    )
    settled_by: RechargeSettledBy = Field(
        default=RechargeSettledBy.PAYMENT,
        description="What changed what is owed: `payment` (a payment; with `correction` "
        "true, a payment reversed or paid credit moved between the account's recharges) or "
        "`write_off` (an approved write-off of former tenant arrears, never paid: "
        "`paid_in_full` is false, and a recharge it leaves owing nothing is written off; "
        "with `correction` true, the write-off undone, or a write-off's credit moved onto "
        "the recharge, covering some of it). Absent on events published before "
        "income sent it, none of them a write-off: `payment`",
    )
    cancelled: bool = Field(
        default=False,
        description="True when the recharge itself was cancelled (its charge reversed on "
        "the sundry account): owed no more and not paid, whatever was paid of it (that "
        "credit goes to the account's other recharges, each told by its own event). "
        "`correction` is true, `paid_in_full` false, `outstanding_pence` 0, `amount_pence` "
        "the charge cancelled and `settled_by` `payment` (v1's `settled_by` takes no new "
        "value: docs/adr/0176). Final: nothing follows it for the recharge. Absent on "
        "events published before income sent it, none of them a cancellation: false",
    )

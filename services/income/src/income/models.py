"""Income tables: tenancies and their tenants, accounts and their append-only ledgers,
arrears cases, arrangements, and what income knows of homes and vulnerability flags."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hearth_contracts.events.income import (
    ArrearsStage,
    InstalmentFrequency,
    PaymentMethod,
    TenancyEndReason,
    TenancyType,
)
from hearth_kit.db import AwareDateTime, text_enum


class IncomeModel(SQLModel, registry=registry()):
    """Base of every income table (its own metadata: its own database)."""


class TenancyStatus(StrEnum):
    CURRENT = "current"
    ENDED = "ended"
    WITHDRAWN = "withdrawn"
    """Withdrawn before its first day (the offer fell through): the household never
    moved in, nothing is owed under it, and the home is free (ADR 0111)."""


class WithdrawalReason(StrEnum):
    """Why a tenancy was withdrawn before its first day, in the landlord's words: a code,
    never free text about the household (ADR 0111, amended)."""

    OFFER_REFUSED = "offer_refused"
    """The household refused the offer before moving in."""
    APPLICANT_WITHDREW = "applicant_withdrew"
    """The applicant withdrew from the housing register or the letting."""
    OFFER_MADE_IN_ERROR = "offer_made_in_error"
    """The landlord offered the home by mistake (the wrong home, applicant or date)."""
    OTHER = "other"


class Tenancy(IncomeModel, table=True):
    """A tenancy of a home. A home has at most one current tenancy (enforced by a
    partial unique index as well as by the service)."""

    __tablename__ = "tenancy"
    __table_args__ = (
        Index(
            "uq_tenancy_one_current_per_home",
            "uprn",
            unique=True,
            postgresql_where=text("status = 'current'"),
            sqlite_where=text("status = 'current'"),
        ),
        # A home's tenancies by status in reference order (the home overview).
        Index("ix_tenancy_uprn_status_reference", "uprn", "status", "tenancy_reference"),
    )

    id: uuid.UUID = Field(primary_key=True)
    tenancy_reference: str = Field(max_length=32, unique=True, index=True)
    uprn: str = Field(max_length=12)
    start_date: date
    end_date: date | None = None
    tenancy_type: TenancyType = Field(sa_type=text_enum(TenancyType))
    weekly_rent_pence: int = Field(sa_type=BigInteger)
    weekly_service_charge_pence: int = Field(
        default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"}
    )
    introductory_ends_on: date | None = Field(
        default=None,
        description="The day an introductory tenancy's trial ends: its first day off "
        "trial (the trial's last day is the day before)",
    )
    end_reason: TenancyEndReason | None = Field(default=None, sa_type=text_enum(TenancyEndReason))
    status: TenancyStatus = Field(sa_type=text_enum(TenancyStatus))
    created_at: datetime = Field(sa_type=AwareDateTime)
    version: int = Field(default=1)
    withdrawn_at: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When it was withdrawn before its first day (null: not withdrawn)",
    )
    withdrawn_by: str | None = Field(
        default=None, max_length=64, description="The staff member who withdrew it"
    )
    withdrawal_reason: WithdrawalReason | None = Field(
        default=None,
        sa_type=text_enum(WithdrawalReason),
        description="Why it was withdrawn, when the officer said (null: not said, or not "
        "withdrawn, and every tenancy withdrawn before 0031)",
    )
    backdated_weeks_charged: int = Field(
        default=0,
        sa_column_kwargs={"server_default": "0"},
        description="The rent weeks charged when it was recorded, its start being in the "
        "past (ADR 0112); 0 for every other, and for every tenancy recorded before 0030",
    )
    balance_brought_forward_pence: int | None = Field(
        default=None,
        sa_type=BigInteger,
        description="The balance the landlord's old system held for it, brought forward "
        "when it was loaded (ADR 0132; an opening_balance entry on its rent account when "
        "not 0); null: none brought forward, and every tenancy recorded before 0032",
    )
    balance_brought_forward_as_at: date | None = Field(
        default=None,
        description="The day that balance was struck, the last day of a rent week (a "
        "Sunday): every rent week up to it is the old system's, charged by neither the "
        "rent run nor the charge back of a late-recorded tenancy (ADR 0132)",
    )


class RentChange(IncomeModel, table=True):
    """A change of a tenancy's weekly rent and service charge from a rent week on (the
    April rent change). The rent in force for a week is the latest change from that
    week or before, else the tenancy's rent at its start; a week already charged is not
    changed (the ledger stays as posted)."""

    __tablename__ = "rent_change"
    __table_args__ = (
        Index("uq_rent_change_tenancy_effective_from", "tenancy_id", "effective_from", unique=True),
    )

    id: uuid.UUID = Field(primary_key=True)
    tenancy_id: uuid.UUID = Field(foreign_key="tenancy.id")
    effective_from: date = Field(description="The first rent week (its Monday) at the new rent")
    weekly_rent_pence: int = Field(sa_type=BigInteger)
    weekly_service_charge_pence: int = Field(sa_type=BigInteger)
    made_at: datetime = Field(sa_type=AwareDateTime)


class Tenant(IncomeModel, table=True):
    """A person named on a tenancy; joint tenants each have a row."""

    __tablename__ = "tenant"

    tenancy_id: uuid.UUID = Field(foreign_key="tenancy.id", primary_key=True)
    person_id: uuid.UUID = Field(primary_key=True, index=True)
    position: int = Field(description="The order the tenants are named in on the tenancy")
    full_name: str = Field(max_length=200)


class AccountKind(StrEnum):
    RENT = "rent"
    """The tenancy's rent account: weekly rent and service charges, and payments."""
    SUNDRY = "sundry"
    """A sundry account: recharges for damage, invoiced apart from rent."""


class Account(IncomeModel, table=True):
    """An account whose balance is the sum of its ledger entries (never stored): a
    tenancy's rent account, or its sundry account for recharges. Positive: owed to the
    landlord."""

    __tablename__ = "account"
    __table_args__ = (
        Index("uq_account_tenancy_kind", "tenancy_id", "kind", unique=True),
        # Held accounts (sundry, no tenancy) in home order: GET /v1/income/held-recharges
        # pages through them by (uprn, id), and a recharge finds its home's one by uprn.
        Index(
            "ix_account_held_recharges",
            "uprn",
            "id",
            postgresql_where=text("tenancy_id IS NULL AND kind = 'sundry'"),
            sqlite_where=text("tenancy_id IS NULL AND kind = 'sundry'"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    tenancy_id: uuid.UUID | None = Field(default=None, foreign_key="tenancy.id")
    uprn: str = Field(max_length=12, index=True)
    kind: AccountKind = Field(sa_type=text_enum(AccountKind))
    opened_on: date
    last_charged_week: date | None = Field(
        default=None,
        index=True,
        description="The latest rent week charged, a record only: the rent run finds the "
        "accounts a week still has to charge from the ledger (no rent entry for that week)",
    )


class EntryKind(StrEnum):
    RENT = "rent"
    SERVICE_CHARGE = "service_charge"
    PAYMENT = "payment"
    RECHARGE = "recharge"
    REVERSAL = "reversal"
    WRITE_OFF = "write_off"
    OPENING_BALANCE = "opening_balance"


class LedgerEntry(IncomeModel, table=True):
    """One posted entry of an account's ledger. Posted entries are never updated or
    deleted: a correction is a reversing entry (`reverses_entry_id`). Positive amounts
    are charges (the tenant owes more), negative ones credits (payments, write-offs)."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        Index("ix_ledger_entry_account_effective", "account_id", "effective_on"),
        # The figures of a period: a kind's entries effective in it (migration 0028).
        Index("ix_ledger_entry_kind_effective", "kind", "effective_on"),
        Index("uq_ledger_entry_weekly_charge", "account_id", "kind", "charge_week", unique=True),
        Index(
            "uq_ledger_entry_payment_reference",
            "account_id",
            "payment_method",
            "reference",
            unique=True,
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="account.id")
    kind: EntryKind = Field(sa_type=text_enum(EntryKind))
    amount_pence: int = Field(sa_type=BigInteger)
    effective_on: date = Field(description="The day it counts from (rent week's Monday, day paid)")
    posted_at: datetime = Field(sa_type=AwareDateTime)
    charge_week: date | None = Field(
        default=None, description="The rent week's Monday of a weekly charge (one per week)"
    )
    payment_method: PaymentMethod | None = Field(default=None, sa_type=text_enum(PaymentMethod))
    reverses_entry_id: uuid.UUID | None = Field(
        default=None, foreign_key="ledger_entry.id", unique=True
    )
    source_key: str | None = Field(
        default=None,
        max_length=100,
        unique=True,
        description="What posted it once only (a recharge's id), so a repeat changes nothing",
    )
    reason: str | None = Field(default=None, max_length=64)
    reference: str | None = Field(
        default=None,
        max_length=64,
        description="A payment's own reference (bank, direct debit, benefit schedule): one "
        "payment per account, method and reference, so a re-imported payment posts once",
    )
    approved_by: str | None = Field(default=None, max_length=64)
    recharge_id: uuid.UUID | None = Field(
        default=None, description="A recharge entry's recharge (repairs' id), for recharge-paid"
    )
    repair_id: uuid.UUID | None = Field(
        default=None, description="A recharge entry's repair, for recharge-paid"
    )


WORKLIST = "stage <> 'none' OR held_by_court"
"""The cases on the income officer's worklist (GET /v1/arrears-cases): open ones, at a
step of the ladder, and those the court holds at stage none (ADR 0084, amended). The predicate
of its partial index, ix_arrears_case_worklist (migration 0026)."""


class ArrearsCase(IncomeModel, table=True):
    """Where a rent account stands on the arrears ladder, and what recovery has done
    (one per rent account). The ladder job takes the cases whose `next_check_at` has
    come, so each is looked at once per check."""

    __tablename__ = "arrears_case"
    __table_args__ = (
        # The worklist's cases longest at their step first: GET /v1/arrears-cases
        # pages through them by (stage_changed_at, account_id). Open cases (a step of
        # the ladder) and those the court holds at stage none (ADR 0084, amended). Every move
        # stamps stage_changed_at, and a case is opened with it, so each has one.
        Index(
            "ix_arrears_case_worklist",
            "stage_changed_at",
            "account_id",
            postgresql_where=text(WORKLIST),
            sqlite_where=text(WORKLIST),
        ),
    )

    account_id: uuid.UUID = Field(foreign_key="account.id", primary_key=True)
    tenancy_id: uuid.UUID = Field(foreign_key="tenancy.id", index=True)
    stage: ArrearsStage = Field(sa_type=text_enum(ArrearsStage), index=True)
    stage_changed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    next_check_at: datetime = Field(sa_type=AwareDateTime, index=True)
    letter_1_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    letter_2_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    nosp_served_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    court_warning_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    court_application_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    resume_at_next_step: bool = Field(
        default=False, description="An arrangement broke: recovery resumes at the next step"
    )
    paused_for_review: bool = Field(
        default=False, description="A vulnerability flag paused automatic letters"
    )
    personal_contact_needed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    blocked_by: str | None = Field(default=None, max_length=64)
    tenant_contacted_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    arrangement_offered_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    statements_given_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    benefit_issues_pursued_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    benefit_claim_pending: bool = Field(default=False)
    vulnerability_considered_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    clear_of_arrears_at: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="The ladder's last look that found the account clear of arrears (below "
        "the text reminder's threshold): the arrears now owed arose after it, and a "
        "pre-action protocol step done before it was for earlier arrears, so it does not "
        "meet the protocol for a court step on these (ADR 0133). Null: not seen clear "
        "since migration 0033 (every step recorded counts)",
    )
    version: int = Field(default=1)
    """The version of the pre-action protocol steps, the case's ETag (If-Match on PATCH
    .../arrears-case/protocol)."""
    held_by_court: bool = Field(default=False)
    """Whether the court holds the case's ladder (its latest hearing is undecided, an
    adjournment or a possession order: `rules.court_hold`), written with the hearing
    whenever one is listed, decided or corrected. The ladder reads the hold from the
    hearing itself; this copy is for the worklist's partial index, which must hold a
    case the court holds at stage none (ADR 0084, amended)."""


class ArrangementStatus(StrEnum):
    ACTIVE = "active"
    BROKEN = "broken"
    COMPLETED = "completed"
    TENANCY_ENDED = "tenancy_ended"
    """The tenancy ended while arrears were still owed under it (former tenant arrears
    are recovered apart)."""
    ENDED = "ended"
    """Ended at a review (the officer's decision, not a missed instalment): recovery
    goes on by the ladder from where the case stands."""


class Arrangement(IncomeModel, table=True):
    """An arrangement to pay arrears by instalments, agreed on an income and
    expenditure statement. A review that changes the instalment re-bases it on the
    arrears at the review (`arrears_pence`, `first_instalment_on` the first at the new
    amount); what it was before is kept on the review (ArrangementReview)."""

    __tablename__ = "arrangement"
    __table_args__ = (
        # Live arrangements by review date: GET /v1/arrangements/reviews-due pages
        # through them by (review_on, id).
        Index(
            "ix_arrangement_review_due",
            "review_on",
            "id",
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        # The figures of a period: the arrangements made in it (migration 0028).
        Index("ix_arrangement_made_at", "made_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="account.id", index=True)
    tenancy_id: uuid.UUID = Field(foreign_key="tenancy.id")
    status: ArrangementStatus = Field(sa_type=text_enum(ArrangementStatus), index=True)
    weekly_income_pence: int = Field(sa_type=BigInteger)
    weekly_expenditure_pence: int = Field(sa_type=BigInteger)
    instalment_pence: int = Field(sa_type=BigInteger)
    frequency: InstalmentFrequency = Field(sa_type=text_enum(InstalmentFrequency))
    first_instalment_on: date
    arrears_pence: int = Field(sa_type=BigInteger)
    review_on: date
    made_at: datetime = Field(sa_type=AwareDateTime)
    balance_at_start_pence: int = Field(sa_type=BigInteger)
    ended_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    missed_instalment_on: date | None = None


class ReviewOutcome(StrEnum):
    CONTINUE = "continue"
    """The arrangement goes on as agreed."""
    CHANGE_INSTALMENT = "change_instalment"
    """A new instalment, affordable on income and expenditure, from a new first
    instalment, on the arrears at the review."""
    END = "end"
    """The arrangement ends (status ended); recovery goes on by the ladder."""


class ArrangementReview(IncomeModel, table=True):
    """A review of a live arrangement (DOMAIN.md: reviewed every 3 to 6 months), kept
    as a row each, never overwritten: what was decided, what the instalment and the
    review date were before, and when the next review falls."""

    __tablename__ = "arrangement_review"
    __table_args__ = (Index("ix_arrangement_review_arrangement", "arrangement_id", "reviewed_at"),)

    id: uuid.UUID = Field(primary_key=True)
    arrangement_id: uuid.UUID = Field(foreign_key="arrangement.id")
    reviewed_at: datetime = Field(sa_type=AwareDateTime)
    outcome: ReviewOutcome = Field(sa_type=text_enum(ReviewOutcome))
    arrears_pence: int = Field(sa_type=BigInteger, description="Arrears when it was recorded")
    instalment_pence_before: int = Field(sa_type=BigInteger)
    instalment_pence: int | None = Field(
        default=None, sa_type=BigInteger, description="The new instalment (change_instalment)"
    )
    first_instalment_on: date | None = Field(
        default=None, description="The first instalment at the new amount (change_instalment)"
    )
    weekly_income_pence: int | None = Field(
        default=None, sa_type=BigInteger, description="A new statement taken at the review"
    )
    weekly_expenditure_pence: int | None = Field(default=None, sa_type=BigInteger)
    review_on_before: date
    next_review_on: date | None = Field(default=None, description="None when it ended")
    recorded_at: datetime = Field(sa_type=AwareDateTime)
    recorded_by: str = Field(max_length=64)


class PossessionNotice(IncomeModel, table=True):
    """A notice of seeking possession the arrears ladder served, kept as a row each,
    never overwritten: the case's `nosp_served_at` is the latest one, and a second
    notice no longer hides the first (a notice live on a trial's last day still counts
    after another is served, ADR 0059). How long a notice is live is worked out from
    `served_at` and `withdrawn_on` (`nosp_live_until`: withdrawn, it is live no more,
    ADR 0081 amended), as for the case's."""

    __tablename__ = "possession_notice"
    __table_args__ = (Index("ix_possession_notice_account", "account_id", "served_at"),)

    id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="arrears_case.account_id")
    served_at: datetime = Field(sa_type=AwareDateTime)
    withdrawn_on: date | None = Field(
        default=None,
        description="The day the landlord withdrew the notice (null: not withdrawn); from "
        "then it keeps no tenancy on trial (Housing Act 1996 s.130(2)(a), ADR 0081)",
    )
    withdrawn_at: datetime | None = Field(
        default=None, sa_type=AwareDateTime, description="When the withdrawal was recorded"
    )
    withdrawn_by: str | None = Field(default=None, max_length=64)


class CourtOutcome(StrEnum):
    """What the county court decided on a possession claim for rent arrears, in the
    words of its order (ADR 0067)."""

    ADJOURNED = "adjourned"
    """Adjourned, generally or to another day: the claim is still before the court (the
    next hearing, once listed, is recorded as a hearing of its own)."""
    ADJOURNED_ON_TERMS = "adjourned_on_terms"
    """Adjourned on terms: the tenant pays the rent and an amount off the arrears; the
    claim stays before the court."""
    SUSPENDED_POSSESSION_ORDER = "suspended_possession_order"
    """Possession ordered, suspended while the tenant keeps to the order's terms
    (assured and starter tenancies)."""
    POSTPONED_POSSESSION_ORDER = "postponed_possession_order"
    """Possession ordered on a date to be fixed, postponed while the tenant keeps to the
    order's terms (secure tenancies, Housing Act 1985 s.85)."""
    OUTRIGHT_POSSESSION_ORDER = "outright_possession_order"
    """Possession ordered on a date: the tenancy ends when the order is carried out."""
    DISMISSED = "dismissed"
    """The court refused the claim: the proceedings are over, in the tenant's favour."""
    WITHDRAWN = "withdrawn"
    """The landlord withdrew (discontinued) the claim: the proceedings are over."""


class CourtHearing(IncomeModel, table=True):
    """A possession hearing listed on an arrears case, kept as a row each (an
    adjournment's next hearing is a new one): the day it is listed for, and later what
    the court decided and on which day. At most one hearing of a case is undecided at
    a time (a partial unique index)."""

    __tablename__ = "court_hearing"
    __table_args__ = (
        Index("ix_court_hearing_account", "account_id", "listed_for"),
        Index(
            "uq_court_hearing_one_undecided",
            "account_id",
            unique=True,
            postgresql_where=text("outcome IS NULL"),
            sqlite_where=text("outcome IS NULL"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="arrears_case.account_id")
    listed_for: date = Field(description="The day the court listed the hearing for")
    listed_at: datetime = Field(sa_type=AwareDateTime, description="When it was recorded")
    listed_by: str = Field(max_length=64)
    outcome: CourtOutcome | None = Field(default=None, sa_type=text_enum(CourtOutcome))
    decided_on: date | None = Field(default=None, description="The day the court decided")
    outcome_recorded_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    outcome_recorded_by: str | None = Field(default=None, max_length=64)
    claim_issued_on: date | None = Field(
        default=None,
        description="The date of issue on the court's claim form (null: not given, as for "
        "a hearing relisted in the same proceedings or one recorded before migration "
        "0020); the trial rule reads it, else the day the hearing was recorded (ADR 0075)",
    )
    terms_arrears_instalment_pence: int | None = Field(
        default=None,
        sa_type=BigInteger,
        description="The court's terms (an order or adjournment on terms): the current rent "
        "plus this much by instalment towards the arrears; null: no terms recorded (ADR 0084)",
    )
    terms_frequency: InstalmentFrequency | None = Field(
        default=None, sa_type=text_enum(InstalmentFrequency)
    )
    terms_first_instalment_on: date | None = Field(default=None)
    terms_arrears_pence: int | None = Field(
        default=None,
        sa_type=BigInteger,
        description="The arrears the terms are on: the account's arrears on the day the court "
        "decided (that rent week's charges left out, as everywhere)",
    )
    terms_broken_on: date | None = Field(
        default=None,
        description="The day the first instalment not paid fell due, set by the ladder job "
        "once its grace passed and never cleared: the terms were broken (ADR 0084)",
    )


class OutcomeCorrectionReason(StrEnum):
    """Why an officer corrected a court hearing's recorded outcome: a code from a fixed
    list, never free text (which would invite personal data into an audit row)."""

    KEYED_IN_ERROR = "keyed_in_error"
    """The outcome, its day or its terms were keyed wrongly from the court's order."""
    COURT_AMENDED_ORDER = "court_amended_order"
    """The court amended or corrected its own order (the slip rule, CPR 40.12) or set
    it aside and remade it on the same hearing."""


class CourtOutcomeCorrection(IncomeModel, table=True):
    """A court hearing's recorded outcome corrected by an officer, kept as a row each
    and never changed: who corrected it, when, why (a code), and the outcome as it was
    recorded before (its day, its terms and whether they were broken, and who recorded
    it). The hearing holds the corrected outcome (ADR 0086)."""

    __tablename__ = "court_outcome_correction"
    __table_args__ = (Index("ix_court_outcome_correction_hearing", "hearing_id"),)

    id: uuid.UUID = Field(primary_key=True)
    hearing_id: uuid.UUID = Field(foreign_key="court_hearing.id")
    reason: OutcomeCorrectionReason = Field(sa_type=text_enum(OutcomeCorrectionReason))
    corrected_at: datetime = Field(sa_type=AwareDateTime)
    corrected_by: str = Field(max_length=64)
    previous_outcome: CourtOutcome = Field(sa_type=text_enum(CourtOutcome))
    previous_decided_on: date
    previous_recorded_at: datetime = Field(sa_type=AwareDateTime)
    previous_recorded_by: str = Field(max_length=64)
    previous_terms_arrears_instalment_pence: int | None = Field(default=None, sa_type=BigInteger)
    previous_terms_frequency: InstalmentFrequency | None = Field(
        default=None, sa_type=text_enum(InstalmentFrequency)
    )
    previous_terms_first_instalment_on: date | None = Field(default=None)
    previous_terms_arrears_pence: int | None = Field(default=None, sa_type=BigInteger)
    previous_terms_broken_on: date | None = Field(default=None)


class TrialSettlement(IncomeModel, table=True):
    """A trial the trial-end job settled (made the tenancy secure or assured by law),
    kept so that a claim issued in time but recorded after it can be told apart: the
    job does not reverse a settlement, the officer reviews it (ADR 0075)."""

    __tablename__ = "trial_settlement"

    tenancy_id: uuid.UUID = Field(foreign_key="tenancy.id", primary_key=True)
    settled_on: date = Field(description="The legal day: the first day off trial")
    settled_at: datetime = Field(sa_type=AwareDateTime, description="When the job settled it")
    trial_ended_on: date | None = Field(
        default=None,
        description="The tenancy's `introductory_ends_on` when the job settled it (the "
        "trial's end, an extension included), which a reinstatement restores; null for "
        "settlements made before migration 0022 (ADR 0081)",
    )


class TrialReinstatement(IncomeModel, table=True):
    """A settlement by the trial-end job undone by an officer: a claim issued within the
    notice's six months, recorded after the job ran, kept the tenancy introductory (or
    starter) in law (ADR 0081), or the court outcome it rested on was corrected (ADR
    0093). A row each, never changed: who put the tenancy back on trial, when, and the
    settlement undone (its row is removed, so that the job can
    settle the trial again when the proceedings end)."""

    __tablename__ = "trial_reinstatement"
    __table_args__ = (Index("ix_trial_reinstatement_tenancy", "tenancy_id"),)

    id: uuid.UUID = Field(primary_key=True)
    tenancy_id: uuid.UUID = Field(foreign_key="tenancy.id")
    settled_on: date = Field(description="The settlement's legal day, undone")
    settled_at: datetime = Field(sa_type=AwareDateTime, description="When the job settled it")
    trial_ended_on: date = Field(description="The trial's end restored")
    reinstated_at: datetime = Field(sa_type=AwareDateTime)
    reinstated_by: str = Field(max_length=64)
    correction_id: uuid.UUID | None = Field(
        default=None,
        foreign_key="court_outcome_correction.id",
        description="The correction of a court outcome the settlement rested on that put "
        "the trial back (ADR 0093); null: an officer's reinstatement (ADR 0081)",
    )


class VulnerabilityFlag(IncomeModel, table=True):
    """That a person has a recorded vulnerability (engagement's flag, never its detail)."""

    __tablename__ = "vulnerability_flag"

    person_id: uuid.UUID = Field(primary_key=True)
    uprn: str = Field(max_length=12)
    tenancy_id: uuid.UUID | None = Field(default=None, index=True)
    flagged: bool
    as_of: datetime = Field(sa_type=AwareDateTime)


class MergedPerson(IncomeModel, table=True):
    """A person id engagement retired by merging its record into another's
    (resident-merged), and the id kept: what the merge handler re-keyed, remembered so
    that a later merge into the retired id, or a late event naming it, reaches the person
    kept (docs/adr/0172). Re-pointed at each merge of the kept id, as engagement re-points
    `merged_into`, so `kept_person_id` is never itself retired: one lookup, one step."""

    __tablename__ = "merged_person"
    __table_args__ = (Index("ix_merged_person_kept", "kept_person_id"),)

    duplicate_person_id: uuid.UUID = Field(primary_key=True)
    kept_person_id: uuid.UUID


class Home(IncomeModel, table=True):
    """What income knows of a home, projected from compliance's asset register.
    Income never requires a home to be here: events may arrive in any order."""

    __tablename__ = "home"

    uprn: str = Field(primary_key=True, max_length=12)
    postcode: str = Field(max_length=8)
    address_line_1: str = Field(max_length=200)
    as_of: datetime | None = Field(
        default=None,
        sa_type=AwareDateTime,
        description="When the asset register said so (an older event never overwrites it)",
    )

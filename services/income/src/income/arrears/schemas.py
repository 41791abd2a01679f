"""Request and response models for arrears cases."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from hearth_contracts.events.income import ArrearsStage, InstalmentFrequency
from hearth_contracts.values import MAX_PENCE
from hearth_kit.strict_types import StrictBoolean, StrictDay, StrictMoment
from income.arrears.rules import ON_TERMS, TERMS_FIRST_INSTALMENT_WITHIN_MONTHS
from income.models import CourtOutcome, OutcomeCorrectionReason


class ProtocolUpdate(BaseModel):
    """Pre-action protocol steps done, each with when it was done (not in the future,
    nor before the tenancy's start, London day). A step left out is left as it was."""

    model_config = ConfigDict(extra="forbid")

    tenant_contacted_at: StrictMoment | None = None
    arrangement_offered_at: StrictMoment | None = None
    statements_given_at: StrictMoment | None = None
    benefit_issues_pursued_at: StrictMoment | None = None
    vulnerability_considered_at: StrictMoment | None = None
    benefit_claim_pending: StrictBoolean | None = Field(
        default=None, description="A fully evidenced benefit claim is pending (blocks court)"
    )


class CourtHearingCreate(BaseModel):
    """A possession hearing the county court listed on the case's claim."""

    model_config = ConfigDict(extra="forbid")

    listed_for: StrictDay = Field(
        description="The day the hearing is listed for: may be in the future, at most 12 "
        "months after today (London); not before the case's latest hearing, nor the day "
        "its latest notice of seeking possession was served, nor the tenancy's start"
    )
    claim_issued_on: StrictDay | None = Field(
        default=None,
        description="The date of issue on the court's claim form, when the listing comes "
        "with a claim (an adjourned hearing relisted in the same proceedings need not "
        "repeat it): not in the future (London), nor before the day the case's latest "
        "notice of seeking possession was served (with none, the tenancy's start), nor "
        "after listed_for. Possession proceedings are brought when the claim is issued: "
        "the trial rule reads this day, and without it the day the hearing is recorded "
        "(ADR 0075)",
    )


class CourtTermsCreate(BaseModel):
    """The court's terms: the tenant pays the current rent plus an instalment towards
    the arrears, as the order (or adjournment) says."""

    model_config = ConfigDict(extra="forbid")

    arrears_instalment_pence: Annotated[
        int,
        Field(
            gt=0,
            le=MAX_PENCE,
            strict=True,
            description="What the court ordered paid towards the arrears each instalment, "
            "on top of the current rent: at most the account's arrears on decided_on (that "
            "rent week's charges left out); else a 422 naming this field",
        ),
    ]
    frequency: InstalmentFrequency = Field(description="As arrangements take it")
    first_instalment_on: StrictDay = Field(
        description="The day the first instalment falls due: not before decided_on, nor "
        f"more than {TERMS_FIRST_INSTALMENT_WITHIN_MONTHS} months after it; else a 422 "
        "naming this field"
    )


def _terms_follow_the_outcome(schema: dict[str, Any]) -> None:
    """The rule the service enforces (rules.terms_refused), stated in the schema: only
    an order or adjournment on terms carries terms."""
    schema["allOf"] = [
        {
            "if": {
                "required": ["outcome"],
                "properties": {"outcome": {"not": {"enum": sorted(o.value for o in ON_TERMS)}}},
            },
            "then": {"properties": {"terms": {"type": "null"}}},
        }
    ]


class CourtOutcomeCreate(BaseModel):
    """What the court decided on a listed hearing, and the day it decided."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_terms_follow_the_outcome)

    outcome: CourtOutcome
    decided_on: StrictDay = Field(
        description="The day the court decided: not in the future, nor before the notice "
        "of seeking possession the hearing follows was served or the tenancy's start; an "
        "order, terms or a dismissal not before the day the hearing was listed for"
    )
    terms: CourtTermsCreate | None = Field(
        default=None,
        description="The court's terms, for adjourned_on_terms, suspended_possession_order "
        "and postponed_possession_order only (else a 422 naming terms). Recorded, the "
        "ladder job watches them as it does an arrangement's instalments and shows the "
        "case's court_terms_broken_on when one is not paid within the grace (ADR 0084)",
    )


class CourtOutcomeCorrectionCreate(CourtOutcomeCreate):
    """What the court decided on a hearing, correcting the outcome recorded on it: the
    same fields, refused by the same rules, and why it is corrected (ADR 0086)."""

    reason: OutcomeCorrectionReason = Field(
        description="Why the recorded outcome is corrected: keyed_in_error (the outcome, "
        "its day or its terms were keyed wrongly from the court's order) or "
        "court_amended_order (the court amended its order). A code, not free text: it is "
        "kept for audit with the outcome as it was"
    )


class CourtTermsPublic(BaseModel):
    """The court's terms on a hearing's outcome, and whether they were broken."""

    arrears_instalment_pence: int
    frequency: InstalmentFrequency
    first_instalment_on: date
    arrears_pence: int = Field(
        description="The arrears the terms are on: the account's on the day the court "
        "decided (that rent week's charges left out)"
    )
    broken_on: date | None = Field(
        default=None,
        description="The day the first instalment not paid fell due (set once the grace "
        "arrangements have, HEARTH_INCOME_ARRANGEMENT_GRACE_DAYS, passed; never cleared), "
        "or null: kept so far",
    )


class CourtHearingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    listed_for: date
    listed_at: datetime
    outcome: CourtOutcome | None = Field(description="None while the hearing is undecided")
    decided_on: date | None
    outcome_recorded_at: datetime | None
    claim_issued_on: date | None = Field(
        default=None, description="The date of issue on the claim form, when given"
    )
    trial_settled_on: date | None = Field(
        default=None,
        description="Set when income's trial-end job had already made the tenancy secure "
        "(or assured) from this day before the hearing was recorded, and the claim was "
        "issued before this day: proceedings brought while the tenancy may still have "
        "been on trial in law (Housing Act 1996 s.130). The hearing is recorded; the "
        "settlement is not reversed: review the tenancy (ADR 0075). Null otherwise",
    )
    terms: CourtTermsPublic | None = Field(
        default=None, description="The court's terms on its outcome, when recorded (ADR 0084)"
    )


class NoticeWithdrawal(BaseModel):
    """The landlord withdrew a notice of seeking possession served on the case."""

    model_config = ConfigDict(extra="forbid")

    withdrawn_on: StrictDay = Field(
        description="The day the notice was withdrawn: not in the future (London), nor "
        "before the day it was served. From that day it is live no more (the ladder "
        "takes no court step on it and goes back to letter 2 for a fresh notice) and "
        "keeps no introductory or starter tenancy on trial (Housing Act 1996 "
        "s.130(2)(a), ADR 0081)"
    )


class NoticePublic(BaseModel):
    """A notice of seeking possession served on the case."""

    id: uuid.UUID = Field(description="The notice (POST .../notices/{notice_id}/withdrawal)")
    served_at: datetime
    live_until: date = Field(
        description="Its last live London day: 12 months from service, or the day before "
        "it was withdrawn if earlier (what the arrears ladder reads: a withdrawn notice "
        "founds no court step, ADR 0081)"
    )
    live: bool = Field(description="Still live today, by live_until")
    withdrawn_on: date | None = Field(
        default=None,
        description="The day the landlord withdrew it, or null: withdrawn, it is live no "
        "more and keeps no tenancy on trial from that day (ADR 0081)",
    )


class CaseSummaryPublic(BaseModel):
    """An arrears case on the officer's worklist (open, or held by the court at none):
    ids, where it stands and the court's hold, no personal data (the case itself:
    GET /v1/rent-accounts/{account_id}/arrears-case)."""

    account_id: uuid.UUID
    tenancy_id: uuid.UUID
    stage: ArrearsStage
    stage_changed_at: datetime = Field(description="Since when the case is at its step")
    before_the_court: str | None = Field(
        description="Why the court holds the ladder (court_hearing_listed, or court_<outcome> "
        "for an adjournment or a possession order), or null, as on the case"
    )
    court_terms_broken_on: date | None = Field(
        description="The day the terms of the court's latest decision were first broken, or "
        "null, as on the case (ADR 0084)"
    )


class CasePublic(BaseModel):
    """Where a rent account stands on the arrears ladder."""

    model_config = ConfigDict(from_attributes=True)

    account_id: uuid.UUID
    tenancy_id: uuid.UUID
    stage: ArrearsStage
    stage_changed_at: datetime | None
    next_check_at: datetime
    letter_1_at: datetime | None
    letter_2_at: datetime | None
    nosp_served_at: datetime | None
    court_warning_at: datetime | None
    court_application_at: datetime | None
    paused_for_review: bool
    personal_contact_needed_at: datetime | None
    blocked_by: str | None = Field(
        description="The pre-action protocol condition a court step waits for"
    )
    tenant_contacted_at: datetime | None
    arrangement_offered_at: datetime | None
    statements_given_at: datetime | None
    benefit_issues_pursued_at: datetime | None
    benefit_claim_pending: bool
    vulnerability_considered_at: datetime | None
    clear_of_arrears_at: datetime | None = Field(
        default=None,
        description="When the ladder last found the account clear of arrears (below the "
        "text reminder's threshold). A protocol step dated before it was for earlier "
        "arrears and does not meet the protocol for a court step on the arrears owed now: "
        "record it again when it is done for these (ADR 0133). Null: every step counts",
    )
    before_the_court: str | None = Field(
        default=None,
        description="Why the court holds the ladder (court_hearing_listed, or court_<outcome> "
        "for an adjournment or a possession order), or null",
    )
    court_terms_broken_on: date | None = Field(
        default=None,
        description="The day the terms of the court's latest decision on the case (an order "
        "or adjournment on terms) were first broken: an instalment on top of the rent not "
        "paid within the grace. The officer's trigger for the next legal step (a warrant, "
        "or a date for possession); the ladder takes none itself. Null: no terms, or kept "
        "(ADR 0084)",
    )
    notices: list[NoticePublic] = Field(
        default_factory=list,
        description="Every notice of seeking possession served, oldest first; "
        "`nosp_served_at` is the latest",
    )
    court_hearings: list[CourtHearingPublic] = Field(
        default_factory=list, description="The case's possession hearings, oldest first"
    )
    version: int = Field(
        description="The version of the pre-action protocol steps: the case's ETag is "
        '`"<version>"` (If-Match on PATCH .../arrears-case/protocol)'
    )

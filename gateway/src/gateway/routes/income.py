"""The income service's routes the gateway passes through (gateway.passthrough).

Staff read tenancies with `tenancies:read` and end them, withdraw one recorded ahead
before its first day (ADR 0111), decide on an introductory tenancy, or put back on trial
one the trial-end job settled (ADR 0081), with `tenancies:write` (starting one is
`POST /v1/tenancies`, in gateway.tenancies). Rent accounts, statements, arrears cases
and figures are read with `income:read`; payments, corrections, rent changes,
arrangements, the pre-action protocol and a notice's withdrawal need `income:write`; a
write-off needs `income:approve`, and income checks the approver's own limit. Recharges
held for a decision (a home's sundry account with no tenancy) are listed with
`income:read` and one is charged to a named tenancy of its home with `income:write` (an
income officer's decision, adr/0042). `/v1/income/figures` and
`/v1/income/held-recharges` have no path parameter, so they cannot shadow another row;
`/v1/income/held-recharges/{entry_id}/charge` is under neither. Arrangements are
reviewed every 3 to 6 months: the reviews due are listed with `income:read`
(`/v1/arrangements/reviews-due`, no path parameter; there is no
`/v1/arrangements/{arrangement_id}` to shadow) and a review is recorded with
`income:write`. Open arrears cases are listed with `income:read` (`/v1/arrears-cases`,
no path parameter; a case is read under its rent account, so none is shadowed). Each
POST answering 201 with a Location has the GET that Location names: a posting's entry
(docs/adr/0181).
"""

from __future__ import annotations

from gateway.passthrough import PassThrough

TENANCIES_READ = ("tenancies:read",)
TENANCIES_WRITE = ("tenancies:write",)
READ = ("income:read",)
WRITE = ("income:write",)
APPROVE = ("income:approve",)

ROUTES: list[PassThrough] = [
    # tenancies
    PassThrough(
        "GET",
        "/v1/tenancies",
        "income",
        TENANCIES_READ,
        "Tenancies by home and status, each with its rent_account_id",
    ),
    PassThrough(
        "GET",
        "/v1/tenancies/{tenancy_id}",
        "income",
        TENANCIES_READ,
        "One tenancy: tenants by person id, type, rent, service charge, rent account",
    ),
    PassThrough(
        "POST",
        "/v1/tenancies/{tenancy_id}/end",
        "income",
        TENANCIES_WRITE,
        "End a tenancy (publishes tenancy-ended); what is owed becomes former tenant arrears",
    ),
    PassThrough(
        "POST",
        "/v1/tenancies/{tenancy_id}/type-decision",
        "income",
        TENANCIES_WRITE,
        "Extend an introductory tenancy by 6 months, or confirm it (tenancy-type-changed)",
    ),
    PassThrough(
        "POST",
        "/v1/tenancies/{tenancy_id}/trial-reinstatement",
        "income",
        TENANCIES_WRITE,
        "Put back on trial a tenancy the trial-end job settled before a claim issued in "
        "time was recorded (tenancy-type-changed; Idempotency-Key)",
    ),
    PassThrough(
        "POST",
        "/v1/tenancies/{tenancy_id}/withdrawal",
        "income",
        TENANCIES_WRITE,
        "Withdraw a tenancy recorded ahead before its first day: the home is free again "
        "(tenancy-withdrawn; Idempotency-Key)",
    ),
    PassThrough(
        "POST",
        "/v1/tenancies/{tenancy_id}/rent-change",
        "income",
        WRITE,
        "Change a tenancy's weekly rent and service charge from a rent week not yet charged",
        status_code=201,
    ),
    PassThrough(
        "GET",
        "/v1/tenancies/{tenancy_id}/rent-changes",
        "income",
        READ,
        "The rent changes recorded on a tenancy, by the week they take effect from",
    ),
    PassThrough(
        "DELETE",
        "/v1/tenancies/{tenancy_id}/rent-changes/{effective_from}",
        "income",
        WRITE,
        "Withdraw a rent change recorded by mistake, before its week is charged",
        status_code=204,
    ),
    # rent accounts
    PassThrough(
        "GET", "/v1/rent-accounts/{account_id}", "income", READ, "A rent account and its balance"
    ),
    PassThrough(
        "GET",
        "/v1/rent-accounts/{account_id}/summary",
        "income",
        READ,
        "Balance, arrears, weeks in arrears, arrears stage, arrangement, last payment",
    ),
    PassThrough(
        "GET",
        "/v1/rent-accounts/{account_id}/statement",
        "income",
        READ,
        "Statement from `from` to `to` with running balances (JSON, or HTML for the tenant)",
    ),
    PassThrough(
        "POST",
        "/v1/rent-accounts/{account_id}/payments",
        "income",
        WRITE,
        "Credit a payment (Idempotency-Key); publishes payment-received",
        status_code=201,
    ),
    PassThrough(
        "GET",
        "/v1/rent-accounts/{account_id}/entries/{entry_id}",
        "income",
        READ,
        "One entry of the account as posted: where a payment, a reversal and a held "
        "recharge's charge lead (ADR 0181)",
    ),
    PassThrough(
        "POST",
        "/v1/rent-accounts/{account_id}/entries/{entry_id}/reversal",
        "income",
        WRITE,
        "Correct a posted entry with a reversing entry",
        status_code=201,
    ),
    PassThrough(
        "POST",
        "/v1/rent-accounts/{account_id}/write-offs",
        "income",
        APPROVE,
        "Write off former tenant arrears within the approver's limit",
        status_code=201,
    ),
    # arrears recovery
    PassThrough(
        "POST",
        "/v1/rent-accounts/{account_id}/arrangements",
        "income",
        WRITE,
        "Agree an arrangement on income and expenditure; publishes arrangement-made",
        status_code=201,
    ),
    PassThrough(
        "GET",
        "/v1/arrangements/reviews-due",
        "income",
        READ,
        "Live arrangements whose review has come (`due_by`, default today), oldest due first",
    ),
    PassThrough(
        "POST",
        "/v1/arrangements/{arrangement_id}/review",
        "income",
        WRITE,
        "Record an arrangement's review: continue, change_instalment or end (Idempotency-Key)",
        status_code=201,
    ),
    PassThrough(
        "GET",
        "/v1/arrears-cases",
        "income",
        READ,
        "Open arrears cases, longest at their step first: by `stage`, `before_the_court`, "
        "`court_terms_broken` (an officer's worklist)",
    ),
    PassThrough(
        "GET",
        "/v1/rent-accounts/{account_id}/arrears-case",
        "income",
        READ,
        "The arrears case: ladder step, what blocks a court step, pre-action protocol, "
        "with its ETag",
    ),
    PassThrough(
        "PATCH",
        "/v1/rent-accounts/{account_id}/arrears-case/protocol",
        "income",
        WRITE,
        "Record pre-action protocol steps done (If-Match: the case's ETag)",
    ),
    PassThrough(
        "POST",
        "/v1/rent-accounts/{account_id}/arrears-case/review",
        "income",
        WRITE,
        "Review a case paused by a vulnerability flag: automatic steps may go on",
    ),
    PassThrough(
        "POST",
        "/v1/rent-accounts/{account_id}/arrears-case/court-hearings",
        "income",
        WRITE,
        "Record a possession hearing listed on the case, with its claim's issue date (a "
        "court date holds the ladder; Idempotency-Key)",
        status_code=201,
    ),
    PassThrough(
        "POST",
        "/v1/rent-accounts/{account_id}/arrears-case/court-hearings/{hearing_id}/outcome",
        "income",
        WRITE,
        "Record what the court decided on a hearing, and the day, with the court's terms "
        "on an order or adjournment on terms (Idempotency-Key)",
    ),
    PassThrough(
        "POST",
        "/v1/rent-accounts/{account_id}/arrears-case/court-hearings/{hearing_id}/outcome-correction",
        "income",
        WRITE,
        "Correct the outcome recorded on the case's latest decided hearing, with a reason "
        "code; the outcome it replaces is kept for audit (Idempotency-Key)",
    ),
    PassThrough(
        "POST",
        "/v1/rent-accounts/{account_id}/arrears-case/notices/{notice_id}/withdrawal",
        "income",
        WRITE,
        "Record a notice of seeking possession withdrawn, and the day: from then it keeps "
        "no trial open and founds no court step (Idempotency-Key)",
    ),
    # recharges no household was in the home to pay
    PassThrough(
        "GET",
        "/v1/income/held-recharges",
        "income",
        READ,
        "Recharges held for a decision: homes' no-tenancy sundry accounts still owed, by home",
    ),
    PassThrough(
        "POST",
        "/v1/income/held-recharges/{entry_id}/charge",
        "income",
        WRITE,
        "Charge what is owed on a held recharge to a named tenancy of its home (Idempotency-Key)",
        status_code=201,
    ),
    # figures
    PassThrough(
        "GET",
        "/v1/income/figures",
        "income",
        READ,
        "Collection rate, arrears share of the rent roll, FTA, write-offs, cases, arrangements",
    ),
]

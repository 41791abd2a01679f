"""Every scope the gateway knows. A route needs some of them (gateway.auth.require_scopes);
a role grants a set of them (gateway.roles)."""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "homes:read": "Read a home's overview",
    "homes:write": "Register homes in the asset register",
    "tenancies:read": "Read tenancies",
    "tenancies:write": "Start tenancies",
    "residents:read": "Read residents",
    "residents:write": "Record residents",
    "visits:read": "Read home visits",
    "visits:write": "Arrange home visits and file visit reports",
    "visits:notes": "Read the officer's notes on visits and tenancy concerns (safeguarding, "
    "support needs): need to know, so the contact centre sees the concern codes only",
    "repairs:read": "Read repairs and appointments",
    "repairs:write": "Report repairs, raise work orders, book appointments and triage "
    "communal issues",
    "repairs:manage": "Approve variations and recharges; manage Awaab's Law cases",
    "compliance:read": "Read the compliance programme: checks, certificates, figures",
    "compliance:write": "Record gas safety records, access attempts and asset changes",
    "income:read": "Read rent accounts, statements, arrears cases, arrangement reviews due, "
    "held recharges and figures",
    "income:write": "Post payments, make and review arrangements, move arrears cases, charge "
    "held recharges",
    "income:approve": "Approve write-offs within the approver's limit",
    "contacts:write": "Log a contact with a resident",
    "complaints:read": "Read complaints and their deadlines",
    "complaints:write": "Record and handle complaints",
    "surveys:read": "Read survey results (aggregates)",
    "surveys:write": "Record survey responses",
    "you-said-we-did:write": 'Publish "you said, we did": a change and the complaints and '
    "feedback that led to it (read with surveys:read)",
    "vulnerabilities:read": "Read a resident's recorded vulnerabilities (need to know; audited)",
    "vulnerabilities:write": "Record a resident's vulnerabilities with consent",
    "diversity:read": "Read diversity aggregates (need to know)",
    "caseloads:read": "Read housing officers' caseloads",
    "caseloads:write": "Move tenancies between officers' caseloads (refer, hand back)",
    "reports:read": "Read figures and the regulator's Tenant Satisfaction Measures",
    "contractor": "Act as a contractor (the token names the contractor)",
}
"""Every scope the gateway knows, with what it allows."""

NEED_TO_KNOW: tuple[str, ...] = ("vulnerabilities:read", "diversity:read")
"""Scopes granted one by one, never by a broad role."""

CONTRACTOR_SCOPE = "contractor"

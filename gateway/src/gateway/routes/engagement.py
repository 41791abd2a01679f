"""The engagement service's routes the gateway passes through (gateway.passthrough).

Residents are read with `residents:read` and changed with `residents:write` (recording
one is gateway/residents); a resident's vulnerabilities are need to know: read with
`vulnerabilities:read` (audited by engagement, which checks the scope again) and
recorded and removed with `vulnerabilities:write`; the reviewer's routes, the list of
reviews due (ids, home and dates, no category or detail, so not audited) and recording
a review, need both (REVIEWER: what they answer is drawn from stored dates, which a
caller who may record but not read must not learn); diversity profiles are
written with `residents:write` and read only as aggregates with `diversity:read`, which
survey results by strand (`?strand=`) need as well (the engagement service checks it
again, and leaves the figures' breakdowns by strand out for a token without it).
Contacts are logged with `contacts:write` and read with `residents:read`, complaints
need `complaints:read`/`complaints:write`, surveys `surveys:read`/`surveys:write`;
"you said, we did" is read with `surveys:read` and published with its own
`you-said-we-did:write`, the learning from complaints and feedback, not recording a
survey (docs/adr/0213); the figures `reports:read`. Each POST answering 201 with
a Location has the GET that Location names, with the scope of the matching list
(docs/adr/0177)."""

from __future__ import annotations

from gateway.passthrough import PassThrough

RESIDENTS_READ = ("residents:read",)
RESIDENTS_WRITE = ("residents:write",)
VULNERABILITIES_READ = ("vulnerabilities:read",)
VULNERABILITIES_WRITE = ("vulnerabilities:write",)
REVIEWER = ("vulnerabilities:read", "vulnerabilities:write")
COMPLAINTS_READ = ("complaints:read",)
COMPLAINTS_WRITE = ("complaints:write",)
SURVEYS_READ = ("surveys:read",)
SURVEYS_WRITE = ("surveys:write",)
YOU_SAID_WE_DID_WRITE = ("you-said-we-did:write",)

ROUTES: list[PassThrough] = [
    # residents
    PassThrough(
        "GET",
        "/v1/residents",
        "engagement",
        RESIDENTS_READ,
        "Residents, by home, tenancy or a detail to follow up",
    ),
    PassThrough(
        "GET",
        "/v1/residents/{resident_id}",
        "engagement",
        RESIDENTS_READ,
        "One resident: contact details, channel, language, format, needs, with their ETag",
    ),
    PassThrough(
        "PATCH",
        "/v1/residents/{resident_id}",
        "engagement",
        RESIDENTS_WRITE,
        "Change a resident's details or needs (If-Match: their ETag); publishes resident-updated",
    ),
    PassThrough(
        "POST",
        "/v1/residents/{resident_id}/merge",
        "engagement",
        RESIDENTS_WRITE,
        "Merge a second record of the same person into this resident (If-Match: their "
        "ETag); publishes resident-merged",
    ),
    # vulnerabilities (need to know)
    PassThrough(
        "GET",
        "/v1/residents/{resident_id}/vulnerabilities",
        "engagement",
        VULNERABILITIES_READ,
        "A resident's vulnerabilities (need to know; every read audited)",
    ),
    PassThrough(
        "GET",
        "/v1/residents/{resident_id}/vulnerabilities/reads",
        "engagement",
        VULNERABILITIES_READ,
        "Who read a resident's vulnerabilities, and when",
    ),
    PassThrough(
        "GET",
        "/v1/residents/{resident_id}/vulnerabilities/{vulnerability_id}",
        "engagement",
        VULNERABILITIES_READ,
        "One of a resident's vulnerabilities, not removed (need to know; the read audited)",
    ),
    PassThrough(
        "POST",
        "/v1/residents/{resident_id}/vulnerabilities",
        "engagement",
        VULNERABILITIES_WRITE,
        "Record a vulnerability with consent; publishes vulnerability-recorded (flag only)",
        status_code=201,
    ),
    PassThrough(
        "POST",
        "/v1/residents/{resident_id}/vulnerabilities/{vulnerability_id}/review",
        "engagement",
        REVIEWER,
        "Record a review and the next review date; publishes vulnerability-recorded",
    ),
    PassThrough(
        "DELETE",
        "/v1/residents/{resident_id}/vulnerabilities/{vulnerability_id}",
        "engagement",
        VULNERABILITIES_WRITE,
        "Remove a vulnerability; publishes vulnerability-recorded (one already removed: "
        "204 again, nothing changed or published; 404 only for an id the resident never had)",
        status_code=204,
    ),
    PassThrough(
        "GET",
        "/v1/vulnerabilities/reviews-due",
        "engagement",
        REVIEWER,
        "Vulnerabilities whose review has come (`due_by`, default today), oldest due first: "
        "ids, home and dates, never the category or detail (the reviewer's scopes; not "
        "audited)",
    ),
    # diversity (kept apart; aggregates only)
    PassThrough(
        "PUT",
        "/v1/residents/{resident_id}/diversity",
        "engagement",
        RESIDENTS_WRITE,
        "Keep a resident's optional diversity profile",
        status_code=204,
    ),
    PassThrough(
        "DELETE",
        "/v1/residents/{resident_id}/diversity",
        "engagement",
        RESIDENTS_WRITE,
        "Forget a resident's diversity profile",
        status_code=204,
    ),
    PassThrough(
        "GET",
        "/v1/diversity",
        "engagement",
        ("diversity:read",),
        "Residents per group of a diversity strand (small groups suppressed)",
    ),
    # messages
    PassThrough(
        "GET",
        "/v1/residents/{resident_id}/messages",
        "engagement",
        RESIDENTS_READ,
        "Letters, emails and texts to a resident, with their status",
    ),
    PassThrough(
        "GET",
        "/v1/messages",
        "engagement",
        RESIDENTS_READ,
        "Statutory messages sent in English for want of a translation, every resident's "
        "(ids, template, channel, language and dates: never the text)",
    ),
    PassThrough(
        "POST",
        "/v1/residents/{resident_id}/messages",
        "engagement",
        RESIDENTS_WRITE,
        "Send a resident a message from a template in their language and format",
        status_code=201,
    ),
    # contacts
    PassThrough(
        "POST",
        "/v1/contacts",
        "engagement",
        ("contacts:write",),
        "Log a contact from any channel; publishes contact-logged (not for a newcomer's"
        " contact dated before they moved in, ADR 0224)",
        status_code=201,
    ),
    PassThrough(
        "GET", "/v1/contacts", "engagement", RESIDENTS_READ, "Contacts, by home or resident"
    ),
    PassThrough(
        "GET",
        "/v1/contacts/{contact_id}",
        "engagement",
        RESIDENTS_READ,
        "One contact, notes included",
    ),
    # complaints (the Complaint Handling Code) and service requests
    PassThrough(
        "GET",
        "/v1/complaints",
        "engagement",
        COMPLAINTS_READ,
        "Complaints with their stage deadlines, by resident, home or status",
    ),
    PassThrough(
        "POST",
        "/v1/complaints",
        "engagement",
        COMPLAINTS_WRITE,
        "Record a complaint at stage 1; publishes complaint-received",
        status_code=201,
    ),
    PassThrough(
        "GET",
        "/v1/complaints/{complaint_id}",
        "engagement",
        COMPLAINTS_READ,
        "One complaint with its stages and deadlines",
    ),
    PassThrough(
        "POST",
        "/v1/complaints/{complaint_id}/acknowledge",
        "engagement",
        COMPLAINTS_WRITE,
        "Acknowledge the current stage (stage 2: not stage 1's handler)",
    ),
    PassThrough(
        "POST",
        "/v1/complaints/{complaint_id}/extend",
        "engagement",
        COMPLAINTS_WRITE,
        "Extend the answer's date (reason, before the deadline, within the Code's limit)",
    ),
    PassThrough(
        "POST",
        "/v1/complaints/{complaint_id}/respond",
        "engagement",
        COMPLAINTS_WRITE,
        "Answer the current stage: root cause, learning, remedy, compensation",
    ),
    PassThrough(
        "POST",
        "/v1/complaints/{complaint_id}/escalate",
        "engagement",
        COMPLAINTS_WRITE,
        "Escalate to stage 2; publishes complaint-escalated",
    ),
    PassThrough(
        "GET",
        "/v1/service-requests",
        "engagement",
        COMPLAINTS_READ,
        "Service requests (recorded apart from complaints)",
    ),
    PassThrough(
        "GET",
        "/v1/service-requests/{request_id}",
        "engagement",
        COMPLAINTS_READ,
        "One service request",
    ),
    PassThrough(
        "POST",
        "/v1/service-requests",
        "engagement",
        COMPLAINTS_WRITE,
        "Record a service request (not a complaint)",
        status_code=201,
    ),
    # surveys and you said, we did
    PassThrough(
        "POST",
        "/v1/surveys/responses",
        "engagement",
        SURVEYS_WRITE,
        "Record a survey response; publishes survey-responded",
        status_code=201,
    ),
    PassThrough(
        "GET",
        "/v1/surveys/results",
        "engagement",
        SURVEYS_READ,
        "Satisfaction per question and how many satisfied and dissatisfied gave reasons "
        "(counts, never the words); by diversity strand with diversity:read as well "
        "(small groups, and any that would give them away, suppressed)",
        query_scopes={"strand": ("diversity:read",)},
    ),
    PassThrough(
        "GET",
        "/v1/surveys/responses/{response_id}",
        "engagement",
        SURVEYS_READ,
        "One survey response as recorded, its reasons and operative feedback included",
    ),
    PassThrough(
        "GET",
        "/v1/you-said-we-did",
        "engagement",
        SURVEYS_READ,
        "Published changes and the complaints and feedback behind them",
    ),
    PassThrough(
        "GET",
        "/v1/you-said-we-did/{item_id}",
        "engagement",
        SURVEYS_READ,
        "One published change and the complaints and feedback behind it",
    ),
    PassThrough(
        "POST",
        "/v1/you-said-we-did",
        "engagement",
        YOU_SAID_WE_DID_WRITE,
        "Publish a change linked to complaints and survey responses",
        status_code=201,
    ),
    # figures
    PassThrough(
        "GET",
        "/v1/engagement/figures",
        "engagement",
        ("reports:read",),
        "CH01.1, CH01.2, CH02.1, CH02.2, TP01 to TP12; satisfaction by diversity strand "
        "only for a token that also holds diversity:read; shared owners' CH01, CH02, TP01, "
        "TP05 to TP12 apart (low_cost_home_ownership)",
    ),
]

"""The visits service's routes the gateway passes through (gateway.passthrough).

Visits are read with `visits:read` and written with `visits:write` (arranging a visit
and filing a one-shot report stay in gateway/visits/endpoints.py); the programme is read
with `visits:read`, officers' caseloads with `caseloads:read`, and the figures with
`reports:read`. Referring a case and handing it back move a tenancy between caseloads:
they need `caseloads:write` (the visits service checks it too)."""

from __future__ import annotations

from gateway.passthrough import PassThrough

ROUTES: list[PassThrough] = [
    PassThrough(
        "GET",
        "/v1/visits",
        "visits",
        ("visits:read",),
        "Visits, latest scheduled first, by home or status, with what each found",
    ),
    PassThrough(
        "GET",
        "/v1/visits/figures",
        "visits",
        ("reports:read",),
        "Visits done against the programme, no-access rate, repairs found per visit "
        "(first and later apart), hazards found: by area and month",
    ),
    PassThrough("GET", "/v1/visits/{visit_id}", "visits", ("visits:read",), "One visit"),
    PassThrough(
        "GET",
        "/v1/visits/{visit_id}/briefing",
        "visits",
        ("visits:read",),
        "Before going: the household's language, format and access needs, a vulnerability "
        "flag, and customer actions still open",
    ),
    PassThrough(
        "PUT",
        "/v1/visits/{visit_id}/report/draft",
        "visits",
        ("visits:write",),
        "Save pieces of a visit's report as a tablet sends them (idempotent; pieces resent "
        "out of order converge)",
    ),
    PassThrough(
        "GET",
        "/v1/visits/{visit_id}/report/draft",
        "visits",
        ("visits:read",),
        "A visit's report draft and the sections it still lacks",
    ),
    PassThrough(
        "POST",
        "/v1/visits/{visit_id}/report/submit",
        "visits",
        ("visits:write",),
        "Submit the draft as the visit's report, once (Idempotency-Key)",
        status_code=201,
    ),
    PassThrough(
        "POST",
        "/v1/visits/{visit_id}/report/rooms",
        "visits",
        ("visits:write",),
        "Add the room inventory of a full visit completed without one, once, by the visit's "
        "officer within a week of the visit (ADR 0113)",
        status_code=201,
    ),
    PassThrough(
        "GET",
        "/v1/programme/homes",
        "visits",
        ("visits:read",),
        "Every home ranked by its explainable risk score, with the factors that made it",
    ),
    PassThrough(
        "GET",
        "/v1/programme/homes/{uprn}",
        "visits",
        ("visits:read",),
        "A home's visit priority, the factors that made it, and its next visit",
    ),
    PassThrough(
        "GET",
        "/v1/caseloads/{officer}",
        "visits",
        ("caseloads:read",),
        "The tenancies an officer holds (introductory, community, sustainable tenancy)",
    ),
    PassThrough(
        "POST",
        "/v1/caseloads/tenancies/{tenancy_id}/hand-back",
        "visits",
        ("caseloads:write",),
        "Hand a sustainable tenancy case back to the caseload it was referred from",
    ),
    PassThrough(
        "POST",
        "/v1/caseloads/tenancies/{tenancy_id}/referral",
        "visits",
        ("caseloads:write",),
        "Refer a tenancy to the sustainable tenancy caseload with a review date",
    ),
]

"""The compliance service's routes the gateway passes through (gateway.passthrough).

The register is written with `homes:write` and read with `homes:read`; the programme
and gas safety records with `compliance:read` / `compliance:write`. A contractor's
engineers use the `/v1/contractor/...` rows (scope `contractor`): the service lets a
contractor token see and record only the checks assigned to its contractor."""

from __future__ import annotations

from gateway.passthrough import PassThrough

ROUTES: list[PassThrough] = [
    # the asset register
    PassThrough(
        "GET",
        "/v1/homes/{uprn}/register",
        "compliance",
        ("homes:read",),
        "A home's asset register entry (appliances, alarms), with its ETag",
        upstream_path="/v1/homes/{uprn}",
    ),
    PassThrough(
        "PATCH",
        "/v1/homes/{uprn}",
        "compliance",
        ("homes:write",),
        "Change a home's register entry (If-Match: its ETag); publishes property-updated",
    ),
    PassThrough(
        "POST",
        "/v1/homes/import",
        "compliance",
        ("homes:write",),
        "Import a stock file (CSV): bad rows listed by line, the same file twice changes nothing",
    ),
    PassThrough(
        "POST", "/v1/blocks", "compliance", ("homes:write",), "Register a block", status_code=201
    ),
    PassThrough("GET", "/v1/blocks/{uprn}", "compliance", ("homes:read",), "One block"),
    PassThrough(
        "PATCH",
        "/v1/blocks/{uprn}",
        "compliance",
        ("homes:write",),
        "Correct a block's entry (If-Match: its ETag); its communal checks follow",
    ),
    PassThrough(
        "POST", "/v1/estates", "compliance", ("homes:write",), "Register an estate", status_code=201
    ),
    PassThrough("GET", "/v1/estates/{estate_id}", "compliance", ("homes:read",), "One estate"),
    # the programme
    PassThrough(
        "GET",
        "/v1/compliance/homes/{uprn}",
        "compliance",
        ("compliance:read",),
        "Every check of a home or block, its status and expiry",
    ),
    PassThrough(
        "GET",
        "/v1/compliance/checks",
        "compliance",
        ("compliance:read",),
        "Checks due, overdue or expired, by type",
    ),
    PassThrough(
        "GET",
        "/v1/compliance/checks/{check_id}",
        "compliance",
        ("compliance:read",),
        "One check, with its ETag",
    ),
    PassThrough(
        "POST",
        "/v1/compliance/checks/{check_id}/access-attempts",
        "compliance",
        ("compliance:write",),
        "Record an access attempt (no access starts the no-access ladder)",
        status_code=201,
    ),
    PassThrough(
        "GET",
        "/v1/compliance/checks/{check_id}/access-attempts",
        "compliance",
        ("compliance:read",),
        "Every access attempt at a check, oldest first: outcome, who recorded it (staff only)",
    ),
    PassThrough(
        "POST",
        "/v1/compliance/checks/{check_id}/certificates",
        "compliance",
        ("compliance:write",),
        "Record an EICR, fire risk, asbestos, water, lift or alarm certificate",
        status_code=201,
    ),
    PassThrough(
        "PUT",
        "/v1/compliance/checks/{check_id}/contractor",
        "compliance",
        ("compliance:write",),
        "Give a check to a contractor (If-Match: the check's ETag)",
    ),
    PassThrough(
        "GET",
        "/v1/compliance/cross-check",
        "compliance",
        ("compliance:read",),
        "Homes with gas, and blocks with a communal boiler, with no gas check in the programme",
    ),
    PassThrough(
        "GET",
        "/v1/compliance/figures",
        "compliance",
        ("compliance:read",),
        "BS01 to BS05, overdue by age, first-time access, due soon, tenants' copies on time",
    ),
    PassThrough(
        "GET",
        "/v1/compliance/tenant-copies",
        "compliance",
        ("compliance:read",),
        "Tenants' copies of safety records by deadline: overdue, owed, sent on time or late",
    ),
    # gas safety records
    PassThrough(
        "POST",
        "/v1/gas-safety-records",
        "compliance",
        ("compliance:write",),
        "Record a gas safety record (the 2-month rule sets the new expiry)",
        status_code=201,
        # issue 7 names this path for "the contractor engineer with a contractor token
        # for its own jobs" too: a contractor's request goes to its own route
        contractor_path="/v1/contractor/gas-safety-records",
    ),
    PassThrough(
        "GET", "/v1/gas-safety-records", "compliance", ("compliance:read",), "Gas safety records"
    ),
    PassThrough(
        "GET",
        "/v1/gas-safety-records/{record_id}",
        "compliance",
        ("compliance:read",),
        "One gas safety record",
    ),
    # a contractor's engineers: only the checks assigned to their contractor, served by
    # the service at the same paths (so Location and a problem's instance are these URLs)
    PassThrough(
        "POST",
        "/v1/contractor/gas-safety-records",
        "compliance",
        ("contractor",),
        "Record a gas safety record for a check assigned to the contractor",
        status_code=201,
    ),
    PassThrough(
        "GET",
        "/v1/contractor/gas-safety-records",
        "compliance",
        ("contractor",),
        "The contractor's own gas safety records",
    ),
    PassThrough(
        "GET",
        "/v1/contractor/gas-safety-records/{record_id}",
        "compliance",
        ("contractor",),
        "One of the contractor's own gas safety records (another's is a 404)",
    ),
    PassThrough(
        "GET",
        "/v1/contractor/compliance/checks",
        "compliance",
        ("contractor",),
        "The open checks assigned to the contractor: due, overdue or expired, by type",
    ),
    PassThrough(
        "GET",
        "/v1/contractor/compliance/checks/{check_id}",
        "compliance",
        ("contractor",),
        "A check assigned to the contractor (another's is a 404)",
    ),
    PassThrough(
        "POST",
        "/v1/contractor/compliance/checks/{check_id}/access-attempts",
        "compliance",
        ("contractor",),
        "Record an access attempt at a check assigned to the contractor",
        status_code=201,
    ),
    PassThrough(
        "POST",
        "/v1/contractor/compliance/checks/{check_id}/certificates",
        "compliance",
        ("contractor",),
        "Record the certificate of a check assigned to the contractor",
        status_code=201,
    ),
]

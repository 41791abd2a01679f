"""Roles: named sets of scopes, one per kind of user of the API.

A token names its roles (`roles`) and may also carry scopes directly (`scope`). Each
role grants the scopes listed here. The sets are configuration
(`HEARTH_GATEWAY_ROLES`, a JSON object of role -> list of scopes) with these defaults,
checked when the gateway starts:

- every scope named is one the gateway knows (gateway.auth.SCOPES);
- a need-to-know scope (vulnerabilities:read, diversity:read) is never in a role: it is
  granted to a person one by one, in their token's `scope`, by the identity provider;
- the contractor role grants `contractor` and nothing else, and no other role grants
  `contractor`: a contractor's client and a member of staff never share a token;
- a role that publishes "you said, we did" (`you-said-we-did:write`) also reads it
  (`surveys:read`): whoever publishes a change can see what has been published.

"You said, we did" has its own write, granted to those who own the learning from
complaints and feedback (the complaints handler, the repairs manager, admin), not
`surveys:write`, which the contact centre holds to record survey responses
(docs/adr/0213).

The authorisation matrix (gateway.authorisation) is worked out from these sets and the
scopes each route needs; docs/api.md shows it.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.scopes import CONTRACTOR_SCOPE, NEED_TO_KNOW, SCOPES

CONTRACTOR_ROLE = "contractor"

BROAD_STAFF_SCOPES: tuple[str, ...] = tuple(
    scope for scope in SCOPES if scope not in (CONTRACTOR_SCOPE, *NEED_TO_KNOW)
)
"""Every scope a member of staff can be given by a role."""

DEFAULT_ROLES: dict[str, tuple[str, ...]] = {
    "contact_centre": (
        "homes:read",
        "tenancies:read",
        "residents:read",
        "residents:write",
        "visits:read",
        "repairs:read",
        "repairs:write",
        "compliance:read",
        "income:read",
        "contacts:write",
        "complaints:read",
        "complaints:write",
        "surveys:write",
    ),
    "visit_officer": (
        "homes:read",
        "tenancies:read",
        "residents:read",
        "visits:read",
        "visits:write",
        "visits:notes",
        "repairs:read",
        "repairs:write",
        "compliance:read",
        "contacts:write",
        "caseloads:read",
        "caseloads:write",
    ),
    "repairs_manager": (
        "homes:read",
        "tenancies:read",
        "residents:read",
        "repairs:read",
        "repairs:write",
        "repairs:manage",
        "compliance:read",
        "surveys:read",
        "you-said-we-did:write",
        "reports:read",
    ),
    "income_officer": (
        "homes:read",
        "tenancies:read",
        "tenancies:write",
        "residents:read",
        "income:read",
        "income:write",
        "contacts:write",
        "reports:read",
    ),
    "compliance_manager": (
        "homes:read",
        "homes:write",
        "tenancies:read",
        "residents:read",
        "repairs:read",
        "compliance:read",
        "compliance:write",
        "reports:read",
    ),
    "complaints_handler": (
        "homes:read",
        "tenancies:read",
        "residents:read",
        "repairs:read",
        "compliance:read",
        "income:read",
        "contacts:write",
        "complaints:read",
        "complaints:write",
        "surveys:read",
        "you-said-we-did:write",
        "reports:read",
    ),
    "admin": BROAD_STAFF_SCOPES,
    "staff": BROAD_STAFF_SCOPES,
    CONTRACTOR_ROLE: (CONTRACTOR_SCOPE,),
}
"""The default scope set of each role. `admin` holds every broad staff scope (never a
need-to-know one, and never the services' own `admin` scope, which only
`hearth admin-token` issues); `staff` is the same set under the name development tokens
and the platform tests have always used."""


WRITES_READ_WITH: dict[str, str] = {"you-said-we-did:write": "surveys:read"}
"""A write whose role must also read what it writes (its GETs need the read scope)."""


def check_roles(roles: Mapping[str, tuple[str, ...] | list[str]]) -> None:
    """ValueError naming the role and scope when the role sets break a rule above."""
    if CONTRACTOR_ROLE not in roles:
        raise ValueError(f"roles must define the {CONTRACTOR_ROLE!r} role")
    for role, scopes in roles.items():
        if unknown := sorted(set(scopes) - SCOPES.keys()):
            raise ValueError(f"role {role!r} names unknown scopes: {', '.join(unknown)}")
        if need_to_know := sorted(set(scopes) & set(NEED_TO_KNOW)):
            raise ValueError(
                f"role {role!r} grants the need-to-know scopes {', '.join(need_to_know)}: "
                "those are granted to a person one by one, never by a role"
            )
        if role == CONTRACTOR_ROLE and set(scopes) != {CONTRACTOR_SCOPE}:
            raise ValueError(f"the contractor role grants {CONTRACTOR_SCOPE!r} and nothing else")
        if role != CONTRACTOR_ROLE and CONTRACTOR_SCOPE in scopes:
            raise ValueError(f"role {role!r} is staff and must not grant {CONTRACTOR_SCOPE!r}")
        for write, read in WRITES_READ_WITH.items():
            if write in scopes and read not in scopes:
                raise ValueError(
                    f"role {role!r} grants {write!r} without {read!r}: "
                    "a role that may publish must be able to read what it published"
                )

"""The resident contact view: the resident first (for their home), then everything at
their home and about them at once.

Two steps, each call bounded by the read budget, so the view answers within two
budgets whatever is slow. When engagement does not answer, the caller's `uprn` (the
home the contact centre already has on screen) still lets the home's parts be shown.
Parts the token has no scope for are never asked for (`withheld`).

The rent is the resident's own: their tenancy's rent account (income
`GET /v1/tenancies/{tenancy_id}?include=rent_summary`), so a former tenant sees what they
still owe and never the next household's account; only a resident on no tenancy (or
one engagement could not tell us about) gets the home's current tenancy's. A former
tenant's (`tenancy_ended_on`) last home's parts as they are now (open repairs, next
appointments, gas status) are the next household's: not asked for (`left_out`).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from gateway.auth import Principal
from gateway.clients import Downstreams
from gateway.fan_out import (
    RENT_SUMMARY,
    Answer,
    current_tenancy_params,
    degraded_services,
    fetch_items,
    fetch_object,
    rent_of_tenancies,
    withheld,
)
from gateway.residents.schemas import CONTACT_PART_SCOPES, ContactPart, ContactView, ResidentNeeds
from hearth_kit.problems import TYPE_BASE, NotFound

HOME_NOW_PARTS: tuple[ContactPart, ...] = ("open_repairs", "next_appointments", "gas")
"""The parts about the home as it is now (asked for by UPRN), which for a former tenant
are the next household's."""


MERGED = TYPE_BASE + "resident-merged"
"""Engagement's problem type for a resident merged into another (ADR 0124)."""


class ResidentMerged(NotFound):
    """The resident asked for was merged into another (ADR 0124): engagement's own 404,
    passed on, naming the resident kept (`merged_into`), so the contact centre's screen
    holding the old id learns which to use, as engagement's `GET /v1/residents/{id}`
    tells it."""

    title, slug = "Resident merged", "resident-merged"


def no_such_resident(resident_id: str, problem: dict[str, Any] | None) -> NotFound:
    """The contact view's 404: engagement's resident-merged naming the resident kept, or
    a plain not-found. Only the kept resident's id is passed on (checked to be a UUID),
    never engagement's words."""
    merged_into = (problem or {}).get("merged_into")
    if (problem or {}).get("type") == MERGED and isinstance(merged_into, str):
        try:
            kept = str(uuid.UUID(merged_into))
        except ValueError:
            kept = None
        if kept is not None:
            return ResidentMerged(
                f"Resident {resident_id} was merged into {kept}: use that id",
                resident_id=resident_id,
                merged_into=kept,
            )
    return NotFound(f"No resident {resident_id}", resident_id=resident_id)


def _strings(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _needs(resident: dict[str, Any] | None) -> ResidentNeeds | None:
    if resident is None:
        return None
    return ResidentNeeds(
        language=resident.get("language"),
        preferred_channel=resident.get("preferred_channel"),
        format_needs=_strings(resident.get("format_needs")),
        accessibility_needs=_strings(resident.get("accessibility_needs")),
    )


def rent_of_tenancy(tenancy: Answer) -> Answer:
    """The rent part from one tenancy read with `include=rent_summary`: its rent
    account's summary (None for a tenancy income does not know or one without a rent
    account), or the read's own failure when income did not answer."""
    if not tenancy.answered:
        return tenancy
    summary = tenancy.value.get(RENT_SUMMARY) if isinstance(tenancy.value, dict) else None
    return Answer("income", summary if isinstance(summary, dict) else None)


class ContactViewService:
    async def get(
        self,
        downstreams: Downstreams,
        resident_id: str,
        caller: Principal,
        uprn_hint: str | None = None,
    ) -> ContactView:
        hidden: list[ContactPart] = [
            part for part, scope in CONTACT_PART_SCOPES.items() if scope not in caller.scopes
        ]
        resident = await fetch_object(
            downstreams,
            caller,
            "engagement",
            f"/v1/residents/{resident_id}",
            route="/v1/residents/{resident_id}",
        )
        if resident.not_found:
            raise no_such_resident(resident_id, resident.problem)
        record = resident.value if isinstance(resident.value, dict) else None
        # The home on screen stands in only for a resident engagement could not tell us
        # about: one it answered without a home has none, and another household's rent
        # and repairs must not be shown as theirs.
        uprn = record.get("uprn") if record is not None else uprn_hint
        tenancy_id = (record or {}).get("tenancy_id")
        former_tenant = (record or {}).get("tenancy_ended_on") is not None
        left_out = [part for part in HOME_NOW_PARTS if former_tenant and part not in hidden]

        async def nothing(part: ContactPart, service: Any) -> Answer:
            return withheld(service) if part in hidden else Answer(service, None)

        def at_home(part: ContactPart, service: Any, path: str, **filters: str) -> Any:
            if part in hidden or part in left_out or not uprn:
                return nothing(part, service)
            return fetch_items(downstreams, caller, service, path, params={"uprn": uprn, **filters})

        async def rent() -> Answer:
            if "rent" in hidden:
                return await nothing("rent", "income")
            if tenancy_id:
                return rent_of_tenancy(
                    await fetch_object(
                        downstreams,
                        caller,
                        "income",
                        f"/v1/tenancies/{tenancy_id}",
                        route="/v1/tenancies/{tenancy_id}",
                        params={"include": RENT_SUMMARY},
                    )
                )
            if not uprn:
                return await nothing("rent", "income")
            tenancies = await fetch_items(
                downstreams,
                caller,
                "income",
                "/v1/tenancies",
                params=current_tenancy_params(uprn, with_rent=True),
            )
            return rent_of_tenancies(tenancies)

        gas_call = (
            nothing("gas", "compliance")
            if "gas" in hidden or "gas" in left_out or not uprn
            else fetch_object(
                downstreams,
                caller,
                "compliance",
                f"/v1/compliance/homes/{uprn}",
                route="/v1/compliance/homes/{uprn}",
            )
        )
        complaints_call = (
            nothing("open_complaints", "engagement")
            if "open_complaints" in hidden
            else fetch_items(
                downstreams,
                caller,
                "engagement",
                "/v1/complaints",
                params={"resident_id": resident_id, "status": "open"},
            )
        )
        open_repairs, appointments, gas, rent_account, complaints = await asyncio.gather(
            at_home("open_repairs", "repairs", "/v1/repairs", status="open"),
            at_home("next_appointments", "repairs", "/v1/appointments", status="booked"),
            gas_call,
            rent(),
            complaints_call,
        )
        return ContactView(
            resident_id=resident_id,
            uprn=uprn,
            resident=record,
            needs=_needs(record),
            open_repairs=open_repairs.value or [],
            next_appointments=appointments.value or [],
            gas=gas.value if isinstance(gas.value, dict) else None,
            rent=rent_account.value if isinstance(rent_account.value, dict) else None,
            open_complaints=complaints.value or [],
            former_tenant=former_tenant,
            degraded=degraded_services(
                resident, open_repairs, appointments, gas, rent_account, complaints
            ),
            withheld=hidden,
            left_out=left_out,
        )


contact_view_service = ContactViewService()

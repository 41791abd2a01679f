"""Use cases for residents: one person id across the platform, contact details and
communication needs. Never commits: the caller owns the transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.messages.service import readdress_not_yet_tried
from engagement.models import Resident
from engagement.residents import repository, rules
from engagement.residents.named import refuse_merged, resident_named
from engagement.residents.schemas import (
    FollowUp,
    ResidentCreate,
    ResidentMerge,
    ResidentPublic,
    ResidentUpdate,
)
from engagement.vulnerabilities import repository as vulnerabilities
from engagement.vulnerabilities.service import announce_on_new_home
from hearth_contracts.events.engagement import (
    ContactChannel,
    ResidentField,
    ResidentMerged,
    ResidentRegisteredV2,
    ResidentUpdatedV2,
)
from hearth_contracts.events.income import (
    TenancyEnded,
    TenancyStarted,
    TenancyStartedV2,
    TenancyWithdrawn,
)
from hearth_contracts.events.visits import ResidentDetailsConfirmed
from hearth_kit.db import ReadConnection
from hearth_kit.logs import get_logger
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import NotFound, PreconditionFailed, PreconditionRequired, Unprocessable

log = get_logger(__name__)

CONTACT_DETAIL_WORDS = {"email": "an email address", "phone": "a phone number"}

NAME_NOT_YET_KNOWN = ""
"""The name of a resident made from tenancy-started v2, which names tenants by person
id only: the name is recorded through engagement's own routes (registering the person
id, or changing the resident), never taken from an event, and never cleared."""

NAME_TO_FOLLOW_UP = "name"
"""Listed in `details_to_follow_up` while a resident's name is not yet known."""

PERSON_ID_TO_FOLLOW_UP = "person_id"
"""Listed in `details_to_follow_up` of a resident registered on a tenancy under an id
income's tenancy-started does not name (ADR 0118): a tenant registered ahead under an
id engagement minted (before tenants needed income's id) or one typed wrong, so perhaps
a second record of a tenant income names. Staff reconcile them; never matched by name."""

FIELD_GROUPS: dict[str, ResidentField] = {
    "full_name": ResidentField.NAME,
    "email": ResidentField.CONTACT_DETAILS,
    "phone": ResidentField.CONTACT_DETAILS,
    "preferred_channel": ResidentField.PREFERRED_CHANNEL,
    "language": ResidentField.LANGUAGE,
    "format_needs": ResidentField.FORMAT_NEEDS,
    "accessibility_needs": ResidentField.ACCESSIBILITY_NEEDS,
    "accessibility_notes": ResidentField.ACCESSIBILITY_NEEDS,
    "age_band": ResidentField.AGE_BAND,
    "lives_alone": ResidentField.HOUSEHOLD,
}
"""Which published group of details each field belongs to."""


MERGED_OPTIONAL_DETAILS = (
    "email",
    "phone",
    "accessibility_notes",
    "age_band",
    "lives_alone",
)
"""The details a merge takes from the duplicate only when the kept resident has none
(ADR 0124: where both have one, the kept resident's stays)."""


def etag_of(resident: Resident) -> str:
    return f'"{resident.version}"'


def to_public(resident: Resident) -> ResidentPublic:
    return ResidentPublic.model_validate(resident)


async def require_of_the_home(
    session: AsyncSession, resident_id: uuid.UUID | None, uprn: str
) -> None:
    """A resident named by a complaint, a service request or a survey response is known
    and, when they are on a tenancy, of the home it is about: the one they live at, or
    one they were a tenant of before (damp at a home they left, a former tenancy's
    arrears, a repair survey answered after moving out). A 422 naming resident_id
    otherwise: a resident of another home named by mistake put a complaint on them, or
    counted an answer under a home they never lived in (by that home's tenure, in the
    tenants' TP01 to TP12 for a shared owner's home) and replaced their own."""
    if resident_id is None:
        return
    resident = await resident_named(session, resident_id, field="resident_id")
    if resident is None:
        raise Unprocessable(f"No resident {resident_id}", field="resident_id")
    if (
        resident.uprn is not None
        and resident.uprn != uprn
        and not await repository.was_tenant_of(session, resident_id, uprn)
    ):
        raise Unprocessable(
            f"Resident {resident_id} neither lives at {uprn} nor was a tenant there",
            field="resident_id",
        )


def _check_contact_detail(preferred: ContactChannel, email: str | None, phone: str | None) -> None:
    missing = rules.missing_contact_detail(preferred, email, phone)
    if missing is not None:
        raise Unprocessable(
            f"A preferred channel of {preferred.value} needs {CONTACT_DETAIL_WORDS[missing]}",
            field=missing,
        )


async def announce_registered(session: AsyncSession, resident: Resident) -> None:
    """resident-registered (v2), once the resident is on a tenancy: by person id, no
    name or contact details."""
    if resident.tenancy_id is None or resident.uprn is None:
        return
    await publish(
        session,
        ResidentRegisteredV2(
            resident_id=resident.id,
            tenancy_id=resident.tenancy_id,
            uprn=resident.uprn,
            preferred_channel=resident.preferred_channel,
            language=resident.language,
            registered_at=resident.registered_at,
            age_band=resident.age_band,
            lives_alone=resident.lives_alone,
        ),
    )


async def announce_updated(
    session: AsyncSession, resident: Resident, changed: list[ResidentField]
) -> None:
    """resident-updated (v2) with the shared details as they now stand (no name or
    contact details; `changed` says a name changed)."""
    if resident.tenancy_id is None or resident.uprn is None or not changed:
        return
    await publish(
        session,
        ResidentUpdatedV2(
            resident_id=resident.id,
            tenancy_id=resident.tenancy_id,
            uprn=resident.uprn,
            changed=list(dict.fromkeys(changed)),
            preferred_channel=resident.preferred_channel,
            language=resident.language,
            format_needs=resident.format_needs,
            age_band=resident.age_band,
            lives_alone=resident.lives_alone,
            updated_at=resident.updated_at or resident.registered_at,
        ),
    )


async def _tenancy_dates(
    session: AsyncSession, tenancy_id: uuid.UUID | None
) -> tuple[date | None, date | None]:
    """When the tenancy started and ended, as far as income has said (None: not yet)."""
    if tenancy_id is None:
        return None, None
    tenancy = await repository.known_tenancy(session, tenancy_id)
    end = await repository.tenancy_end(session, tenancy_id)
    return (
        tenancy.start_date if tenancy is not None else None,
        end.end_date if end is not None else None,
    )


async def _record_tenancy(session: AsyncSession, resident: Resident) -> None:
    """Keep the tenancy a resident was registered on in their tenancy history."""
    if resident.tenancy_id is not None and resident.uprn is not None:
        await repository.record_tenant(
            session, tenancy_id=resident.tenancy_id, resident_id=resident.id, uprn=resident.uprn
        )


def _flag_not_named(resident: Resident, tenancy_id: uuid.UUID) -> None:
    """A resident on a tenancy whose tenancy-started does not name them (ADR 0118): to
    follow up, said once; logged by ids only."""
    if PERSON_ID_TO_FOLLOW_UP in resident.details_to_follow_up:
        return
    log.warning(
        "a resident registered on a tenancy is not a tenant income names: to reconcile",
        resident_id=str(resident.id),
        tenancy_id=str(tenancy_id),
    )
    resident.details_to_follow_up = [*resident.details_to_follow_up, PERSON_ID_TO_FOLLOW_UP]
    resident.updated_at = datetime.now(UTC)
    resident.version += 1


def _check_one_household(kept: Resident, duplicate: Resident) -> None:
    """Two records of one person are of one household (ADR 0124): on the same tenancy,
    or the duplicate on none. A 422 naming duplicate_person_id otherwise, nothing
    changed: residents on two tenancies are two households, so two people (a tenant
    moving home keeps one id: income names them on the new tenancy by it); a duplicate
    on a tenancy is kept only as the resident on it; and of two on one tenancy, the one
    its tenancy-started does not name (flagged `person_id`, ADR 0118) is the one merged
    away, never the tenant income names."""
    if duplicate.tenancy_id is None:
        return
    if kept.tenancy_id is None:
        raise Unprocessable(
            f"Resident {duplicate.id} is on tenancy {duplicate.tenancy_id} and "
            f"{kept.id} on none: keep the resident on the tenancy and merge the other "
            "into them",
            field="duplicate_person_id",
        )
    if kept.tenancy_id != duplicate.tenancy_id:
        raise Unprocessable(
            f"Residents {kept.id} and {duplicate.id} are on different tenancies: two "
            "households, not one person",
            field="duplicate_person_id",
        )
    if (
        PERSON_ID_TO_FOLLOW_UP in kept.details_to_follow_up
        and PERSON_ID_TO_FOLLOW_UP not in duplicate.details_to_follow_up
    ):
        raise Unprocessable(
            f"Resident {duplicate.id} is the tenant income names on tenancy "
            f"{kept.tenancy_id} and {kept.id} is not: keep {duplicate.id} and merge "
            f"{kept.id} into them",
            field="duplicate_person_id",
        )


def _name_known(resident: Resident) -> None:
    """Once a name is recorded it is no longer a detail to follow up."""
    if resident.full_name and NAME_TO_FOLLOW_UP in resident.details_to_follow_up:
        resident.details_to_follow_up = [
            d for d in resident.details_to_follow_up if d != NAME_TO_FOLLOW_UP
        ]


class ResidentService:
    async def register(self, session: AsyncSession, data: ResidentCreate) -> ResidentPublic:
        """Register a resident under a new person id, and announce it once they are on
        a tenancy (resident-registered, which carries no contact details)."""
        _check_contact_detail(data.preferred_channel, data.email, data.phone)
        if (data.tenancy_id is None) != (data.uprn is None):
            raise Unprocessable("A tenancy and its home are given together", field="tenancy_id")
        if data.tenancy_id is not None:
            # Income's tenancy-started may not have reached us yet: an unknown tenancy
            # is accepted, but a known one must be of the same home.
            tenancy = await repository.known_tenancy(session, data.tenancy_id)
            if tenancy is not None and tenancy.uprn != data.uprn:
                raise Unprocessable(
                    f"Tenancy {data.tenancy_id} is of home {tenancy.uprn}, not {data.uprn}",
                    field="uprn",
                )
        if data.tenancy_id is not None and data.person_id is None:
            # A new id for a tenant is a second record of them once income's
            # tenancy-started names them by its own (ADR 0118): their letters,
            # preferences and vulnerabilities would sit on an id income never uses.
            raise Unprocessable(
                "A tenant is registered under the person id income names them by on "
                "the tenancy (GET /v1/tenancies/{id} lists its tenants)",
                field="person_id",
            )
        known = await self._same_person(session, data)
        announced = data.tenancy_id is not None and (
            await repository.known_tenancy(session, data.tenancy_id) is not None
        )
        if announced and (known is None or known.tenancy_id is None):
            # Income announced the tenancy and its tenants are residents on it already:
            # a person id it did not name (unknown here, or a resident on no tenancy) is
            # no tenant of it, and put on it would be a second record of one (ADR 0118).
            raise Unprocessable(
                f"Tenancy {data.tenancy_id} names no tenant {data.person_id}",
                field="person_id",
            )
        if known is not None:
            return await self._record_details(session, known, data)
        details = data.model_dump(exclude={"person_id"})
        started_on, ended_on = await _tenancy_dates(session, data.tenancy_id)
        resident = await repository.insert_unless_known(
            session,
            Resident(
                id=data.person_id or uuid.uuid4(),
                **details,
                tenancy_started_on=started_on,
                tenancy_ended_on=ended_on,
                registered_at=datetime.now(UTC),
            ),
        )
        if resident is None:
            # Income's tenancy-started made this person a resident since we looked.
            known = await self._same_person(session, data)
            if known is None:
                raise RuntimeError("a resident's person id was taken, yet no one holds it")
            return await self._record_details(session, known, data)
        await _record_tenancy(session, resident)
        await announce_registered(session, resident)
        return to_public(resident)

    async def _same_person(self, session: AsyncSession, data: ResidentCreate) -> Resident | None:
        """The resident this registration is about, when already known: the person id
        given, never a name (ADR 0118: names are personal data, and two tenants may
        share one). One person, one id."""
        if data.person_id is None:
            return None
        resident = await resident_named(session, data.person_id, field="person_id", for_update=True)
        if (
            resident is not None
            and data.tenancy_id is not None
            and resident.tenancy_id not in (None, data.tenancy_id)
        ):
            raise Unprocessable(
                f"Person {data.person_id} is on tenancy {resident.tenancy_id}",
                field="tenancy_id",
            )
        return resident

    async def _record_details(
        self, session: AsyncSession, resident: Resident, data: ResidentCreate
    ) -> ResidentPublic:
        """Record the details given for a known person (resident-updated says which)."""
        changes = data.model_dump(exclude={"person_id", "tenancy_id", "uprn"})
        changes["format_needs"] = list(dict.fromkeys(changes["format_needs"]))
        changes["accessibility_needs"] = list(dict.fromkeys(changes["accessibility_needs"]))
        changed = [
            FIELD_GROUPS[name]
            for name, value in changes.items()
            if getattr(resident, name) != value
        ]
        first_tenancy = resident.tenancy_id is None and data.tenancy_id is not None
        if first_tenancy:
            resident.tenancy_id, resident.uprn = data.tenancy_id, data.uprn
            (
                resident.tenancy_started_on,
                resident.tenancy_ended_on,
            ) = await _tenancy_dates(session, data.tenancy_id)
            changed.append(ResidentField.HOUSEHOLD)
        if not changed:
            return to_public(resident)
        for name, value in changes.items():
            setattr(resident, name, value)
        _name_known(resident)
        resident.updated_at = datetime.now(UTC)
        resident.version += 1
        await session.flush()
        if first_tenancy:
            await _record_tenancy(session, resident)
            await announce_registered(session, resident)
            await announce_on_new_home(session, resident, resident.updated_at)
        else:
            await announce_updated(session, resident, changed)
        return to_public(resident)

    async def update(
        self,
        session: AsyncSession,
        resident_id: uuid.UUID,
        data: ResidentUpdate,
        *,
        if_match: str | None,
    ) -> ResidentPublic:
        """Change a resident's details if the caller saw their current version
        (If-Match: the resident's ETag); publishes resident-updated naming which."""
        # What the body itself says wrong comes first (a 422), as the document states
        # it; then the version the caller saw.
        changes = data.model_dump(exclude_unset=True)
        for required in ("full_name", "preferred_channel", "language"):
            if required in changes and changes[required] is None:
                raise Unprocessable(f"{required} cannot be cleared", field=required)
        if if_match is None:
            raise PreconditionRequired(
                "Send If-Match with the resident's ETag", field="If-Match", location="header"
            )
        resident = await resident_named(session, resident_id, for_update=True)
        if resident is None:
            raise NotFound(f"No resident {resident_id}")
        if if_match.strip() not in (etag_of(resident), f"W/{etag_of(resident)}", "*"):
            raise PreconditionFailed(
                f"Resident {resident_id} has changed since that version",
                field="If-Match",
                location="header",
            )
        for name in ("format_needs", "accessibility_needs"):
            if changes.get(name) is not None:
                changes[name] = list(dict.fromkeys(changes[name]))
        changed = [
            FIELD_GROUPS[name]
            for name, value in changes.items()
            if getattr(resident, name) != value
        ]
        _check_contact_detail(
            changes.get("preferred_channel", resident.preferred_channel),
            changes.get("email", resident.email),
            changes.get("phone", resident.phone),
        )
        if not changed:
            return to_public(resident)
        for name, value in changes.items():
            setattr(resident, name, value)
        if ResidentField.CONTACT_DETAILS in changed:
            resident.details_to_follow_up = [
                d for d in resident.details_to_follow_up if d != "contact_details"
            ]
        _name_known(resident)
        resident.updated_at = datetime.now(UTC)
        resident.version += 1
        await session.flush()
        await announce_updated(session, resident, changed)
        return to_public(resident)

    async def get(self, session: AsyncSession, resident_id: uuid.UUID) -> ResidentPublic:
        """One resident; one merged into another is a problem naming the one kept."""
        resident = await resident_named(session, resident_id)
        if resident is None:
            raise NotFound(f"No resident {resident_id}")
        return to_public(resident)

    async def merge(
        self,
        session: AsyncSession,
        resident_id: uuid.UUID,
        data: ResidentMerge,
        *,
        if_match: str | None,
    ) -> ResidentPublic:
        """Merge a second record of the same person into the resident kept (ADR 0124):
        everything engagement holds under the duplicate's id becomes the kept
        resident's (repository.re_key), the kept resident's details stay where both have
        one and the duplicate's fill the gaps, the duplicate is marked merged into the
        kept one (on no tenancy, nothing to follow up) and resident-merged is published.
        If-Match: the kept resident's ETag, as on PATCH. Refused, nothing changes:
        merging a resident into themselves, an unknown or already merged duplicate, a
        duplicate on a tenancy other than the kept resident's (another household: two
        people), one on a tenancy kept into a resident on none, or keeping the record
        income's tenancy-started does not name over the one it does (ADR 0118)."""
        duplicate_id = data.duplicate_person_id
        if duplicate_id == resident_id:
            raise Unprocessable(
                "A resident cannot be merged into themselves", field="duplicate_person_id"
            )
        if if_match is None:
            raise PreconditionRequired(
                "Send If-Match with the kept resident's ETag", field="If-Match", location="header"
            )
        # Both rows locked, in person id order: the order engagement always takes a
        # household's residents in (repository.on_tenancy), so never crosswise.
        locked: dict[uuid.UUID, Resident | None] = {}
        for person_id in sorted((resident_id, duplicate_id)):
            locked[person_id] = await repository.get(
                session, person_id, for_update=True, merged=True
            )
        kept, duplicate = locked[resident_id], locked[duplicate_id]
        if kept is None:
            raise NotFound(f"No resident {resident_id}")
        refuse_merged(kept)
        if if_match.strip() not in (etag_of(kept), f"W/{etag_of(kept)}", "*"):
            raise PreconditionFailed(
                f"Resident {resident_id} has changed since that version",
                field="If-Match",
                location="header",
            )
        if duplicate is None:
            raise Unprocessable(f"No resident {duplicate_id}", field="duplicate_person_id")
        if duplicate.merged_into is not None:
            raise Unprocessable(
                f"Resident {duplicate_id} was merged into {duplicate.merged_into} already",
                field="duplicate_person_id",
            )
        _check_one_household(kept, duplicate)
        return await self._merge(session, kept, duplicate)

    async def _merge(
        self, session: AsyncSession, kept: Resident, duplicate: Resident
    ) -> ResidentPublic:
        now = datetime.now(UTC)
        had_vulnerabilities = bool(await vulnerabilities.current(session, duplicate.id))
        home = duplicate.uprn or kept.uprn
        before = {name: getattr(kept, name) for name in FIELD_GROUPS}
        if not kept.full_name:
            kept.full_name = duplicate.full_name
        for name in MERGED_OPTIONAL_DETAILS:
            if getattr(kept, name) is None:
                setattr(kept, name, getattr(duplicate, name))
        if kept.details_confirmed_at is None and duplicate.details_confirmed_at is not None:
            kept.details_confirmed_at = duplicate.details_confirmed_at
            kept.household_size = duplicate.household_size
        # A need recorded on either record is the person's need.
        kept.format_needs = list(dict.fromkeys([*kept.format_needs, *duplicate.format_needs]))
        kept.accessibility_needs = list(
            dict.fromkeys([*kept.accessibility_needs, *duplicate.accessibility_needs])
        )
        _name_known(kept)
        changed = [
            FIELD_GROUPS[name] for name, value in before.items() if getattr(kept, name) != value
        ]
        kept.updated_at = now
        kept.version += 1
        duplicate.merged_into, duplicate.merged_at = kept.id, now
        duplicate.tenancy_id = duplicate.uprn = None
        duplicate.tenancy_started_on = duplicate.tenancy_ended_on = None
        duplicate.details_to_follow_up = []
        duplicate.updated_at = now
        duplicate.version += 1
        await session.flush()
        earlier = await repository.re_key(session, duplicate=duplicate.id, kept=kept.id)
        # The duplicate's letters not yet tried go by the kept resident's preference
        # and details, not the channel and address they were written with (ADR 0138).
        await readdress_not_yet_tried(session, kept, now)
        log.info(
            "a resident was merged into the resident kept",
            resident_id=str(kept.id),
            duplicate_person_id=str(duplicate.id),
        )
        await announce_updated(session, kept, changed)
        if had_vulnerabilities:
            await announce_on_new_home(session, kept, now)
        if home is not None:
            await publish(
                session,
                ResidentMerged(
                    person_id=kept.id,
                    duplicate_person_id=duplicate.id,
                    uprn=home,
                    merged_at=now,
                    # Merged into the duplicate before: a consumer may hear of that
                    # merge after this one, and moves their rows to the kept id now.
                    earlier_duplicate_person_ids=earlier,
                ),
            )
        return to_public(kept)

    async def page(
        self,
        connection: ReadConnection,
        page: PageParams,
        *,
        uprn: str | None,
        tenancy_id: uuid.UUID | None,
        follow_up: FollowUp | None = None,
    ) -> Page[ResidentPublic]:
        """Residents in the order they were registered, a page at a time: one statement
        on a read connection, rows straight into the public entry. `follow_up`: those
        with that detail to follow up only (`person_id`: possible second records of a
        tenant, for staff to reconcile, ADR 0118)."""
        rows = await repository.page_rows(
            connection,
            after=page.after_as(datetime, uuid.UUID),
            limit=page.fetch,
            uprn=uprn,
            tenancy_id=tenancy_id,
            person_id_to_follow_up=follow_up == FollowUp.PERSON_ID,
        )
        return Page.from_rows(
            [ResidentPublic(**row._mapping) for row in rows],
            page.limit,
            cursor_of=lambda resident: (resident.registered_at, resident.id),
        )

    async def tenancy_started(
        self,
        session: AsyncSession,
        tenancy: TenancyStarted | TenancyStartedV2,
        announced_at: datetime,
    ) -> None:
        """The tenants income named are residents under those same person ids: a new
        person becomes a resident (by letter, in English, until they say otherwise); a
        resident engagement registered before is put on the tenancy, their name and
        details untouched. Handling the same event again changes nothing.

        tenancy-started v2 names tenants by person id only, so a new resident's name is
        not yet known until it is recorded here (resident-registered names no one).
        A v1 event still on the topic gives a new resident the name it carries, as
        before; an event's name never replaces one engagement holds.

        A resident on another tenancy moves to this one only when it started later
        (rules.moves_to): an older tenancy arriving late never takes them back to a home
        they left. A tenancy income already said ended leaves its tenants on it as
        former tenants (tenancy-ended handled first, as after a replayed dead letter)."""
        names = (
            {tenant.person_id: tenant.full_name for tenant in tenancy.tenants}
            if isinstance(tenancy, TenancyStarted)
            else {}
        )
        end = await repository.tenancy_end(session, tenancy.tenancy_id)
        ended_on = end.end_date if end is not None else None
        if ended_on is not None and ended_on < tenancy.start_date:
            return  # withdrawn before its first day (ADR 0111), handled first: nobody moves
        # The tenants' rows one at a time in person id order, whatever order the event
        # lists them in: the order tenancy-ended locks a tenancy's residents in. In the
        # event's order, a household's move (tenancy-started of the new home, handled
        # beside tenancy-ended of the old one: income keys both by home) held one
        # tenant and waited for the other while the end held that one: a deadlock.
        # A tenant named by an id since merged into another resident (an old event
        # replayed, ADR 0124) is that resident (as repository.as_kept reads it).
        merged = await repository.merged_into(session, (t.person_id for t in tenancy.tenants))
        names = {merged.get(person_id, person_id): name for person_id, name in names.items()}
        named = {merged.get(tenant.person_id, tenant.person_id) for tenant in tenancy.tenants}
        # Those already on the tenancy first, in person id order: the order tenancy-ended
        # takes them in, so the two never wait for each other crosswise.
        for resident in await repository.on_tenancy(session, tenancy.tenancy_id, for_update=True):
            if resident.id not in named:
                _flag_not_named(resident, tenancy.tenancy_id)
        for person_id in sorted(named):
            await self._put_on_tenancy(session, tenancy, person_id, names, ended_on, announced_at)
            # Their tenancy history, whether or not this tenancy became the one they are
            # on. After the resident's row, in the order registration through the API
            # takes them (resident, then history): the other order deadlocked with a
            # POST /v1/residents for the same person arriving as the event was handled.
            await repository.record_tenant(
                session,
                tenancy_id=tenancy.tenancy_id,
                resident_id=person_id,
                uprn=tenancy.uprn,
            )

    async def _put_on_tenancy(
        self,
        session: AsyncSession,
        tenancy: TenancyStarted | TenancyStartedV2,
        person_id: uuid.UUID,
        names: dict[uuid.UUID, str],
        ended_on: date | None,
        announced_at: datetime,
    ) -> None:
        """Make one tenant a resident on the tenancy, or move them to it (tenancy_started)."""
        resident = await repository.get(session, person_id, for_update=True)
        if resident is None:
            full_name = names.get(person_id, NAME_NOT_YET_KNOWN)
            inserted = await repository.insert_unless_known(
                session,
                Resident(
                    id=person_id,
                    tenancy_id=tenancy.tenancy_id,
                    uprn=tenancy.uprn,
                    tenancy_started_on=tenancy.start_date,
                    tenancy_ended_on=ended_on,
                    full_name=full_name,
                    preferred_channel=ContactChannel.LETTER,
                    language="en",
                    registered_at=announced_at,
                    details_to_follow_up=[] if full_name else [NAME_TO_FOLLOW_UP],
                ),
            )
            if inserted is not None:
                await announce_registered(session, inserted)
                return
            # Registered through the API since we looked: put them on the tenancy.
            resident = await repository.get(session, person_id, for_update=True)
            if resident is None:
                raise RuntimeError("a resident's person id was taken, yet no one holds it")
        if resident.tenancy_id == tenancy.tenancy_id:
            # Already on it (the same event again, or registered on it through the
            # API before income announced it): learn its start date.
            if resident.tenancy_started_on is None:
                resident.tenancy_started_on = tenancy.start_date
            if resident.tenancy_ended_on is None:
                resident.tenancy_ended_on = ended_on
            return
        if not rules.moves_to(
            placed_on=resident.tenancy_started_on,
            placed_ended=resident.tenancy_ended_on is not None,
            start_date=tenancy.start_date,
            ended=ended_on is not None,
        ):
            return  # an older tenancy, arriving late: they stay where they are
        first_tenancy = resident.tenancy_id is None
        now = datetime.now(UTC)
        resident.tenancy_id = tenancy.tenancy_id
        resident.uprn = tenancy.uprn
        resident.tenancy_started_on = tenancy.start_date
        resident.tenancy_ended_on = ended_on
        resident.updated_at = now  # the version of the state published: now
        resident.version += 1
        await session.flush()
        if first_tenancy:
            await announce_registered(session, resident)
        else:
            await announce_updated(session, resident, [ResidentField.HOUSEHOLD])
        await announce_on_new_home(session, resident, now)

    async def tenancy_ended(self, session: AsyncSession, ended: TenancyEnded) -> None:
        """Income ended a tenancy: its tenants no longer live in its home. They stay
        residents (complaints, contacts and history are theirs), on that tenancy, with
        its end date; letters about the home no longer go to them. Handling it again
        changes nothing; a tenant already moved to a newer tenancy stays on it.
        Locks the tenancy's residents in person id order, as tenancy_started does."""
        for resident in await repository.on_tenancy(session, ended.tenancy_id, for_update=True):
            if resident.tenancy_ended_on is not None:
                continue
            resident.tenancy_ended_on = ended.end_date
            resident.updated_at = datetime.now(UTC)
            resident.version += 1
        await session.flush()

    async def tenancy_withdrawn(self, session: AsyncSession, withdrawn: TenancyWithdrawn) -> None:
        """Income withdrew a tenancy before its first day (ADR 0111): its tenants never
        lived in its home. A tenant moving from another of the landlord's homes (put on
        this tenancy from its announcement) goes back on the tenancy they were on, still
        running (their tenancy history), announced so (resident-updated, and a recorded
        vulnerability under that home again); anyone else stays a resident on it as on
        a tenancy that ran no day (its last day the day before its first), sent no
        home's letters. Handling it again changes nothing. Locks the tenancy's residents
        in person id order, as tenancy_started does."""
        ran_no_day = withdrawn.start_date - timedelta(days=1)
        for resident in await repository.on_tenancy(session, withdrawn.tenancy_id, for_update=True):
            before = await repository.running_tenancy_before(
                session, resident.id, withdrawn.tenancy_id
            )
            now = datetime.now(UTC)
            if before is None:
                if resident.tenancy_ended_on is None:
                    resident.tenancy_ended_on = ran_no_day
                    resident.updated_at = now
                    resident.version += 1
                continue
            resident.tenancy_id = before.tenancy_id
            resident.uprn = before.uprn
            resident.tenancy_started_on = before.start_date
            resident.tenancy_ended_on = None
            resident.updated_at = now  # the version of the state published: now
            resident.version += 1
            await session.flush()
            await announce_updated(session, resident, [ResidentField.HOUSEHOLD])
            await announce_on_new_home(session, resident, now)
        await session.flush()

    async def details_confirmed(
        self, session: AsyncSession, confirmed: ResidentDetailsConfirmed
    ) -> bool:
        """A visit confirmed or corrected the resident's details: keep when, the
        household's size (a household of one lives alone) and what to follow up.
        Returns False when the resident is unknown, or is of another home: neither
        living at the home visited nor ever a tenant there (a stale or mistaken id in the
        visit's report), when nothing is applied, not the household's size nor a consent
        withdrawn (which would remove another household's vulnerabilities); visits
        refuses such a report for residents it knows of, engagement owns the record.
        An older confirmation than the one kept changes nothing."""
        resident = await repository.get(session, confirmed.resident_id, for_update=True)
        if resident is None:
            return False
        if (
            resident.uprn is not None
            and resident.uprn != confirmed.uprn
            and not await repository.was_tenant_of(session, resident.id, confirmed.uprn)
        ):
            log.warning(
                "resident-details-confirmed names a resident of another home: not applied",
                visit_id=str(confirmed.visit_id),
                resident_id=str(resident.id),
            )
            return False
        if (
            resident.details_confirmed_at is not None
            and resident.details_confirmed_at >= confirmed.confirmed_at
        ):
            return True
        resident.details_confirmed_at = confirmed.confirmed_at
        resident.household_size = confirmed.household_size
        not_named = PERSON_ID_TO_FOLLOW_UP in resident.details_to_follow_up
        resident.details_to_follow_up = [d.value for d in confirmed.corrected]
        if not resident.full_name:
            resident.details_to_follow_up.append(NAME_TO_FOLLOW_UP)
        if not_named:  # a visit does not reconcile two records of one person
            resident.details_to_follow_up.append(PERSON_ID_TO_FOLLOW_UP)
        lives_alone = confirmed.household_size == 1
        changed = resident.lives_alone != lives_alone
        resident.lives_alone = lives_alone
        if changed:
            # The version of the state published is when engagement holds it (now),
            # never the visit's time: an offline visit uploads later, after changes
            # other services already versioned by their own time.
            resident.updated_at = datetime.now(UTC)
            resident.version += 1
        await session.flush()
        if changed:
            await announce_updated(session, resident, [ResidentField.HOUSEHOLD])
        return True


resident_service = ResidentService()

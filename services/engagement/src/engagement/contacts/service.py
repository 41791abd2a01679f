"""Use cases for contacts: every contact from any channel is logged, and contact-logged
(no content) feeds the visit programme's contact frequency. Never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.complaints.rules import earliest_receipt
from engagement.complaints.service import DEFAULT_REPORT_WINDOW_YEARS
from engagement.contacts import repository
from engagement.contacts.schemas import ContactCreate, ContactPublic
from engagement.models import Contact
from engagement.residents import repository as residents
from engagement.residents.named import resident_named
from hearth_contracts.events.engagement import ContactLogged
from hearth_kit.auth import Caller
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import NotFound, Unprocessable
from hearth_kit.working_days import london_day, start_of_london_day


async def _announce(session: AsyncSession, contact: Contact) -> None:
    """contact-logged for the contact, without its content."""
    await publish(
        session,
        ContactLogged(
            contact_id=contact.id,
            uprn=contact.uprn,
            resident_id=contact.resident_id,
            direction=contact.direction,
            medium=contact.medium,
            reason=contact.reason,
            contacted_at=contact.contacted_at,
        ),
    )


async def tenancy_started(
    session: AsyncSession, tenancy_id: uuid.UUID, uprn: str, start_date: date
) -> int:
    """Income announced the tenancy (its tenants are on it): contact-logged for each
    contact at its home naming one of its tenants made from its first London day on.
    One kept unpublished as made before the tenant moved in (ADR 0224, amended) was
    judged by what engagement knew when it was logged: a tenant registered ahead calling
    from the home once they lived there, before income announced the end of the tenancy
    before them or the start of theirs, was taken for a newcomer on the household
    before them's day. From their first day it was their household's contact, which
    visits counts by its day (ADR 0151). One published already is sent again, which
    visits keeps once (by contact id). Those made before the first day stay unpublished.
    Returns how many were published."""
    contacts = await repository.of_tenants_since(
        session, tenancy_id, uprn, start_of_london_day(start_date)
    )
    for contact in contacts:
        await _announce(session, contact)
    return len(contacts)


class ContactService:
    def __init__(self, report_window_years: int = DEFAULT_REPORT_WINDOW_YEARS) -> None:
        self.report_window_years = report_window_years

    async def log(
        self, session: AsyncSession, data: ContactCreate, caller: Caller
    ) -> ContactPublic:
        """Log a contact (publishes contact-logged). An unknown resident, or one of
        another home, is refused naming resident_id: their home is the one engagement
        holds them on, or one they lived in on the contact's London day, as it was that
        day (residents.lived_in: a tenant moving between the landlord's homes, held on
        the new one from its announcement, lives in the old one until it starts; a
        contact made there before the move and typed in after it, once the old
        tenancy's end is announced, is still theirs). A resident engagement holds on no
        home (registered on no tenancy) is refused at a home whose household engagement
        knows on the contact's day (a tenancy of it running then: they are on none of
        its tenancies) and taken at one with none (empty between tenancies, a shared
        owner's): visits counts a named contact towards the household living there
        when it names a resident visits knows nothing of (docs/adr/0151, 0163), so
        one taken there was that household's call. A newcomer placed on the home, for a
        day they had not moved in by while the household before them lived there
        (residents.of_no_household_there: their tenancy starting after it, or no start
        known while another tenancy of the home ran), is logged as theirs (a call about
        the keys or the move-in date happened, and is kept) but contact-logged is not
        published: it was no contact of the household living there that day, and visits
        counted one naming a tenant registered ahead towards that household
        (docs/adr/0224, amended); published later if their tenancy-started shows it was
        made from their first day (tenancy_started). A former tenant held on the home
        they left is taken after leaving and published (their calls about arrears or a
        deposit: visits does not count them, docs/adr/0151). contacted_at is when it
        happened: never in the future, nor more than `report_window_years` ago, the window a
        complaint's received_at and a survey response's responded_at are held to (ADR
        0076): a contact that old is a typing slip (1026 for 2026), never a contact a
        landlord keeps a record of to log now."""
        now = datetime.now(UTC)
        if data.contacted_at > now:
            raise Unprocessable("contacted_at is in the future", field="contacted_at")
        if data.contacted_at < earliest_receipt(now, self.report_window_years):
            raise Unprocessable(
                f"contacted_at is more than {self.report_window_years} years ago: check the date",
                field="contacted_at",
            )
        before_moving_in = False
        if data.resident_id is not None:
            resident = await resident_named(session, data.resident_id, field="resident_id")
            if resident is None:
                raise Unprocessable(f"No resident {data.resident_id}", field="resident_id")
            day = london_day(data.contacted_at)
            if (
                resident.uprn is None
                and await residents.not_of_the_household(session, resident.id, data.uprn, day)
            ) or (
                resident.uprn is not None
                and resident.uprn != data.uprn
                and not await residents.lived_in(session, resident.id, data.uprn, day)
            ):
                raise Unprocessable(
                    f"Resident {data.resident_id} does not live at {data.uprn}",
                    field="resident_id",
                )
            before_moving_in = resident.uprn == data.uprn and (
                await residents.of_no_household_there(session, resident.id, data.uprn, day)
            )
        contact = Contact(id=uuid.uuid4(), **data.model_dump(), logged_by=caller.subject[:200])
        repository.add(session, contact)
        await session.flush()
        if not before_moving_in:  # else no household's contact there that day (ADR 0224)
            await _announce(session, contact)
        return ContactPublic.model_validate(contact)

    @staticmethod
    async def get(session: AsyncSession, contact_id: uuid.UUID) -> ContactPublic:
        """One contact as logged, notes included: what `POST /v1/contacts` answered and
        its Location names, read with the scope the list is (residents:read,
        docs/adr/0177). A 404 for an id never logged."""
        contact = await repository.get(session, contact_id)
        if contact is None:
            raise NotFound(f"No contact {contact_id}")
        return ContactPublic.model_validate(contact)

    async def page(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        uprn: str | None,
        resident_id: uuid.UUID | None,
    ) -> Page[ContactPublic]:
        """Contacts, latest first. A resident merged into another (ADR 0124) has none
        left under their id: a 422 naming the resident kept, not an empty page (ADR
        0138)."""
        if resident_id is not None:
            await resident_named(session, resident_id, field="resident_id", location="query")
        contacts = await repository.page(
            session,
            after=page.after_as(datetime, uuid.UUID),
            limit=page.fetch,
            uprn=uprn,
            resident_id=resident_id,
        )
        return Page.from_rows(
            [ContactPublic.model_validate(c) for c in contacts],
            page.limit,
            cursor_of=lambda contact: (contact.contacted_at, contact.id),
        )

"""The statements engagement runs on its tables that grow without bound (contacts,
complaints and their stages, service requests, messages, survey invitations and
responses, vulnerabilities and who read them) are served by an index, as PostgreSQL
plans them with sequential scans off (tests/harness/plans.py): the list routes with
their filters and cursors, the contact view's reads by home and by tenancy, the
complaint deadline sweep, the message sender and the consumers' look-ups. PostgreSQL
only (its planner)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from engagement.complaints import repository as complaints
from engagement.contacts import repository as contacts
from engagement.messages import repository as messages
from engagement.models import ComplaintStatus, Resident
from engagement.residents import repository as residents
from engagement.residents.rules import Stock
from engagement.surveys import repository as surveys
from engagement.vulnerabilities import repository as vulnerabilities
from engagement.you_said_we_did import repository as you_said_we_did
from hearth_contracts.events.engagement import ComplaintStage, ContactChannel, SurveyKind
from hearth_kit.db import Database
from tests.harness.plans import Action, assert_served_by_indexes, case, postgresql_plans

GROWING = {
    "resident",
    "tenancy",
    "tenancy_tenant",
    "tenancy_end",
    "vulnerability",
    "vulnerability_read",
    "contact",
    "complaint",
    "complaint_stage",
    "service_request",
    "message",
    "survey_invitation",
    "survey_response",
    "home_tenure",
}
NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
TODAY = date(2026, 12, 1)
UPRN = "100023336956"
AN_ID = uuid.UUID(int=7)
AFTER = (NOW, AN_ID)
A_MOVER = Resident(
    id=AN_ID,
    uprn=UPRN,
    tenancy_started_on=TODAY + timedelta(days=90),
    full_name="Sam",
    preferred_channel=ContactChannel.LETTER,
    language="en",
    registered_at=NOW,
)
"""A resident placed on a tenancy that starts in three months (a move announced ahead)."""


def in_a_period(read: Callable[..., Awaitable[Any]], stage: ComplaintStage, stock: Stock) -> Action:
    """A figures read of one stage's complaints over a year from NOW, in one stock."""

    async def action(session: AsyncSession, _reader: Any) -> None:
        await read(session, stage, NOW, NOW + timedelta(days=365), stock=stock)

    return action


CASES = [
    # GET /v1/complaints: by received date, a resident's, a home's, open ones.
    case(
        "complaints",
        lambda s, _r: complaints.page(
            s, after=AFTER, limit=51, resident_id=None, uprn=None, status=None
        ),
        seek="complaint",
    ),
    case(
        "a home's open complaints",
        lambda s, _r: complaints.page(
            s, after=None, limit=51, resident_id=None, uprn=UPRN, status=ComplaintStatus.OPEN
        ),
    ),
    case(
        "a resident's complaints",
        lambda s, _r: complaints.page(
            s, after=AFTER, limit=51, resident_id=AN_ID, uprn=None, status=None
        ),
        seek="complaint",
    ),
    case("a complaint's stages", lambda s, _r: complaints.stages_of(s, [AN_ID])),
    # The complaint deadline sweep (scheduled).
    case("complaints unacknowledged", lambda s, _r: complaints.unacknowledged_past(s, TODAY, 100)),
    case("complaints unanswered", lambda s, _r: complaints.unanswered_past(s, TODAY, 100)),
    # The figures: CH01's and CH02's stages of a period, in each stock (the period's
    # stages only, never every complaint ever made).
    *(
        case(
            f"{stage.value} complaints {what} in a period ({stock.value})",
            in_a_period(read, stage, stock),
            index,
        )
        for what, read, index in (
            ("received", complaints.received_between, "ix_complaint_stage_stage_requested_at"),
            ("answered", complaints.answered_between, "ix_complaint_stage_stage_responded_at"),
        )
        for stage in ComplaintStage
        for stock in Stock
    ),
    case(
        "a period's perception survey responses",
        lambda s, _r: surveys.responses(s, SurveyKind.PERCEPTION, NOW, NOW + timedelta(days=365)),
        "ix_survey_response_survey_responded_at",
    ),
    # Service requests and contacts: a home's, a resident's.
    case(
        "a home's service requests",
        lambda s, _r: complaints.service_requests_page(
            s, after=AFTER, limit=51, uprn=UPRN, resident_id=None
        ),
        "ix_service_request_uprn_received_at_id",
        seek="service_request",
    ),
    case(
        "a resident's service requests",
        lambda s, _r: complaints.service_requests_page(
            s, after=AFTER, limit=51, uprn=None, resident_id=AN_ID
        ),
        "ix_service_request_resident_id_received_at_id",
        seek="service_request",
    ),
    case(
        "a home's contacts",
        lambda s, _r: contacts.page(s, after=AFTER, limit=51, uprn=UPRN, resident_id=None),
        "ix_contact_uprn_contacted_at_id",
        seek="contact",
    ),
    case(
        "a resident's contacts",
        lambda s, _r: contacts.page(s, after=AFTER, limit=51, uprn=None, resident_id=AN_ID),
        "ix_contact_resident_id_contacted_at_id",
        seek="contact",
    ),
    case(
        "a new tenancy's tenants' contacts at its home from its first day",
        lambda s, _r: contacts.of_tenants_since(s, AN_ID, UPRN, AFTER[0]),
        "ix_contact_uprn_contacted_at_id",
    ),
    # Residents: the list by home and by tenancy (the contact view, tenancy overview).
    case(
        "a home's residents",
        lambda _s, r: residents.page_rows(r, after=AFTER, limit=51, uprn=UPRN, tenancy_id=None),
        seek="resident",
    ),
    case(
        "a tenancy's residents",
        lambda _s, r: residents.page_rows(r, after=None, limit=51, uprn=None, tenancy_id=AN_ID),
    ),
    case(
        "residents with a person id to follow up",
        lambda _s, r: residents.page_rows(
            r, after=AFTER, limit=51, uprn=None, tenancy_id=None, person_id_to_follow_up=True
        ),
        "ix_resident_person_id_to_follow_up",
        seek="resident",
    ),
    case(
        "residents with a person id to follow up, first page",
        lambda _s, r: residents.page_rows(
            r, after=None, limit=51, uprn=None, tenancy_id=None, person_id_to_follow_up=True
        ),
        "ix_resident_person_id_to_follow_up",
    ),
    case("the residents of a home", lambda s, _r: residents.on_home(s, UPRN, TODAY)),
    case("the residents of a tenancy", lambda s, _r: residents.on_tenancy(s, AN_ID)),
    case(
        "the home a resident moving lives in",
        lambda s, _r: residents.home_lived_in(s, A_MOVER, TODAY),
    ),
    case("a tenant of a home", lambda s, _r: residents.was_tenant_of(s, AN_ID, UPRN)),
    case(
        "whether a resident lived in a home that day",
        lambda s, _r: residents.lived_in(s, AN_ID, UPRN, TODAY),
    ),
    case("a tenancy's end", lambda s, _r: residents.tenancy_end(s, AN_ID)),
    # The figures: CH01's homes by their tenure as at the period's end, the tenure
    # histories of the perception survey's respondents' homes (docs/adr/0085).
    case(
        "homes let as at a period's end",
        lambda s, _r: residents.homes_count(s, registered_before=NOW),
        "home_tenure_pkey",
    ),
    case(
        "the tenure histories of respondents' homes",
        lambda s, _r: residents.tenure_histories(s, [UPRN, "100023336957"]),
        "home_tenure_pkey",
    ),
    # Messages: the sender's round, a resident's messages, one for its source.
    case("messages due", lambda s, _r: messages.due(s, NOW, 100)),
    case(
        "a resident's messages",
        lambda s, _r: messages.page(s, resident_id=AN_ID, after=AFTER, limit=51),
        seek="message",
    ),
    case(
        "untranslated messages",
        lambda s, _r: messages.untranslated_page(s, after=AFTER, limit=51),
        "ix_message_untranslated_created_at",
        seek="message",
    ),
    case(
        "untranslated messages, first page",
        lambda s, _r: messages.untranslated_page(s, after=None, limit=51),
        "ix_message_untranslated_created_at",
    ),
    case(
        "a message for its source",
        lambda s, _r: messages.of_source(s, AN_ID, "repair_reported", AN_ID),
    ),
    # Surveys: the households a block survey asks, an invitation already sent.
    case(
        "households to ask",
        lambda s, _r: surveys.households_to_ask(
            s,
            block_id="B-1",
            survey=SurveyKind.REPAIR,
            about_id=AN_ID,
            after_uprn="",
            limit=100,
            day=TODAY,
        ),
    ),
    case(
        "who lived in a home on the day of the work",
        lambda s, _r: surveys.residents_on(s, UPRN, TODAY),
    ),
    case(
        "whether a perception respondent lived in the home that day",
        lambda s, _r: surveys.answers_for(s, AN_ID, UPRN, NOW),
    ),
    case(
        "whether a survey's or contact's resident had not moved into a household's home",
        lambda s, _r: residents.of_no_household_there(s, AN_ID, UPRN, TODAY),
    ),
    case(
        "whether a contact's resident on no home is of another household",
        lambda s, _r: residents.not_of_the_household(s, AN_ID, UPRN, TODAY),
    ),
    case(
        "what a you said, we did item links",
        lambda s, _r: you_said_we_did.complaints_received(s, [AN_ID]),
    ),
    case(
        "the responses a you said, we did item links",
        lambda s, _r: you_said_we_did.responses_given(s, [AN_ID]),
    ),
    case(
        "when a household was invited",
        lambda s, _r: surveys.first_invited_at(
            s, survey=SurveyKind.REPAIR, about_id=AN_ID, resident_id=AN_ID, uprn=UPRN
        ),
    ),
    case(
        "the invitations about a period's pieces of work (whose household answered)",
        lambda s, _r: surveys.invited_about(s, [(SurveyKind.REPAIR, AN_ID)]),
        "ix_survey_invitation_about_id",
    ),
    # You said, we did: the published list.
    case(
        "you said, we did",
        lambda s, _r: you_said_we_did.page(s, after=(TODAY, AN_ID), limit=51),
        seek="you_said_we_did",
    ),
    # Vulnerabilities: a resident's, who read them, the reviews due.
    case("a resident's vulnerabilities", lambda s, _r: vulnerabilities.current(s, AN_ID)),
    case("who read a resident's needs", lambda s, _r: vulnerabilities.reads(s, AN_ID, 51)),
    case(
        "vulnerability reviews due",
        lambda s, _r: vulnerabilities.reviews_due(s, due_by=TODAY, after=(TODAY, AN_ID), limit=51),
        seek="vulnerability",
    ),
]


@pytest.fixture(scope="module")
async def planned(engagement_db_url: str) -> AsyncIterator[Database]:
    async with postgresql_plans(engagement_db_url) as db:
        yield db


@pytest.mark.parametrize(("action", "indexes", "seek"), CASES)
async def test_an_index_serves_the_statement(
    planned: Database, action: Action, indexes: tuple[str, ...], seek: str | None
) -> None:
    await assert_served_by_indexes(planned, action, indexes, seek, GROWING)

"""Use cases for "you said, we did": published changes linked to the complaints and
feedback behind them. Never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.models import YouSaidWeDid
from engagement.you_said_we_did import repository
from engagement.you_said_we_did.schemas import YouSaidWeDidCreate, YouSaidWeDidPublic
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import NotFound, Unprocessable
from hearth_kit.working_days import london_day


def refuse_published_ahead(published_on: date, today: date) -> None:
    """An item is published on a day that has come (London's): dated ahead, it would
    head the list, latest first, as published before it was, and stay there over every
    item published until then. No figure counts from the date (no TSM or scrutiny
    figure reads these items), but residents read it as when the landlord acted."""
    if published_on > today:
        raise Unprocessable("published_on is in the future", field="published_on")


def refuse_published_before_what_led_to_it(
    published_on: date, linked: list[tuple[str, uuid.UUID, datetime]]
) -> None:
    """A change is published after the complaints and feedback that led to it (DOMAIN:
    changes linked to the feedback and complaints that led to them), on or after the
    London day the latest of them was received or given (docs/adr/0135). One dated
    before is either not what led to it (a wrong id linked) or mistyped: the list,
    latest first, and a scrutiny panel following an item back to what residents said
    would read a change made before anyone asked for it. A 422 naming published_on,
    which names the link by kind and id only (never what it says). `linked`: (what it
    is, its id, when it was received or given)."""
    for what, _, at in sorted(linked, key=lambda link: (link[2], str(link[1]))):
        if published_on < london_day(at):
            raise Unprocessable(
                f"published_on {published_on.isoformat()} is before the day {what} "
                f"({london_day(at).isoformat()}): a change is published after what led to it",
                field="published_on",
            )


def to_public(item: YouSaidWeDid) -> YouSaidWeDidPublic:
    return YouSaidWeDidPublic(
        id=item.id,
        you_said=item.you_said,
        we_did=item.we_did,
        published_on=item.published_on,
        complaint_ids=[uuid.UUID(i) for i in item.complaint_ids],
        survey_response_ids=[uuid.UUID(i) for i in item.survey_response_ids],
        created_at=item.created_at,
    )


class YouSaidWeDidService:
    async def publish(self, session: AsyncSession, data: YouSaidWeDidCreate) -> YouSaidWeDidPublic:
        """Publish an item; it links at least one complaint or survey response (DOMAIN:
        changes linked to the feedback and complaints that led to them, so an item linked
        to neither would claim residents said what none is recorded saying), and every
        one linked must exist. Published on a day that has come (London's), and not
        before what it links was received or given."""
        refuse_published_ahead(data.published_on, london_day(datetime.now(UTC)))
        complaints = list(dict.fromkeys(data.complaint_ids))
        responses = list(dict.fromkeys(data.survey_response_ids))
        if not complaints and not responses:
            raise Unprocessable(
                "Link the complaints or survey responses that led to the change "
                "(complaint_ids or survey_response_ids)",
                field="complaint_ids",
            )
        received = await repository.complaints_received(session, complaints)
        missing = set(complaints) - set(received)
        if missing:
            raise Unprocessable(
                f"No complaint {sorted(map(str, missing))[0]}", field="complaint_ids"
            )
        given = await repository.responses_given(session, responses)
        missing = set(responses) - set(given)
        if missing:
            raise Unprocessable(
                f"No survey response {sorted(map(str, missing))[0]}", field="survey_response_ids"
            )
        refuse_published_before_what_led_to_it(
            data.published_on,
            [(f"complaint {i} was received", i, at) for i, at in received.items()]
            + [(f"survey response {i} was given", i, at) for i, at in given.items()],
        )
        item = YouSaidWeDid(
            id=uuid.uuid4(),
            you_said=data.you_said,
            we_did=data.we_did,
            published_on=data.published_on,
            complaint_ids=[str(i) for i in complaints],
            survey_response_ids=[str(i) for i in responses],
            created_at=datetime.now(UTC),
        )
        repository.add(session, item)
        await session.flush()
        return to_public(item)

    async def get(self, session: AsyncSession, item_id: uuid.UUID) -> YouSaidWeDidPublic:
        """One published change with the complaints and responses behind it: what
        `POST /v1/you-said-we-did` answered and its Location names, read with the list's
        scope (surveys:read, docs/adr/0177). A 404 for an id never published."""
        item = await repository.get(session, item_id)
        if item is None:
            raise NotFound(f"No published change {item_id}")
        return to_public(item)

    async def page(self, session: AsyncSession, page: PageParams) -> Page[YouSaidWeDidPublic]:
        """Published changes, latest first."""
        items = await repository.page(
            session, after=page.after_as(date, uuid.UUID), limit=page.fetch
        )
        return Page.from_rows(
            [to_public(i) for i in items],
            page.limit,
            cursor_of=lambda item: (item.published_on, item.id),
        )


you_said_we_did_service = YouSaidWeDidService()

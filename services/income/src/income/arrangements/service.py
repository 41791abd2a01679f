"""Use cases for arrangements: make one on income and expenditure, and check a live
one's instalments (the ladder job does, before the ladder's own rules). Never commits.

Making one takes the tenancy's rows in income's one order: the tenancy, then its rent
account, then its arrears case (as a tenancy's end and a rent change do), so it waits
for an end of the same tenancy instead of deadlocking with it. On SQLite the write
session's BEGIN IMMEDIATE holds the whole database instead (docs/adr/0027)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.income import (
    ArrangementBroken,
    ArrangementMade,
    InstalmentFrequency,
)
from hearth_kit.db import ReadConnection
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from hearth_kit.working_days import london_day
from income.accounts import repository as accounts
from income.accounts import rules as account_rules
from income.arrangements import repository, rules
from income.arrangements.schemas import (
    CHANGING_ONLY,
    ArrangementCreate,
    ArrangementPublic,
    ArrangementReviewCreate,
    ArrangementReviewPublic,
    ReviewDuePublic,
)
from income.arrears import repository as cases
from income.arrears import rules as arrears_rules
from income.models import (
    AccountKind,
    Arrangement,
    ArrangementReview,
    ArrangementStatus,
    ReviewOutcome,
    Tenancy,
    TenancyStatus,
)
from income.settings import IncomeSettings
from income.tenancies import repository as tenancies
from income.tenancies.rules import add_months


class ArrangementService:
    def __init__(self, settings: IncomeSettings) -> None:
        self.settings = settings

    def _refuse_first_instalment(self, first: date, today: date) -> None:
        """A first instalment today (London) or later, within the configured days."""
        if first < today:
            raise Unprocessable(
                "The first instalment cannot be in the past", field="first_instalment_on"
            )
        within = self.settings.arrangement_first_instalment_within_days
        if first > today + timedelta(days=within):
            raise Unprocessable(
                f"The first instalment must fall due within {within} days of today",
                field="first_instalment_on",
            )

    def _refuse_unaffordable(
        self,
        today: date,
        first: date,
        arrears_pence: int,
        instalment_pence: int,
        frequency: InstalmentFrequency,
        disposable_pence: int,
    ) -> None:
        """An instalment no more than the week's income less expenditure, clearing the
        arrears within the longest arrangement counted from today (putting the first
        instalment off cannot stretch recovery): making an arrangement and changing its
        instalment at a review check the same."""
        if rules.weekly_equivalent(instalment_pence, frequency) > disposable_pence:
            raise Unprocessable(
                f"The instalment is more than the {max(disposable_pence, 0)} pence a week left "
                "on the income and expenditure statement",
                field="instalment_pence",
            )
        weeks = rules.weeks_to_clear_from(today, first, arrears_pence, instalment_pence, frequency)
        if weeks > self.settings.arrangement_max_weeks:
            raise Unprocessable(
                f"The arrangement would take {weeks} weeks from today; the longest allowed is "
                f"{self.settings.arrangement_max_weeks}",
                field="instalment_pence",
            )

    async def make(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        data: ArrangementCreate,
        now: datetime,
    ) -> ArrangementPublic:
        """Agree an arrangement to pay the arrears (publishes arrangement-made). The
        instalment must be affordable on the income and expenditure statement and clear
        the arrears within the configured longest arrangement."""
        today = london_day(now)
        self._refuse_first_instalment(data.first_instalment_on, today)
        # Income's one lock order for a tenancy's rows: the tenancy, then its account,
        # then the account's arrears case (the order a tenancy's end and a rent change
        # take them). The account names its tenancy for good, so it is read unlocked to
        # find it. Taking the account first deadlocked with an end: the end held the
        # tenancy and waited for the account, while the arrangement's insert (a row
        # referring to the tenancy) waited for the tenancy.
        found = await accounts.get_account(session, account_id)
        if found is None:
            raise NotFound(f"No account {account_id}")
        tenancy = (
            None
            if found.tenancy_id is None
            else await tenancies.get_for_update(session, found.tenancy_id)
        )
        account = await accounts.get_account(session, account_id, for_update=True)
        if account is None:
            raise NotFound(f"No account {account_id}")
        if (
            tenancy is None
            or tenancy.status is not TenancyStatus.CURRENT
            or account.kind is not AccountKind.RENT
        ):
            # The ladder checks the arrangement of its case's account, the rent account:
            # one on a sundry account (recharges) would never be checked, broken or
            # completed, while the summary showed it as live.
            raise Conflict(f"Account {account_id} is not a current tenancy's rent account")
        if await repository.active_of(session, account.id) is not None:
            raise Conflict(f"Account {account_id} already has a live arrangement")
        balance = await accounts.balance(session, account.id, through=today)
        week = await accounts.week_charges(
            session, account.id, account_rules.rent_week_of(today), through=today
        )
        arrears = account_rules.arrears_of(balance, week)
        if arrears <= 0:
            raise Conflict(f"Account {account_id} has no arrears to arrange")
        statement = data.income_and_expenditure
        self._refuse_unaffordable(
            today,
            data.first_instalment_on,
            arrears,
            data.instalment_pence,
            data.frequency,
            statement.weekly_income_pence - statement.weekly_expenditure_pence,
        )
        arrangement = Arrangement(
            id=uuid.uuid4(),
            account_id=account.id,
            tenancy_id=tenancy.id,
            status=ArrangementStatus.ACTIVE,
            weekly_income_pence=statement.weekly_income_pence,
            weekly_expenditure_pence=statement.weekly_expenditure_pence,
            instalment_pence=data.instalment_pence,
            frequency=data.frequency,
            first_instalment_on=data.first_instalment_on,
            arrears_pence=arrears,
            review_on=add_months(
                today, data.review_in_months or self.settings.arrangement_review_months
            ),
            made_at=now,
            balance_at_start_pence=balance,
        )
        await repository.add(session, arrangement)
        case = await cases.get(session, account.id, for_update=True)
        if case is not None:
            # Agreeing an arrangement on income and expenditure is the protocol's
            # contact and affordable offer, and a contact made now: it closes an open
            # personal-contact task (the ladder only says "arrangement kept" while it
            # is kept). A change of the protocol steps or the task: a new ETag.
            # A contact or offer recorded for arrears since cleared is not one for these
            # (ADR 0133): this arrangement is, and stands in its place.
            needed_at = arrears_rules.contact_task_after(case.personal_contact_needed_at, now)
            cleared = case.clear_of_arrears_at
            contacted = arrears_rules.step_counts(case.tenant_contacted_at, cleared)
            offered = arrears_rules.step_counts(case.arrangement_offered_at, cleared)
            if not contacted or not offered or needed_at != case.personal_contact_needed_at:
                case.version += 1
            if not contacted:
                case.tenant_contacted_at = now
            if not offered:
                case.arrangement_offered_at = now
            case.personal_contact_needed_at = needed_at
            case.resume_at_next_step = False
        await publish(
            session,
            ArrangementMade(
                arrangement_id=arrangement.id,
                tenancy_id=tenancy.id,
                uprn=tenancy.uprn,
                instalment_pence=arrangement.instalment_pence,
                frequency=arrangement.frequency,
                first_instalment_on=arrangement.first_instalment_on,
                arrears_pence=arrears,
                review_on=arrangement.review_on,
                made_at=now,
            ),
        )
        return ArrangementPublic.model_validate(arrangement)

    async def check(
        self, session: AsyncSession, arrangement: Arrangement, tenancy: Tenancy, now: datetime
    ) -> bool:
        """Whether a live arrangement is still kept at `now`. A missed instalment breaks
        it (publishes arrangement-broken); arrears cleared completes it: arrears as
        everywhere, the week under way left out, so a tenant who has paid off what the
        arrangement covers and has this week's rent still to pay has nothing left to
        arrange (before, only a balance of 0 completed it, and an arrangement paid off
        went on holding the ladder while new arrears ran up within its instalments)."""
        today = london_day(now)
        balance = await accounts.balance(session, arrangement.account_id, through=today)
        # What the arrangement asks for beyond keeping up with the rent: the arrears it
        # covers, by instalments. Arrears as everywhere: the week under way is not in
        # them (a tenant may pay it on any day of the week), past weeks' rent is.
        week = await accounts.week_charges(
            session, arrangement.account_id, account_rules.rent_week_of(today), through=today
        )
        arrears = account_rules.arrears_of(balance, week)
        if arrears <= 0:
            arrangement.status = ArrangementStatus.COMPLETED
            arrangement.ended_at = now
            return False
        towards_arrears = rules.paid_towards_arrears(arrangement.arrears_pence, arrears)
        missed = rules.missed_instalment(
            arrangement.first_instalment_on,
            arrangement.frequency,
            arrangement.instalment_pence,
            arrangement.arrears_pence,
            towards_arrears,
            today,
            self.settings.arrangement_grace_days,
        )
        if missed is None:
            return True
        arrangement.status = ArrangementStatus.BROKEN
        arrangement.ended_at = now
        arrangement.missed_instalment_on = missed
        await publish(
            session,
            ArrangementBroken(
                arrangement_id=arrangement.id,
                tenancy_id=tenancy.id,
                uprn=tenancy.uprn,
                missed_instalment_on=missed,
                # arrears as everywhere (arrears-stage-changed's): the week under way not in them
                arrears_pence=arrears,
                broken_at=now,
            ),
        )
        return False

    async def reviews_due(
        self, connection: ReadConnection, page: PageParams, *, due_by: date | None, now: datetime
    ) -> Page[ReviewDuePublic]:
        """Live arrangements whose review has come by `due_by` (default London's
        today), oldest due first, a page at a time: the income officer's list of
        reviews to hold. Ids and figures only, no names."""
        today = london_day(now)
        after = page.after_as(str, uuid.UUID)
        try:
            after_key = None if after is None else (date.fromisoformat(after[0]), after[1])
        except ValueError as exc:
            raise Unprocessable(
                "The cursor is not one this API issued", field="cursor", location="query"
            ) from exc
        rows = await repository.reviews_due_rows(
            connection,
            due_by=today if due_by is None else due_by,
            today=today,
            week=account_rules.rent_week_of(today),
            after=after_key,
            limit=page.fetch,
        )
        due = [
            ReviewDuePublic(
                arrangement_id=row.id,
                account_id=row.account_id,
                tenancy_id=row.tenancy_id,
                uprn=row.uprn,
                review_on=row.review_on,
                instalment_pence=row.instalment_pence,
                frequency=row.frequency,
                arrears_pence=account_rules.arrears_of(
                    int(row.balance_pence), int(row.week_charges_pence)
                ),
            )
            for row in rows
        ]
        return Page.from_rows(
            due,
            page.limit,
            cursor_of=lambda item: (item.review_on.isoformat(), item.arrangement_id),
        )

    async def review(
        self,
        session: AsyncSession,
        arrangement_id: uuid.UUID,
        data: ArrangementReviewCreate,
        recorded_by: str,
        now: datetime,
    ) -> ArrangementReviewPublic:
        """Record a review of a live arrangement (a row of its own, for audit): it goes
        on, its instalment changes (checked as making one is, on the arrears now, from
        a new first instalment), or it ends. The next review is 3 to 6 months from the
        review's London day. No event: nothing consumes arrangement events yet.

        Rows are taken in income's one order: the tenancy, its account, its arrears
        case, then the arrangement (the ladder holds the case while it checks the
        arrangement, so a review and a check never cross; two reviews at once queue at
        the tenancy, and the second sees what the first did)."""
        self._refuse_fields_not_of_the_outcome(data)
        today = london_day(now)
        if data.reviewed_at > now:
            raise Unprocessable("A review cannot be in the future", field="reviewed_at")
        found = await repository.get(session, arrangement_id)
        if found is None:
            raise NotFound(f"No arrangement {arrangement_id}")
        tenancy = await tenancies.get_for_update(session, found.tenancy_id)
        account = await accounts.get_account(session, found.account_id, for_update=True)
        case = await cases.get(session, found.account_id, for_update=True)
        arrangement = await repository.get_for_update(session, arrangement_id)
        if tenancy is None or account is None or arrangement is None:
            raise NotFound(f"No arrangement {arrangement_id}")
        if arrangement.status is not ArrangementStatus.ACTIVE:
            raise Conflict(f"Arrangement {arrangement_id} is not live ({arrangement.status.value})")
        if account.kind is not AccountKind.RENT and data.outcome is not ReviewOutcome.END:
            # One made on a sundry account before make() refused it there: the ladder
            # never checks it (no instalment breaks it, paying off does not complete
            # it), so a review keeps it live only as make() would make it: never. Ended.
            raise Conflict(
                f"Arrangement {arrangement_id} is on a sundry account, which the arrears "
                "ladder does not watch: it can only be ended",
                field="outcome",
            )
        if data.reviewed_at < arrangement.made_at:
            raise Unprocessable(
                "A review cannot be before the arrangement was made", field="reviewed_at"
            )
        last = await repository.latest_review_of(session, arrangement.id)
        if last is not None and data.reviewed_at < last.reviewed_at:
            raise Unprocessable(
                "A review cannot be before the arrangement's last review recorded",
                field="reviewed_at",
            )
        balance = await accounts.balance(session, account.id, through=today)
        week = await accounts.week_charges(
            session, account.id, account_rules.rent_week_of(today), through=today
        )
        arrears = account_rules.arrears_of(balance, week)
        review = ArrangementReview(
            id=uuid.uuid4(),
            arrangement_id=arrangement.id,
            reviewed_at=data.reviewed_at,
            outcome=data.outcome,
            arrears_pence=arrears,
            instalment_pence_before=arrangement.instalment_pence,
            review_on_before=arrangement.review_on,
            recorded_at=now,
            recorded_by=recorded_by,
        )
        if data.outcome is ReviewOutcome.END:
            arrangement.status = ArrangementStatus.ENDED
            arrangement.ended_at = now
            if case is not None:
                # Recovery goes on by the ladder from where the case stands (not a
                # breach: no jump to the next step), looked at on its next run.
                case.next_check_at = min(case.next_check_at, now)
        else:
            if data.outcome is ReviewOutcome.CHANGE_INSTALMENT:
                self._change_instalment(arrangement, review, data, today, arrears)
            months = data.review_in_months or self.settings.arrangement_review_months
            arrangement.review_on = add_months(london_day(data.reviewed_at), months)
            review.next_review_on = arrangement.review_on
        await repository.add_review(session, review)
        return ArrangementReviewPublic(
            id=review.id,
            arrangement_id=review.arrangement_id,
            reviewed_at=review.reviewed_at,
            outcome=review.outcome,
            arrears_pence=review.arrears_pence,
            instalment_pence_before=review.instalment_pence_before,
            instalment_pence=review.instalment_pence,
            first_instalment_on=review.first_instalment_on,
            review_on_before=review.review_on_before,
            next_review_on=review.next_review_on,
            recorded_at=review.recorded_at,
            arrangement=ArrangementPublic.model_validate(arrangement),
        )

    @staticmethod
    def _refuse_fields_not_of_the_outcome(data: ArrangementReviewCreate) -> None:
        """A change of instalment names the new amount and its first instalment; the
        other outcomes name neither (nor a new statement), and an end no next review
        (the schema states it too: schemas._fields_follow_the_outcome)."""
        changing = data.outcome is ReviewOutcome.CHANGE_INSTALMENT
        for name in ("instalment_pence", "first_instalment_on"):
            if changing and getattr(data, name) is None:
                raise Unprocessable(f"A change of instalment needs {name}", field=name)
        for name in CHANGING_ONLY:
            if not changing and getattr(data, name) is not None:
                raise Unprocessable(f"{name} is for a change of instalment only", field=name)
        if data.outcome is ReviewOutcome.END and data.review_in_months is not None:
            raise Unprocessable(
                "An arrangement ended at a review has no next review", field="review_in_months"
            )

    def _change_instalment(
        self,
        arrangement: Arrangement,
        review: ArrangementReview,
        data: ArrangementReviewCreate,
        today: date,
        arrears: int,
    ) -> None:
        """The new instalment, checked as making an arrangement checks it, re-bases the
        arrangement on the arrears now from its new first instalment: instalments are
        then counted afresh (what was paid before the review is in the arrears now), so
        a raised instalment does not make earlier ones short, nor a lowered one excuse
        them. What it was before stays on the review row."""
        # _refuse_fields_not_of_the_outcome has required both
        assert data.instalment_pence is not None
        assert data.first_instalment_on is not None
        if arrears <= 0:
            raise Conflict(
                f"Arrangement {arrangement.id} has no arrears left to pay by instalments"
            )
        self._refuse_first_instalment(data.first_instalment_on, today)
        statement = data.income_and_expenditure
        income = (
            arrangement.weekly_income_pence if statement is None else statement.weekly_income_pence
        )
        expenditure = (
            arrangement.weekly_expenditure_pence
            if statement is None
            else statement.weekly_expenditure_pence
        )
        self._refuse_unaffordable(
            today,
            data.first_instalment_on,
            arrears,
            data.instalment_pence,
            arrangement.frequency,
            income - expenditure,
        )
        arrangement.instalment_pence = data.instalment_pence
        arrangement.first_instalment_on = data.first_instalment_on
        arrangement.arrears_pence = arrears
        arrangement.weekly_income_pence = income
        arrangement.weekly_expenditure_pence = expenditure
        arrangement.missed_instalment_on = None
        review.instalment_pence = data.instalment_pence
        review.first_instalment_on = data.first_instalment_on
        if statement is not None:
            review.weekly_income_pence = income
            review.weekly_expenditure_pence = expenditure

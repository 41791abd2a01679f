"""Pure rules of the rent account: balances from entries, rent weeks, arrears. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta


def balance_of(amounts: Iterable[int]) -> int:
    """An account's balance is the sum of its posted entries (positive: owed)."""
    return sum(amounts)


def rent_week_of(day: date) -> date:
    """The Monday the rent week holding `day` starts (rent is charged weekly in
    advance, the rent week starting on Monday)."""
    return day - timedelta(days=day.weekday())


def rent_year_start(year: int) -> date:
    """A rent year starts on the first Monday on or after 1 April of `year`."""
    first = date(year, 4, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def rent_weeks_in_year(year: int) -> int:
    """How many rent weeks (Mondays) the rent year starting in April `year` holds: 52,
    or 53 in the years a 53rd Monday falls before the next year's first one."""
    return (rent_year_start(year + 1) - rent_year_start(year)).days // 7


def rent_year_of(day: date) -> int:
    """The April year whose rent year holds `day`."""
    return day.year if day >= rent_year_start(day.year) else day.year - 1


def chargeable_weeks(year: int, rent_free_weeks: Iterable[date]) -> int:
    """Rent weeks in the rent year less the landlord's rent-free weeks in it."""
    start, end = rent_year_start(year), rent_year_start(year + 1)
    free = {week for week in rent_free_weeks if start <= week < end}
    return rent_weeks_in_year(year) - len(free)


def arrears_of(balance_pence: int, current_week_charges_pence: int) -> int:
    """Arrears: what is owed beyond the current rent week's charges. Rent is charged in
    advance on Monday and a tenant may pay on any day of the week, so the week being
    charged is due, not yet in arrears."""
    return max(0, balance_pence - max(0, current_week_charges_pence))


def weeks_in_arrears(arrears_pence: int, weekly_charge_pence: int) -> float:
    """Arrears as weeks of gross rent (rent plus service charge), to one decimal place,
    rounded down: 3.99 weeks is 3.9."""
    if weekly_charge_pence <= 0:
        return 0.0
    return (arrears_pence * 10 // weekly_charge_pence) / 10


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One entry of a statement, with the running balance after it."""

    effective_on: date
    kind: str
    description: str
    debit_pence: int
    credit_pence: int
    balance_pence: int


def statement_lines(
    opening_balance_pence: int, entries: Sequence[tuple[date, str, str, int]]
) -> list[StatementLine]:
    """Entries (day, kind, description, amount) in order, each with the running balance."""
    balance = opening_balance_pence
    lines = []
    for effective_on, kind, description, amount in entries:
        balance += amount
        lines.append(
            StatementLine(
                effective_on=effective_on,
                kind=kind,
                description=description,
                debit_pence=max(amount, 0),
                credit_pence=max(-amount, 0),
                balance_pence=balance,
            )
        )
    return lines


def week_charge(weekly_pence: int, started_on: date, week: date) -> int:
    """What a rent week (starting Monday `week`) charges a tenancy: the whole week, or
    for the week it starts in, the days from its start (pro rata, rounded down to the
    penny); nothing for a week before it starts."""
    days = 7 - max(0, (started_on - week).days)
    if days <= 0:
        return 0
    return weekly_pence * min(days, 7) // 7


def weeks_charged_back(
    started_on: date,
    today: date,
    window_weeks: int,
    rent_free_weeks: Iterable[date],
    brought_forward_as_at: date | None = None,
) -> list[date]:
    """The rent weeks (Mondays) a tenancy recorded `today` is charged when it is
    recorded (ADR 0112): when its start is in the past and at most `window_weeks`
    weeks back (`today` less 7 days a week, that day included), every rent week from
    the one it starts in up to and including the current one, less the landlord's
    rent-free weeks; none when it starts today or ahead (the rent run charges it from
    its week), when its start is further back (a go-live load) or when the window is 0.

    A tenancy loaded with a balance brought forward (`brought_forward_as_at`, the last
    day of a rent week: ADR 0132) owes its old system every week up to that day, in
    that balance: it is charged from the week after (or the week it starts in, when
    later) on the same terms, so a load is never charged on top of the balance it
    brings, whatever the window."""
    first = started_on
    if brought_forward_as_at is not None:
        first = max(started_on, brought_forward_as_at + timedelta(days=1))
    if window_weeks <= 0 or not today - timedelta(weeks=window_weeks) <= first < today:
        return []
    free = set(rent_free_weeks)
    week, current = rent_week_of(first), rent_week_of(today)
    weeks = []
    while week <= current:
        if week not in free:
            weeks.append(week)
        week += timedelta(weeks=1)
    return weeks


def recharges_outstanding(recharges_pence: Sequence[int], credits_pence: int) -> list[int]:
    """What is still owed on each recharge of a sundry account, oldest first: the
    account's credits (payments and write-offs, less any reversed) pay the oldest
    recharge first."""
    left = max(credits_pence, 0)
    owed = []
    for amount in recharges_pence:
        charged = max(amount, 0)
        paid = min(charged, left)
        left -= paid
        owed.append(charged - paid)
    return owed


def recharges_written_off(
    recharges_pence: Sequence[int], credits_pence: int, written_off_pence: int
) -> list[int]:
    """How much of each recharge of a sundry account (oldest first) the account's
    write-offs cover: its credits pooled as recharges_outstanding pays them, the paid
    credit (payments, and anything else that is not a write-off) first and the
    written-off credit after it. A write-off takes off what money left owing, so money
    is counted as paying what it can; income keeps no tie from a credit to a recharge,
    and the order in which a write-off's credit was freed and taken again by another
    recharge (a recharge cancelled) does not change what kind of credit it is
    (docs/adr/0183)."""
    credits = max(credits_pence, 0)
    written_off = min(max(written_off_pence, 0), credits)
    paid = recharges_outstanding(recharges_pence, credits - written_off)
    covered = recharges_outstanding(recharges_pence, credits)
    return [owed_by_money - owed for owed_by_money, owed in zip(paid, covered, strict=True)]


@dataclass(frozen=True, slots=True)
class RechargePayment:
    """The part of one payment that went to one recharge."""

    index: int
    """The recharge's place among the account's recharges, oldest first."""
    paid_pence: int
    outstanding_pence: int
    """What is still owed on the recharge after the payment."""


def recharge_payments(
    recharges_pence: Sequence[int], credits_before_pence: int, payment_pence: int
) -> list[RechargePayment]:
    """The recharges a payment paid (oldest first), each with the part it paid and
    what is left; a payment beyond every recharge pays nothing more (a credit)."""
    before = recharges_outstanding(recharges_pence, credits_before_pence)
    after = recharges_outstanding(recharges_pence, credits_before_pence + payment_pence)
    return [
        RechargePayment(index=index, paid_pence=owed - left, outstanding_pence=left)
        for index, (owed, left) in enumerate(zip(before, after, strict=True))
        if owed > left
    ]


@dataclass(frozen=True, slots=True)
class RechargeChange:
    """What a correction changed on one recharge: what is owed on it now."""

    index: int
    """The recharge's place among the account's recharges, oldest first."""
    changed_pence: int
    """How much what is owed on it changed (always positive)."""
    outstanding_pence: int


def recharge_changes(
    outstanding_before: Sequence[int], outstanding_after: Sequence[int], *, skip: int | None = None
) -> list[RechargeChange]:
    """The recharges whose outstanding amount a correction changed, oldest first (the
    recharge at `skip`, a recharge itself reversed, left out: cancelled is not paid)."""
    return [
        RechargeChange(index=index, changed_pence=abs(after - before), outstanding_pence=after)
        for index, (before, after) in enumerate(
            zip(outstanding_before, outstanding_after, strict=True)
        )
        if before != after and index != skip
    ]


@dataclass(frozen=True, slots=True)
class CoverChanged:
    """A recharge owing nothing before and after a posting, whose covering credit
    changed kind: money now pays all of it, or a write-off's credit now covers some."""

    index: int
    """The recharge's place among the account's recharges, oldest first."""
    moved_pence: int
    """How much of it changed kind of credit (always positive)."""
    by_write_off: bool
    """A write-off's credit covers some of it now (else money pays all of it)."""


def cover_changes(
    before: Sequence[tuple[int, int]], after: Sequence[tuple[int, int]], *, skip: int | None = None
) -> list[CoverChanged]:
    """The recharges (oldest first; each `(outstanding, covered by write-offs)` as
    recharges_outstanding and recharges_written_off say, before and after a posting)
    that owe nothing before and after it and whose cover changed kind: paid in full by
    money before and covered partly by a write-off after, or the other way (the
    recharge at `skip`, a recharge itself reversed, left out). Payments pay first and
    write-offs cover what they leave, so a payment or a payment reversed, a recharge
    cancelled or invoiced, slides a write-off's cover between recharges without
    changing what each owes: repairs holds such a recharge collected or written off by
    the kind its last event said, and only an event telling the change puts it right
    (docs/adr/0183, amended)."""
    return [
        CoverChanged(index=index, moved_pence=abs(now - was), by_write_off=now > 0)
        for index, ((left_before, was), (left_after, now)) in enumerate(
            zip(before, after, strict=True)
        )
        if index != skip and left_before == 0 and left_after == 0 and (was > 0) != (now > 0)
    ]


def posting_time(now: datetime, last_posted_at: datetime | None) -> datetime:
    """When a posting to an account is posted: `now`, unless the account's last posting
    is stamped at or after it (a request that took its clock before another's but got
    the account's lock after it, or another replica's clock running ahead); then just
    after that one. Postings to one account are serialised by its lock, so each is
    stamped strictly later than the one before: recharge-paid's `posted_at` orders a
    recharge's events as income posted them."""
    if last_posted_at is None or now > last_posted_at:
        return now
    return last_posted_at + timedelta(microseconds=1)


def charge_after_end(charged_pence: int, week: date, started_on: date, ended_on: date) -> int:
    """The part of a weekly charge (rent week starting Monday `week`) for the days after
    a tenancy's last day `ended_on`, to reverse when it ends: all of it for a week that
    starts after that day, none for a week that ends by it, and for the week it ends in
    the days after it, pro rata to the days the charge covered (what stays is rounded
    down to the penny, as a part week at the start is)."""
    if charged_pence <= 0:
        return 0
    first_day = max(week, started_on)
    last_day = week + timedelta(days=6)
    if ended_on >= last_day:
        return 0
    if ended_on < first_day:
        return charged_pence
    days_charged = (last_day - first_day).days + 1
    days_kept = (ended_on - first_day).days + 1
    return charged_pence - charged_pence * days_kept // days_charged

"""The Complaint Handling Code's clocks: across Christmas and Easter, with extensions,
and as properties over any day of the year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engagement.complaints import rules
from engagement.complaints.rules import CODE_TIMESCALES, ExtensionRefused
from hearth_contracts.events.engagement import ComplaintStage
from hearth_kit.working_days import (
    ENGLAND_AND_WALES,
    london_day,
    start_of_london_day,
)

STAGE_1 = CODE_TIMESCALES[ComplaintStage.STAGE_1]
STAGE_2 = CODE_TIMESCALES[ComplaintStage.STAGE_2]


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def check_extension(**given: object) -> None:
    """rules.check_extension, acknowledged long before and recorded when agreed, unless
    the test says otherwise."""
    rules.check_extension(
        **{"acknowledged_at": LONG_AGO, "now": given["agreed_at"], "breach_raised": False, **given}
    )


def test_stage_1_received_before_christmas_is_acknowledged_after_new_year() -> None:
    # Thu 24, Tue 29, Wed 30, Thu 31 Dec, Mon 4 Jan: Christmas Day, the substitute
    # Boxing Day (Mon 28) and New Year's Day do not count.
    assert rules.acknowledge_by(at(date(2026, 12, 23)), STAGE_1, ENGLAND_AND_WALES) == date(
        2027, 1, 4
    )


def test_stage_1_answer_counts_ten_working_days_from_the_acknowledgement_across_christmas() -> None:
    # 22, 23, 24, 29, 30, 31 December, then 4, 5, 6, 7 January.
    assert rules.respond_by(at(date(2026, 12, 21)), STAGE_1, ENGLAND_AND_WALES) == date(2027, 1, 7)


def test_the_codes_dates_fall_on_days_a_landlord_may_be_closed() -> None:
    """The Code counts weekends and bank holidays only: a complaint received on Mon
    21 December 2026 is acknowledged by Wed 30 December (22, 23, 24, 29, 30), inside a
    closure between Christmas and New Year. The service is built on this calendar
    whatever HEARTH_CLOSURE_DAYS says (test_code_working_days.py, docs/adr/0041)."""
    assert rules.acknowledge_by(at(date(2026, 12, 21)), STAGE_1, ENGLAND_AND_WALES) == date(
        2026, 12, 30
    )


def test_stage_2_across_easter() -> None:
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    requested = at(date(2027, 3, 24))
    assert rules.acknowledge_by(requested, STAGE_2, ENGLAND_AND_WALES) == date(2027, 4, 2)
    assert rules.respond_by(at(date(2027, 3, 25)), STAGE_2, ENGLAND_AND_WALES) == date(2027, 4, 26)


def test_a_late_evening_in_british_summer_time_is_the_next_london_day() -> None:
    # 23:30 UTC on 31 March 2027 is 00:30 on 1 April in London.
    late = datetime(2027, 3, 31, 23, 30, tzinfo=UTC)
    assert rules.acknowledge_by(late, STAGE_1, ENGLAND_AND_WALES) == date(2027, 4, 8)


def test_a_deadline_holds_to_the_end_of_its_london_day() -> None:
    deadline = date(2027, 1, 4)
    assert not rules.has_passed(deadline, datetime(2027, 1, 4, 23, 59, tzinfo=UTC))
    assert rules.has_passed(deadline, datetime(2027, 1, 5, 0, 0, 1, tzinfo=UTC))


def test_a_deadline_is_met_by_anything_before_the_start_of_the_next_london_day() -> None:
    """23:59:59.5 on the due day is on time (it counted as late before); midnight is
    the first late moment, in summer time too (23:00 UTC)."""
    assert not rules.has_passed(date(2027, 1, 4), datetime(2027, 1, 4, 23, 59, 59, 500_000, UTC))
    assert rules.answered_in_time(datetime(2027, 1, 4, 23, 59, 59, 999_999, UTC), date(2027, 1, 4))
    assert rules.has_passed(date(2027, 1, 4), datetime(2027, 1, 5, 0, 0, tzinfo=UTC))
    assert not rules.has_passed(date(2027, 6, 4), datetime(2027, 6, 4, 22, 59, 59, 900_000, UTC))
    assert rules.has_passed(date(2027, 6, 4), datetime(2027, 6, 4, 23, 0, tzinfo=UTC))


def test_an_extension_recorded_after_the_deadline_is_refused_however_it_is_dated() -> None:
    """Backdating agreed_at to before the deadline does not let an extension in once the
    deadline is over (issue 9: never after the deadline has passed)."""
    with pytest.raises(ExtensionRefused) as refused:
        check_extension(
            current_respond_by=date(2027, 1, 8),
            code_respond_by=date(2027, 1, 8),
            new_respond_by=date(2027, 1, 15),
            agreed_at=at(date(2027, 1, 7)),
            now=at(date(2027, 1, 11)),
            timescale=STAGE_1,
            calendar=ENGLAND_AND_WALES,
        )
    assert refused.value.field == "agreed_at"


def test_an_extension_once_the_breach_was_raised_is_refused() -> None:
    with pytest.raises(ExtensionRefused) as refused:
        check_extension(
            current_respond_by=date(2027, 1, 8),
            code_respond_by=date(2027, 1, 8),
            new_respond_by=date(2027, 1, 15),
            agreed_at=at(date(2027, 1, 7)),
            breach_raised=True,
            timescale=STAGE_1,
            calendar=ENGLAND_AND_WALES,
        )
    assert refused.value.field == "agreed_at"


def test_an_extension_agreed_before_the_acknowledgement_or_in_the_future_is_refused() -> None:
    for agreed_at, now in (
        (at(date(2027, 1, 1)), at(date(2027, 1, 7))),  # before the acknowledgement
        (at(date(2027, 1, 7), 12), at(date(2027, 1, 7), 11)),  # after now
    ):
        with pytest.raises(ExtensionRefused) as refused:
            check_extension(
                current_respond_by=date(2027, 1, 8),
                code_respond_by=date(2027, 1, 8),
                new_respond_by=date(2027, 1, 15),
                agreed_at=agreed_at,
                now=now,
                acknowledged_at=at(date(2027, 1, 5)),
                timescale=STAGE_1,
                calendar=ENGLAND_AND_WALES,
            )
        assert refused.value.field == "agreed_at"


def test_an_extension_within_the_limit_is_allowed() -> None:
    check_extension(
        current_respond_by=date(2027, 1, 8),
        code_respond_by=date(2027, 1, 8),
        new_respond_by=date(2027, 1, 22),
        agreed_at=at(date(2027, 1, 7)),
        timescale=STAGE_1,
        calendar=ENGLAND_AND_WALES,
    )


def test_an_extension_beyond_ten_working_days_at_stage_1_names_the_new_date() -> None:
    with pytest.raises(ExtensionRefused) as refused:
        check_extension(
            current_respond_by=date(2027, 1, 8),
            code_respond_by=date(2027, 1, 8),
            new_respond_by=date(2027, 1, 25),
            agreed_at=at(date(2027, 1, 7)),
            timescale=STAGE_1,
            calendar=ENGLAND_AND_WALES,
        )
    assert refused.value.field == "new_respond_by"


def test_stage_2_may_extend_by_twenty_working_days() -> None:
    check_extension(
        current_respond_by=date(2027, 3, 24),
        code_respond_by=date(2027, 3, 24),
        new_respond_by=date(2027, 4, 23),  # 20 working days, Easter left out
        agreed_at=at(date(2027, 3, 24)),
        timescale=STAGE_2,
        calendar=ENGLAND_AND_WALES,
    )


def test_a_second_extension_counts_from_the_codes_date_not_the_first_extension() -> None:
    with pytest.raises(ExtensionRefused) as refused:
        check_extension(
            current_respond_by=date(2027, 1, 22),
            code_respond_by=date(2027, 1, 8),
            new_respond_by=date(2027, 1, 29),
            agreed_at=at(date(2027, 1, 20)),
            timescale=STAGE_1,
            calendar=ENGLAND_AND_WALES,
        )
    assert refused.value.field == "new_respond_by"


def test_an_extension_after_the_deadline_passed_names_when_it_was_agreed() -> None:
    with pytest.raises(ExtensionRefused) as refused:
        check_extension(
            current_respond_by=date(2027, 1, 8),
            code_respond_by=date(2027, 1, 8),
            new_respond_by=date(2027, 1, 15),
            agreed_at=at(date(2027, 1, 11)),
            timescale=STAGE_1,
            calendar=ENGLAND_AND_WALES,
        )
    assert refused.value.field == "agreed_at"


def test_an_extension_must_move_the_date_later() -> None:
    with pytest.raises(ExtensionRefused) as refused:
        check_extension(
            current_respond_by=date(2027, 1, 8),
            code_respond_by=date(2027, 1, 8),
            new_respond_by=date(2027, 1, 8),
            agreed_at=at(date(2027, 1, 7)),
            timescale=STAGE_1,
            calendar=ENGLAND_AND_WALES,
        )
    assert refused.value.field == "new_respond_by"


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@given(moments, st.sampled_from(list(ComplaintStage)))
def test_a_deadline_is_a_working_day_exactly_the_codes_working_days_later(
    moment: datetime, stage: ComplaintStage
) -> None:
    timescale = CODE_TIMESCALES[stage]
    ack = rules.acknowledge_by(moment, timescale, ENGLAND_AND_WALES)
    assert ENGLAND_AND_WALES.is_working_day(ack)
    assert ENGLAND_AND_WALES.working_days_between(london_day(moment), ack) == 5
    answer = rules.respond_by(moment, timescale, ENGLAND_AND_WALES)
    assert ENGLAND_AND_WALES.working_days_between(london_day(moment), answer) == (
        timescale.respond_within
    )
    # Never sooner than the calendar days would allow, never absurdly later.
    assert ack - london_day(moment) >= timedelta(days=5)
    assert answer > ack or timescale.respond_within <= 5


@given(moments, st.sampled_from(list(ComplaintStage)), st.integers(min_value=1, max_value=40))
def test_an_extension_is_allowed_exactly_up_to_the_stage_limit(
    moment: datetime, stage: ComplaintStage, extra_working_days: int
) -> None:
    timescale = CODE_TIMESCALES[stage]
    code_date = rules.respond_by(moment, timescale, ENGLAND_AND_WALES)
    new_date = ENGLAND_AND_WALES.add_working_days(code_date, extra_working_days)
    agreed_at = at(code_date, 9)
    allowed = extra_working_days <= timescale.extend_by_at_most

    def extend() -> None:
        check_extension(
            current_respond_by=code_date,
            code_respond_by=code_date,
            new_respond_by=new_date,
            agreed_at=agreed_at,
            timescale=timescale,
            calendar=ENGLAND_AND_WALES,
        )

    if allowed:
        extend()
    else:
        with pytest.raises(ExtensionRefused) as refused:
            extend()
        assert refused.value.field == "new_respond_by"


@given(moments, st.integers(min_value=1, max_value=30))
def test_no_extension_is_agreed_once_the_deadline_has_passed(
    moment: datetime, days_late: int
) -> None:
    code_date = rules.respond_by(moment, STAGE_1, ENGLAND_AND_WALES)
    with pytest.raises(ExtensionRefused) as refused:
        check_extension(
            current_respond_by=code_date,
            code_respond_by=code_date,
            new_respond_by=ENGLAND_AND_WALES.add_working_days(code_date, 1),
            agreed_at=at(code_date + timedelta(days=days_late), 9),
            timescale=STAGE_1,
            calendar=ENGLAND_AND_WALES,
        )
    assert refused.value.field == "agreed_at"


@given(moments)
def test_a_deadline_passes_exactly_at_the_start_of_the_next_london_day(moment: datetime) -> None:
    day = london_day(moment)
    assert not rules.has_passed(day, moment)
    assert rules.has_passed(day - timedelta(days=1), moment)
    next_day_starts = start_of_london_day(day + timedelta(days=1))
    assert rules.has_passed(day, next_day_starts)
    assert not rules.has_passed(day, next_day_starts - timedelta(microseconds=1))

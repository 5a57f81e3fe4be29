"""The planner: absolute next-poll times and their reasons, at month ends, leap days and DST.

Expected values are worked out by hand from the documented rule (what is left of the month's
allowance spread over what is left of the month), never by calling the planner.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.smartcar.planner import (
    BudgetPolicy,
    PollPlan,
    PollReason,
    PollState,
    back_off,
    billing_period,
    next_period_start,
    plan_next_poll,
    polls_left,
    refresh_refusal,
)

POLICY = BudgetPolicy()  # 500 a month, 10 % kept for commands, 15-minute floor


def test_default_policy_keeps_a_tenth_for_commands() -> None:
    assert POLICY.poll_allowance == 450
    assert BudgetPolicy(monthly_limit=1000, command_reserve=0.2).poll_allowance == 800


@pytest.mark.parametrize(
    ("now", "period", "next_start"),
    [
        # December -> January crosses the year.
        (
            datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
            "2026-12",
            datetime(2027, 1, 1, tzinfo=UTC),
        ),
        (
            datetime(2027, 1, 1, 0, 0, tzinfo=UTC),
            "2027-01",
            datetime(2027, 2, 1, tzinfo=UTC),
        ),
        # 28 February of a common year, 29 February of a leap year.
        (
            datetime(2027, 2, 28, 23, 59, tzinfo=UTC),
            "2027-02",
            datetime(2027, 3, 1, tzinfo=UTC),
        ),
        (
            datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
            "2028-02",
            datetime(2028, 3, 1, tzinfo=UTC),
        ),
        # The period is the UTC month whatever the local time: 00:30 in Berlin is still October.
        (
            datetime(2026, 11, 1, 0, 30, tzinfo=ZoneInfo("Europe/Berlin")),
            "2026-10",
            datetime(2026, 11, 1, tzinfo=UTC),
        ),
    ],
)
def test_period_is_the_utc_calendar_month(
    now: datetime, period: str, next_start: datetime
) -> None:
    assert billing_period(now) == period
    assert next_period_start(now) == next_start


def test_what_is_left_is_spread_over_the_rest_of_the_month() -> None:
    # 1 November, midnight: 30 days for 450 polls -> one every 96 minutes.
    start = datetime(2026, 11, 1, tzinfo=UTC)
    assert plan_next_poll(POLICY, now=start, used=0, cost=1) == PollPlan(
        at=start + timedelta(minutes=96), reason=PollReason.SPREAD
    )
    # Halfway through, with half used: the same pace; having used more, slower.
    halfway = datetime(2026, 11, 16, tzinfo=UTC)
    assert plan_next_poll(
        POLICY, now=halfway, used=225, cost=1
    ).at == halfway + timedelta(minutes=96)
    assert plan_next_poll(
        POLICY, now=halfway, used=405, cost=1
    ).at == halfway + timedelta(hours=8)


def test_february_spreads_over_28_days_and_a_leap_february_over_29() -> None:
    common = datetime(2027, 2, 1, tzinfo=UTC)
    leap = datetime(2028, 2, 1, tzinfo=UTC)
    # 28 days = 40 320 minutes for 450 polls; 29 days = 41 760 minutes.
    assert plan_next_poll(POLICY, now=common, used=0, cost=1).at - common == timedelta(
        minutes=40320 / 450
    )
    assert plan_next_poll(POLICY, now=leap, used=0, cost=1).at - leap == timedelta(
        minutes=41760 / 450
    )


def test_dst_change_does_not_change_the_spread() -> None:
    # Europe/Berlin leaves summer time on 25 October 2026 at 03:00 local (01:00 UTC): the hour
    # that repeats locally changes nothing, the rest of the UTC month is shared by 100 polls.
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime(2026, 10, 25, 2, 59, tzinfo=berlin)  # summer time, 00:59 UTC
    after = before + timedelta(minutes=2)  # 01:01 UTC, winter time
    assert after.utcoffset() != before.utcoffset()

    plan = plan_next_poll(POLICY, now=after.astimezone(UTC), used=350, cost=1)

    minutes_left = (datetime(2026, 11, 1, tzinfo=UTC) - after).total_seconds() / 60
    assert plan.at == after + timedelta(minutes=minutes_left / 100)


def test_batch_costs_one_request_per_path() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    assert polls_left(POLICY, used=0, cost=9) == 50
    assert (
        plan_next_poll(POLICY, now=start, used=0, cost=9).at
        == start + timedelta(days=30) / 50
    )


def test_charging_or_moving_polls_three_times_as_often_down_to_the_floor() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    assert plan_next_poll(POLICY, now=start, used=0, cost=1, active=True) == PollPlan(
        at=start + timedelta(minutes=32), reason=PollReason.ACTIVE
    )
    generous = BudgetPolicy(monthly_limit=10_000)
    assert plan_next_poll(generous, now=start, used=0, cost=1, active=True) == PollPlan(
        at=start + timedelta(minutes=15), reason=PollReason.FLOOR
    )


def test_nothing_left_waits_for_the_first_minute_of_the_next_period() -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    december = datetime(2026, 12, 1, 0, 1, tzinfo=UTC)
    assert plan_next_poll(POLICY, now=now, used=450, cost=1) == PollPlan(
        at=december, reason=PollReason.BUDGET_EXHAUSTED
    )
    # The reserve is for commands: 449 used leaves no room for a 2-path batch.
    assert plan_next_poll(POLICY, now=now, used=449, cost=2).at == december


def test_billing_refusal_on_new_years_eve_waits_for_january() -> None:
    now = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert plan_next_poll(
        POLICY, now=now, used=10, cost=1, billing_blocked=True
    ) == PollPlan(at=datetime(2027, 1, 1, 0, 1, tzinfo=UTC), reason=PollReason.BILLING)


def test_back_off_honours_retry_after_but_never_polls_sooner_than_planned() -> None:
    now = datetime(2026, 11, 5, tzinfo=UTC)
    planned = PollPlan(at=now + timedelta(hours=1), reason=PollReason.SPREAD)

    assert back_off(planned, now=now, retry_after=7200, times=0) == PollPlan(
        at=now + timedelta(hours=2), reason=PollReason.RATE_LIMITED
    )
    assert back_off(planned, now=now, retry_after=60, times=0) == planned


def test_back_off_without_retry_after_doubles_up_to_six_hours() -> None:
    now = datetime(2026, 11, 5, tzinfo=UTC)
    planned = PollPlan(at=now + timedelta(hours=1), reason=PollReason.SPREAD)

    assert back_off(planned, now=now, retry_after=None, times=0) == planned
    assert back_off(planned, now=now, retry_after=None, times=1).at == now + timedelta(
        hours=2
    )
    assert back_off(planned, now=now, retry_after=None, times=5).at == now + timedelta(
        hours=6
    )


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"billing_blocked": True},
            (PollReason.BILLING, datetime(2026, 12, 1, tzinfo=UTC)),
        ),
        (
            {"used": 450},
            (PollReason.BUDGET_EXHAUSTED, datetime(2026, 12, 1, tzinfo=UTC)),
        ),
        (
            {"backed_off_until": datetime(2026, 11, 5, 13, tzinfo=UTC)},
            (PollReason.RATE_LIMITED, datetime(2026, 11, 5, 13, tzinfo=UTC)),
        ),
        (
            {"last_poll": datetime(2026, 11, 5, 11, 50, tzinfo=UTC)},
            (PollReason.FLOOR, datetime(2026, 11, 5, 12, 5, tzinfo=UTC)),
        ),
        ({"last_poll": datetime(2026, 11, 5, 11, 45, tzinfo=UTC)}, None),
    ],
)
def test_refresh_is_refused_by_billing_budget_back_off_and_floor(
    kwargs: dict[str, object], expected: tuple[PollReason, datetime] | None
) -> None:
    arguments: dict[str, object] = {
        "now": datetime(2026, 11, 5, 12, 0, tzinfo=UTC),
        "last_poll": None,
        "backed_off_until": None,
        "used": 0,
        "cost": 1,
        "billing_blocked": False,
        **kwargs,
    }
    assert refresh_refusal(POLICY, **arguments) == expected  # type: ignore[arg-type]


def test_poll_state_survives_json() -> None:
    state = PollState(
        next_at=datetime(2026, 11, 5, 13, tzinfo=UTC),
        reason=PollReason.RATE_LIMITED,
        last_poll=datetime(2026, 11, 5, 12, tzinfo=UTC),
        rate_limited_times=2,
        backed_off_until=datetime(2026, 11, 5, 13, tzinfo=UTC),
    )
    assert PollState.from_json(state.to_json()) == state
    assert PollState.from_json({}) == PollState()

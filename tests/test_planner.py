"""The planner: absolute next-poll times and their reasons, at month ends, leap days and DST.

Expected values are worked out by hand from the documented rules (the daily pace with carry-over
by default; `Pacing.MONTH`, what is left spread over what is left of the month, which the bench
compares against), never by calling the planner. At the start of a month both give the same.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.smartcar.daily_data import moved
from custom_components.smartcar.planner import (
    BudgetPolicy,
    Pacing,
    PollPlan,
    after_poll,
    back_off,
    billing_period,
    next_period_start,
    plan_next_poll,
    polls_left,
    refresh_refusal,
    trigger_allowed,
)
from custom_components.smartcar.poll_state import PollReason, PollState, kept_plan

POLICY = (
    BudgetPolicy()
)  # 500 a month, 10 % kept for commands, 15-minute floor, daily pace
MONTH_RULE = BudgetPolicy(pacing=Pacing.MONTH)


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


def test_month_rule_spreads_what_is_left_over_the_rest_of_the_month() -> None:
    # 1 November, midnight: 30 days for 450 polls -> one every 96 minutes.
    start = datetime(2026, 11, 1, tzinfo=UTC)
    assert plan_next_poll(MONTH_RULE, now=start, used=0, cost=1) == PollPlan(
        at=start + timedelta(minutes=96), reason=PollReason.SPREAD
    )
    # Halfway through, with half used: the same pace; having used more, slower.
    halfway = datetime(2026, 11, 16, tzinfo=UTC)
    assert plan_next_poll(
        MONTH_RULE, now=halfway, used=225, cost=1
    ).at == halfway + timedelta(minutes=96)
    assert plan_next_poll(
        MONTH_RULE, now=halfway, used=405, cost=1
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


def test_month_rule_ignores_the_dst_change() -> None:
    # Europe/Berlin leaves summer time on 25 October 2026 at 03:00 local (01:00 UTC): the hour
    # that repeats locally changes nothing, the rest of the UTC month is shared by 100 polls.
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime(2026, 10, 25, 2, 59, tzinfo=berlin)  # summer time, 00:59 UTC
    after = before + timedelta(minutes=2)  # 01:01 UTC, winter time
    assert after.utcoffset() != before.utcoffset()

    plan = plan_next_poll(MONTH_RULE, now=after.astimezone(UTC), used=350, cost=1)

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


def test_back_off_retries_when_smartcar_says_but_never_before_the_floor() -> None:
    now = datetime(2026, 11, 5, tzinfo=UTC)
    planned = PollPlan(at=now + timedelta(hours=1), reason=PollReason.SPREAD)
    floor = timedelta(minutes=15)

    def limited(wait: timedelta) -> PollPlan:
        return PollPlan(at=now + wait, reason=PollReason.RATE_LIMITED)

    # Longer than the plan: Smartcar's time.
    assert back_off(
        planned, now=now, retry_after=7200, times=0, min_interval=floor
    ) == limited(timedelta(hours=2))
    # Sooner than the plan: when Smartcar says, but not before the floor, which doubles with
    # each 429 in a row (15, 30 minutes) up to the planned wait.
    assert back_off(
        planned, now=now, retry_after=60, times=0, min_interval=floor
    ) == limited(timedelta(minutes=15))
    assert back_off(
        planned, now=now, retry_after=1200, times=0, min_interval=floor
    ) == limited(timedelta(minutes=20))
    assert back_off(
        planned, now=now, retry_after=60, times=1, min_interval=floor
    ) == limited(timedelta(minutes=30))
    assert back_off(
        planned, now=now, retry_after=60, times=4, min_interval=floor
    ) == limited(timedelta(hours=1))
    # A billing stop is never shortened.
    stop = PollPlan(
        at=datetime(2026, 12, 1, 0, 1, tzinfo=UTC), reason=PollReason.BILLING
    )
    assert back_off(stop, now=now, retry_after=60, times=0, min_interval=floor) == stop


def test_back_off_without_retry_after_doubles_up_to_six_hours() -> None:
    now = datetime(2026, 11, 5, tzinfo=UTC)
    planned = PollPlan(at=now + timedelta(hours=1), reason=PollReason.SPREAD)
    floor = timedelta(minutes=15)

    assert (
        back_off(planned, now=now, retry_after=None, times=0, min_interval=floor)
        == planned
    )
    assert back_off(
        planned, now=now, retry_after=None, times=1, min_interval=floor
    ).at == now + timedelta(hours=2)
    assert back_off(
        planned, now=now, retry_after=None, times=5, min_interval=floor
    ).at == now + timedelta(hours=6)


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
        idle_polls=1,
        failed_times=3,
    )
    assert PollState.from_json(state.to_json()) == state
    assert PollState.from_json({}) == PollState()


# --- Daily pacing (issue #10): worked out by hand from the model in docs/benchmarks.md -------

DAILY = BudgetPolicy(
    pacing=Pacing.DAILY
)  # 450 polls; November: 15 a day, one per 96 min
NOV_11 = datetime(2026, 11, 11, tzinfo=UTC)  # 10 of 30 days gone: the pace allows 150


def _wait(plan: PollPlan, now: datetime) -> timedelta:
    return plan.at - now


def test_daily_pace_at_the_start_of_the_month_is_one_poll_every_96_minutes() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    assert plan_next_poll(DAILY, now=start, used=0, cost=1) == PollPlan(
        at=start + timedelta(minutes=96), reason=PollReason.SPREAD
    )


@pytest.mark.parametrize(
    ("used", "per_day"),
    [
        (150, 15),  # on pace
        (143, 22),  # 7 saved (asleep): carried over, spent over the next day
        (100, 30),  # 50 saved: at most a day's allowance (15) is carried over
        (155, 10),  # 5 ahead (a charging boost): paid back over the next day
        (300, 7.5),  # far ahead: half the pace (7.5), what is left allows 150/20 = 7.5
        (400, 2.5),  # further: what is left over what is left, 50 over 20 days
    ],
)
def test_daily_pace_carries_over_at_most_a_day(used: int, per_day: float) -> None:
    plan = plan_next_poll(DAILY, now=NOV_11, used=used, cost=1)
    assert _wait(plan, NOV_11) == timedelta(days=1) / per_day
    assert plan.reason is PollReason.SPREAD


def test_boost_while_charging_is_bounded_by_a_quarter_day_reserve() -> None:
    # On pace and up to 3.75 polls (a quarter of 15) ahead: three times the daily pace.
    for used in (150, 153):
        plan = plan_next_poll(DAILY, now=NOV_11, used=used, cost=1, active=True)
        assert plan == PollPlan(
            at=NOV_11 + timedelta(minutes=32), reason=PollReason.ACTIVE
        )
    # Four ahead: the boost is spent; the pace pays it back (15 - 4 = 11 a day).
    plan = plan_next_poll(DAILY, now=NOV_11, used=154, cost=1, active=True)
    assert plan == PollPlan(
        at=NOV_11 + timedelta(days=1) / 11, reason=PollReason.SPREAD
    )


def test_boost_never_goes_below_the_floor() -> None:
    fast = BudgetPolicy(pacing=Pacing.DAILY, active_speedup=10)
    # 96 / 10 = 9.6 minutes is below the 15-minute floor.
    plan = plan_next_poll(fast, now=NOV_11, used=150, cost=1, active=True)
    assert plan == PollPlan(at=NOV_11 + timedelta(minutes=15), reason=PollReason.FLOOR)


def test_unchanged_data_stretches_the_wait_doubling_up_to_three_hours() -> None:
    # On pace: 96 min doubled is 192, more than three hours: three hours.
    plan = plan_next_poll(DAILY, now=NOV_11, used=150, cost=1, idle_polls=1)
    assert plan == PollPlan(at=NOV_11 + timedelta(hours=3), reason=PollReason.IDLE)
    # A day saved (30 a day, 48 min): once 96 min, twice 192 -> three hours.
    plan = plan_next_poll(DAILY, now=NOV_11, used=100, cost=1, idle_polls=1)
    assert plan == PollPlan(at=NOV_11 + timedelta(minutes=96), reason=PollReason.IDLE)
    plan = plan_next_poll(DAILY, now=NOV_11, used=100, cost=1, idle_polls=2)
    assert plan == PollPlan(at=NOV_11 + timedelta(hours=3), reason=PollReason.IDLE)
    # Charging or moving wins: the car is awake.
    plan = plan_next_poll(
        DAILY, now=NOV_11, used=150, cost=1, idle_polls=3, active=True
    )
    assert plan.reason is PollReason.ACTIVE


def test_after_poll_counts_unchanged_polls_and_resets_on_news() -> None:
    state = after_poll(
        DAILY, PollState(), now=NOV_11, used=150, cost=1, active=False,
        billing_blocked=False, unchanged=True,
    )  # fmt: skip
    assert state.idle_polls == 1
    assert state.next_at == NOV_11 + timedelta(hours=3)
    assert state.reason is PollReason.IDLE
    again = after_poll(
        DAILY, state, now=NOV_11, used=150, cost=1, active=False,
        billing_blocked=False, unchanged=True,
    )  # fmt: skip
    assert again.idle_polls == 2
    news = after_poll(
        DAILY, again, now=NOV_11, used=150, cost=1, active=False,
        billing_blocked=False,
    )  # fmt: skip
    assert news.idle_polls == 0
    assert news.next_at == NOV_11 + timedelta(minutes=96)
    assert PollState.from_json(again.to_json()) == again
    # A state stored before idle polls were counted.
    stored = {
        key: value for key, value in again.to_json().items() if key != "idle_polls"
    }
    assert PollState.from_json(stored).idle_polls == 0


def test_a_passing_failure_is_tried_again_sooner_doubling_never_later_than_the_plan() -> (
    None
):
    # 11 November at pace: the plan is 96 minutes away. A 5xx bills nothing: 15 minutes (the
    # floor), then 30, then 60; 120 would be later than the plan, so the plan.
    state = PollState()
    for wait, reason in (
        (timedelta(minutes=15), PollReason.RETRY),
        (timedelta(minutes=30), PollReason.RETRY),
        (timedelta(minutes=60), PollReason.RETRY),
        (timedelta(minutes=96), PollReason.SPREAD),
    ):
        state = after_poll(
            POLICY, state, now=NOV_11, used=150, cost=1, active=False,
            billing_blocked=False, failed=True,
        )  # fmt: skip
        assert (state.next_at, state.reason) == (NOV_11 + wait, reason)
    assert state.failed_times == 4
    answered = after_poll(
        POLICY, state, now=NOV_11, used=151, cost=1, active=False,
        billing_blocked=False,
    )  # fmt: skip
    assert answered.failed_times == 0
    # A stored state from before failures were counted reads as none in a row.
    stored = {k: v for k, v in state.to_json().items() if k != "failed_times"}
    assert PollState.from_json(stored) == replace(state, failed_times=0)


def test_a_retry_never_overrides_a_billing_stop_an_empty_budget_or_a_rate_limit() -> (
    None
):
    december = datetime(2026, 12, 1, 0, 1, tzinfo=UTC)
    for used, blocked, reason in (
        (10, True, PollReason.BILLING),
        (450, False, PollReason.BUDGET_EXHAUSTED),
    ):
        state = after_poll(
            POLICY, PollState(), now=NOV_11, used=used, cost=1, active=False,
            billing_blocked=blocked, failed=True,
        )  # fmt: skip
        assert (state.next_at, state.reason) == (december, reason)
    # A 429 backs off (Retry-After: two hours) and is not retried sooner.
    limited = after_poll(
        POLICY, PollState(), now=NOV_11, used=150, cost=1, active=False,
        billing_blocked=False, failed=True, rate_limited=True, retry_after=7200,
    )  # fmt: skip
    assert (limited.next_at, limited.reason) == (
        NOV_11 + timedelta(hours=2),
        PollReason.RATE_LIMITED,
    )
    assert limited.failed_times == 0


@pytest.mark.parametrize(
    ("now", "minutes"),
    [
        # 28 days of February 2027: 28 * 1440 / 450 = 89.6 minutes at pace.
        (datetime(2027, 2, 1, tzinfo=UTC), 89.6),
        # 29 days of February 2028 (leap): 92.8 minutes.
        (datetime(2028, 2, 1, tzinfo=UTC), 92.8),
        # 31 days of October: 99.2 minutes.
        (datetime(2026, 10, 1, tzinfo=UTC), 99.2),
    ],
)
def test_daily_pace_follows_the_length_of_the_month(
    now: datetime, minutes: float
) -> None:
    plan = plan_next_poll(DAILY, now=now, used=0, cost=1)
    assert _wait(plan, now) == timedelta(minutes=minutes)


def test_daily_pace_ignores_the_dst_change() -> None:
    # 25 October 2026, 01:00 UTC: Berlin goes from 03:00 CEST back to 02:00 CET.
    utc = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    berlin = utc.astimezone(ZoneInfo("Europe/Berlin"))
    for used in (340, 348, 360):
        assert plan_next_poll(DAILY, now=berlin, used=used, cost=1).at == (
            plan_next_poll(DAILY, now=utc, used=used, cost=1).at
        )
    # 48 s later, 349 * 31 / 450 days are gone: the pace allows exactly 349 polls, so
    # with 349 used the wait is the October pace, 99.2 minutes (to float rounding).
    later = utc + timedelta(seconds=48)
    plan = plan_next_poll(
        DAILY, now=later.astimezone(ZoneInfo("Europe/Berlin")), used=349, cost=1
    )
    assert abs(_wait(plan, later) - timedelta(minutes=99.2)) < timedelta(milliseconds=1)


def test_daily_pace_at_the_end_of_the_month() -> None:
    # 30 November, 23:00: the pace allows 450 * (29 + 23/24) / 30 = 449.375; with 449 used,
    # 0.375 are carried over and evened out over the hour left: 15 + 0.375 * 24 = 24 a day.
    now = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    plan = plan_next_poll(DAILY, now=now, used=449, cost=1)
    assert plan == PollPlan(at=now + timedelta(hours=1), reason=PollReason.SPREAD)
    assert plan.at == datetime(2026, 12, 1, tzinfo=UTC)
    # Charging, still behind the pace: boosted, although the reserve is down to 3.75 / 24.
    plan = plan_next_poll(DAILY, now=now, used=450 - 1, cost=1, active=True)
    assert plan.reason is PollReason.ACTIVE
    ahead = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 12 h left: reserve 1.875
    # The pace allows 450 * 29.5 / 30 = 442.5; 444 used is 1.5 ahead: boosted; 445 is not.
    plan = plan_next_poll(DAILY, now=ahead, used=444, cost=1, active=True)
    assert plan == PollPlan(at=ahead + timedelta(minutes=32), reason=PollReason.ACTIVE)
    plan = plan_next_poll(DAILY, now=ahead, used=445, cost=1, active=True)
    assert plan.reason is PollReason.SPREAD
    # The last one used: the first minute of December.
    assert plan_next_poll(DAILY, now=now, used=450, cost=1) == PollPlan(
        at=datetime(2026, 12, 1, 0, 1, tzinfo=UTC), reason=PollReason.BUDGET_EXHAUSTED
    )


def test_daily_pace_of_a_batch_counts_polls_of_its_paths() -> None:
    # Three paths a poll: 150 polls in November, 5 a day, one every 288 minutes.
    start = datetime(2026, 11, 1, tzinfo=UTC)
    plan = plan_next_poll(DAILY, now=start, used=0, cost=3)
    assert _wait(plan, start) == timedelta(minutes=288)


def test_with_webhooks_the_daily_pace_only_sets_safety_polls() -> None:
    hooks = BudgetPolicy(pacing=Pacing.DAILY, safety_interval=timedelta(hours=24))
    plan = plan_next_poll(hooks, now=NOV_11, used=150, cost=1, active=True)
    assert plan == PollPlan(at=NOV_11 + timedelta(hours=24), reason=PollReason.SAFETY)


def test_a_week_asleep_or_days_of_outage_never_overflow_the_wait() -> None:
    # A car parked at an airport for weeks, an outage of days, a 429 on every try: the counts
    # grow without end, the waits stay at their caps.
    state = PollState()
    now = NOV_11
    for _ in range(500):
        state = after_poll(
            POLICY, state, now=now, used=150, cost=1, active=False,
            billing_blocked=False, unchanged=True,
        )  # fmt: skip
    assert state.idle_polls == 500
    assert (state.next_at, state.reason) == (now + timedelta(hours=3), PollReason.IDLE)
    for _ in range(500):
        state = after_poll(
            POLICY, state, now=now, used=150, cost=1, active=False,
            billing_blocked=False, failed=True,
        )  # fmt: skip
    assert state.failed_times == 500
    assert (state.next_at, state.reason) == (
        now + timedelta(minutes=96),
        PollReason.SPREAD,
    )
    for retry_after in (60.0, None):
        limited = PollState()
        for _ in range(500):
            limited = after_poll(
                POLICY, limited, now=now, used=150, cost=1, active=False,
                billing_blocked=False, rate_limited=True, retry_after=retry_after,
            )  # fmt: skip
        assert limited.rate_limited_times == 500
        # With a Retry-After: the floor doubled up to the planned wait; without: six hours.
        wait = timedelta(minutes=96) if retry_after else timedelta(hours=6)
        assert (limited.next_at, limited.reason) == (
            now + wait,
            PollReason.RATE_LIMITED,
        )


def test_a_triggered_read_waits_while_the_car_is_a_day_ahead_of_its_pace() -> None:
    # 11 November: the pace allows 150 polls and a day's allowance is 15.
    assert trigger_allowed(POLICY, now=NOV_11, used=164, cost=1)
    assert not trigger_allowed(POLICY, now=NOV_11, used=165, cost=1)
    # A batch of 3 paths: 50 polls by now, 5 a day; 54 polls (162 requests) ahead by 4.
    assert trigger_allowed(POLICY, now=NOV_11, used=162, cost=3)
    assert not trigger_allowed(POLICY, now=NOV_11, used=165, cost=3)


def test_a_refresh_keeps_the_planned_poll_unless_it_ended_in_a_stop_or_a_later_back_off() -> (
    None
):
    planned = PollState(
        next_at=NOV_11 + timedelta(hours=2), reason=PollReason.SPREAD, last_poll=NOV_11
    )
    refreshed = NOV_11 + timedelta(minutes=30)

    def after(wait: timedelta, reason: PollReason) -> PollState:
        return PollState(next_at=refreshed + wait, reason=reason, last_poll=refreshed)

    # Answered: the plan stays, with the refresh as the last poll.
    assert kept_plan(planned, after(timedelta(minutes=96), PollReason.SPREAD)) == (
        PollState(
            next_at=planned.next_at, reason=PollReason.SPREAD, last_poll=refreshed
        )
    )
    # A back-off sooner than the plan never brings it sooner.
    sooner = after(timedelta(minutes=15), PollReason.RATE_LIMITED)
    assert kept_plan(planned, sooner).next_at == planned.next_at
    # A later back-off, or a stop, replaces it.
    later = after(timedelta(hours=4), PollReason.RATE_LIMITED)
    assert kept_plan(planned, later) == later
    stop = after(timedelta(days=19), PollReason.BUDGET_EXHAUSTED)
    assert kept_plan(planned, stop) == stop
    # Nothing was planned (a car read for the first time): what the read planned.
    assert kept_plan(PollState(), later) == later


# --- Data that moves once a day (V3's REST store without a webhook): daily_data.py ----------

REFRESH = timedelta(hours=4)  # the store's refresh, 04:00 UTC, as the bench models it


def _daily_poll(previous: PollState, now: datetime, data_time: datetime) -> PollState:
    """A poll answered on pace at `now`, showing data of `data_time`."""
    return after_poll(
        DAILY, previous, now=now, used=150, cost=1, active=False,
        billing_blocked=False, unchanged=previous.data_times[-1:] == (data_time,),
        data_time=data_time,
    )  # fmt: skip


def test_data_that_moves_once_a_day_is_read_just_after_with_a_probe_between() -> None:
    state = PollState()
    for day in (8, 9):
        refresh = datetime(2026, 11, day, tzinfo=UTC) + REFRESH
        state = _daily_poll(state, refresh + timedelta(minutes=30), refresh)
    # Two data times are one gap: a day by chance, the ordinary pace (96 min).
    assert state.reason is PollReason.SPREAD
    refresh = datetime(2026, 11, 10, 4, 0, tzinfo=UTC)
    state = _daily_poll(state, refresh + timedelta(minutes=30), refresh)
    # Three, a day apart: the next refresh is due at 04:00 on the 11th, so a probe in 12 h.
    assert state.next_at == datetime(2026, 11, 10, 16, 30, tzinfo=UTC)
    assert state.reason is PollReason.DAILY
    # The probe finds the same data: the next poll is 5 min after the refresh.
    state = _daily_poll(state, state.next_at, refresh)
    assert state.next_at == datetime(2026, 11, 11, 4, 5, tzinfo=UTC)
    assert state.reason is PollReason.DAILY
    # It finds the new data: a probe again.
    state = _daily_poll(state, state.next_at, datetime(2026, 11, 11, 4, 0, tzinfo=UTC))
    assert state.next_at == datetime(2026, 11, 11, 16, 5, tzinfo=UTC)
    assert PollState.from_json(state.to_json()) == state


def test_a_probe_that_finds_the_data_moved_brings_the_ordinary_pace_back() -> None:
    times = tuple(datetime(2026, 11, day, 4, 0, tzinfo=UTC) for day in (8, 9, 10))
    state = PollState(data_times=times)
    probe = datetime(2026, 11, 10, 16, 30, tzinfo=UTC)
    # The car is read live after all: its data is of the probe's time.
    state = _daily_poll(state, probe, probe - timedelta(minutes=1))
    assert state.reason is PollReason.SPREAD
    assert state.next_at == plan_next_poll(DAILY, now=probe, used=150, cost=1).at


def test_a_late_refresh_is_looked_for_at_waits_as_long_as_it_is_late() -> None:
    times = tuple(datetime(2026, 11, day, 4, 0, tzinfo=UTC) for day in (8, 9, 10))
    state = PollState(data_times=times, idle_polls=1)
    # 04:05 on the 11th, the refresh has not come: the floor, then as long as it is late.
    polls = [datetime(2026, 11, 11, 4, 5, tzinfo=UTC)]
    for _ in range(5):
        state = _daily_poll(state, polls[-1], times[-1])
        assert state.reason is PollReason.DAILY
        assert state.next_at is not None
        polls.append(state.next_at)
    assert [f"{moment:%H:%M}" for moment in polls] == [
        "04:05", "04:20", "04:35", "05:05", "06:05", "08:05",
    ]  # fmt: skip
    # Four hours late: the ordinary plan (the idle stretch) takes over.
    state = _daily_poll(state, polls[-1], times[-1])
    assert state.reason is PollReason.IDLE
    assert state.next_at == polls[-1] + timedelta(hours=3)
    # It came at 04:50: found at 05:05, and 5 min after the next one, 24 h 25 min on.
    found = _daily_poll(
        PollState(data_times=times),
        datetime(2026, 11, 11, 5, 5, tzinfo=UTC),
        datetime(2026, 11, 11, 4, 50, tzinfo=UTC),
    )
    assert found.next_at == datetime(2026, 11, 11, 17, 5, tzinfo=UTC)  # a probe first
    probe = _daily_poll(found, found.next_at, datetime(2026, 11, 11, 4, 50, tzinfo=UTC))
    assert probe.next_at == datetime(2026, 11, 12, 5, 20, tzinfo=UTC)


def test_a_probe_that_would_come_close_before_the_refresh_is_not_made() -> None:
    times = tuple(datetime(2026, 11, day, 4, 0, tzinfo=UTC) for day in (8, 9, 10))
    # 10:30: the refresh's read (04:05 tomorrow) is within 18 h, so no probe at 22:30.
    plan = plan_next_poll(
        DAILY, now=datetime(2026, 11, 10, 10, 30, tzinfo=UTC), used=150, cost=1,
        data_times=times,
    )  # fmt: skip
    assert plan == PollPlan(
        at=datetime(2026, 11, 11, 4, 5, tzinfo=UTC), reason=PollReason.DAILY
    )


def test_a_read_that_finds_live_data_brings_the_pace_back_though_the_plan_was_daily() -> (
    None
):
    planned = PollState(
        next_at=datetime(2026, 11, 10, 16, 30, tzinfo=UTC),
        reason=PollReason.DAILY,
        last_poll=datetime(2026, 11, 10, 4, 30, tzinfo=UTC),
    )
    refreshed = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    live = PollState(
        next_at=refreshed + timedelta(minutes=96),
        reason=PollReason.SPREAD,
        last_poll=refreshed,
    )
    assert kept_plan(planned, live) == live
    # Still daily: the planned read stays.
    daily = replace(live, next_at=datetime(2026, 11, 11, 4, 5, tzinfo=UTC),
                    reason=PollReason.DAILY)  # fmt: skip
    assert kept_plan(planned, daily).next_at == planned.next_at


def test_with_webhooks_no_data_times_are_kept() -> None:
    times = tuple(datetime(2026, 11, day, 4, 0, tzinfo=UTC) for day in (8, 9, 10))
    pushed = BudgetPolicy(safety_interval=timedelta(days=1))
    state = after_poll(
        pushed, PollState(data_times=times), now=NOV_11, used=150, cost=1,
        active=False, billing_blocked=False, data_time=NOV_11,
    )  # fmt: skip
    assert state.data_times == ()
    assert state.reason is PollReason.SAFETY


@pytest.mark.parametrize(
    ("gaps", "expected"),
    [
        # 26 March 03:00 UTC, then the gaps; planned 18 h after the last: the refresh is due
        # the mean gap after the last, within 18 h (no probe), and read 5 min after it.
        ((24, 24), datetime(2027, 3, 29, 3, 5, tzinfo=UTC)),
        # A refresh at a local hour across a DST change: 23, then 25 hours (a day on average).
        ((23, 25), datetime(2027, 3, 29, 3, 5, tzinfo=UTC)),
        ((20, 28), datetime(2027, 3, 29, 3, 5, tzinfo=UTC)),
        ((25, 25), datetime(2027, 3, 29, 6, 5, tzinfo=UTC)),
        # Not about a day: the ordinary pace.
        ((24, 12), None),
        ((24, 29), None),
        ((19, 24), None),
    ],
)
def test_only_gaps_of_about_a_day_make_data_daily(
    gaps: tuple[int, int], expected: datetime | None
) -> None:
    first = datetime(2027, 3, 26, 3, 0, tzinfo=UTC)
    second = first + timedelta(hours=gaps[0])
    times = (first, second, second + timedelta(hours=gaps[1]))
    now = times[-1] + timedelta(hours=18)
    plan = plan_next_poll(DAILY, now=now, used=150, cost=1, data_times=times)
    if expected is None:
        # Exactly what the pace plans for a car with no data times kept.
        assert plan == plan_next_poll(DAILY, now=now, used=150, cost=1)
        assert plan.reason is PollReason.SPREAD
    else:
        assert plan == PollPlan(at=expected, reason=PollReason.DAILY)


def test_daily_data_never_spends_faster_than_a_small_budget_allows() -> None:
    # 20 a month: 18 polls, 0.6 a day in November; 6 used on the 10th is ahead of the pace,
    # which waits 80 h (to 12:30 on the 13th). The read is the first refresh after that.
    small = BudgetPolicy(monthly_limit=20)
    times = tuple(datetime(2026, 11, day, 4, 0, tzinfo=UTC) for day in (8, 9, 10))
    now = datetime(2026, 11, 10, 4, 30, tzinfo=UTC)
    assert plan_next_poll(small, now=now, used=6, cost=1).at == datetime(
        2026, 11, 13, 12, 30, tzinfo=UTC
    )
    plan = plan_next_poll(small, now=now, used=6, cost=1, data_times=times)
    assert plan == PollPlan(
        at=datetime(2026, 11, 14, 4, 5, tzinfo=UTC), reason=PollReason.DAILY
    )
    # With webhooks, polls stay safety polls.
    pushed = BudgetPolicy(safety_interval=timedelta(days=1))
    plan = plan_next_poll(pushed, now=now, used=150, cost=1, data_times=times)
    assert plan == PollPlan(at=now + timedelta(days=1), reason=PollReason.SAFETY)


def test_only_data_times_that_moved_are_kept_three_at_most() -> None:
    times = tuple(datetime(2026, 11, day, 4, 0, tzinfo=UTC) for day in (8, 9, 10))
    assert moved(times, None) == times
    assert moved(times, times[-1]) == times
    assert moved(times, times[0]) == times
    later = datetime(2026, 11, 11, 4, 0, tzinfo=UTC)
    assert moved(times, later) == (*times[1:], later)
    assert moved((), later) == (later,)
    # A state stored before data times were kept.
    stored = dict(PollState(data_times=times).to_json())
    del stored["data_times"]
    assert PollState.from_json(stored).data_times == ()

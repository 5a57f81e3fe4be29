"""When to read a car next: an absolute time and the reason for it.

Pure functions of the clock, the car's usage this billing period and what it is doing; pushes,
commands and refreshes never move the time they return (the coordinator only asks again after a
poll). Smartcar bills each car a number of requests per calendar month (UTC); the poll allowance
is that limit minus a reserve kept for commands.

The model (docs/benchmarks.md): the allowance is a *pace* through the month, a daily allowance
of `allowance / days in the month`. What a car is behind that pace (polls it saved while asleep)
is carried over, at most one day's allowance, and spent over the next day (or what is left of
the month, if less); what it is ahead (a charging boost) is paid back the same way. Charging or moving polls `active_speedup` times
the daily pace while the car is less than a quarter of a day's allowance ahead (less on the
month's last day): a bounded boost.
A poll that brought nothing newer than what is shown (the car sleeps, or its data is only
refreshed daily) stretches the next wait, doubling, up to `IDLE_MAX`; the first newer answer
resets it. A car whose data moves only once a day (V3's REST store without a webhook) is read
just after it does, with a probe between (`daily_data.py`). The month's allowance is a hard cap
whatever the pace says.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import math

from .const import DAY, DEFAULT_MIN_POLL_INTERVAL, DEFAULT_MONTHLY_LIMIT
from .daily_data import moved, refresh_read
from .poll_state import STOPS, PollReason, PollState

# Polls leave this share of the month's requests for commands (lock, charge, ...).
COMMAND_RESERVE = 0.10
# While charging or moving, poll this many times more often than the even spread.
ACTIVE_SPEEDUP = 3
# Wait this long past midnight of the 1st before polling again in a new period.
PERIOD_START_MARGIN = timedelta(minutes=1)
# Without a Retry-After, the wait after each further 429 doubles, up to this.
RATE_LIMIT_BACKOFF_MAX = timedelta(hours=6)
# Polls saved or overspent against the pace are evened out over this long.
CARRY_HORIZON = timedelta(days=1)
# At most this share of a day's allowance is carried over (saved up) at any time.
CARRY_MAX_DAYS = 1.0
# Charging or moving is boosted while the car is less than this share of a day ahead of pace.
BOOST_RESERVE_DAYS = 0.25
# Overspent or not, polls never come less often than this share of the daily pace.
MIN_PACE_SHARE = 0.5
# Polls that bring nothing newer stretch the wait, doubling, up to this.
IDLE_MAX = timedelta(hours=3)
# Doublings stop counting here (2**12 outlasts every cap above), so a car asleep for weeks or an
# outage of days never overflows a timedelta.
MAX_DOUBLINGS = 12


def _doubled(wait: timedelta, times: int) -> timedelta:
    """Return `wait` doubled `times` times (at most `MAX_DOUBLINGS`)."""
    factor: int = 2 ** min(max(times, 0), MAX_DOUBLINGS)
    return wait * factor


class Pacing(StrEnum):
    """How a month's allowance is spread."""

    # What is left over what is left of the month: the rule before issue #10, which
    # front-loads the month. Kept so `scripts/bench` can measure against it; never chosen.
    MONTH = "month"
    # A daily allowance with carry-over and a bounded boost (the module's docstring).
    DAILY = "daily"


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetPolicy:
    """How many requests a car may use and how fast polls may come."""

    monthly_limit: int = DEFAULT_MONTHLY_LIMIT
    command_reserve: float = COMMAND_RESERVE
    min_interval: timedelta = timedelta(minutes=DEFAULT_MIN_POLL_INTERVAL)
    active_speedup: int = ACTIVE_SPEEDUP
    # With webhooks, pushes bring the data: a planned poll is only a safety net this far apart.
    safety_interval: timedelta | None = None
    pacing: Pacing = Pacing.DAILY

    @property
    def poll_allowance(self) -> int:
        """Requests polls may use in a month; the rest is kept for commands."""
        return math.floor(self.monthly_limit * (1 - self.command_reserve))


@dataclass(frozen=True, slots=True, kw_only=True)
class PollPlan:
    """The next poll: when, and why then."""

    at: datetime
    reason: PollReason


def billing_period(now: datetime) -> str:
    """Return the billing period (`YYYY-MM`, UTC calendar month) that `now` falls in."""
    return now.astimezone(UTC).strftime("%Y-%m")


def period_start(now: datetime) -> datetime:
    """Return the first instant of the billing period that `now` falls in."""
    current = now.astimezone(UTC)
    return datetime(current.year, current.month, 1, tzinfo=UTC)


def next_period_start(now: datetime) -> datetime:
    """Return the first instant of the next billing period."""
    current = now.astimezone(UTC)
    if current.month == 12:
        return datetime(current.year + 1, 1, 1, tzinfo=UTC)
    return datetime(current.year, current.month + 1, 1, tzinfo=UTC)


def polls_left(policy: BudgetPolicy, used: int, cost: int) -> int:
    """Return how many polls of `cost` requests still fit in this month's poll allowance."""
    return max(0, policy.poll_allowance - used) // max(cost, 1)


def pace(policy: BudgetPolicy, *, now: datetime, used: int, cost: int) -> float:
    """Return how many polls the car is behind the month's even pace (negative: ahead).

    The pace allows `allowance * elapsed / month` polls by `now`; what is saved is capped at
    `CARRY_MAX_DAYS` of the daily allowance (a car added late in the month does not burst).
    """
    start, end = period_start(now), next_period_start(now)
    allowance = policy.poll_allowance / max(cost, 1)
    due = allowance * ((now - start) / (end - start))
    return min(
        due - used / max(cost, 1), daily_allowance(policy, now, cost) * CARRY_MAX_DAYS
    )


def triggered_read(
    policy: BudgetPolicy,
    poll: PollState,
    *,
    now: datetime,
    due: datetime,
    used: int,
    cost: int,
    billing_blocked: bool,
) -> tuple[bool, datetime | None]:
    """Return whether a read the owner's entities asked for (due at `due`) is made now.

    And, when only the floor refused it, when to ask again. Not made when a poll came since
    `due` (it brought what the read would), when `refresh_refusal` says no, or while the car
    is a day's allowance ahead of its pace (`trigger_allowed`).
    """
    if poll.last_poll is not None and poll.last_poll >= due:
        return False, None
    refusal = refresh_refusal(
        policy,
        now=now,
        last_poll=poll.last_poll,
        backed_off_until=poll.backed_off_until,
        used=used,
        cost=cost,
        billing_blocked=billing_blocked,
    )
    if refusal is not None:
        reason, until = refusal
        return False, until if reason is PollReason.FLOOR else None
    return trigger_allowed(policy, now=now, used=used, cost=cost), None


def trigger_allowed(
    policy: BudgetPolicy, *, now: datetime, used: int, cost: int
) -> bool:
    """Return whether a read the owner's entities asked for may come on top of the pace.

    Not while the car is a day's allowance ahead of its pace (`CARRY_MAX_DAYS`): a trigger that
    fires all the time can at most double the polls of a day, then waits for the pace.
    """
    ahead = -pace(policy, now=now, used=used, cost=cost)
    return ahead < daily_allowance(policy, now, cost) * CARRY_MAX_DAYS


def daily_allowance(policy: BudgetPolicy, now: datetime, cost: int) -> float:
    """Return the polls of `cost` requests a day of this month's pace allows."""
    length = next_period_start(now) - period_start(now)
    return policy.poll_allowance / max(cost, 1) * (timedelta(days=1) / length)


def plan_next_poll(
    policy: BudgetPolicy,
    *,
    now: datetime,
    used: int,
    cost: int,
    active: bool = False,
    billing_blocked: bool = False,
    idle_polls: int = 0,
    data_times: tuple[datetime, ...] = (),
) -> PollPlan:
    """Return the next poll after one that ended at `now`.

    The daily allowance plus what was carried over (see the module's docstring), spent over
    `CARRY_HORIZON`; a bounded boost while the car charges or moves; a doubling wait after
    `idle_polls` polls in a row brought nothing newer; just after the next refresh of data
    that moves once a day (`data_times`); never faster than the floor. Once
    nothing is left, or Smartcar refused with BILLING, the next poll is at the start of the
    next period. With webhooks, polls are safety polls, at least `safety_interval` apart.
    """
    period_begins = next_period_start(now) + PERIOD_START_MARGIN
    if billing_blocked:
        return PollPlan(at=period_begins, reason=PollReason.BILLING)
    if polls_left(policy, used, cost) == 0:
        return PollPlan(at=period_begins, reason=PollReason.BUDGET_EXHAUSTED)
    if policy.pacing is Pacing.DAILY:
        wait, boosted = _daily_pace(policy, now=now, used=used, cost=cost)
    else:
        wait = (next_period_start(now) - now) / polls_left(policy, used, cost)
        boosted = wait / policy.active_speedup
    if policy.safety_interval is not None:
        if wait < policy.safety_interval:
            return PollPlan(at=now + policy.safety_interval, reason=PollReason.SAFETY)
        return PollPlan(at=now + wait, reason=PollReason.SPREAD)
    daily = refresh_read(
        data_times, now=now, min_interval=policy.min_interval, wait=wait
    )
    if daily is not None:
        return PollPlan(at=daily, reason=PollReason.DAILY)
    reason = PollReason.SPREAD
    if active and boosted is not None and boosted < wait:
        wait, reason = boosted, PollReason.ACTIVE
    elif idle_polls > 0 and not active:
        stretched = min(_doubled(wait, idle_polls), max(IDLE_MAX, wait))
        if stretched > wait:
            wait, reason = stretched, PollReason.IDLE
    if wait < policy.min_interval:
        return PollPlan(at=now + policy.min_interval, reason=PollReason.FLOOR)
    return PollPlan(at=now + wait, reason=reason)


def _daily_pace(
    policy: BudgetPolicy, *, now: datetime, used: int, cost: int
) -> tuple[timedelta, timedelta | None]:
    """Return the wait at the daily pace, and the boosted one (None: no boost left)."""
    daily = daily_allowance(policy, now, cost)
    credit = pace(policy, now=now, used=used, cost=cost)
    # Evened out over a day, or over what is left of the month if less: the month ends
    # with its allowance spent, not before.
    time_left = next_period_start(now) - now
    horizon = min(CARRY_HORIZON, time_left)
    # Overspent: half the pace, or what is left spread over the rest of the month if less.
    left = polls_left(policy, used, cost) / (time_left / DAY)
    per_day = max(daily + credit * (DAY / horizon), min(daily * MIN_PACE_SHARE, left))
    # The boost's reserve shrinks to nothing over the month's last day.
    reserve = daily * BOOST_RESERVE_DAYS * (horizon / CARRY_HORIZON)
    boost = -credit < reserve
    return DAY / per_day, DAY / daily / policy.active_speedup if boost else None


def back_off(
    plan: PollPlan,
    *,
    now: datetime,
    retry_after: float | None,
    times: int,
    min_interval: timedelta,
) -> PollPlan:
    """Return the plan after the `times`-th 429 in a row (0: the first).

    With a `Retry-After`, the read is tried again when Smartcar says, but no sooner than the
    floor, doubling with each 429 in a row, up to the planned wait: a 429 bills nothing and
    the pace decides the polls after the retry. Without one the wait doubles from the planned
    one, up to `RATE_LIMIT_BACKOFF_MAX`, never sooner than `plan`.
    """
    if plan.reason in STOPS:
        return plan
    if retry_after is not None:
        floor = min(_doubled(min_interval, times), plan.at - now)
        wait = max(timedelta(seconds=retry_after), floor)
        return PollPlan(at=now + wait, reason=PollReason.RATE_LIMITED)
    wait = min(_doubled(plan.at - now, times), RATE_LIMIT_BACKOFF_MAX)
    if now + wait <= plan.at:
        return plan
    return PollPlan(at=now + wait, reason=PollReason.RATE_LIMITED)


def retry_sooner(
    plan: PollPlan, *, now: datetime, min_interval: timedelta, times: int
) -> PollPlan:
    """Return the plan after the `times`-th read in a row that failed for a passing reason.

    Smartcar or the carmaker did not answer (5xx, a timeout) and bills nothing for it, so the
    read is tried again the floor's length later, doubling each time, never later than `plan`.
    """
    if plan.reason in STOPS:
        return plan
    at = now + _doubled(min_interval, times - 1)
    return PollPlan(at=at, reason=PollReason.RETRY) if at < plan.at else plan


def refresh_refusal(
    policy: BudgetPolicy,
    *,
    now: datetime,
    last_poll: datetime | None,
    backed_off_until: datetime | None,
    used: int,
    cost: int,
    billing_blocked: bool,
) -> tuple[PollReason, datetime] | None:
    """Return why a poll asked for now must not happen, and until when; None if it may."""
    if billing_blocked:
        return PollReason.BILLING, next_period_start(now)
    if polls_left(policy, used, cost) == 0:
        return PollReason.BUDGET_EXHAUSTED, next_period_start(now)
    if backed_off_until is not None and now < backed_off_until:
        return PollReason.RATE_LIMITED, backed_off_until
    if last_poll is not None and now < last_poll + policy.min_interval:
        return PollReason.FLOOR, last_poll + policy.min_interval
    return None


def after_poll(
    policy: BudgetPolicy,
    previous: PollState,
    *,
    now: datetime,
    used: int,
    cost: int,
    active: bool,
    billing_blocked: bool,
    rate_limited: bool = False,
    retry_after: float | None = None,
    unchanged: bool = False,
    failed: bool = False,
    data_time: datetime | None = None,
) -> PollState:
    """Return the schedule after a poll that ended at `now` (429s in a row back off).

    `unchanged`: the poll was answered but brought nothing newer than what was shown (the
    car's own data time did not move); polls like it in a row stretch the wait. `failed`: the
    read failed for a passing reason (`retry_sooner`). `data_time`: the newest data time the
    read brought, kept when it moved (`daily_data.moved`).
    """
    idle = previous.idle_polls + 1 if unchanged else 0
    # With webhooks, pushes bring the data and polls are safety polls: no rhythm to learn.
    data_times = (
        moved(previous.data_times, data_time) if policy.safety_interval is None else ()
    )
    plan = plan_next_poll(
        policy,
        now=now,
        used=used,
        cost=cost,
        active=active,
        billing_blocked=billing_blocked,
        idle_polls=idle,
        data_times=data_times,
    )
    times = previous.rate_limited_times
    if rate_limited:
        plan = back_off(
            plan,
            now=now,
            retry_after=retry_after,
            times=times,
            min_interval=policy.min_interval,
        )
    failures = previous.failed_times + 1 if failed and not rate_limited else 0
    if failures:
        plan = retry_sooner(
            plan, now=now, min_interval=policy.min_interval, times=failures
        )
    return PollState(
        next_at=plan.at,
        reason=plan.reason,
        last_poll=now,
        rate_limited_times=times + 1 if rate_limited else 0,
        backed_off_until=plan.at if rate_limited else None,
        idle_polls=idle,
        failed_times=failures,
        data_times=data_times,
    )

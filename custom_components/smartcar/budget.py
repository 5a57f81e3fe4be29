"""The monthly Smartcar request ledger and the polling schedule it allows.

Smartcar bills each car a number of requests per calendar month (500 on the usual plan; batch
counts every path). The schedule spreads what is left of the month's allowance, minus a reserve kept
for commands, over the rest of the month; it polls more often while the car charges or moves, never
faster than a floor, and not at all once Smartcar answered BILLING, until the next month starts.
The schedule is pure functions of the clock and the ledger, so it is tested with a frozen clock.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import math
from typing import TypedDict

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .const import DEFAULT_MIN_POLL_INTERVAL, DEFAULT_MONTHLY_LIMIT, DOMAIN

STORAGE_VERSION = 1
# Polls leave this share of the month's requests for commands (lock, charge, ...).
COMMAND_RESERVE = 0.10
# While charging or moving, poll this many times more often than the even spread.
ACTIVE_SPEEDUP = 3
# Wait this long past midnight of the 1st before polling again in a new period.
PERIOD_START_MARGIN = timedelta(minutes=1)
# Writes to disk are grouped; Home Assistant flushes pending writes when it stops.
SAVE_DELAY = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetPolicy:
    """How many requests a car may use and how fast polls may come."""

    monthly_limit: int = DEFAULT_MONTHLY_LIMIT
    command_reserve: float = COMMAND_RESERVE
    min_interval: timedelta = timedelta(minutes=DEFAULT_MIN_POLL_INTERVAL)
    active_speedup: int = ACTIVE_SPEEDUP

    @property
    def poll_allowance(self) -> int:
        """Requests polls may use in a month; the rest is kept for commands."""
        return math.floor(self.monthly_limit * (1 - self.command_reserve))


def billing_period(now: datetime) -> str:
    """Return the billing period (`YYYY-MM`, UTC calendar month) that `now` falls in."""
    return now.astimezone(UTC).strftime("%Y-%m")


def next_period_start(now: datetime) -> datetime:
    """Return the first instant of the next billing period."""
    current = now.astimezone(UTC)
    if current.month == 12:
        return datetime(current.year + 1, 1, 1, tzinfo=UTC)
    return datetime(current.year, current.month + 1, 1, tzinfo=UTC)


def time_until_next_period(now: datetime) -> timedelta:
    """Return how long until polling may resume in a new period."""
    return next_period_start(now) - now + PERIOD_START_MARGIN


def polls_left(policy: BudgetPolicy, used: int, cost: int) -> int:
    """Return how many polls of `cost` requests still fit in this month's poll allowance."""
    return max(0, policy.poll_allowance - used) // max(cost, 1)


def poll_interval(
    policy: BudgetPolicy,
    *,
    used: int,
    cost: int,
    now: datetime,
    active: bool = False,
    blocked: bool = False,
) -> timedelta:
    """Return the wait before the next poll.

    `used` is what the car has used this month, `cost` what one poll costs (1 for v3 signals, one
    per path for v2 batch). When nothing is left, or Smartcar refused with BILLING, the next poll
    waits for the next period.
    """
    remaining = polls_left(policy, used, cost)
    if blocked or remaining == 0:
        return time_until_next_period(now)
    spread = (next_period_start(now) - now) / remaining
    if active:
        spread /= policy.active_speedup
    return max(policy.min_interval, spread)


class _StoredUsage(TypedDict):
    """One car's row on disk."""

    period: str
    used: int
    billing_blocked: bool


@dataclass(slots=True, kw_only=True)
class VehicleUsage:
    """What one car used in one billing period."""

    period: str
    used: int = 0
    billing_blocked: bool = False


class RequestLedger:
    """Requests used per car this month, persisted so a restart does not forget them."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Keep the ledger of one config entry in its own storage file."""
        self._store: Store[dict[str, _StoredUsage]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.budget"
        )
        self._usage: dict[str, VehicleUsage] = {}

    async def async_load(self) -> None:
        """Read the ledger from disk."""
        stored = await self._store.async_load() or {}
        self._usage = {
            vehicle_id: VehicleUsage(
                period=row["period"],
                used=row["used"],
                billing_blocked=row["billing_blocked"],
            )
            for vehicle_id, row in stored.items()
        }

    @callback
    def usage(self, vehicle_id: str, now: datetime) -> VehicleUsage:
        """Return the car's usage in the period of `now` (a new period starts from zero)."""
        period = billing_period(now)
        usage = self._usage.get(vehicle_id)
        if usage is None or usage.period != period:
            usage = self._usage[vehicle_id] = VehicleUsage(period=period)
            self._async_schedule_save()
        return usage

    @callback
    def record(self, vehicle_id: str, requests: int, now: datetime) -> None:
        """Count `requests` billed requests for the car."""
        if requests <= 0:
            return
        self.usage(vehicle_id, now).used += requests
        self._async_schedule_save()

    @callback
    def block(self, vehicle_id: str, now: datetime) -> None:
        """Stop the car's polls until the next period (Smartcar answered BILLING)."""
        self.usage(vehicle_id, now).billing_blocked = True
        self._async_schedule_save()

    @callback
    def retain(self, vehicle_ids: set[str]) -> None:
        """Drop the rows of cars that left the account."""
        departed = set(self._usage) - vehicle_ids
        for vehicle_id in departed:
            del self._usage[vehicle_id]
        if departed:
            self._async_schedule_save()

    async def async_flush(self) -> None:
        """Write the ledger now: a reload within the save delay must not forget requests."""
        await self._store.async_save(self._rows())

    async def async_remove(self) -> None:
        """Delete the ledger file (the config entry is removed)."""
        await self._store.async_remove()

    @callback
    def _async_schedule_save(self) -> None:
        self._store.async_delay_save(self._rows, SAVE_DELAY)

    @callback
    def _rows(self) -> dict[str, _StoredUsage]:
        return {
            vehicle_id: _StoredUsage(
                period=usage.period,
                used=usage.used,
                billing_blocked=usage.billing_blocked,
            )
            for vehicle_id, usage in self._usage.items()
        }

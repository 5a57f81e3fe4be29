"""The monthly request budget: pure schedule functions and the persisted ledger."""

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.smartcar.budget import (
    BudgetPolicy,
    RequestLedger,
    billing_period,
    next_period_start,
    poll_interval,
    polls_left,
)

POLICY = BudgetPolicy()  # 500 a month, 10 % kept for commands, 15-minute floor


def test_default_policy_keeps_a_tenth_for_commands() -> None:
    assert POLICY.poll_allowance == 450
    assert BudgetPolicy(monthly_limit=1000, command_reserve=0.2).poll_allowance == 800


def test_period_is_the_utc_calendar_month() -> None:
    assert billing_period(datetime(2026, 10, 31, 23, 59, tzinfo=UTC)) == "2026-10"
    assert next_period_start(datetime(2026, 10, 20, tzinfo=UTC)) == datetime(
        2026, 11, 1, tzinfo=UTC
    )
    assert next_period_start(datetime(2026, 12, 15, tzinfo=UTC)) == datetime(
        2027, 1, 1, tzinfo=UTC
    )


def test_what_is_left_is_spread_over_the_rest_of_the_month() -> None:
    # 1 November, midnight: 30 days for 450 polls -> one every 96 minutes.
    start = datetime(2026, 11, 1, tzinfo=UTC)

    assert poll_interval(POLICY, used=0, cost=1, now=start) == timedelta(minutes=96)
    # Halfway through with half used: the same pace.
    halfway = datetime(2026, 11, 16, tzinfo=UTC)
    assert poll_interval(POLICY, used=225, cost=1, now=halfway) == timedelta(minutes=96)
    # Having used more, the rest of the month is paced slower.
    assert poll_interval(POLICY, used=405, cost=1, now=halfway) == timedelta(hours=8)


def test_batch_costs_one_request_per_path() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)

    assert polls_left(POLICY, used=0, cost=9) == 50
    assert poll_interval(POLICY, used=0, cost=9, now=start) == timedelta(days=30) / 50


def test_charging_or_moving_polls_three_times_as_often_down_to_the_floor() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)

    assert poll_interval(POLICY, used=0, cost=1, now=start, active=True) == timedelta(
        minutes=32
    )
    # With plenty of requests the floor holds.
    generous = BudgetPolicy(monthly_limit=10_000)
    assert poll_interval(generous, used=0, cost=1, now=start) == timedelta(minutes=15)
    assert poll_interval(generous, used=0, cost=1, now=start, active=True) == timedelta(
        minutes=15
    )


def test_no_polls_left_waits_for_the_next_period() -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    until_december = timedelta(days=10, hours=12, minutes=1)

    assert poll_interval(POLICY, used=450, cost=1, now=now) == until_december
    # The reserve is for commands: 449 used leaves no room for a 2-path batch.
    assert poll_interval(POLICY, used=449, cost=2, now=now) == until_december


def test_billing_refusal_waits_for_the_next_period() -> None:
    now = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)

    assert poll_interval(POLICY, used=10, cost=1, now=now, blocked=True) == timedelta(
        hours=1, minutes=1
    )


async def test_ledger_counts_per_car_and_month_and_is_saved(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(datetime(2026, 10, 31, 23, 0, tzinfo=UTC))
    ledger = RequestLedger(hass, "entry1")
    await ledger.async_load()
    now = datetime(2026, 10, 31, 23, 0, tzinfo=UTC)

    ledger.record("car-a", 3, now)
    ledger.record("car-a", 0, now)
    ledger.record("car-b", 1, now)
    ledger.block("car-b", now)
    freezer.tick(timedelta(seconds=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert hass_storage["smartcar.entry1.budget"]["data"] == {
        "car-a": {"period": "2026-10", "used": 3, "billing_blocked": False},
        "car-b": {"period": "2026-10", "used": 1, "billing_blocked": True},
    }

    # A restart reads it back; November starts from zero and unblocked.
    reloaded = RequestLedger(hass, "entry1")
    await reloaded.async_load()
    assert reloaded.usage("car-a", now).used == 3
    assert reloaded.usage("car-b", now).billing_blocked
    november = datetime(2026, 11, 1, 0, 5, tzinfo=UTC)
    usage = reloaded.usage("car-b", november)
    assert (usage.period, usage.used, usage.billing_blocked) == ("2026-11", 0, False)

    reloaded.retain({"car-b"})
    freezer.tick(timedelta(seconds=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert set(hass_storage["smartcar.entry1.budget"]["data"]) == {"car-b"}

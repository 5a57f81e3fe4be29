"""Polling one car read with v3 signals: the plan, billed requests, failures, issues.

Every test starts at 20 October 2026, 08:00 UTC: 11 days and 16 hours (280 hours) are left in
the billing period. With the default options (500 requests a month, 10 % kept for commands) polls
may use 450 requests, paced through October's 31 days (docs/benchmarks.md, "The planner"). The
expected times are worked out by hand from those numbers.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartcar.coordinator import SmartcarCoordinator

from .conftest import (
    API,
    API_V3,
    DOMAIN,
    EV_ID,
    PETROL_ID,
    PHEV_ID,
    TOKEN_URL,
    Reply,
    SmartcarMock,
    load_fixture,
    make_entry,
    next_poll,
    once,
    setup_entry,
    v3_error,
)

NOW = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
# The next billing period begins here; polls stopped for the month resume a minute later.
NEXT_PERIOD_POLL = datetime(2026, 11, 1, 0, 1, tzinfo=UTC)
# 450 polls over 31 days is 450/31 a day. A car set up on the 20th is far behind that pace; it
# carries over one day's allowance (the cap), spent over the next day: twice the daily pace,
# one poll every 24 h x 31 / 900 = 49 min 36 s.
CATCH_UP = timedelta(minutes=49, seconds=36)
# A poll that brought nothing newer doubles the wait: 99 min 12 s.
IDLE_ONCE = 2 * CATCH_UP
SIGNALS = f"{API_V3}/vehicles/{EV_ID}/signals"
ATTRIBUTES = f"{API}/vehicles/{EV_ID}"
BATTERY = "sensor.tesla_model_3_battery"
LOCK = "lock.tesla_model_3_lock"
ODOMETER = "sensor.tesla_model_3_odometer"
REFRESH = "button.tesla_model_3_refresh"
# The fixture cars recorded their data at 07:58; a later record is newer than what is shown.
LATER_RECORD_MS = 1792483140000  # 07:59 UTC


def coordinator_of(
    entry: MockConfigEntry, vehicle_id: str = EV_ID
) -> SmartcarCoordinator:
    return entry.runtime_data.vehicles[vehicle_id]


def planned(entry: MockConfigEntry, vehicle_id: str = EV_ID) -> tuple[Any, Any]:
    """The car's next poll and why then."""
    poll = coordinator_of(entry, vehicle_id).car.poll
    return poll.next_at, poll.reason


def store_usage(
    hass_storage: dict[str, Any],
    entry: MockConfigEntry,
    used: int,
    *,
    period: str = "2026-10",
    billing_blocked: bool = False,
) -> str:
    """Put the EV's request ledger on disk before setup, as a run before left it; its key."""
    key = f"smartcar.{entry.entry_id}.budget"
    row = {"period": period, "used": used, "billing_blocked": billing_blocked}
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {EV_ID: row},
    }
    return key


async def poll_when_due(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    vehicle_id: str = EV_ID,
) -> datetime:
    """Let the clock reach the car's planned poll and run it; return when it ran."""
    due = coordinator_of(entry, vehicle_id).car.poll.next_at
    assert due is not None
    await next_poll(hass, freezer, (due - dt_util.utcnow()).total_seconds())
    return due


def signals_with(**bodies: Any) -> dict[str, Any]:
    """The EV's signals answer with some signals changed, recorded later than the fixture."""
    answer = load_fixture("ev/signals.json")
    for item in answer["data"]:
        code = item["attributes"]["code"]
        if code in bodies:
            item["attributes"]["body"] = bodies[code]
            item["meta"]["oemUpdatedAt"] = LATER_RECORD_MS
    return answer


def newer_battery(smartcar: SmartcarMock, percent: int) -> None:
    """Answer the next signals reads with the battery at `percent`, recorded later."""
    smartcar.routes["GET", SIGNALS] = Reply(
        body=signals_with(
            **{"tractionbattery-stateofcharge": {"unit": "percent", "value": percent}}
        )
    )


def signal_error(
    body: dict[str, Any], code: str, error_type: str, error_code: str | None
) -> None:
    """Turn one signal of a signals answer into an error signal."""
    for item in body["data"]:
        if item["attributes"]["code"] == code:
            item["attributes"]["body"] = {}
            item["attributes"]["status"] = {
                "value": "ERROR",
                "error": {"type": error_type, "code": error_code, "title": error_type},
            }


def fixture_signals() -> Reply:
    return Reply(body=load_fixture("ev/signals.json"))


async def press_refresh(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": REFRESH}, blocking=True
    )


# --- the plan -----------------------------------------------------------------------------


async def test_a_car_set_up_mid_month_polls_at_twice_the_daily_pace(
    loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    # The attributes (1) and one read (1); far behind the pace, a day's allowance carried over.
    assert loaded_ev.runtime_data.ledger.usage(EV_ID, NOW).used == 2
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert planned(loaded_ev) == (NOW + CATCH_UP, "spread")


async def test_the_car_is_read_when_its_plan_says_and_not_before(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    await next_poll(hass, freezer, 49 * 60 + 31)
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    newer_battery(smartcar, 75)

    await next_poll(hass, freezer, 10)

    assert len(smartcar.calls("GET", SIGNALS)) == 2
    polled = NOW + timedelta(minutes=49, seconds=41)
    # Still more than a day behind: the same pace, counted from when the poll ran.
    assert planned(loaded_ev) == (polled + CATCH_UP, "spread")


async def test_polls_that_bring_nothing_newer_stretch_the_wait_until_one_does(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    # The fixture's data time stays 07:58: the car sleeps. Each such poll doubles the wait,
    # up to 3 hours (four times 49 min 36 s would be 3 h 18 min 24 s).
    for wait in (IDLE_ONCE, timedelta(hours=3), timedelta(hours=3)):
        polled = await poll_when_due(hass, freezer, loaded_ev)
        assert planned(loaded_ev) == (polled + wait, "idle")
    assert len(smartcar.calls("GET", SIGNALS)) == 4
    newer_battery(smartcar, 75)

    polled = await poll_when_due(hass, freezer, loaded_ev)

    # The car woke up: the pace again.
    assert hass.states.get(BATTERY).state == "75.0"
    assert planned(loaded_ev) == (polled + CATCH_UP, "spread")


def daily_store(body: Any) -> Reply:
    """The EV's signals as a store refreshed once a day, at 04:00 UTC, answers them."""
    now = dt_util.utcnow()
    refresh = now.replace(hour=4, minute=0, second=0, microsecond=0)
    if refresh > now:
        refresh -= timedelta(days=1)
    answer = load_fixture("ev/signals.json")
    stamp = int(refresh.timestamp() * 1000)
    for item in answer["data"]:
        item["meta"] = {"retrievedAt": stamp, "oemUpdatedAt": stamp}
    return Reply(body=answer)


async def test_data_refreshed_once_a_day_is_read_just_after_with_a_probe_between(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["GET", SIGNALS] = daily_store
    polls: list[tuple[datetime, str]] = []
    while dt_util.utcnow() < datetime(2026, 10, 27, 4, 0, tzinfo=UTC):
        polled = await poll_when_due(hass, freezer, loaded_ev)
        polls.append((polled, planned(loaded_ev)[1]))

    # The data moved at 04:00 on the 21st and the 22nd (after 07:58 on the 20th): seen as daily
    # at the first poll after that.
    first = next(polled for polled, reason in polls if reason == "daily")
    assert first == datetime(2026, 10, 22, 6, 57, 36, tzinfo=UTC)
    # The first refresh is expected early (20 h and 24 h gaps: 22 h on average) and found at
    # 04:06 by waits as long as it is late; from then on a probe at 16:05 and the read at 04:05.
    settled = [
        polled for polled, _ in polls if polled >= datetime(2026, 10, 24, tzinfo=UTC)
    ]
    assert [f"{moment:%d %H:%M}" for moment in settled] == [
        "24 04:05", "24 16:05", "25 04:05", "25 16:05", "26 04:05", "26 16:05", "27 04:05",
    ]  # fmt: skip
    assert {reason for polled, reason in polls if polled >= first} == {"daily"}
    # Before, the pace (stretched to 3 h while nothing moved): 17 polls in two days; after,
    # 14 in four and a half, 5 of them looking for the first refresh.
    assert len([p for p, _ in polls if p < first]) == 17
    assert len([p for p, _ in polls if p > first]) == 14
    assert hass.states.get(BATTERY).state == "76.0"


async def test_signals_read_over_two_pages_counts_two_billed_requests(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> None:
    smartcar.add_vehicle("ev")
    full = load_fixture("ev/signals.json")
    half = len(full["data"]) // 2
    second = f"/v3/vehicles/{EV_ID}/signals?page=2&pageSize=100"
    pages = iter(
        [
            Reply(
                body={**full, "data": full["data"][:half], "links": {"next": second}}
            ),
            Reply(body={**full, "data": full["data"][half:], "links": {"next": None}}),
        ]
    )
    smartcar.routes["GET", SIGNALS] = lambda _body: next(pages)

    await setup_entry(hass, config_entry)

    # The car's attributes (1) and one read Smartcar answered in two pages (2).
    assert len(smartcar.calls("GET", SIGNALS)) == 2
    assert config_entry.runtime_data.ledger.usage(EV_ID, NOW).used == 3
    assert planned(config_entry) == (NOW + CATCH_UP, "spread")
    assert hass.states.get(BATTERY).state == "76.0"
    assert hass.states.get(ODOMETER).state == "18234.6"


async def test_charging_car_polls_at_three_times_the_daily_pace(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> None:
    smartcar.add_vehicle("phev")

    await setup_entry(hass, config_entry)

    # 24 h x 31 / (3 x 450) is 33 min 4 s, sooner than the catch-up pace.
    boosted = timedelta(minutes=33, seconds=4)
    assert planned(config_entry, PHEV_ID) == (NOW + boosted, "active")


async def test_charging_car_never_polls_below_the_floor(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    # 2000 requests: 1800 for polls, 1800/31 a day; three times that pace is every
    # 24 h x 31 / 5400 = 8 min 16 s: the 15-minute floor applies.
    entry = make_entry(options={"monthly_limit": 2000})
    smartcar.add_vehicle("phev")

    await setup_entry(hass, entry)

    assert planned(entry, PHEV_ID) == (NOW + timedelta(minutes=15), "floor")


async def test_moving_car_polls_three_times_as_often(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    # 276 requests: 248 for polls, 8 a day in October; catching up, twice that: every 90 min.
    entry = make_entry(options={"monthly_limit": 276})
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)
    assert planned(entry) == (NOW + timedelta(minutes=90), "spread")
    smartcar.routes["GET", SIGNALS] = Reply(
        body=signals_with(
            **{
                "location-preciselocation": {
                    "latitude": 52.3901,
                    "longitude": 4.8922,
                    "heading": 92,
                    "direction": "E",
                    "locationType": "GPS",
                }
            }
        )
    )

    polled = await poll_when_due(hass, freezer, entry)

    # Moving: three times the daily pace, 24 h / 24 = 60 minutes.
    assert planned(entry) == (polled + timedelta(minutes=60), "active")


async def test_ledger_survives_a_restart(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    key = store_usage(hass_storage, config_entry, 300)
    smartcar.add_vehicle("ev")

    await setup_entry(hass, config_entry)

    # Written through at once: the attributes and the first read.
    saved = hass_storage[key]["data"][EV_ID]
    assert saved == {"period": "2026-10", "used": 302, "billing_blocked": False}
    # 302 used where the pace allows 450 x 19 1/3 / 31 = 280.6: ahead by more than a day's
    # allowance, so half the daily pace: 24 h x 31 / 225 = 3 h 18 min 24 s.
    assert planned(config_entry) == (
        NOW + timedelta(hours=3, minutes=18, seconds=24),
        "spread",
    )


async def test_new_month_starts_from_zero(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    store_usage(hass_storage, config_entry, 450, period="2026-09", billing_blocked=True)
    smartcar.add_vehicle("ev")

    await setup_entry(hass, config_entry)

    usage = config_entry.runtime_data.ledger.usage(EV_ID, NOW)
    assert (usage.period, usage.used, usage.billing_blocked) == ("2026-10", 2, False)
    assert len(smartcar.calls("GET", SIGNALS)) == 1


async def test_used_up_budget_stops_polling_until_next_month(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    entry = make_entry()
    store_usage(hass_storage, entry, 449)
    smartcar.add_vehicle("ev")

    await setup_entry(hass, entry)

    # The attributes took the last request for polls: no read was sent.
    assert len(smartcar.calls("GET", ATTRIBUTES)) == 1
    assert smartcar.calls("GET", SIGNALS) == []
    assert entry.runtime_data.ledger.usage(EV_ID, NOW).used == 450
    assert planned(entry) == (NEXT_PERIOD_POLL, "budget_exhausted")
    issue = issue_registry.async_get_issue(DOMAIN, f"request_budget_exhausted_{EV_ID}")
    assert issue is not None
    assert issue.translation_placeholders["reset"] == "2026-11-01"
    await next_poll(hass, freezer, timedelta(days=5).total_seconds())
    assert smartcar.calls("GET", SIGNALS) == []

    # 1 November, 00:01: a new period.
    await next_poll(
        hass, freezer, (NEXT_PERIOD_POLL - dt_util.utcnow()).total_seconds()
    )
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert not issue_registry.async_get_issue(
        DOMAIN, f"request_budget_exhausted_{EV_ID}"
    )
    assert hass.states.get(BATTERY).state == "76.0"


async def test_poll_that_uses_the_last_request_raises_the_budget_issue(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    hass_storage: dict[str, Any],
    issue_registry: ir.IssueRegistry,
) -> None:
    entry = make_entry()
    store_usage(hass_storage, entry, 448)
    smartcar.add_vehicle("ev")

    await setup_entry(hass, entry)

    # The attributes and the read took the last two requests for polls.
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert entry.runtime_data.ledger.usage(EV_ID, NOW).used == 450
    assert hass.states.get(BATTERY).state == "76.0"
    assert planned(entry) == (NEXT_PERIOD_POLL, "budget_exhausted")
    # Polling stopped for the month: the owner is told now, not on 1 November.
    issue = issue_registry.async_get_issue(DOMAIN, f"request_budget_exhausted_{EV_ID}")
    assert issue is not None
    assert issue.translation_placeholders["reset"] == "2026-11-01"


async def test_restart_shows_the_stored_values_and_keeps_the_planned_poll(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.tick(timedelta(minutes=10))
    await hass.config_entries.async_reload(loaded_ev.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    # Nothing asked again: the values, the attributes and the plan come from the store.
    assert hass.states.get(BATTERY).state == "76.0"
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert len(smartcar.calls("GET", ATTRIBUTES)) == 1
    assert planned(loaded_ev) == (NOW + CATCH_UP, "spread")
    await next_poll(hass, freezer, 39 * 60 + 31)
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    await next_poll(hass, freezer, 10)
    assert len(smartcar.calls("GET", SIGNALS)) == 2


async def test_restart_after_the_planned_poll_polls_at_once(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    await hass.config_entries.async_unload(loaded_ev.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(hours=1))

    await hass.config_entries.async_setup(loaded_ev.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert len(smartcar.calls("GET", SIGNALS)) == 2
    polled = NOW + timedelta(hours=1)
    # The car's data time did not move since the stored values (07:58): twice the wait.
    assert planned(loaded_ev) == (polled + IDLE_ONCE, "idle")


async def test_command_never_moves_the_planned_poll(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.tick(timedelta(minutes=20))
    await hass.services.async_call("lock", "unlock", {"entity_id": LOCK}, blocking=True)

    assert hass.states.get(LOCK).state == "unlocked"
    # Billed, but the plan stays.
    assert loaded_ev.runtime_data.ledger.usage(EV_ID, NOW).used == 3
    assert planned(loaded_ev) == (NOW + CATCH_UP, "spread")


# --- the refresh button -------------------------------------------------------------------


async def test_refresh_button_polls_now_and_keeps_the_planned_poll(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.tick(timedelta(minutes=15))
    newer_battery(smartcar, 74)

    await press_refresh(hass)

    assert len(smartcar.calls("GET", SIGNALS)) == 2
    assert hass.states.get(BATTERY).state == "74.0"
    assert loaded_ev.runtime_data.ledger.usage(EV_ID, NOW).used == 3
    assert planned(loaded_ev) == (NOW + CATCH_UP, "spread")
    await next_poll(hass, freezer, 34 * 60 + 41)
    assert len(smartcar.calls("GET", SIGNALS)) == 3


async def test_refresh_answered_429_never_brings_the_planned_poll_sooner(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.tick(timedelta(minutes=15))
    smartcar.routes["GET", SIGNALS] = v3_error(
        429, "RATE_LIMIT", "VEHICLE", retry_after=60
    )

    with pytest.raises(HomeAssistantError):
        await press_refresh(hass)

    # A retry would be due at 08:30 (the floor); the poll planned for 08:49:36 stays, and a
    # refresh waits for the back-off.
    assert planned(loaded_ev) == (NOW + CATCH_UP, "spread")
    poll = coordinator_of(loaded_ev).car.poll
    assert poll.backed_off_until == NOW + timedelta(minutes=30)


async def test_refresh_button_is_refused_within_the_floor(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.tick(timedelta(minutes=14))

    with pytest.raises(HomeAssistantError) as raised:
        await press_refresh(hass)

    assert raised.value.translation_key == "refresh_refused_floor"
    # 15 minutes after the last poll, in Home Assistant's time zone (US/Pacific in tests).
    assert raised.value.translation_placeholders == {"time": "2026-10-20 01:15"}
    assert len(smartcar.calls("GET", SIGNALS)) == 1


async def test_refresh_button_is_refused_when_the_polls_are_used_up(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    await loaded_ev.runtime_data.ledger.async_record(EV_ID, 448, NOW)
    freezer.tick(timedelta(minutes=20))

    with pytest.raises(HomeAssistantError) as raised:
        await press_refresh(hass)

    assert raised.value.translation_key == "refresh_refused_budget_exhausted"
    # 1 November 00:00 UTC is 31 October 17:00 in US/Pacific.
    assert raised.value.translation_placeholders == {"time": "2026-10-31 17:00"}
    assert len(smartcar.calls("GET", SIGNALS)) == 1


@pytest.mark.parametrize(
    ("reply", "key", "message"),
    [
        (
            v3_error(502, "UPSTREAM", "NO_RESPONSE"),
            "update_failed",
            r"Reading the car failed \(UPSTREAM:NO_RESPONSE\)",
        ),
        (
            v3_error(409, "VEHICLE_STATE", "ASLEEP"),
            "vehicle_state_asleep",
            "The car is asleep",
        ),
    ],
    ids=["upstream", "asleep"],
)
async def test_refresh_button_reports_a_read_that_failed(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    reply: Reply,
    key: str,
    message: str,
) -> None:
    freezer.tick(timedelta(minutes=15))
    smartcar.routes["GET", SIGNALS] = reply

    with pytest.raises(HomeAssistantError, match=message) as raised:
        await press_refresh(hass)

    assert raised.value.translation_key == key
    assert len(smartcar.calls("GET", SIGNALS)) == 2
    # The last values stay shown all the same, and the plan stays.
    assert hass.states.get(BATTERY).state == "76.0"
    assert planned(loaded_ev) == (NOW + CATCH_UP, "spread")


async def test_refresh_button_reports_a_token_that_cannot_be_refreshed(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.tick(timedelta(minutes=15))
    smartcar.routes["POST", TOKEN_URL] = Reply(status=503)
    token = {**loaded_ev.data["token"], "expires_at": 0}
    hass.config_entries.async_update_entry(
        loaded_ev, data={**loaded_ev.data, "token": token}
    )

    with pytest.raises(HomeAssistantError, match="could not be reached") as raised:
        await press_refresh(hass)

    assert raised.value.translation_key == "cannot_connect"
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert hass.states.get(BATTERY).state == "76.0"
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_poll_answer_arriving_after_a_command_keeps_the_command_state(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    await hass.services.async_call("lock", "unlock", {"entity_id": LOCK}, blocking=True)
    # Smartcar read the car before the lock command reached it (its lock record is the
    # fixture's, 07:58), the battery a minute later.
    older = signals_with(
        **{"tractionbattery-stateofcharge": {"unit": "percent", "value": 70}}
    )
    for item in older["data"]:
        if item["attributes"]["code"] == "closure-islocked":
            item["attributes"]["body"] = {"value": False}
    asked, answer = asyncio.Event(), asyncio.Event()

    async def slow_answer(_body: Any) -> Reply:
        asked.set()
        await answer.wait()
        return Reply(body=older)

    smartcar.routes["GET", SIGNALS] = slow_answer
    poll = hass.async_create_task(coordinator_of(loaded_ev).async_refresh())
    await asked.wait()

    await hass.services.async_call("lock", "lock", {"entity_id": LOCK}, blocking=True)
    assert hass.states.get(LOCK).state == "locked"
    answer.set()
    await poll
    await hass.async_block_till_done()

    assert hass.states.get(LOCK).state == "locked"
    # Everything else the poll brought is shown.
    assert hass.states.get(BATTERY).state == "70.0"


async def test_two_cars_rejected_at_once_refresh_the_token_once(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    await setup_entry(hass, config_entry)
    both_asked = asyncio.Barrier(2)

    def rejected_together(model: str) -> Any:
        calls = 0

        async def route(_body: Any) -> Reply:
            nonlocal calls
            calls += 1
            if calls > 1:
                return Reply(body=load_fixture(f"{model}/signals.json"))
            # Both requests carry the same token when Smartcar ends it.
            await both_asked.wait()
            return v3_error(401, "AUTHENTICATION")

        return route

    for model, vehicle_id in (("ev", EV_ID), ("petrol", PETROL_ID)):
        smartcar.routes["GET", f"{API_V3}/vehicles/{vehicle_id}/signals"] = (
            rejected_together(model)
        )

    await asyncio.gather(
        coordinator_of(config_entry, EV_ID).async_refresh(),
        coordinator_of(config_entry, PETROL_ID).async_refresh(),
    )

    assert len(smartcar.calls("POST", TOKEN_URL)) == 1
    for vehicle_id in (EV_ID, PETROL_ID):
        calls = smartcar.calls("GET", f"{API_V3}/vehicles/{vehicle_id}/signals")
        # The setup's read, the rejected one, the retry with the new token.
        assert len(calls) == 3
        assert calls[-1][3]["Authorization"] == "Bearer access-token-1"
        # The 401 is not billed; the retry is.
        assert config_entry.runtime_data.ledger.usage(vehicle_id, NOW).used == 3
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


# --- failures -----------------------------------------------------------------------------


async def test_authentication_error_starts_reauth_and_keeps_the_values(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(401, "AUTHENTICATION")

    polled = await poll_when_due(hass, freezer, loaded_ev)

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert hass.states.get(BATTERY).state == "76.0"
    assert hass.states.get(LOCK).state == "locked"
    # A refresh was tried first; Smartcar refused the new token as well.
    assert smartcar.refreshes == 1
    # Neither 401 is billed.
    assert loaded_ev.runtime_data.ledger.usage(EV_ID, NOW).used == 2
    assert planned(loaded_ev) == (polled + CATCH_UP, "spread")


async def test_token_rejected_before_it_expires_is_refreshed_once(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["GET", SIGNALS] = once(
        v3_error(401, "AUTHENTICATION"),
        Reply(
            body=signals_with(
                **{"tractionbattery-stateofcharge": {"unit": "percent", "value": 75}}
            )
        ),
    )

    await poll_when_due(hass, freezer, loaded_ev)

    assert smartcar.refreshes == 1
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    retried = smartcar.calls("GET", SIGNALS)[-1]
    assert retried[3]["Authorization"] == "Bearer access-token-1"
    assert loaded_ev.data["token"]["refresh_token"] == "refresh-token-1"
    assert hass.states.get(BATTERY).state == "75.0"


async def test_rate_limit_is_retried_when_smartcar_says_but_not_before_the_floor(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(
        429, "RATE_LIMIT", "VEHICLE", retry_after=120
    )
    polled = await poll_when_due(hass, freezer, loaded_ev)
    assert len(smartcar.calls("GET", SIGNALS)) == 2
    # Retry-After (2 minutes) is within the floor: 15 minutes, sooner than the plan (a 429 is
    # not billed).
    due = polled + timedelta(minutes=15)
    assert planned(loaded_ev) == (due, "rate_limited")
    assert loaded_ev.runtime_data.ledger.usage(EV_ID, NOW).used == 2
    assert hass.states.get(BATTERY).state == "76.0"
    newer_battery(smartcar, 75)

    await next_poll(hass, freezer, 121)
    await next_poll(hass, freezer, (due - dt_util.utcnow()).total_seconds() - 5)
    assert len(smartcar.calls("GET", SIGNALS)) == 2

    await next_poll(hass, freezer, 10)
    assert len(smartcar.calls("GET", SIGNALS)) == 3
    assert hass.states.get(BATTERY).state == "75.0"
    # The clock reached the retry 5 seconds late.
    assert planned(loaded_ev) == (due + timedelta(seconds=5) + CATCH_UP, "spread")


async def test_rate_limit_retry_after_longer_than_the_plan_is_honoured(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(
        429, "RATE_LIMIT", "VEHICLE", retry_after=7200
    )
    polled = await poll_when_due(hass, freezer, loaded_ev)
    smartcar.routes["GET", SIGNALS] = fixture_signals()

    assert planned(loaded_ev) == (polled + timedelta(hours=2), "rate_limited")
    # A slower pace is no outage.
    assert hass.states.get(BATTERY).state == "76.0"
    await next_poll(hass, freezer, 7200 - 5)
    assert len(smartcar.calls("GET", SIGNALS)) == 2
    await next_poll(hass, freezer, 10)
    assert len(smartcar.calls("GET", SIGNALS)) == 3


async def test_refresh_button_is_refused_while_backed_off(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(
        429, "RATE_LIMIT", "VEHICLE", retry_after=7200
    )
    await poll_when_due(hass, freezer, loaded_ev)
    freezer.tick(timedelta(minutes=30))

    with pytest.raises(HomeAssistantError) as raised:
        await press_refresh(hass)

    assert raised.value.translation_key == "refresh_refused_rate_limited"
    # 08:49:36 UTC plus two hours is 03:49 in US/Pacific.
    assert raised.value.translation_placeholders == {"time": "2026-10-20 03:49"}
    assert len(smartcar.calls("GET", SIGNALS)) == 2


async def test_rate_limit_without_retry_after_doubles_the_planned_wait(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(429, "RATE_LIMIT", "SMARTCAR_API")

    # Never sooner than the plan, then twice and four times as long (429s are not billed:
    # the pace stays the catch-up one).
    for factor, reason in ((1, "spread"), (2, "rate_limited"), (4, "rate_limited")):
        polled = await poll_when_due(hass, freezer, loaded_ev)
        assert planned(loaded_ev) == (polled + factor * CATCH_UP, reason)
    assert len(smartcar.calls("GET", SIGNALS)) == 4
    assert hass.states.get(BATTERY).state == "76.0"

    newer_battery(smartcar, 75)
    polled = await poll_when_due(hass, freezer, loaded_ev)
    assert planned(loaded_ev) == (polled + CATCH_UP, "spread")
    # A success starts the count again.
    smartcar.routes["GET", SIGNALS] = v3_error(429, "RATE_LIMIT", "SMARTCAR_API")
    polled = await poll_when_due(hass, freezer, loaded_ev)
    assert planned(loaded_ev) == (polled + CATCH_UP, "spread")


@pytest.mark.parametrize(
    "code",
    ["ASLEEP", "UNREACHABLE", "REMOTE_ACCESS_DISABLED", "VEHICLE_OFFLINE_FOR_SERVICE"],
)
async def test_car_refusing_a_read_keeps_its_values(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    code: str,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(409, "VEHICLE_STATE", code)

    polled = await poll_when_due(hass, freezer, loaded_ev)

    assert len(smartcar.calls("GET", SIGNALS)) == 2
    assert hass.states.get(BATTERY).state == "76.0"
    assert hass.states.get(LOCK).state == "locked"
    # A refused read is not billed (Smartcar bills successful requests): 448 polls left.
    assert loaded_ev.runtime_data.ledger.usage(EV_ID, NOW).used == 2
    assert planned(loaded_ev) == (polled + CATCH_UP, "spread")


async def test_car_asleep_at_setup_gets_its_entities_when_it_wakes(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", SIGNALS] = v3_error(409, "VEHICLE_STATE", "ASLEEP")
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(BATTERY) is None

    smartcar.routes["GET", SIGNALS] = fixture_signals()
    await poll_when_due(hass, freezer, config_entry)

    assert hass.states.get(BATTERY).state == "76.0"


@pytest.mark.parametrize(
    "reply",
    [
        v3_error(502, "UPSTREAM", "NO_RESPONSE"),
        v3_error(504, "GATEWAY_TIMEOUT"),
        v3_error(500, "SERVER", "INTERNAL"),
    ],
    ids=["upstream", "gateway_timeout", "server"],
)
async def test_passing_failure_keeps_the_last_values_and_the_pace(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    reply: Reply,
) -> None:
    smartcar.routes["GET", SIGNALS] = reply

    polled = await poll_when_due(hass, freezer, loaded_ev)

    assert len(smartcar.calls("GET", SIGNALS)) == 2
    assert hass.states.get(BATTERY).state == "76.0"
    assert hass.states.get(LOCK).state == "locked"
    # Not billed, so tried again sooner than the plan: the floor's 15 minutes, then 30.
    assert loaded_ev.runtime_data.ledger.usage(EV_ID, NOW).used == 2
    assert planned(loaded_ev) == (polled + timedelta(minutes=15), "retry")
    polled = await poll_when_due(hass, freezer, loaded_ev)
    assert planned(loaded_ev) == (polled + timedelta(minutes=30), "retry")
    # 60 minutes would be later than the plan (49 min 36 s): the plan.
    polled = await poll_when_due(hass, freezer, loaded_ev)
    assert planned(loaded_ev) == (polled + CATCH_UP, "spread")
    newer_battery(smartcar, 75)

    polled = await poll_when_due(hass, freezer, loaded_ev)

    assert hass.states.get(BATTERY).state == "75.0"
    assert planned(loaded_ev) == (polled + CATCH_UP, "spread")
    assert loaded_ev.runtime_data.ledger.usage(EV_ID, NOW).used == 3


@pytest.mark.parametrize(
    "reply",
    [
        v3_error(502, "UPSTREAM", "RATE_LIMIT"),
        v3_error(500, "SERVER", "RECORD_NOT_FOUND"),
        v3_error(500, "SERVER", "MULTIPLE_RECORDS_FOUND"),
    ],
    ids=["carmaker_rate_limit", "record_not_found", "multiple_records"],
)
async def test_lasting_server_failures_keep_the_pace_instead_of_retrying(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    reply: Reply,
) -> None:
    smartcar.routes["GET", SIGNALS] = reply

    polled = await poll_when_due(hass, freezer, loaded_ev)

    # The carmaker's rate limit wants a long back-off: no retry 15 minutes later.
    assert hass.states.get(BATTERY).state == "76.0"
    assert planned(loaded_ev) == (polled + CATCH_UP, "spread")


async def test_unreachable_smartcar_keeps_the_last_values(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    def time_out(_body: Any) -> Reply:
        raise TimeoutError

    smartcar.routes["GET", SIGNALS] = time_out

    polled = await poll_when_due(hass, freezer, loaded_ev)

    assert len(smartcar.calls("GET", SIGNALS)) == 2
    assert hass.states.get(BATTERY).state == "76.0"
    # Nothing answered, nothing billed; tried again in 15 minutes.
    assert loaded_ev.runtime_data.ledger.usage(EV_ID, NOW).used == 2
    assert planned(loaded_ev) == (polled + timedelta(minutes=15), "retry")


async def test_unreachable_smartcar_without_any_values_is_tried_again_sooner(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> None:
    def time_out(_body: Any) -> Reply:
        raise TimeoutError

    smartcar.add_vehicle("ev")
    smartcar.routes["GET", SIGNALS] = time_out

    await setup_entry(hass, config_entry)

    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(BATTERY) is None
    # Only the attributes were billed; the read is tried again in 15 minutes, not stuck there.
    assert planned(config_entry) == (NOW + timedelta(minutes=15), "retry")


@pytest.mark.parametrize(
    "reply",
    [v3_error(403, "PERMISSION"), v3_error(400, "VALIDATION", "PARAMETER")],
    ids=["permission", "validation"],
)
async def test_failed_read_keeps_the_values_until_it_recovers(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    reply: Reply,
) -> None:
    smartcar.routes["GET", SIGNALS] = reply

    polled = await poll_when_due(hass, freezer, loaded_ev)

    # Entities stay available with their last values (the old design made them unavailable).
    assert hass.states.get(BATTERY).state == "76.0"
    assert hass.states.get(LOCK).state == "locked"
    assert planned(loaded_ev) == (polled + CATCH_UP, "spread")
    newer_battery(smartcar, 73)
    await poll_when_due(hass, freezer, loaded_ev)
    assert hass.states.get(BATTERY).state == "73.0"


async def test_billing_error_stops_polling_until_the_period_resets(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(430, "BILLING", "VEHICLE_REQUEST_LIMIT")

    await poll_when_due(hass, freezer, loaded_ev)

    issue = issue_registry.async_get_issue(DOMAIN, f"billing_limit_{EV_ID}")
    assert issue is not None
    # "... until the next billing period begins on {reset}".
    assert issue.translation_placeholders["reset"] == "2026-11-01"
    assert hass.states.get(BATTERY).state == "76.0"
    assert loaded_ev.runtime_data.ledger.usage(EV_ID, dt_util.utcnow()).billing_blocked
    assert planned(loaded_ev) == (NEXT_PERIOD_POLL, "billing")
    smartcar.routes["GET", SIGNALS] = fixture_signals()
    await next_poll(hass, freezer, timedelta(days=10).total_seconds())
    assert len(smartcar.calls("GET", SIGNALS)) == 2
    with pytest.raises(HomeAssistantError) as raised:
        await press_refresh(hass)
    assert raised.value.translation_key == "refresh_refused_billing"
    assert len(smartcar.calls("GET", SIGNALS)) == 2

    await next_poll(
        hass, freezer, (NEXT_PERIOD_POLL - dt_util.utcnow()).total_seconds()
    )
    assert len(smartcar.calls("GET", SIGNALS)) == 3
    assert issue_registry.async_get_issue(DOMAIN, f"billing_limit_{EV_ID}") is None
    usage = loaded_ev.runtime_data.ledger.usage(EV_ID, dt_util.utcnow())
    assert (usage.period, usage.used, usage.billing_blocked) == ("2026-11", 1, False)


async def test_connected_services_account_error_raises_issue_with_resolution_url(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    url = "https://www.tesla.com/teslaaccount"
    smartcar.routes["GET", SIGNALS] = v3_error(
        400,
        "CONNECTED_SERVICES_ACCOUNT",
        "AUTHENTICATION_FAILED",
        resolution={"type": "REAUTHENTICATE", "url": url},
    )

    await poll_when_due(hass, freezer, loaded_ev)

    issue = issue_registry.async_get_issue(
        DOMAIN, f"connected_services_account_{EV_ID}"
    )
    assert issue is not None
    assert issue.translation_key == "connected_services_account"
    assert issue.learn_more_url == url
    assert issue.translation_placeholders == {
        "vehicle": "TESLA Model 3",
        "code": "AUTHENTICATION_FAILED",
        "url": url,
    }
    assert hass.states.get(BATTERY).state == "76.0"
    smartcar.routes["GET", SIGNALS] = fixture_signals()
    await poll_when_due(hass, freezer, loaded_ev)
    assert (
        issue_registry.async_get_issue(DOMAIN, f"connected_services_account_{EV_ID}")
        is None
    )


async def test_connected_services_account_error_without_resolution_url(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(
        400, "CONNECTED_SERVICES_ACCOUNT", "ACCOUNT_ISSUE"
    )

    await poll_when_due(hass, freezer, loaded_ev)

    issue = issue_registry.async_get_issue(
        DOMAIN, f"connected_services_account_{EV_ID}"
    )
    assert issue is not None
    assert issue.translation_key == "connected_services_account_no_url"
    assert issue.learn_more_url is None
    assert issue.translation_placeholders == {
        "vehicle": "TESLA Model 3",
        "code": "ACCOUNT_ISSUE",
    }
    assert hass.states.get(BATTERY).state == "76.0"


async def test_signal_no_longer_granted_or_capable_makes_its_entity_unavailable(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    body = load_fixture("ev/signals.json")
    signal_error(body, "odometer-traveleddistance", "PERMISSION", None)
    signal_error(body, "closure-islocked", "COMPATIBILITY", "VEHICLE_NOT_CAPABLE")
    # A signal that fails for now keeps its value.
    signal_error(body, "tractionbattery-range", "VEHICLE_STATE", "ASLEEP")
    smartcar.routes["GET", SIGNALS] = Reply(body=body)

    await poll_when_due(hass, freezer, loaded_ev)

    assert hass.states.get(ODOMETER).state == "unavailable"
    assert hass.states.get(LOCK).state == "unavailable"
    assert hass.states.get("sensor.tesla_model_3_electric_range").state == "402.5"
    assert hass.states.get(BATTERY).state == "76.0"


# --- permissions --------------------------------------------------------------------------


async def test_permission_not_granted_creates_no_entity_when_read_with_signals(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> None:
    granted = [
        scope
        for scope in load_fixture("permissions.json")["permissions"]
        if scope not in {"read_location", "control_security"}
    ]
    smartcar.add_vehicle("ev", scopes=granted)

    await setup_entry(hass, config_entry)

    # The signals answer has the location and the lock all the same.
    assert hass.states.get("device_tracker.tesla_model_3_location") is None
    assert hass.states.get(LOCK) is None
    assert hass.states.get("binary_sensor.tesla_model_3_front_left_door") is not None
    assert hass.states.get(BATTERY).state == "76.0"

"""Polling one car: what is read, how failures map, how the request budget paces it."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartcar.budget import poll_interval
from custom_components.smartcar.coordinator import SmartcarCoordinator

from .conftest import (
    ALL_SCOPES,
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
    v2_error,
    v3_error,
)

NOW = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
SIGNALS = f"{API_V3}/vehicles/{EV_ID}/signals"
BATCH = f"{API}/vehicles/{EV_ID}/batch"
BATTERY = "sensor.tesla_model_3_battery"
LOCK = "lock.tesla_model_3_lock"
ODOMETER = "sensor.tesla_model_3_odometer"
REFRESH = "button.tesla_model_3_refresh"
# Every batch path an EV entity can use, in Smartcar's order (no /vin: no entity shows it).
ALL_PATHS = [
    "/battery",
    "/battery/capacity",
    "/charge",
    "/charge/limit",
    "/fuel",
    "/odometer",
    "/location",
    "/security",
    "/tires/pressure",
    "/engine/oil",
    "/diagnostics/dtcs",
    "/diagnostics/system_status",
]


@pytest.fixture(autouse=True)
def october(freezer: FrozenDateTimeFactory) -> None:
    """20 October 2026, 08:00 UTC: 11 days and 16 hours left in the billing period."""
    freezer.move_to(NOW)


def _coordinator(
    entry: MockConfigEntry, vehicle_id: str = EV_ID
) -> SmartcarCoordinator:
    return entry.runtime_data.vehicles[vehicle_id]


async def _poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> None:
    interval = _coordinator(entry).update_interval
    assert interval is not None
    await next_poll(hass, freezer, interval.total_seconds())


def _scheduled(entry: MockConfigEntry, vehicle_id: str = EV_ID) -> timedelta:
    """The wait the budget alone allows now (a one-request poll, car not charging or moving)."""
    now = dt_util.utcnow()
    used = entry.runtime_data.ledger.usage(vehicle_id, now).used
    return poll_interval(entry.runtime_data.policy, used=used, cost=1, now=now)


def _path_error(
    status: int, error_type: str, code: str | None = None, **headers: str
) -> Any:
    """One failed path of a batch answer."""
    body = {
        "type": error_type,
        "code": code,
        "description": error_type,
        "statusCode": status,
    }
    return {"code": status, "body": body, "headers": headers}


def _signal_error(
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


# --- pacing -------------------------------------------------------------------------------------


async def test_polls_are_spread_over_the_rest_of_the_month(
    loaded_ev: MockConfigEntry,
) -> None:
    # 500 requests, 10 % kept for commands, 2 used (the car's attributes and one read).
    left = timedelta(days=11, hours=16)

    assert _coordinator(loaded_ev).update_interval == left / 448


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
    assert _coordinator(config_entry).data.battery_percent is not None


async def test_charging_car_polls_more_often_but_not_below_the_floor(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> None:
    smartcar.add_vehicle("phev")

    await setup_entry(hass, config_entry)

    # (11 d 16 h) / 448 / 3 is under 13 minutes: the 15-minute floor applies.
    assert _coordinator(config_entry, PHEV_ID).update_interval == timedelta(minutes=15)


async def test_moving_car_polls_more_often(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    moved = load_fixture("ev/signals.json")
    for item in moved["data"]:
        if item["id"] == "location-preciselocation":
            item["attributes"]["body"]["latitude"] = 52.3901
    smartcar.routes["GET", SIGNALS] = Reply(body=moved)

    await _poll(hass, freezer, loaded_ev)

    assert _coordinator(loaded_ev).update_interval == timedelta(minutes=15)


async def test_ledger_survives_a_restart(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    hass_storage[f"smartcar.{config_entry.entry_id}.budget"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"smartcar.{config_entry.entry_id}.budget",
        "data": {EV_ID: {"period": "2026-10", "used": 300, "billing_blocked": False}},
    }
    smartcar.add_vehicle("ev")

    await setup_entry(hass, config_entry)
    await next_poll(hass, freezer, 30)

    saved = hass_storage[f"smartcar.{config_entry.entry_id}.budget"]["data"][EV_ID]
    assert saved == {"period": "2026-10", "used": 302, "billing_blocked": False}
    assert (
        _coordinator(config_entry).update_interval == timedelta(days=11, hours=16) / 148
    )


async def test_new_month_starts_from_zero(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    hass_storage[f"smartcar.{config_entry.entry_id}.budget"] = {
        "version": 1,
        "key": f"smartcar.{config_entry.entry_id}.budget",
        "data": {EV_ID: {"period": "2026-09", "used": 450, "billing_blocked": True}},
    }
    smartcar.add_vehicle("ev")

    await setup_entry(hass, config_entry)

    usage = config_entry.runtime_data.ledger.usage(EV_ID, NOW)
    assert (usage.period, usage.used, usage.billing_blocked) == ("2026-10", 2, False)


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
    hass_storage[f"smartcar.{entry.entry_id}.budget"] = {
        "version": 1,
        "key": f"smartcar.{entry.entry_id}.budget",
        "data": {EV_ID: {"period": "2026-10", "used": 449, "billing_blocked": False}},
    }
    smartcar.add_vehicle("ev")

    await setup_entry(hass, entry)

    # The attributes took the last poll request: no read was sent.
    assert smartcar.calls("GET", SIGNALS) == []
    assert issue_registry.async_get_issue(DOMAIN, f"request_budget_exhausted_{EV_ID}")
    await next_poll(hass, freezer, timedelta(days=5).total_seconds())
    assert smartcar.calls("GET", SIGNALS) == []

    # 1 November: a new period.
    await next_poll(hass, freezer, timedelta(days=6, hours=17).total_seconds())
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert not issue_registry.async_get_issue(
        DOMAIN, f"request_budget_exhausted_{EV_ID}"
    )
    assert hass.states.get(BATTERY).state == "76.0"


async def test_refresh_button_is_refused_when_the_polls_are_used_up(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
) -> None:
    loaded_ev.runtime_data.ledger.record(EV_ID, 448, NOW)

    with pytest.raises(
        HomeAssistantError, match="requests for polling are used up"
    ) as raised:
        await hass.services.async_call(
            "button",
            "press",
            {"entity_id": "button.tesla_model_3_refresh"},
            blocking=True,
        )

    assert raised.value.translation_key == "budget_exhausted"
    assert len(smartcar.calls("GET", SIGNALS)) == 1


async def test_refresh_button_polls_now(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.tesla_model_3_refresh"}, blocking=True
    )

    assert len(smartcar.calls("GET", SIGNALS)) == 2


@pytest.mark.parametrize(
    ("reply", "key", "message"),
    [
        (
            v3_error(502, "UPSTREAM", "NO_RESPONSE"),
            "update_failed",
            r"failed \(UPSTREAM:NO_RESP",
        ),
        (
            v3_error(409, "VEHICLE_STATE", "ASLEEP"),
            "vehicle_state_asleep",
            "The car is asleep",
        ),
    ],
)
async def test_refresh_button_reports_a_read_that_failed(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    reply: Reply,
    key: str,
    message: str,
) -> None:
    smartcar.routes["GET", SIGNALS] = reply

    with pytest.raises(HomeAssistantError, match=message) as raised:
        await hass.services.async_call(
            "button", "press", {"entity_id": REFRESH}, blocking=True
        )

    assert raised.value.translation_key == key
    # The last values stay shown all the same.
    assert hass.states.get(BATTERY).state == "76.0"


async def test_refresh_button_reports_a_token_that_cannot_be_refreshed(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    smartcar.routes["POST", TOKEN_URL] = Reply(status=503)
    token = {**loaded_ev.data["token"], "expires_at": 0}
    hass.config_entries.async_update_entry(
        loaded_ev, data={**loaded_ev.data, "token": token}
    )

    with pytest.raises(HomeAssistantError, match="could not be reached"):
        await hass.services.async_call(
            "button", "press", {"entity_id": REFRESH}, blocking=True
        )

    assert len(smartcar.calls("GET", SIGNALS)) == 1


async def test_poll_answer_arriving_after_a_command_keeps_the_command_state(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    await hass.services.async_call("lock", "unlock", {"entity_id": LOCK}, blocking=True)
    # Smartcar read the car before the lock command reached it.
    older = load_fixture("ev/signals.json")
    for item in older["data"]:
        if item["attributes"]["code"] == "closure-islocked":
            item["attributes"]["body"] = {"value": False}
        if item["attributes"]["code"] == "tractionbattery-stateofcharge":
            item["attributes"]["body"] = {"unit": "percent", "value": 70}
    asked, answer = asyncio.Event(), asyncio.Event()

    async def slow_answer(_body: Any) -> Reply:
        asked.set()
        await answer.wait()
        return Reply(body=older)

    smartcar.routes["GET", SIGNALS] = slow_answer
    poll = hass.async_create_task(_coordinator(loaded_ev).async_refresh())
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
        _coordinator(config_entry, EV_ID).async_refresh(),
        _coordinator(config_entry, PETROL_ID).async_refresh(),
    )

    assert len(smartcar.calls("POST", TOKEN_URL)) == 1
    for vehicle_id in (EV_ID, PETROL_ID):
        retried = smartcar.calls("GET", f"{API_V3}/vehicles/{vehicle_id}/signals")[-1]
        assert retried[3]["Authorization"] == "Bearer access-token-1"
        assert _coordinator(config_entry, vehicle_id).last_update_success
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


# --- failures -----------------------------------------------------------------------------------


async def test_authentication_error_starts_reauth(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(401, "AUTHENTICATION")

    await _poll(hass, freezer, loaded_ev)

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert hass.states.get(BATTERY).state == STATE_UNAVAILABLE
    # A refresh was tried first; Smartcar refused the new token as well.
    assert smartcar.refreshes == 1


async def test_token_rejected_before_it_expires_is_refreshed_once(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["GET", SIGNALS] = once(
        v3_error(401, "AUTHENTICATION"), Reply(body=load_fixture("ev/signals.json"))
    )

    await _poll(hass, freezer, loaded_ev)

    assert smartcar.refreshes == 1
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    retried = smartcar.calls("GET", SIGNALS)[-1]
    assert retried[3]["Authorization"] == "Bearer access-token-1"
    assert loaded_ev.data["token"]["refresh_token"] == "refresh-token-1"
    assert hass.states.get(BATTERY).state == "76.0"


async def test_rate_limit_never_brings_the_next_poll_sooner(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(
        429, "RATE_LIMIT", "VEHICLE", retry_after=120
    )
    await _poll(hass, freezer, loaded_ev)
    assert len(smartcar.calls("GET", SIGNALS)) == 2
    # Retry-After is shorter than the schedule: the schedule wins.
    scheduled = _scheduled(loaded_ev)
    assert _coordinator(loaded_ev).update_interval == scheduled
    minutes = round(scheduled.total_seconds() / 60)
    assert f"next poll is in {minutes} minutes" in str(
        _coordinator(loaded_ev).last_exception
    )
    smartcar.routes["GET", SIGNALS] = Reply(body=load_fixture("ev/signals.json"))

    await next_poll(hass, freezer, 121)
    await next_poll(hass, freezer, scheduled.total_seconds() - 121 - 5)
    assert len(smartcar.calls("GET", SIGNALS)) == 2

    await next_poll(hass, freezer, 10)
    assert len(smartcar.calls("GET", SIGNALS)) == 3
    assert hass.states.get(BATTERY).state == "76.0"


async def test_rate_limit_retry_after_longer_than_the_schedule_is_honoured(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(
        429, "RATE_LIMIT", "VEHICLE", retry_after=7200
    )
    await _poll(hass, freezer, loaded_ev)
    smartcar.routes["GET", SIGNALS] = Reply(body=load_fixture("ev/signals.json"))

    assert _coordinator(loaded_ev).update_interval == timedelta(hours=2)
    await next_poll(hass, freezer, 7200 - 5)
    assert len(smartcar.calls("GET", SIGNALS)) == 2
    await next_poll(hass, freezer, 10)
    assert len(smartcar.calls("GET", SIGNALS)) == 3


async def test_rate_limit_without_retry_after_doubles_the_scheduled_wait(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    coordinator = _coordinator(loaded_ev)
    smartcar.routes["GET", SIGNALS] = v3_error(429, "RATE_LIMIT", "SMARTCAR_API")

    # Never sooner than the schedule, then twice and four times as long.
    for factor in (1, 2, 4):
        await _poll(hass, freezer, loaded_ev)
        assert coordinator.update_interval == factor * _scheduled(loaded_ev)
    assert len(smartcar.calls("GET", SIGNALS)) == 4

    smartcar.routes["GET", SIGNALS] = Reply(body=load_fixture("ev/signals.json"))
    await _poll(hass, freezer, loaded_ev)
    assert coordinator.update_interval == _scheduled(loaded_ev)
    smartcar.routes["GET", SIGNALS] = v3_error(429, "RATE_LIMIT", "SMARTCAR_API")
    await _poll(hass, freezer, loaded_ev)
    assert coordinator.update_interval == _scheduled(loaded_ev)


@pytest.mark.parametrize(
    "code",
    ["ASLEEP", "UNREACHABLE", "REMOTE_ACCESS_DISABLED", "VEHICLE_OFFLINE_FOR_SERVICE"],
)
async def test_car_refusing_a_read_keeps_its_values(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    code: str,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(409, "VEHICLE_STATE", code)

    await _poll(hass, freezer, loaded_ev)

    assert len(smartcar.calls("GET", SIGNALS)) == 2
    assert hass.states.get(BATTERY).state == "76.0"
    assert hass.states.get("lock.tesla_model_3_lock").state == "locked"
    assert _coordinator(loaded_ev).update_interval == _scheduled(loaded_ev)


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

    smartcar.routes["GET", SIGNALS] = Reply(body=load_fixture("ev/signals.json"))
    await _poll(hass, freezer, config_entry)

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
async def test_passing_failure_keeps_the_last_values_and_the_schedule(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    reply: Reply,
) -> None:
    smartcar.routes["GET", SIGNALS] = reply

    await _poll(hass, freezer, loaded_ev)

    assert len(smartcar.calls("GET", SIGNALS)) == 2
    assert hass.states.get(BATTERY).state == "76.0"
    assert _coordinator(loaded_ev).last_update_success
    assert _coordinator(loaded_ev).update_interval == _scheduled(loaded_ev)


async def test_unreachable_smartcar_keeps_the_last_values(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: Any,
) -> None:
    aioclient_mock.clear_requests()
    aioclient_mock.get(SIGNALS, exc=TimeoutError())

    await _poll(hass, freezer, loaded_ev)

    assert aioclient_mock.call_count == 1
    assert hass.states.get(BATTERY).state == "76.0"


async def test_unreachable_smartcar_without_any_values_is_a_connection_failure(
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

    coordinator = _coordinator(config_entry)
    assert "could not be reached" in str(coordinator.last_exception)
    assert hass.states.get(BATTERY) is None
    # Not stuck at the floor: a failing car is asked no more often than the budget allows.
    assert coordinator.update_interval == _scheduled(config_entry)
    assert coordinator.update_interval > timedelta(minutes=15)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (v3_error(403, "PERMISSION"), "permission for this was not granted"),
        (
            v3_error(400, "VALIDATION", "PARAMETER"),
            "Reading the car failed (VALIDATION:PARAMETER)",
        ),
    ],
)
async def test_failed_read_makes_entities_unavailable_until_it_recovers(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    reply: Reply,
    message: str,
) -> None:
    smartcar.routes["GET", SIGNALS] = reply

    await _poll(hass, freezer, loaded_ev)

    coordinator = _coordinator(loaded_ev)
    assert hass.states.get(BATTERY).state == STATE_UNAVAILABLE
    assert message in str(coordinator.last_exception)
    assert coordinator.update_interval == _scheduled(loaded_ev)
    smartcar.routes["GET", SIGNALS] = Reply(body=load_fixture("ev/signals.json"))
    await _poll(hass, freezer, loaded_ev)
    assert hass.states.get(BATTERY).state == "76.0"


async def test_billing_error_stops_polling_until_the_period_resets(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(430, "BILLING", "VEHICLE_REQUEST_LIMIT")

    await _poll(hass, freezer, loaded_ev)

    issue = issue_registry.async_get_issue(DOMAIN, f"billing_limit_{EV_ID}")
    assert issue is not None
    assert issue.translation_placeholders["reset"] == "2026-11-01"
    assert hass.states.get(BATTERY).state == "76.0"
    calls = len(smartcar.calls("GET", SIGNALS))
    smartcar.routes["GET", SIGNALS] = Reply(body=load_fixture("ev/signals.json"))
    await next_poll(hass, freezer, timedelta(days=10).total_seconds())
    assert len(smartcar.calls("GET", SIGNALS)) == calls

    await next_poll(hass, freezer, timedelta(days=2).total_seconds())
    assert len(smartcar.calls("GET", SIGNALS)) == calls + 1
    assert issue_registry.async_get_issue(DOMAIN, f"billing_limit_{EV_ID}") is None


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

    await _poll(hass, freezer, loaded_ev)

    issue = issue_registry.async_get_issue(
        DOMAIN, f"connected_services_account_{EV_ID}"
    )
    assert issue is not None
    assert issue.learn_more_url == url
    assert issue.translation_placeholders["code"] == "AUTHENTICATION_FAILED"
    smartcar.routes["GET", SIGNALS] = Reply(body=load_fixture("ev/signals.json"))
    await _poll(hass, freezer, loaded_ev)
    assert (
        issue_registry.async_get_issue(DOMAIN, f"connected_services_account_{EV_ID}")
        is None
    )


# --- what is read -------------------------------------------------------------------------------


async def test_batch_reads_only_what_enabled_entities_need_and_drops_501_paths(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)

    await _poll(hass, freezer, entry)

    first, second = smartcar.batch_paths(EV_ID)
    assert first == ALL_PATHS
    # /fuel and /engine/oil answered 501; the battery capacity sensor is disabled by default.
    assert second == [
        "/battery",
        "/charge",
        "/charge/limit",
        "/odometer",
        "/location",
        "/security",
        "/tires/pressure",
        "/diagnostics/dtcs",
        "/diagnostics/system_status",
    ]
    assert entry.data["vehicles"][EV_ID]["unsupported"] == ["/engine/oil", "/fuel"]
    # Billed per path: the attributes, then 12 and 9 paths.
    assert entry.runtime_data.ledger.usage(EV_ID, NOW).used == 1 + 12 + 9
    assert smartcar.calls("GET", f"{API}/vehicles/{EV_ID}") != []


async def test_501_path_is_not_asked_again_after_restart(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)

    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    after_restart = smartcar.batch_paths(EV_ID)[-1]
    assert "/fuel" not in after_restart
    assert "/engine/oil" not in after_restart
    assert "/battery/capacity" in after_restart


async def test_enabling_an_entity_reads_its_path_again(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)

    entity_registry.async_update_entity(
        "sensor.tesla_model_3_battery_capacity", disabled_by=None
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await _poll(hass, freezer, entry)

    assert "/battery/capacity" in smartcar.batch_paths(EV_ID)[-1]
    assert hass.states.get("sensor.tesla_model_3_battery_capacity").state == "75.0"


async def test_batch_keeps_values_of_sleeping_paths(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)
    asleep = {
        "code": 409,
        "body": {
            "type": "VEHICLE_STATE",
            "code": "ASLEEP",
            "description": "Asleep",
            "statusCode": 409,
        },
        "headers": {},
    }
    smartcar.routes["POST", BATCH] = smartcar.batch_route("ev", **{"/battery": asleep})

    await _poll(hass, freezer, entry)

    assert hass.states.get(BATTERY).state == "76.0"
    assert "/battery" in smartcar.batch_paths(EV_ID)[-1]


async def test_batch_path_refused_for_permission_is_dropped(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    denied = {
        "code": 403,
        "body": {
            "type": "PERMISSION",
            "code": None,
            "description": "No permission",
            "statusCode": 403,
        },
        "headers": {},
    }
    smartcar.routes["POST", BATCH] = smartcar.batch_route("ev", **{"/odometer": denied})
    await setup_entry(hass, entry)

    await _poll(hass, freezer, entry)

    assert "/odometer" not in smartcar.batch_paths(EV_ID)[-1]
    assert hass.states.get("sensor.tesla_model_3_odometer") is None


async def test_batch_path_rejecting_the_token_starts_reauth(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)
    rejected = {
        "code": 401,
        "body": {
            "type": "AUTHENTICATION",
            "description": "Invalid token",
            "statusCode": 401,
        },
        "headers": {},
    }
    smartcar.routes["POST", BATCH] = smartcar.batch_route(
        "ev", **{"/battery": rejected}
    )

    await _poll(hass, freezer, entry)

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_batch_path_refused_for_billing_stops_polling_until_the_period_resets(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)
    refused = _path_error(430, "BILLING", "VEHICLE_REQUEST_LIMIT")
    smartcar.routes["POST", BATCH] = smartcar.batch_route(
        "ev", **{"/odometer": refused}
    )

    await _poll(hass, freezer, entry)

    assert issue_registry.async_get_issue(DOMAIN, f"billing_limit_{EV_ID}") is not None
    assert entry.runtime_data.ledger.usage(EV_ID, dt_util.utcnow()).billing_blocked
    # What the other paths brought is shown.
    assert hass.states.get(BATTERY).state == "76.0"
    await next_poll(hass, freezer, timedelta(days=10).total_seconds())
    assert len(smartcar.batch_paths(EV_ID)) == 2


async def test_batch_path_rate_limited_backs_off(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)
    limited = _path_error(429, "RATE_LIMIT", "VEHICLE", **{"retry-after": "86400"})
    smartcar.routes["POST", BATCH] = smartcar.batch_route(
        "ev", **{"/odometer": limited}
    )

    await _poll(hass, freezer, entry)

    assert _coordinator(entry).update_interval == timedelta(days=1)
    assert hass.states.get(BATTERY).state == "76.0"
    smartcar.routes["POST", BATCH] = smartcar.batch_route("ev")
    await next_poll(hass, freezer, timedelta(hours=23).total_seconds())
    assert len(smartcar.batch_paths(EV_ID)) == 2


@pytest.mark.parametrize(
    ("path", "error", "entity"),
    [
        ("/odometer", _path_error(404, "RESOURCE_NOT_FOUND", "PATH"), ODOMETER),
        (
            "/location",
            _path_error(400, "VALIDATION", "PARAMETER"),
            "device_tracker.tesla_model_3_location",
        ),
        (
            "/odometer",
            _path_error(501, "COMPATIBILITY", "VEHICLE_NOT_CAPABLE"),
            ODOMETER,
        ),
    ],
    ids=["not_found", "validation", "not_capable"],
)
async def test_batch_path_never_answered_is_dropped_with_its_values(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    path: str,
    error: Any,
    entity: str,
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)
    assert hass.states.get(entity).state != STATE_UNAVAILABLE
    smartcar.routes["POST", BATCH] = smartcar.batch_route("ev", **{path: error})

    await _poll(hass, freezer, entry)
    await _poll(hass, freezer, entry)

    assert path in entry.data["vehicles"][EV_ID]["unsupported"]
    assert path not in smartcar.batch_paths(EV_ID)[-1]
    # A value nobody will read again is not shown as if it were current.
    assert hass.states.get(entity).state == STATE_UNAVAILABLE
    assert hass.states.get(BATTERY).state == "76.0"


async def test_batch_path_no_longer_granted_makes_its_entity_unavailable(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)
    denied = _path_error(403, "PERMISSION")
    smartcar.routes["POST", BATCH] = smartcar.batch_route("ev", **{"/odometer": denied})

    await _poll(hass, freezer, entry)

    assert hass.states.get(ODOMETER).state == STATE_UNAVAILABLE
    assert hass.states.get(BATTERY).state == "76.0"


async def test_signal_no_longer_granted_or_capable_makes_its_entity_unavailable(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    body = load_fixture("ev/signals.json")
    _signal_error(body, "odometer-traveleddistance", "PERMISSION", None)
    _signal_error(body, "closure-islocked", "COMPATIBILITY", "VEHICLE_NOT_CAPABLE")
    # A signal that fails for now keeps its value.
    _signal_error(body, "tractionbattery-range", "VEHICLE_STATE", "ASLEEP")
    smartcar.routes["GET", SIGNALS] = Reply(body=body)

    await _poll(hass, freezer, loaded_ev)

    assert hass.states.get(ODOMETER).state == STATE_UNAVAILABLE
    assert hass.states.get(LOCK).state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.tesla_model_3_electric_range").state == "402.5"
    assert hass.states.get(BATTERY).state == "76.0"


async def test_failed_batch_still_counts_its_paths(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)
    used = entry.runtime_data.ledger.usage(EV_ID, NOW).used
    smartcar.routes["POST", BATCH] = v2_error(500, "SERVER", "INTERNAL")

    await _poll(hass, freezer, entry)

    assert entry.runtime_data.ledger.usage(EV_ID, NOW).used == used + 9
    assert hass.states.get(BATTERY).state == "76.0"


@pytest.mark.parametrize("platforms", [[Platform.BUTTON]])
async def test_nothing_is_read_when_no_entity_needs_data(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)

    await _poll(hass, freezer, entry)
    await _poll(hass, freezer, entry)

    assert len(smartcar.batch_paths(EV_ID)) == 1


async def test_car_without_v3_signals_is_read_with_batch_for_good(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", SIGNALS] = v3_error(
        501, "COMPATIBILITY", "VEHICLE_NOT_CAPABLE"
    )

    await setup_entry(hass, config_entry)

    assert hass.states.get(BATTERY).state == "76.0"
    assert config_entry.data["vehicles"][EV_ID]["unsupported"] == [
        "/engine/oil",
        "/fuel",
        "/signals",
    ]
    await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert len(smartcar.batch_paths(EV_ID)) == 2


async def test_application_without_v3_reads_with_batch_and_remembers_it(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> None:
    smartcar.add_vehicle("ev")
    not_found = v3_error(404, "RESOURCE_NOT_FOUND", "VERSION")
    smartcar.routes["GET", f"{API_V3}/vehicles/{EV_ID}"] = not_found
    smartcar.routes["GET", SIGNALS] = not_found

    await setup_entry(hass, config_entry)

    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(BATTERY).state == "76.0"
    assert len(smartcar.batch_paths(EV_ID)) == 1
    # The make, model and year come from v2, which every application has.
    assert smartcar.calls("GET", f"{API_V3}/vehicles/{EV_ID}") == []
    # Decided once, kept in the options, where the owner may choose v3 again.
    assert config_entry.options["read_path"] == "batch"
    await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert len(smartcar.batch_paths(EV_ID)) == 2


# --- permissions --------------------------------------------------------------------------------


async def test_permission_not_granted_creates_no_entity_and_reads_nothing_for_it(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    entry = make_entry(read_path="batch")
    granted = [
        scope
        for scope in ALL_SCOPES
        if scope not in {"read_location", "control_security"}
    ]
    smartcar.add_vehicle("ev", scopes=granted)

    await setup_entry(hass, entry)

    assert hass.states.get("device_tracker.tesla_model_3_location") is None
    assert hass.states.get("lock.tesla_model_3_lock") is None
    assert hass.states.get("binary_sensor.tesla_model_3_front_left_door") is not None
    assert "/location" not in smartcar.batch_paths(EV_ID)[0]


async def test_permission_not_granted_creates_no_entity_when_read_with_signals(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> None:
    granted = [
        scope
        for scope in ALL_SCOPES
        if scope not in {"read_location", "control_security"}
    ]
    smartcar.add_vehicle("ev", scopes=granted)

    await setup_entry(hass, config_entry)

    # The signals answer has the location and the lock all the same.
    assert hass.states.get("device_tracker.tesla_model_3_location") is None
    assert hass.states.get(LOCK) is None
    assert hass.states.get("binary_sensor.tesla_model_3_front_left_door") is not None
    assert hass.states.get(BATTERY).state == "76.0"


async def test_unreadable_permissions_fall_back_to_what_the_owner_chose(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    entry = make_entry(groups=["battery"])
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", f"{API}/vehicles/{EV_ID}/permissions"] = v2_error(
        403, "PERMISSION"
    )

    await setup_entry(hass, entry)

    assert hass.states.get(BATTERY).state == "76.0"
    assert hass.states.get("sensor.tesla_model_3_odometer") is None
    assert hass.states.get("switch.tesla_model_3_charging") is None


async def test_lock_control_alone_brings_the_lock(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    """The lock shows the lock state: choosing lock control grants reading it too."""
    entry = make_entry(groups=["control_security"])
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", f"{API}/vehicles/{EV_ID}/permissions"] = v2_error(
        403, "PERMISSION"
    )

    await setup_entry(hass, entry)

    assert hass.states.get(LOCK).state == "locked"
    assert hass.states.get(BATTERY) is None


async def test_car_without_v3_and_without_readable_paths_reads_nothing(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> None:
    smartcar.add_vehicle("ev", scopes=["read_vehicle_info", "control_security"])
    smartcar.routes["GET", SIGNALS] = v3_error(
        501, "COMPATIBILITY", "VEHICLE_NOT_CAPABLE"
    )

    await setup_entry(hass, config_entry)

    assert config_entry.state is ConfigEntryState.LOADED
    assert smartcar.batch_paths(EV_ID) == []
    assert hass.states.get("button.tesla_model_3_refresh") is not None

"""A car never goes blank: restarts, billing stops, rate limits and passing failures keep values.

Each test pins one way the integration used to lose or misreport a car (issue: "Never blank a
car"); the assertions are on what Home Assistant shows and what was sent to Smartcar.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from .conftest import (
    API,
    API_V3,
    DOMAIN,
    EV_ID,
    PETROL_ID,
    TOKEN_URL,
    Reply,
    SmartcarMock,
    load_fixture,
    make_entry,
    next_poll,
    setup_entry,
    v3_error,
)

SIGNALS = f"{API_V3}/vehicles/{EV_ID}/signals"
BATTERY = "sensor.tesla_model_3_battery"
ODOMETER = "sensor.tesla_model_3_odometer"
LOCK = "lock.tesla_model_3_lock"
REFRESH = "button.tesla_model_3_refresh"
CHARGING_STATE = "sensor.tesla_model_3_charging_state"
FRONT_TRUNK = "binary_sensor.tesla_model_3_front_trunk"
REAR_TRUNK = "binary_sensor.tesla_model_3_trunk"


def _shown(hass: HomeAssistant) -> dict[str, str]:
    """Every state of the car's entities."""
    return {
        state.entity_id: state.state
        for state in hass.states.async_all()
        if "tesla_model_3" in state.entity_id
    }


def _signals_with(**changes: Any) -> dict[str, Any]:
    """The EV's signals, with some bodies (by code) and ages changed."""
    body = load_fixture("ev/signals.json")
    for item in body["data"]:
        change = changes.get(item["attributes"]["code"].replace("-", "_"))
        if change is not None:
            item["attributes"]["body"] = change.get("body", item["attributes"]["body"])
            item["meta"].update(change.get("meta", {}))
    return body


async def _reload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _press_refresh(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": REFRESH}, blocking=True
    )


# --- restarts ---------------------------------------------------------------------------


async def test_restart_with_an_exhausted_budget_shows_last_values_and_the_lock_works(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded_ev: MockConfigEntry,
) -> None:
    before = _shown(hass)
    await loaded_ev.runtime_data.ledger.async_record(EV_ID, 448, datetime.now(UTC))
    await next_poll(hass, freezer, timedelta(hours=2).total_seconds())
    reads = len(smartcar.calls("GET", SIGNALS))

    await _reload(hass, loaded_ev)

    assert _shown(hass) == before
    assert STATE_UNAVAILABLE not in _shown(hass).values()
    assert len(smartcar.calls("GET", SIGNALS)) == reads
    # Commands use the reserve.
    await hass.services.async_call("lock", "unlock", {"entity_id": LOCK}, blocking=True)
    assert hass.states.get(LOCK).state == "unlocked"
    assert len(smartcar.calls("POST", f"{API}/vehicles/{EV_ID}/security")) == 1


async def test_restart_after_a_billing_refusal_keeps_the_car_and_refresh_says_billing(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded_ev: MockConfigEntry,
) -> None:
    before = _shown(hass)
    smartcar.routes["GET", SIGNALS] = v3_error(429, "BILLING", "VEHICLE_LIMIT")
    await next_poll(hass, freezer, timedelta(hours=2).total_seconds())

    await _reload(hass, loaded_ev)

    assert _shown(hass) == before
    with pytest.raises(HomeAssistantError) as refused:
        await _press_refresh(hass)
    assert refused.value.translation_key == "refresh_refused_billing"
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"billing_limit_{EV_ID}")


async def test_restart_before_the_next_poll_costs_no_request_on_v2_batch_either(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry(read_path="batch")
    await setup_entry(hass, entry)
    batches = len(smartcar.batch_paths(EV_ID))
    used = entry.runtime_data.ledger.usage(EV_ID, datetime.now(UTC)).used

    await _reload(hass, entry)

    assert len(smartcar.batch_paths(EV_ID)) == batches
    assert entry.runtime_data.ledger.usage(EV_ID, datetime.now(UTC)).used == used
    assert hass.states.get(BATTERY).state == "76.0"


async def test_setup_does_not_wait_for_a_car_that_smartcar_cannot_read(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry()
    await setup_entry(hass, entry)
    before = _shown(hass)

    # Down at restart: the token endpoint too (the token expired meanwhile).
    smartcar.routes["GET", f"{API}/vehicles"] = Reply(status=503)
    smartcar.routes["GET", SIGNALS] = Reply(status=503)
    smartcar.routes["POST", TOKEN_URL] = Reply(status=503)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": {**entry.data["token"], "expires_at": 0}}
    )
    await _reload(hass, entry)

    assert _shown(hass) == before


# --- an absolute schedule ---------------------------------------------------------------


async def test_lock_on_the_28th_after_the_budget_ran_out_polls_right_after_midnight(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded_ev: MockConfigEntry,
) -> None:
    freezer.move_to(datetime(2026, 10, 28, 9, 0, tzinfo=UTC))
    await loaded_ev.runtime_data.ledger.async_record(EV_ID, 448, datetime.now(UTC))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    await next_poll(hass, freezer, timedelta(hours=6).total_seconds())
    await hass.services.async_call("lock", "lock", {"entity_id": LOCK}, blocking=True)
    reads = len(smartcar.calls("GET", SIGNALS))

    freezer.move_to(datetime(2026, 11, 1, 0, 0, 30, tzinfo=UTC))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(smartcar.calls("GET", SIGNALS)) == reads
    await next_poll(hass, freezer, 60)

    assert len(smartcar.calls("GET", SIGNALS)) == reads + 1


async def test_refresh_keeps_the_planned_poll_and_respects_the_floor(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded_ev: MockConfigEntry,
) -> None:
    coordinator = loaded_ev.runtime_data.vehicles[EV_ID]
    planned = coordinator.car.poll.next_at
    assert planned is not None

    with pytest.raises(HomeAssistantError) as refused:
        await _press_refresh(hass)
    assert refused.value.translation_key == "refresh_refused_floor"
    # 15 minutes after the last poll, in the configured time zone (US/Pacific in tests).
    assert refused.value.translation_placeholders == {"time": "2026-10-20 01:15"}

    await next_poll(hass, freezer, timedelta(minutes=16).total_seconds())
    await _press_refresh(hass)
    assert coordinator.car.poll.next_at == planned


async def test_refresh_during_a_rate_limit_back_off_says_when_it_ends(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded_ev: MockConfigEntry,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(
        429, "RATE_LIMIT", "VEHICLE", retry_after=36000
    )
    await next_poll(hass, freezer, timedelta(hours=2).total_seconds())

    with pytest.raises(HomeAssistantError) as refused:
        await _press_refresh(hass)

    assert refused.value.translation_key == "refresh_refused_rate_limited"


# --- failures keep values ---------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        v3_error(429, "RATE_LIMIT", "SMARTCAR_API"),
        v3_error(429, "RATE_LIMIT", "VEHICLE", retry_after=600),
        v3_error(502, "UPSTREAM", "NO_RESPONSE"),
        v3_error(500, "SERVER", "INTERNAL"),
        v3_error(409, "VEHICLE_STATE", "ASLEEP"),
        v3_error(400, "CONNECTED_SERVICES_ACCOUNT", "ACCOUNT_ISSUE"),
        v3_error(403, "PERMISSION", None),
    ],
    ids=["429-app", "429-vehicle", "502", "500", "asleep", "account", "permission"],
)
async def test_a_failed_poll_keeps_every_entity_available(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded_ev: MockConfigEntry,
    reply: Reply,
) -> None:
    before = _shown(hass)
    smartcar.routes["GET", SIGNALS] = reply

    await next_poll(hass, freezer, timedelta(hours=2).total_seconds())

    assert _shown(hass) == before


@pytest.mark.parametrize(
    "token_reply",
    [Reply(status=500), Reply(status=429), Reply(status=503)],
    ids=["500", "429", "503"],
)
async def test_a_passing_failure_of_the_token_endpoint_keeps_the_car(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded_ev: MockConfigEntry,
    token_reply: Reply,
) -> None:
    before = _shown(hass)
    smartcar.routes["POST", TOKEN_URL] = token_reply
    hass.config_entries.async_update_entry(
        loaded_ev,
        data={
            **loaded_ev.data,
            "token": {**loaded_ev.data["token"], "expires_at": 0},
        },
    )

    await next_poll(hass, freezer, timedelta(hours=2).total_seconds())

    assert _shown(hass) == before
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_account_issue_without_a_resolution_url_has_no_dangling_placeholder(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded_ev: MockConfigEntry,
) -> None:
    smartcar.routes["GET", SIGNALS] = v3_error(
        400, "CONNECTED_SERVICES_ACCOUNT", "ACCOUNT_ISSUE"
    )

    await next_poll(hass, freezer, timedelta(hours=2).total_seconds())

    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"connected_services_account_{EV_ID}"
    )
    assert issue is not None
    assert issue.translation_key == "connected_services_account_no_url"
    assert "url" not in (issue.translation_placeholders or {})
    assert hass.states.get(REFRESH).state != STATE_UNAVAILABLE


async def test_unreadable_car_is_logged_once_and_once_when_it_is_back(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded_ev: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    working = smartcar.routes["GET", SIGNALS]
    smartcar.routes["GET", SIGNALS] = v3_error(500, "SERVER", "INTERNAL")
    for _ in range(3):
        await next_poll(hass, freezer, timedelta(hours=3).total_seconds())
    smartcar.routes["GET", SIGNALS] = working
    await next_poll(hass, freezer, timedelta(hours=3).total_seconds())
    await next_poll(hass, freezer, timedelta(hours=3).total_seconds())

    assert caplog.text.count("cannot be read (SERVER:INTERNAL)") == 1
    assert caplog.text.count("can be read again") == 1


# --- each source owns its fields --------------------------------------------------------


async def test_a_signal_reported_as_null_clears_its_old_value(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded_ev: MockConfigEntry,
) -> None:
    assert hass.states.get(ODOMETER).state == "18234.6"
    smartcar.routes["GET", SIGNALS] = Reply(
        body=_signals_with(
            odometer_traveleddistance={
                "body": {"unit": "kilometers", "value": None},
                "meta": {"oemUpdatedAt": 1792486740000},
            }
        )
    )

    await next_poll(hass, freezer, timedelta(hours=2).total_seconds())

    assert hass.states.get(ODOMETER).state == STATE_UNAVAILABLE
    assert hass.states.get(BATTERY).state == "76.0"


async def test_an_answer_older_than_what_is_shown_changes_nothing(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded_ev: MockConfigEntry,
) -> None:
    # Smartcar's cache answers with a record from before the one shown.
    smartcar.routes["GET", SIGNALS] = Reply(
        body=_signals_with(
            odometer_traveleddistance={
                "body": {"unit": "kilometers", "value": 17000.0},
                "meta": {"oemUpdatedAt": 1792400000000},
            }
        )
    )

    await next_poll(hass, freezer, timedelta(hours=2).total_seconds())

    assert hass.states.get(ODOMETER).state == "18234.6"


async def test_charging_state_follows_the_car_not_the_switch(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded_ev: MockConfigEntry,
) -> None:
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": "switch.tesla_model_3_charging"},
        blocking=True,
    )
    # The command says nothing of the detailed state: the sensor waits for the car.
    assert hass.states.get(CHARGING_STATE).state == "not_charging"
    smartcar.routes["GET", SIGNALS] = Reply(
        body=_signals_with(
            charge_detailedchargingstatus={
                "body": {"value": "CHARGING"},
                "meta": {"oemUpdatedAt": 1792486800000},
            }
        )
    )
    await next_poll(hass, freezer, timedelta(hours=2).total_seconds())
    assert hass.states.get(CHARGING_STATE).state == "charging"

    # The car stopped on its own: the v3 signal says so.
    smartcar.routes["GET", SIGNALS] = Reply(
        body=_signals_with(
            charge_detailedchargingstatus={
                "body": {"value": "FULLY_CHARGED"},
                "meta": {"oemUpdatedAt": 1792494000000},
            }
        )
    )
    await next_poll(hass, freezer, timedelta(hours=2).total_seconds())
    assert hass.states.get(CHARGING_STATE).state == "fully_charged"


# --- decisions per car, reversible ------------------------------------------------------


async def test_v3_refusing_one_car_reads_that_car_with_batch_and_keeps_the_options(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    smartcar.routes["GET", SIGNALS] = v3_error(404, "RESOURCE_NOT_FOUND", "PATH")
    entry = make_entry()

    await setup_entry(hass, entry)

    assert entry.options["read_path"] == "signals"
    now = datetime.now(UTC)
    assert entry.runtime_data.vehicles[EV_ID].read_path(now) == "batch"
    assert entry.runtime_data.vehicles[PETROL_ID].read_path(now) == "signals"
    assert smartcar.batch_paths(EV_ID)
    assert not smartcar.batch_paths(PETROL_ID)
    assert hass.states.get(BATTERY).state == "76.0"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"signals_unavailable_{EV_ID}")
    assert issue is not None

    # A week later v3 is tried again for that car.
    smartcar.routes["GET", SIGNALS] = Reply(body=load_fixture("ev/signals.json"))
    later = now + timedelta(days=7, minutes=1)
    assert entry.runtime_data.vehicles[EV_ID].read_path(later) == "signals"


# --- nothing counted or rotated is lost -------------------------------------------------


async def test_billed_requests_are_on_disk_when_the_poll_ends(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    loaded_ev: MockConfigEntry,
) -> None:
    # No save delay to wait for: a crash right now would keep both requests.
    row = hass_storage[f"smartcar.{loaded_ev.entry_id}.budget"]["data"][EV_ID]
    assert row == {"period": "2026-10", "used": 2, "billing_blocked": False}


async def test_a_rotated_refresh_token_is_on_disk_before_it_is_used(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    smartcar: SmartcarMock,
    credentials: None,
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry(expires_in=-60)

    await setup_entry(hass, entry)

    assert smartcar.refreshes == 1
    stored = hass_storage[f"smartcar.{entry.entry_id}.token"]["data"]
    assert stored["refresh_token"] == "refresh-token-1"
    # The signals read used the new access token only after the write.
    assert (
        smartcar.calls("GET", SIGNALS)[0][3]["Authorization"] == "Bearer access-token-1"
    )


async def test_a_token_lost_by_a_crash_is_taken_back_from_its_store(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    smartcar: SmartcarMock,
    credentials: None,
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry(expires_in=-60)
    # The entry on disk still has the old token; the token store has the rotated one.
    newer = {
        **entry.data["token"],
        "access_token": "rotated-access",
        "refresh_token": "rotated-refresh",
        "expires_at": datetime.now(UTC).timestamp() + 3600,
    }
    hass_storage[f"smartcar.{entry.entry_id}.token"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"smartcar.{entry.entry_id}.token",
        "data": newer,
    }

    await setup_entry(hass, entry)

    assert smartcar.refreshes == 0
    assert entry.data["token"]["refresh_token"] == "rotated-refresh"
    assert (
        smartcar.calls("GET", SIGNALS)[0][3]["Authorization"] == "Bearer rotated-access"
    )

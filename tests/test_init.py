"""Setting up, unloading and removing an account; tokens; cars joining and leaving."""

import base64
from datetime import timedelta
from http import HTTPStatus
import logging
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ImplementationUnavailableError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar import async_remove_config_entry_device

from .conftest import (
    API,
    API_V3,
    CLIENT_ID,
    CLIENT_SECRET,
    DOMAIN,
    EV_ID,
    PETROL_ID,
    REFRESH_TOKEN,
    TOKEN_URL,
    Reply,
    SmartcarMock,
    make_entry,
    once,
    setup_entry,
)

pytestmark = pytest.mark.usefixtures("credentials")

UPSTREAM_ERROR = Reply(
    status=502,
    body={"errors": [{"status": "502", "type": "UPSTREAM", "code": "NO_RESPONSE"}]},
)
PETROL_FUEL = "sensor.volkswagen_golf_fuel_level"
SERVER_ERROR = {
    "type": "SERVER",
    "code": "INTERNAL",
    "description": "Internal error",
    "statusCode": 500,
}


def _device(
    device_registry: dr.DeviceRegistry, vehicle_id: str
) -> dr.DeviceEntry | None:
    devices = [
        device
        for device in device_registry.devices
        if (DOMAIN, vehicle_id) in device.identifiers
    ]
    assert len(devices) <= 1
    return devices[0] if devices else None


@pytest.fixture
def platforms() -> list[Platform]:
    """The sensors are enough to see cars come and go."""
    return [Platform.SENSOR]


async def test_each_car_becomes_a_device_named_by_make_and_model(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")

    await setup_entry(hass, config_entry)

    assert config_entry.state is ConfigEntryState.LOADED
    ev = _device(device_registry, EV_ID)
    assert ev is not None
    # Smartcar sends the makes in capitals; they are shown as the carmakers write them.
    assert (ev.manufacturer, ev.model, ev.name) == (
        "Tesla",
        "Model 3 (2022)",
        "Tesla Model 3",
    )
    petrol = _device(device_registry, PETROL_ID)
    assert petrol is not None
    assert petrol.name == "Volkswagen Golf"
    # Identified by Smartcar's vehicle id, never by the VIN.
    assert all("WVWZZZ" not in identifier for _domain, identifier in petrol.identifiers)


async def test_unload_and_reload(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    assert await hass.config_entries.async_unload(loaded_ev.entry_id)
    assert loaded_ev.state is ConfigEntryState.NOT_LOADED

    assert await hass.config_entries.async_setup(loaded_ev.entry_id)
    await hass.async_block_till_done()
    assert loaded_ev.state is ConfigEntryState.LOADED
    # The car's make, model and year were kept in the entry: asked only once.
    assert len(smartcar.calls("GET", f"{API}/vehicles/{EV_ID}")) == 1


async def test_reload_keeps_the_requests_counted_and_costs_none_when_no_poll_is_due(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    now = dt_util.utcnow()
    used = loaded_ev.runtime_data.ledger.usage(EV_ID, now).used
    assert used == 2  # the car's attributes and one signals page
    reads = len(smartcar.calls("GET", f"{API_V3}/vehicles/{EV_ID}/signals"))

    assert await hass.config_entries.async_reload(loaded_ev.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    # The next poll is not due yet: the reload reads nothing, and the values are back at once.
    assert loaded_ev.runtime_data.ledger.usage(EV_ID, now).used == used
    assert len(smartcar.calls("GET", f"{API_V3}/vehicles/{EV_ID}/signals")) == reads
    assert hass.states.get("sensor.tesla_model_3_battery").state == "76.0"


async def test_expired_token_is_refreshed_with_basic_auth(
    hass: HomeAssistant, smartcar: SmartcarMock, aioclient_mock: AiohttpClientMocker
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry(expires_in=-10)

    await setup_entry(hass, entry)

    assert entry.state is ConfigEntryState.LOADED
    token_calls = [
        call for call in aioclient_mock.mock_calls if str(call[1]) == TOKEN_URL
    ]
    assert len(token_calls) == 1
    _method, _url, form, headers = token_calls[0]
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert headers["Authorization"] == f"Basic {basic}"
    assert form == {"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN}
    assert entry.data["token"]["refresh_token"] == "refresh-token-1"
    # The vehicle requests carry the new access token.
    signals_call = smartcar.calls("GET", f"{API_V3}/vehicles/{EV_ID}/signals")[0]
    assert signals_call[3]["Authorization"] == "Bearer access-token-1"


async def test_refused_refresh_token_starts_reauth(
    hass: HomeAssistant, smartcar: SmartcarMock, aioclient_mock: AiohttpClientMocker
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.routes["POST", TOKEN_URL] = Reply(
        status=HTTPStatus.BAD_REQUEST,
        body={"error": "invalid_grant", "error_description": "Refresh token expired"},
    )
    entry = make_entry(expires_in=-10)

    await setup_entry(hass, entry)

    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_token_endpoint_down_retries_setup(
    hass: HomeAssistant, smartcar: SmartcarMock, aioclient_mock: AiohttpClientMocker
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.routes["POST", TOKEN_URL] = Reply(status=HTTPStatus.SERVICE_UNAVAILABLE)
    entry = make_entry(expires_in=-10)

    await setup_entry(hass, entry)

    assert entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize(
    ("reply", "state"),
    [
        (
            Reply(
                status=401,
                body={"type": "AUTHENTICATION", "description": "Invalid token"},
            ),
            ConfigEntryState.SETUP_ERROR,
        ),
        (Reply(status=500, body=SERVER_ERROR), ConfigEntryState.SETUP_RETRY),
    ],
)
async def test_vehicle_list_failure_at_setup(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    reply: Reply,
    state: ConfigEntryState,
) -> None:
    smartcar.routes["GET", f"{API}/vehicles"] = reply

    await setup_entry(hass, config_entry)

    assert config_entry.state is state


async def test_setup_recovers_from_a_token_smartcar_ended_early(
    hass: HomeAssistant, smartcar: SmartcarMock, config_entry: MockConfigEntry
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", f"{API}/vehicles"] = once(
        Reply(status=401, body={"type": "AUTHENTICATION", "description": "Expired"}),
        smartcar.routes["GET", f"{API}/vehicles"],
    )

    await setup_entry(hass, config_entry)

    assert config_entry.state is ConfigEntryState.LOADED
    assert smartcar.refreshes == 1


async def test_car_failing_its_first_read_does_not_hold_up_the_others(
    hass: HomeAssistant,
    *,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    petrol_signals = f"{API_V3}/vehicles/{PETROL_ID}/signals"
    smartcar.routes["GET", petrol_signals] = once(
        UPSTREAM_ERROR, smartcar.routes["GET", petrol_signals]
    )

    await setup_entry(hass, config_entry)

    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.tesla_model_3_battery").state == "76.0"
    assert hass.states.get(PETROL_FUEL) is None
    # The car tries again on its own schedule; its entities come with its data.
    petrol = config_entry.runtime_data.vehicles[PETROL_ID]
    assert petrol.car.poll.next_at is not None
    freezer.move_to(petrol.car.poll.next_at)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(PETROL_FUEL).state == "43.0"
    assert _device(device_registry, PETROL_ID) is not None


@pytest.mark.parametrize(
    ("token_reply", "reauth"),
    [
        (Reply(status=400, body={"error": "invalid_grant"}), True),
        (Reply(status=503), False),
    ],
    ids=["login-revoked", "token-endpoint-down"],
)
async def test_first_read_failing_for_the_login_keeps_the_entry_loaded(
    hass: HomeAssistant,
    *,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    token_reply: Reply,
    reauth: bool,
) -> None:
    smartcar.add_vehicle("ev")
    # Smartcar ends the token early, and the refresh fails.
    smartcar.routes["GET", f"{API_V3}/vehicles/{EV_ID}/signals"] = Reply(
        status=401, body={"errors": [{"status": "401", "type": "AUTHENTICATION"}]}
    )
    smartcar.routes["POST", TOKEN_URL] = token_reply

    await setup_entry(hass, config_entry)

    # The car's first poll runs on its own: the entry is set up, and only a revoked login
    # asks the owner to log in again.
    assert config_entry.state is ConfigEntryState.LOADED
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == (
        [SOURCE_REAUTH] if reauth else []
    )


async def test_car_rejecting_a_refreshed_token_asks_the_owner_to_log_in_again(
    hass: HomeAssistant, smartcar: SmartcarMock, config_entry: MockConfigEntry
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", f"{API_V3}/vehicles/{EV_ID}/signals"] = Reply(
        status=401, body={"errors": [{"status": "401", "type": "AUTHENTICATION"}]}
    )

    await setup_entry(hass, config_entry)

    assert smartcar.refreshes == 1
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_car_joining_the_account_appears_without_reload(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    assert hass.states.get("sensor.volkswagen_golf_fuel_level") is None
    smartcar.add_vehicle("petrol")

    freezer.tick(timedelta(hours=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert _device(device_registry, PETROL_ID) is not None
    state = hass.states.get("sensor.volkswagen_golf_fuel_level")
    assert state is not None
    assert state.state == "43.0"
    assert PETROL_ID in loaded_ev.runtime_data.vehicles


async def test_car_leaving_the_account_leaves_the_device_registry(
    hass: HomeAssistant,
    *,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    await setup_entry(hass, config_entry)
    assert entity_registry.async_get("sensor.volkswagen_golf_fuel_level") is not None

    smartcar.remove_vehicle(PETROL_ID)
    freezer.tick(timedelta(hours=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert _device(device_registry, PETROL_ID) is None
    assert entity_registry.async_get("sensor.volkswagen_golf_fuel_level") is None
    assert PETROL_ID not in config_entry.runtime_data.vehicles
    assert PETROL_ID not in config_entry.runtime_data.store.vehicles
    assert _device(device_registry, EV_ID) is not None


async def test_car_joining_but_failing_its_first_read_tries_again_on_its_own(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    smartcar.add_vehicle("petrol")
    petrol_signals = f"{API_V3}/vehicles/{PETROL_ID}/signals"
    smartcar.routes["GET", petrol_signals] = once(
        UPSTREAM_ERROR, smartcar.routes["GET", petrol_signals]
    )

    freezer.tick(timedelta(hours=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert PETROL_ID in loaded_ev.runtime_data.vehicles
    assert hass.states.get(PETROL_FUEL) is None
    petrol = loaded_ev.runtime_data.vehicles[PETROL_ID]

    assert petrol.car.poll.next_at is not None
    freezer.move_to(petrol.car.poll.next_at)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    # The same coordinator, kept: nothing piles up at each listing.
    assert loaded_ev.runtime_data.vehicles[PETROL_ID] is petrol
    assert hass.states.get(PETROL_FUEL).state == "43.0"
    assert _device(device_registry, PETROL_ID) is not None


@pytest.mark.parametrize(
    ("reply", "reauth"),
    [
        (
            Reply(
                status=401,
                body={"type": "AUTHENTICATION", "description": "Invalid token"},
            ),
            True,
        ),
        (Reply(status=500, body=SERVER_ERROR), False),
    ],
)
async def test_failed_car_listing_keeps_the_cars(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    reply: Reply,
    reauth: bool,
) -> None:
    smartcar.routes["GET", f"{API}/vehicles"] = reply

    freezer.tick(timedelta(hours=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert EV_ID in loaded_ev.runtime_data.vehicles
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert bool(flows) is reauth


async def test_device_of_a_car_no_longer_on_the_account_can_be_removed(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    current = _device(device_registry, EV_ID)
    assert current is not None
    stale = device_registry.async_get_or_create(
        config_entry_id=loaded_ev.entry_id, identifiers={(DOMAIN, "gone-vehicle")}
    )

    assert not await async_remove_config_entry_device(hass, loaded_ev, current)
    assert await async_remove_config_entry_device(hass, loaded_ev, stale)


async def test_stale_devices_are_removed_at_setup(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    config_entry.add_to_hass(hass)
    device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={(DOMAIN, "sold-car")}
    )
    smartcar.add_vehicle("ev")

    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert _device(device_registry, "sold-car") is None


async def test_removing_the_entry_deletes_its_request_ledger(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    key = f"smartcar.{loaded_ev.entry_id}.budget"
    freezer.tick(timedelta(seconds=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass_storage[key]["data"][EV_ID]["used"] == 2

    await hass.config_entries.async_remove(loaded_ev.entry_id)
    await hass.async_block_till_done()

    assert key not in hass_storage


async def test_unavailable_credentials_retry_setup(
    hass: HomeAssistant, smartcar: SmartcarMock, config_entry: MockConfigEntry
) -> None:
    smartcar.add_vehicle("ev")
    with patch(
        "custom_components.smartcar.access.async_get_config_entry_implementation",
        side_effect=ImplementationUnavailableError("provider down"),
    ):
        await setup_entry(hass, config_entry)

    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_failed_token_refresh_never_logs_the_client_secret(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    smartcar.routes["POST", TOKEN_URL] = Reply(status=HTTPStatus.SERVICE_UNAVAILABLE)
    token = {**loaded_ev.data["token"], "expires_at": 0}
    hass.config_entries.async_update_entry(
        loaded_ev, data={**loaded_ev.data, "token": token}
    )

    # The car listing (and the car's poll) must refresh the token first; the refresh fails.
    freezer.tick(timedelta(hours=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert smartcar.calls("POST", TOKEN_URL) != []
    assert (
        "Could not list the Smartcar cars: OAuth2TokenRequestTransientError"
        in caplog.text
    )
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    for secret in ("Basic ", basic, CLIENT_SECRET):
        assert secret not in caplog.text


async def test_account_listing_no_car_keeps_the_cars(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    smartcar.remove_vehicle(EV_ID)

    freezer.tick(timedelta(hours=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert "Smartcar lists no car" in caplog.text
    assert _device(device_registry, EV_ID) is not None
    assert EV_ID in loaded_ev.runtime_data.vehicles
    assert EV_ID in loaded_ev.runtime_data.store.vehicles
    assert hass.states.get("sensor.tesla_model_3_battery").state == "76.0"


async def test_setup_with_no_car_listed_keeps_the_devices(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    config_entry.add_to_hass(hass)
    device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={(DOMAIN, EV_ID)}
    )

    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.LOADED
    assert _device(device_registry, EV_ID) is not None


def _billing_refused() -> Reply:
    error = {"status": "430", "type": "BILLING", "code": "VEHICLE_REQUEST_LIMIT"}
    return Reply(status=430, body={"errors": [error]})


async def test_removing_the_entry_removes_its_repair_issues(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    issue_registry: ir.IssueRegistry,
) -> None:
    smartcar.routes["GET", f"{API_V3}/vehicles/{EV_ID}/signals"] = _billing_refused()
    await loaded_ev.runtime_data.vehicles[EV_ID].async_refresh()
    assert issue_registry.async_get_issue(DOMAIN, f"billing_limit_{EV_ID}") is not None
    # Another account's issue stays.
    ir.async_create_issue(
        hass,
        DOMAIN,
        "billing_limit_other-car",
        data={"entry_id": "other-entry"},
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="billing_limit",
    )

    await hass.config_entries.async_remove(loaded_ev.entry_id)
    await hass.async_block_till_done()

    assert issue_registry.async_get_issue(DOMAIN, f"billing_limit_{EV_ID}") is None
    assert issue_registry.async_get_issue(DOMAIN, "billing_limit_other-car") is not None


async def test_car_leaving_the_account_takes_its_repair_issues(
    hass: HomeAssistant,
    *,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    await setup_entry(hass, config_entry)
    smartcar.routes["GET", f"{API_V3}/vehicles/{PETROL_ID}/signals"] = (
        _billing_refused()
    )
    await config_entry.runtime_data.vehicles[PETROL_ID].async_refresh()
    assert (
        issue_registry.async_get_issue(DOMAIN, f"billing_limit_{PETROL_ID}") is not None
    )

    smartcar.remove_vehicle(PETROL_ID)
    freezer.tick(timedelta(hours=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert issue_registry.async_get_issue(DOMAIN, f"billing_limit_{PETROL_ID}") is None


async def test_entry_is_named_after_its_cars_once_their_models_are_known(
    hass: HomeAssistant, smartcar: SmartcarMock, config_entry: MockConfigEntry
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")

    await setup_entry(hass, config_entry)

    assert config_entry.title == "Smartcar: Model 3, Golf"


async def test_entry_renamed_by_the_owner_keeps_its_name(
    hass: HomeAssistant, smartcar: SmartcarMock, config_entry: MockConfigEntry
) -> None:
    smartcar.add_vehicle("ev")
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, title="Our cars")

    await setup_entry(hass, config_entry)

    assert config_entry.title == "Our cars"


async def test_an_entry_stored_before_v3_applications_becomes_a_legacy_entry(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    smartcar.add_vehicle("ev")
    stored = make_entry()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=stored.title,
        unique_id=stored.unique_id,
        version=1,
        data=dict(stored.data),
        options=dict(stored.options),
    )

    await setup_entry(hass, entry)

    assert entry.state is ConfigEntryState.LOADED
    assert entry.version == 2
    assert entry.data["api_generation"] == "legacy"
    assert entry.data["token"] == stored.data["token"]
    assert hass.states.get("sensor.tesla_model_3_battery").state == "76.0"


async def test_an_entry_of_a_newer_version_is_not_loaded(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    stored = make_entry()
    entry = MockConfigEntry(domain=DOMAIN, version=3, data=dict(stored.data))

    await setup_entry(hass, entry)

    assert entry.state is ConfigEntryState.MIGRATION_ERROR

"""The actions: send a destination, read the service history."""

from datetime import date
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from yarl import URL

from .conftest import (
    ALL_SCOPES,
    API,
    DOMAIN,
    EV_ID,
    SmartcarMock,
    make_entry,
    setup_entry,
    v2_error,
)

DESTINATION = f"{API}/vehicles/{EV_ID}/navigation/destination"
HISTORY = f"{API}/vehicles/{EV_ID}/service/history"


def _device_id(device_registry: dr.DeviceRegistry, entry: MockConfigEntry) -> str:
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, EV_ID), entry.entry_id
    )
    assert device is not None
    return device.id


@pytest.fixture
def car(loaded_ev: MockConfigEntry, device_registry: dr.DeviceRegistry) -> str:
    """The device of the loaded battery-electric car."""
    return _device_id(device_registry, loaded_ev)


async def _send(hass: HomeAssistant, data: dict[str, Any]) -> None:
    await hass.services.async_call(DOMAIN, "send_destination", data, blocking=True)


async def _refused(hass: HomeAssistant, data: dict[str, Any]) -> str:
    """Send a destination that must be refused; return the translated reason."""
    with pytest.raises(ServiceValidationError) as raised:
        await _send(hass, data)
    assert raised.value.translation_domain == DOMAIN
    return str(raised.value.translation_key)


@pytest.mark.parametrize(
    ("destination", "sent"),
    [
        (
            {"latitude": 48.8584, "longitude": 2.2945},
            {"latitude": 48.8584, "longitude": 2.2945},
        ),
        ({"latitude": -34, "longitude": 151}, {"latitude": -34.0, "longitude": 151.0}),
        # What the map (location selector) gives.
        (
            {"location": {"latitude": 52.3731, "longitude": 4.8922, "radius": 100}},
            {"latitude": 52.3731, "longitude": 4.8922},
        ),
        ({"latitude": 90, "longitude": -180}, {"latitude": 90.0, "longitude": -180.0}),
    ],
    ids=["degrees", "whole_degrees", "map", "limits"],
)
async def test_send_destination_to_a_car(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    car: str,
    destination: dict[str, Any],
    sent: dict[str, float],
) -> None:
    await _send(hass, {"device_id": car, **destination})

    assert [call[2] for call in smartcar.calls("POST", DESTINATION)] == [sent]


@pytest.mark.parametrize(
    ("destination", "key"),
    [
        # A boolean is not a number, nor is a text that looks like one.
        ({"latitude": True, "longitude": 2}, "latitude_not_a_number"),
        ({"latitude": 1, "longitude": False}, "longitude_not_a_number"),
        ({"latitude": "48.85", "longitude": 2}, "latitude_not_a_number"),
        ({"latitude": None, "longitude": 2}, "latitude_not_a_number"),
        ({"latitude": [48.85], "longitude": 2}, "latitude_not_a_number"),
        ({"location": {"latitude": 1, "longitude": True}}, "longitude_not_a_number"),
        # Out of range.
        ({"latitude": 90.5, "longitude": 0}, "invalid_latitude"),
        ({"latitude": -91, "longitude": 0}, "invalid_latitude"),
        ({"latitude": 0, "longitude": 180.1}, "invalid_longitude"),
        ({"latitude": float("nan"), "longitude": 0}, "invalid_latitude"),
        ({"latitude": 0, "longitude": float("inf")}, "invalid_longitude"),
        ({"location": {"latitude": 0, "longitude": -200}}, "invalid_longitude"),
        # Half a destination, two destinations, or a location without coordinates.
        ({}, "missing_destination"),
        ({"latitude": 1}, "missing_destination"),
        (
            {"location": {"latitude": 1, "longitude": 2}, "latitude": 1},
            "ambiguous_destination",
        ),
        ({"location": {"latitude": 1}}, "invalid_location"),
        ({"location": "48.85,2.29"}, "invalid_location"),
    ],
)
async def test_invalid_destination_is_refused_and_nothing_sent(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    car: str,
    destination: dict[str, Any],
    key: str,
) -> None:
    assert await _refused(hass, {"device_id": car, **destination}) == key
    assert smartcar.calls("POST", DESTINATION) == []


@pytest.mark.parametrize(
    ("target", "key"),
    [
        ({}, "missing_vehicle"),
        ({"device_id": ""}, "missing_vehicle"),
        ({"device_id": 42}, "missing_vehicle"),
        ({"device_id": "no-such-device"}, "unknown_vehicle"),
    ],
)
async def test_action_without_a_known_car_is_refused(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    target: dict[str, Any],
    key: str,
) -> None:
    assert await _refused(hass, {**target, "latitude": 1, "longitude": 2}) == key
    assert smartcar.calls("POST", DESTINATION) == []


async def test_device_of_another_integration_is_refused(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    device_registry: dr.DeviceRegistry,
) -> None:
    other = MockConfigEntry(domain="demo")
    other.add_to_hass(hass)
    device = device_registry.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("demo", "thing")}
    )

    key = await _refused(hass, {"device_id": device.id, "latitude": 1, "longitude": 2})

    assert key == "unknown_vehicle"
    assert smartcar.calls("POST", DESTINATION) == []


async def test_car_that_left_the_account_is_refused(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock, car: str
) -> None:
    # Its device stays until the owner removes it.
    loaded_ev.runtime_data.vehicles.pop(EV_ID)

    key = await _refused(hass, {"device_id": car, "latitude": 1, "longitude": 2})

    assert key == "unknown_vehicle"
    assert smartcar.calls("POST", DESTINATION) == []


async def test_send_destination_needs_the_navigation_permission(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    device_registry: dr.DeviceRegistry,
) -> None:
    entry = make_entry()
    smartcar.add_vehicle(
        "ev", scopes=[s for s in ALL_SCOPES if s != "control_navigation"]
    )
    await setup_entry(hass, entry)

    with pytest.raises(ServiceValidationError, match="control_navigation") as raised:
        await _send(
            hass,
            {
                "device_id": _device_id(device_registry, entry),
                "latitude": 1,
                "longitude": 2,
            },
        )

    assert raised.value.translation_key == "missing_permission"
    assert smartcar.calls("POST", DESTINATION) == []


async def test_destination_refused_by_the_car(
    hass: HomeAssistant, smartcar: SmartcarMock, car: str
) -> None:
    smartcar.routes["POST", DESTINATION] = v2_error(409, "VEHICLE_STATE", "UNREACHABLE")

    with pytest.raises(HomeAssistantError, match="cannot be reached"):
        await _send(hass, {"device_id": car, "latitude": 1, "longitude": 2})


async def _history(hass: HomeAssistant, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, "get_service_history", data, blocking=True, return_response=True
    )


def _keys(value: Any) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


async def test_service_history_is_returned_with_snake_case_keys(
    hass: HomeAssistant, smartcar: SmartcarMock, car: str
) -> None:
    response = await _history(hass, {"device_id": car})

    assert response == {
        "records": [
            {
                "service_id": "9182736",
                "service_date": "2026-03-14T10:30:00+00:00",
                "odometer_distance_km": 80112.0,
                "service_tasks": [
                    {"task_id": "12", "task_description": "Oil and filter change"},
                    {"task_id": "31", "task_description": "Brake inspection"},
                ],
                "service_details": [{"type": "dealer", "value": "Autohaus München"}],
                "service_cost": {"total_cost": 289.5, "currency": "EUR"},
            },
            {
                "service_id": None,
                "service_date": "2025-03-02T08:00:00+00:00",
                "odometer_distance_km": 65010.0,
                "service_tasks": [
                    {"task_id": "12", "task_description": "Oil and filter change"}
                ],
                "service_details": [],
                "service_cost": None,
            },
        ]
    }
    assert all(key == key.lower() for key in _keys(response))


@pytest.mark.parametrize(
    "dates",
    [
        {"start_date": "2025-01-01", "end_date": "2026-06-30"},
        # Scripts may hand over dates rather than the date selector's text.
        {"start_date": date(2025, 1, 1), "end_date": date(2026, 6, 30)},
    ],
    ids=["text", "dates"],
)
async def test_service_history_between_dates(
    hass: HomeAssistant, smartcar: SmartcarMock, car: str, dates: dict[str, Any]
) -> None:
    await _history(hass, {"device_id": car, **dates})

    (call,) = smartcar.calls("GET", HISTORY)
    assert dict(URL(call[1]).query) == {
        "startDate": "2025-01-01",
        "endDate": "2026-06-30",
    }


@pytest.mark.parametrize(
    ("dates", "key"),
    [
        ({"start_date": "2026-06-30", "end_date": "2025-01-01"}, "invalid_date_range"),
        ({"start_date": "2025-13-01"}, "invalid_date"),
        ({"end_date": "yesterday"}, "invalid_date"),
        ({"start_date": True}, "invalid_date"),
        ({"start_date": 20250101}, "invalid_date"),
    ],
)
async def test_invalid_dates_are_refused_and_nothing_read(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    car: str,
    dates: dict[str, Any],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await _history(hass, {"device_id": car, **dates})

    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == key
    assert smartcar.calls("GET", HISTORY) == []


async def test_service_history_names_its_car_by_device(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await _history(hass, {})

    assert raised.value.translation_key == "missing_vehicle"
    assert smartcar.calls("GET", HISTORY) == []

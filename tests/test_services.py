"""The actions: send a destination, read the service history."""

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


async def test_send_destination_to_a_device(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    device_registry: dr.DeviceRegistry,
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "send_destination",
        {
            "device_id": _device_id(device_registry, loaded_ev),
            "latitude": 48.8584,
            "longitude": 2.2945,
        },
        blocking=True,
    )

    calls = smartcar.calls("POST", DESTINATION)
    assert [call[2] for call in calls] == [{"latitude": 48.8584, "longitude": 2.2945}]


async def test_send_destination_by_entry_and_vehicle_id(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "send_destination",
        {
            "config_entry_id": loaded_ev.entry_id,
            "vehicle_id": EV_ID,
            "latitude": "-33.8568",
            "longitude": "151.2153",
        },
        blocking=True,
    )

    assert [call[2] for call in smartcar.calls("POST", DESTINATION)] == [
        {"latitude": -33.8568, "longitude": 151.2153}
    ]


@pytest.mark.parametrize(
    ("latitude", "longitude", "key"),
    [
        (90.5, 0, "invalid_latitude"),
        (-91, 0, "invalid_latitude"),
        (0, 180.1, "invalid_longitude"),
    ],
)
async def test_out_of_range_destination_is_refused_and_nothing_sent(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    latitude: float,
    longitude: float,
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "send_destination",
            {
                "config_entry_id": loaded_ev.entry_id,
                "vehicle_id": EV_ID,
                "latitude": latitude,
                "longitude": longitude,
            },
            blocking=True,
        )

    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == key
    assert smartcar.calls("POST", DESTINATION) == []


@pytest.mark.parametrize(
    ("target", "key"),
    [
        ({}, "missing_vehicle"),
        ({"vehicle_id": EV_ID}, "missing_vehicle"),
        ({"device_id": "no-such-device"}, "unknown_vehicle"),
        ({"vehicle_id": "no-such-car", "config_entry_id": None}, "unknown_vehicle"),
    ],
)
async def test_unknown_vehicle_is_refused(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    target: dict[str, str | None],
    key: str,
) -> None:
    if "config_entry_id" in target:
        target = {**target, "config_entry_id": loaded_ev.entry_id}

    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "send_destination",
            {**target, "latitude": 1, "longitude": 2},
            blocking=True,
        )

    assert raised.value.translation_key == key
    assert smartcar.calls("POST", DESTINATION) == []


async def test_device_of_another_integration_is_refused(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    other = MockConfigEntry(domain="demo")
    other.add_to_hass(hass)
    device = device_registry.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("demo", "thing")}
    )

    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "send_destination",
            {"device_id": device.id, "latitude": 1, "longitude": 2},
            blocking=True,
        )


async def test_send_destination_needs_the_navigation_permission(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    entry = make_entry()
    smartcar.add_vehicle(
        "ev", scopes=[s for s in ALL_SCOPES if s != "control_navigation"]
    )
    await setup_entry(hass, entry)

    with pytest.raises(ServiceValidationError, match="control_navigation") as raised:
        await hass.services.async_call(
            DOMAIN,
            "send_destination",
            {
                "config_entry_id": entry.entry_id,
                "vehicle_id": EV_ID,
                "latitude": 1,
                "longitude": 2,
            },
            blocking=True,
        )

    assert raised.value.translation_key == "missing_permission"
    assert smartcar.calls("POST", DESTINATION) == []


async def test_destination_refused_by_the_car(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    smartcar.routes["POST", DESTINATION] = v2_error(409, "VEHICLE_STATE", "UNREACHABLE")

    with pytest.raises(HomeAssistantError, match="cannot be reached"):
        await hass.services.async_call(
            DOMAIN,
            "send_destination",
            {
                "config_entry_id": loaded_ev.entry_id,
                "vehicle_id": EV_ID,
                "latitude": 1,
                "longitude": 2,
            },
            blocking=True,
        )


async def test_service_history_is_returned(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    response = await hass.services.async_call(
        DOMAIN,
        "get_service_history",
        {"config_entry_id": loaded_ev.entry_id, "vehicle_id": EV_ID},
        blocking=True,
        return_response=True,
    )

    assert response == {
        "records": [
            {
                "service_id": "9182736",
                "service_date": "2026-03-14T10:30:00+00:00",
                "odometer_distance_km": 80112.0,
                "service_tasks": [
                    {"taskId": "12", "taskDescription": "Oil and filter change"},
                    {"taskId": "31", "taskDescription": "Brake inspection"},
                ],
                "service_details": [{"type": "dealer", "value": "Autohaus München"}],
                "service_cost": {"total_cost": 289.5, "currency": "EUR"},
            },
            {
                "service_id": None,
                "service_date": "2025-03-02T08:00:00+00:00",
                "odometer_distance_km": 65010.0,
                "service_tasks": [
                    {"taskId": "12", "taskDescription": "Oil and filter change"}
                ],
                "service_details": [],
                "service_cost": None,
            },
        ]
    }


async def test_service_history_between_dates(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "get_service_history",
        {
            "config_entry_id": loaded_ev.entry_id,
            "vehicle_id": EV_ID,
            "start_date": "2025-01-01",
            "end_date": "2026-06-30",
        },
        blocking=True,
        return_response=True,
    )

    (call,) = smartcar.calls("GET", HISTORY)
    assert dict(URL(call[1]).query) == {
        "startDate": "2025-01-01",
        "endDate": "2026-06-30",
    }


async def test_service_history_with_reversed_dates_is_refused(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, smartcar: SmartcarMock
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "get_service_history",
            {
                "config_entry_id": loaded_ev.entry_id,
                "vehicle_id": EV_ID,
                "start_date": "2026-06-30",
                "end_date": "2025-01-01",
            },
            blocking=True,
            return_response=True,
        )

    assert raised.value.translation_key == "invalid_date_range"
    assert smartcar.calls("GET", HISTORY) == []

"""Every platform's entities and states, for a battery-electric, a petrol and a plug-in hybrid car.

Read with v3 signals and with v2 batch, from Smartcar-shaped fixtures (tests/fixtures/<model>/).
"""

from collections import Counter
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import Platform, UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import snapshot_platform
from syrupy.assertion import SnapshotAssertion

from .conftest import (
    API,
    API_V3,
    EV_ID,
    PETROL_ID,
    Reply,
    SmartcarMock,
    load_fixture,
    make_entry,
    setup_entry,
)

ALL_PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.DEVICE_TRACKER,
    Platform.LOCK,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]
SWITCH_PHEV = "switch.toyota_rav4_plug_in_hybrid_charge"
# A petrol car has nothing to charge.
NO_ENTITIES = {("petrol", Platform.NUMBER), ("petrol", Platform.SWITCH)}


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "credentials")
@pytest.mark.parametrize(
    "platforms",
    [[platform] for platform in ALL_PLATFORMS],
    ids=[p.value for p in ALL_PLATFORMS],
)
@pytest.mark.parametrize("read_path", ["signals", "batch"])
@pytest.mark.parametrize("model", ["ev", "petrol", "phev"])
async def test_entities(
    hass: HomeAssistant,
    *,
    smartcar: SmartcarMock,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platforms: list[Platform],
    read_path: str,
    model: str,
) -> None:
    entry = make_entry(read_path=read_path)
    smartcar.add_vehicle(model)

    await setup_entry(hass, entry)

    if (model, platforms[0]) in NO_ENTITIES:
        assert er.async_entries_for_config_entry(entity_registry, entry.entry_id) == []
    else:
        await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("platforms", [[Platform.BINARY_SENSOR]])
async def test_opening_in_an_unnamed_position_gets_its_own_entity(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    smartcar.add_vehicle("ev")
    signals = load_fixture("ev/signals.json")
    for item in signals["data"]:
        if item["id"] == "closure-windows":
            # A third row of windows (a minivan): v2 has no word for the middle row.
            body = item["attributes"]["body"]
            body["rowCount"] = 3
            body["values"][2]["isOpen"] = True
            body["values"] += [{"row": 2, "column": c, "isOpen": False} for c in (0, 1)]
    smartcar.routes[
        "GET", f"https://vehicle.api.smartcar.com/v3/vehicles/{EV_ID}/signals"
    ] = Reply(body=signals)

    await setup_entry(hass, make_entry())

    state = hass.states.get("binary_sensor.tesla_model_3_window_row2_left")
    assert state is not None
    assert state.state == "on"
    assert state.attributes["friendly_name"] == "Tesla Model 3 Window row2 left"


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("platforms", [[Platform.BINARY_SENSOR]])
async def test_opening_with_unknown_status_shows_unknown(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    smartcar.add_vehicle("ev")
    security = {
        "code": 200,
        "body": {
            "isLocked": True,
            "doors": [{"type": "frontLeft", "status": "UNKNOWN"}],
            "windows": [],
            "sunroof": [],
            "storage": [],
            "chargingPort": [],
        },
        "headers": {},
    }
    smartcar.routes["POST", f"{API}/vehicles/{EV_ID}/batch"] = smartcar.batch_route(
        "ev", **{"/security": security}
    )

    await setup_entry(hass, make_entry(read_path="batch"))

    assert (
        hass.states.get("binary_sensor.tesla_model_3_front_left_door").state
        == "unknown"
    )


def _with_signals(smartcar: SmartcarMock, model: str, *signals: dict[str, Any]) -> None:
    """Answer the car's v3 signals with its fixture plus `signals`."""
    answer = load_fixture(f"{model}/signals.json")
    meta = answer["data"][0]["meta"]
    answer["data"] += [{**signal, "meta": meta} for signal in signals]
    vehicle_id = next(
        vehicle_id for vehicle_id, name in smartcar.vehicles.items() if name == model
    )
    smartcar.routes["GET", f"{API_V3}/vehicles/{vehicle_id}/signals"] = Reply(
        body=answer
    )


def _signal(code: str, body: dict[str, Any]) -> dict[str, Any]:
    """A v3 signal resource as Smartcar lists it."""
    return {
        "id": code,
        "type": "signal",
        "attributes": {"code": code, "status": {"value": "SUCCESS"}, "body": body},
    }


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "credentials")
@pytest.mark.parametrize("read_path", ["signals", "batch"])
@pytest.mark.parametrize("model", ["ev", "petrol", "phev"])
async def test_every_entity_of_a_car_has_its_own_name(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    entity_registry: er.EntityRegistry,
    read_path: str,
    model: str,
) -> None:
    smartcar.add_vehicle(model)
    entry = make_entry(read_path=read_path)

    await setup_entry(hass, entry)

    names = Counter(
        hass.states.get(item.entity_id).name
        for item in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    )
    assert [name for name, count in names.items() if count > 1] == []
    # One "Charging" on a car that charges: the switch that starts and stops it is "Charge".
    switch = {"ev": "switch.tesla_model_3_charge", "phev": SWITCH_PHEV}.get(model)
    if switch is not None:
        assert hass.states.get(switch) is not None


# What the README's entity table promises: everything else is created enabled.
DISABLED_BY_DEFAULT = {
    "battery_capacity",
    "charging_voltage",
    "charging_current",
    "charging_time_remaining",
    "low_voltage_battery_level",
}


@pytest.mark.usefixtures("credentials")
async def test_entities_disabled_by_default_are_only_the_niche_ones(
    hass: HomeAssistant, smartcar: SmartcarMock, entity_registry: er.EntityRegistry
) -> None:
    # The plug-in hybrid reports the most (charging power too).
    smartcar.add_vehicle("phev")
    _with_signals(
        smartcar,
        "phev",
        _signal("charge-energyadded", {"unit": "kilowatt_hours", "value": 1}),
        _signal("connectivitystatus-isasleep", {"value": False}),
    )
    entry = make_entry()

    await setup_entry(hass, entry)

    entities = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    disabled = {item.translation_key for item in entities if item.disabled_by}
    assert disabled <= DISABLED_BY_DEFAULT
    enabled = {item.translation_key for item in entities if not item.disabled_by}
    # Visible: why a car does not answer, and what the Energy dashboard needs.
    assert {
        "online",
        "asleep",
        "charging_power",
        "charging_energy_added",
    } <= enabled


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
async def test_energy_added_counts_for_the_energy_dashboard(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    smartcar.add_vehicle("phev")
    # The body as Smartcar's signal reference documents it.
    _with_signals(
        smartcar,
        "phev",
        _signal("charge-energyadded", {"unit": "kilowatt_hours", "value": 23.4}),
    )

    await setup_entry(hass, make_entry())

    state = hass.states.get("sensor.toyota_rav4_plug_in_hybrid_charging_energy_added")
    assert state is not None
    assert state.state == "23.4"
    assert state.attributes["device_class"] == SensorDeviceClass.ENERGY
    assert state.attributes["state_class"] == SensorStateClass.TOTAL_INCREASING
    assert state.attributes["unit_of_measurement"] == UnitOfEnergy.KILO_WATT_HOUR
    power = hass.states.get("sensor.toyota_rav4_plug_in_hybrid_charging_power")
    assert power is not None
    assert power.attributes["device_class"] == SensorDeviceClass.POWER
    assert power.attributes["unit_of_measurement"] == "kW"


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
async def test_car_without_energy_added_gets_no_such_sensor(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    smartcar.add_vehicle("ev")

    await setup_entry(hass, make_entry())

    assert hass.states.get("sensor.tesla_model_3_charging_energy_added") is None


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("platforms", [[Platform.BINARY_SENSOR]])
@pytest.mark.parametrize(("status", "state"), [("ALERT", "on"), ("OK", "off")])
async def test_tire_pressure_warning_is_the_cars_own_v2(
    hass: HomeAssistant, smartcar: SmartcarMock, status: str, state: str
) -> None:
    smartcar.add_vehicle("petrol")
    system_status = {
        "code": 200,
        "body": {
            "systems": [
                {"systemId": "SYSTEM_TPMS", "status": status, "description": None}
            ]
        },
        "headers": {},
    }
    smartcar.routes["POST", f"{API}/vehicles/{PETROL_ID}/batch"] = smartcar.batch_route(
        "petrol", **{"/diagnostics/system_status": system_status}
    )

    await setup_entry(hass, make_entry(read_path="batch"))

    warning = hass.states.get("binary_sensor.volkswagen_golf_tire_pressure_warning")
    assert warning is not None
    assert warning.state == state


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("platforms", [[Platform.BINARY_SENSOR]])
@pytest.mark.parametrize(("status", "state"), [("ALERT", "on"), ("OK", "off")])
async def test_tire_pressure_warning_is_the_cars_own_v3(
    hass: HomeAssistant, smartcar: SmartcarMock, status: str, state: str
) -> None:
    smartcar.add_vehicle("ev")
    _with_signals(
        smartcar,
        "ev",
        _signal("diagnostics-tirepressure", {"status": status, "description": None}),
    )

    await setup_entry(hass, make_entry())

    warning = hass.states.get("binary_sensor.tesla_model_3_tire_pressure_warning")
    assert warning is not None
    assert warning.state == state


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("platforms", [[Platform.BINARY_SENSOR]])
async def test_no_tire_pressure_warning_without_the_cars_monitoring(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    # The pressures alone are no warning: no threshold is guessed.
    smartcar.add_vehicle("ev")

    await setup_entry(hass, make_entry())

    assert hass.states.get("binary_sensor.tesla_model_3_tire_pressure_warning") is None


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
async def test_device_shows_make_model_year_and_software_version(
    hass: HomeAssistant, smartcar: SmartcarMock, device_registry: dr.DeviceRegistry
) -> None:
    smartcar.add_vehicle("ev")
    _with_signals(
        smartcar,
        "ev",
        _signal("connectivitysoftware-currentfirmwareversion", {"value": "2024.4.5"}),
    )

    entry = make_entry()
    await setup_entry(hass, entry)

    device = device_registry.async_get_device_by_identifier(
        ("smartcar", EV_ID), entry.entry_id
    )
    assert device is not None
    assert device.manufacturer == "Tesla"
    assert device.model == "Model 3 (2022)"
    assert device.name == "Tesla Model 3"
    assert device.sw_version == "2024.4.5"


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
async def test_device_without_a_software_version_has_none(
    hass: HomeAssistant, smartcar: SmartcarMock, device_registry: dr.DeviceRegistry
) -> None:
    smartcar.add_vehicle("petrol")

    entry = make_entry(read_path="batch")
    await setup_entry(hass, entry)

    device = device_registry.async_get_device_by_identifier(
        ("smartcar", PETROL_ID), entry.entry_id
    )
    assert device is not None
    assert (device.manufacturer, device.model, device.sw_version) == (
        "Volkswagen",
        "Golf (2019)",
        None,
    )

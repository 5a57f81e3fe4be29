"""Every platform's entities and states, for a battery-electric, a petrol and a plug-in hybrid car.

Read with v3 signals and with v2 batch, from Smartcar-shaped fixtures (tests/fixtures/<model>/).
"""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import snapshot_platform
from syrupy.assertion import SnapshotAssertion

from .conftest import (
    API,
    EV_ID,
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
    assert state.attributes["friendly_name"] == "TESLA Model 3 Window row2 left"


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

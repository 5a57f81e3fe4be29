"""The control API: state, clock, vehicle patches, reset."""

from typing import Any

import pytest

from simulator import TESLA_ID, TOYOTA_ID, VOLVO_ID, Simulator, create_app, simulator_of
from simulator.config import SimulatorConfig

from .conftest import Client


async def test_state_reports_configuration_and_cars(client: Client) -> None:
    state = await (await client.get("/sim/state")).json()

    assert state["now"] == "2026-01-01T00:00:00.000Z"
    assert state["config"]["client_id"] == "sim-client-id"
    assert state["config"]["client_secret"] == "sim-client-secret"
    assert state["config"]["management_token"] == "sim-management-token"
    assert state["config"]["redirect_uris"] == []
    assert state["vehicles"] == [TESLA_ID, TOYOTA_ID, VOLVO_ID]
    assert state["connect_error"] is None


async def test_state_lists_connections_grants_and_faults(
    client: Client, headers: dict[str, str]
) -> None:
    await client.post(f"/sim/vehicles/{TESLA_ID}/faults", json={"type": "ASLEEP"})

    state = await (await client.get("/sim/state")).json()

    assert [c["vehicle_id"] for c in state["connections"]] == [
        TESLA_ID,
        TOYOTA_ID,
        VOLVO_ID,
    ]
    assert state["grants"][0]["vehicle_ids"] == [TESLA_ID, TOYOTA_ID, VOLVO_ID]
    assert state["faults"][TESLA_ID][0]["code"] == "ASLEEP"


async def test_clock_can_advance_and_be_set(
    client: Client, headers: dict[str, str]
) -> None:
    advanced = await (await client.post("/sim/clock", json={"advance": 7200})).json()
    assert advanced["now"] == "2026-01-01T02:00:00.000Z"
    # The access token expired with the simulated time.
    assert (await client.get("/v2.0/user", headers=headers)).status == 401

    moved = await (
        await client.post("/sim/clock", json={"set": 1_767_225_600 + 60})
    ).json()
    assert moved["now"] == "2026-01-01T00:01:00.000Z"
    assert (await client.post("/sim/clock", json={"forward": 1})).status == 400
    assert (await client.post("/sim/clock", data=b"nope")).status == 400
    assert (await client.post("/sim/clock", json=[1])).status == 400


async def test_vehicle_state_can_be_read_and_patched(client: Client) -> None:
    patched = await client.patch(
        f"/sim/vehicles/{TESLA_ID}",
        json={
            "latitude": 40.0,
            "longitude": -74.0,
            "heading": 10,
            "odometer_km": 20000,
            "state_of_charge": 0.5,
            "charge_limit": 0.9,
            "charge_rate_per_minute": 0.02,
            "oil_life_remaining": 0.5,
            "low_voltage_state_of_charge": 0.7,
            "tire_pressures_kpa": {"frontLeft": 200},
            "doors": {"frontRight": "OPEN"},
            "windows": {"backLeft": "UNKNOWN"},
            "sunroof": "OPEN",
            "is_locked": False,
            "dtcs": [{"code": "U0100", "timestamp": None}],
            "systems": [],
        },
    )
    car = await patched.json()

    assert patched.status == 200
    assert (car["latitude"], car["longitude"], car["heading"]) == (40.0, -74.0, 10.0)
    assert car["odometer_km"] == 20000
    assert car["state_of_charge"] == 0.5
    assert car["charge_limit"] == 0.9
    assert car["tire_pressures_kpa"]["frontLeft"] == 200
    assert car["doors"]["frontRight"] == "OPEN"
    assert car["windows"]["backLeft"] == "UNKNOWN"
    assert car["sunroof"] == "OPEN"
    assert car["is_locked"] is False
    assert car["dtcs"] == [{"code": "U0100", "timestamp": None}]
    fetched = await (await client.get(f"/sim/vehicles/{TESLA_ID}")).json()
    assert fetched == car
    fleet = await (await client.get("/sim/vehicles")).json()
    assert [c["id"] for c in fleet["vehicles"]] == [TESLA_ID, TOYOTA_ID, VOLVO_ID]
    removed = await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"sunroof": None})
    assert (await removed.json())["sunroof"] is None


async def test_charging_can_be_started_from_the_control_api(
    client: Client, headers: dict[str, str]
) -> None:
    refused = await client.patch(
        f"/sim/vehicles/{VOLVO_ID}", json={"is_charging": True}
    )
    await client.patch(f"/sim/vehicles/{VOLVO_ID}", json={"is_plugged_in": True})
    started = await client.patch(
        f"/sim/vehicles/{VOLVO_ID}", json={"is_charging": True}
    )
    await client.post("/sim/clock", json={"advance": 600})
    car = await (await client.get(f"/sim/vehicles/{VOLVO_ID}")).json()
    stopped = await client.patch(
        f"/sim/vehicles/{VOLVO_ID}", json={"is_charging": False}
    )

    assert refused.status == 400
    assert (await started.json())["charge_state"] == "CHARGING"
    assert car["state_of_charge"] == pytest.approx(0.45)
    assert (await stopped.json())["charge_state"] == "NOT_CHARGING"


@pytest.mark.parametrize(
    "patch",
    [
        {"colour": "red"},
        {"is_moving": "yes"},
        {"latitude": "north"},
        {"latitude": True},
        {"state_of_charge": 1.5},
        {"doors": {"roof": "OPEN"}},
        {"doors": {"frontLeft": "AJAR"}},
        {"tire_pressures_kpa": {"spare": 200}},
        {"dtcs": "P0420"},
        {"unsupported": "/fuel"},
    ],
)
async def test_invalid_patches_are_rejected(
    client: Client, patch: dict[str, Any]
) -> None:
    response = await client.patch(f"/sim/vehicles/{TESLA_ID}", json=patch)

    assert response.status == 400
    assert (await response.json())["error"]


async def test_unknown_vehicle_is_404(client: Client) -> None:
    for method, path in (
        ("GET", "/sim/vehicles/nope"),
        ("PATCH", "/sim/vehicles/nope"),
        ("GET", "/sim/vehicles/nope/faults"),
    ):
        response = await client.request(method, path, json={})
        assert response.status == 404


async def test_reset_restores_the_default_fleet(
    client: Client, headers: dict[str, str], sim: Simulator
) -> None:
    await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"is_moving": True})
    await client.get(f"/v2.0/vehicles/{TESLA_ID}/odometer", headers=headers)

    response = await client.post("/sim/reset")

    assert (await response.json()) == {"status": "reset"}
    assert sim.fleet[TESLA_ID].is_moving is False
    assert sim.ledger.requests() == []
    assert (await client.get("/v2.0/user", headers=headers)).status == 401


async def test_create_app_builds_its_own_simulator_from_config() -> None:
    app = create_app(SimulatorConfig(client_id="abc"))

    assert simulator_of(app).config.client_id == "abc"
    assert simulator_of(create_app()).config.client_id == "sim-client-id"


async def test_clock_without_body_is_rejected(client: Client) -> None:
    response = await client.post("/sim/clock")

    assert response.status == 400
    assert (await response.json())["error"].startswith("expected")


def test_faults_must_be_objects_in_process(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="JSON object"):
        sim.faults.add(TESLA_ID, ["ASLEEP"])

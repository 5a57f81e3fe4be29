"""A real `hass` process and the simulator: onboarding, Connect, entities, a command, a restart.

Nothing is mocked. The test drives Home Assistant through the REST and WebSocket APIs its web UI
uses, follows the authorize URL to the simulator's Connect page, approves, and lets the simulator
redirect the browser back to Home Assistant's OAuth callback.
"""

import pytest

from simulator import devstack

from ._stack import Stack, connect_smartcar, entry_state, states_by_domain

pytestmark = pytest.mark.timeout(300)


async def test_owner_connects_three_cars_locks_one_and_survives_restart_with_expired_token(
    stack: Stack,
) -> None:
    api = await stack.start_home_assistant()
    await connect_smartcar(stack, api)

    # Three cars, each a device with entities (the first polls run after the setup).
    async def car_devices() -> int:
        devices = await api.websocket_command({"type": "config/device_registry/list"})
        return sum(
            any(identifier[0] == "smartcar" for identifier in device["identifiers"])
            for device in devices
        )

    await devstack.wait_for(car_devices, 3, within=60, log=stack.home_assistant)

    async def locks() -> int:
        return len((await states_by_domain(api)).get("lock", []))

    await devstack.wait_for(locks, 3, within=60, log=stack.home_assistant)
    states = await states_by_domain(api)
    assert len(states["lock"]) == 3
    assert len(states["device_tracker"]) == 3
    assert any(state["entity_id"].endswith("battery") for state in states["sensor"])

    # Lock a car through Home Assistant; the simulator's car is locked.
    unlocked = [state for state in states["lock"] if state["state"] == "unlocked"]
    assert unlocked, devstack.dump(states["lock"])
    target = unlocked[0]["entity_id"]
    await api.post("/api/services/lock/lock", {"entity_id": target})
    assert (await api.get(f"/api/states/{target}"))["state"] == "locked"
    fleet = await stack.sim("GET", "/sim/vehicles")
    assert any(car["is_locked"] for car in fleet["vehicles"]), devstack.dump(fleet)

    # The access token expires while Home Assistant is down; after the restart the integration
    # refreshes it (the simulator rotates the refresh token) and keeps working.
    stack.stop_home_assistant()
    tokens_before = await stack.sim("GET", "/sim/tokens")
    await stack.sim("POST", "/sim/tokens/expire")
    api = await stack.start_home_assistant()
    await devstack.wait_for(
        lambda: entry_state(api), "loaded", within=120, log=stack.home_assistant
    )
    tokens_after = await stack.sim("GET", "/sim/tokens")
    assert tokens_after["refreshes"] > tokens_before["refreshes"]
    states = await states_by_domain(api)
    assert len(states["lock"]) == 3
    assert all(state["state"] != "unavailable" for state in states["lock"])

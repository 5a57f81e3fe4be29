"""A real `hass` killed or stopped, and started again: nothing counted or rotated is lost.

Killed with SIGKILL right after billed requests and right after a token refresh, then kept down
past the simulator's refresh-token grace: the integration's request count equals the
simulator's ledger and the owner is not asked to log in again. Stopped while the cars sleep:
the same states come back and start-up bills nothing.
"""

from typing import Any

import pytest

from simulator import devstack

from ._stack import Stack, connect_smartcar, entry_state

pytestmark = pytest.mark.timeout(300)


def _kill(stack: Stack) -> None:
    """SIGKILL: no shutdown, no final write of Home Assistant's stores."""
    assert stack.home_assistant is not None
    stack.home_assistant.popen.kill()
    stack.home_assistant.popen.wait()


async def _billed(stack: Stack) -> dict[str, int]:
    """What the simulator billed per car."""
    ledger = await stack.sim("GET", "/sim/ledger")
    return {car: row["billed"] for car, row in ledger["vehicles"].items()}


async def _counted(api: devstack.HomeAssistantAPI, entry_id: str) -> dict[str, int]:
    """What the integration counted per car (its diagnostics)."""
    diagnostics = await api.get(f"/api/diagnostics/config_entry/{entry_id}")
    return {
        car: row["budget"]["used"]
        for car, row in diagnostics["data"]["vehicles"].items()
    }


async def _smartcar_states(api: devstack.HomeAssistantAPI) -> dict[str, str]:
    registry = await api.websocket_command({"type": "config/entity_registry/list"})
    ours = {
        entity["entity_id"] for entity in registry if entity["platform"] == "smartcar"
    }
    return {
        state["entity_id"]: state["state"]
        for state in await api.get("/api/states")
        if state["entity_id"] in ours
    }


async def _reauth_flows(api: devstack.HomeAssistantAPI) -> list[Any]:
    flows = await api.websocket_command({"type": "config_entries/flow/progress"})
    return [flow for flow in flows if flow["context"].get("source") == "reauth"]


async def test_sigkill_after_polls_and_a_token_refresh_loses_nothing(
    stack: Stack,
) -> None:
    api = await stack.start_home_assistant()
    entry = await connect_smartcar(stack, api)
    locks = sorted(
        state["entity_id"]
        for state in await api.get("/api/states")
        if state["entity_id"].startswith("lock.")
    )
    assert len(locks) == 3, devstack.dump(await api.get("/api/states"))
    # Home Assistant's own stores (application credentials, ...) are written seconds after a
    # change: a clean restart first, so only the integration's writes are put to the test.
    stack.stop_home_assistant()
    api = await stack.start_home_assistant()
    await devstack.wait_for(
        lambda: entry_state(api), "loaded", within=120, log=stack.home_assistant
    )
    for lock in locks:
        await api.post("/api/services/lock/lock", {"entity_id": lock})
    # Billed requests answered a moment ago (the old ledger kept them 10 s in memory).
    _kill(stack)
    billed = await _billed(stack)
    assert sum(billed.values()) > 0

    api = await stack.start_home_assistant()
    await devstack.wait_for(
        lambda: entry_state(api), "loaded", within=120, log=stack.home_assistant
    )
    assert await _counted(api, entry["entry_id"]) == billed

    # The access tokens end; a command makes the integration refresh (Smartcar rotates the
    # refresh token) and is billed; kill right after it.
    refreshes = (await stack.sim("GET", "/sim/tokens"))["refreshes"]
    await stack.sim("POST", "/sim/tokens/expire")
    await api.post("/api/services/lock/unlock", {"entity_id": locks[0]})
    assert (await stack.sim("GET", "/sim/tokens"))["refreshes"] == refreshes + 1
    _kill(stack)
    billed = await _billed(stack)

    # Down past the grace in which Smartcar still takes the old refresh token.
    await stack.sim("POST", "/sim/clock", {"advance": 600})
    api = await stack.start_home_assistant()
    await devstack.wait_for(
        lambda: entry_state(api), "loaded", within=120, log=stack.home_assistant
    )
    assert await _counted(api, entry["entry_id"]) == billed
    # The rotated refresh token was on disk: expiring the access token again needs it.
    await stack.sim("POST", "/sim/tokens/expire")
    await api.post("/api/services/lock/lock", {"entity_id": locks[0]})
    assert (await stack.sim("GET", "/sim/tokens"))["refreshes"] == refreshes + 2
    assert await _reauth_flows(api) == []
    assert await entry_state(api) == "loaded"


async def test_restart_while_the_cars_sleep_shows_the_same_states_and_bills_nothing(
    stack: Stack,
) -> None:
    api = await stack.start_home_assistant()
    await connect_smartcar(stack, api)
    for car in (await stack.sim("GET", "/sim/vehicles"))["vehicles"]:
        await stack.sim("PATCH", f"/sim/vehicles/{car['id']}", {"is_asleep": True})
    before = await _smartcar_states(api)
    assert before
    assert "unavailable" not in before.values()
    stack.stop_home_assistant()
    billed = await _billed(stack)

    api = await stack.start_home_assistant()
    await devstack.wait_for(
        lambda: entry_state(api), "loaded", within=120, log=stack.home_assistant
    )

    assert await _smartcar_states(api) == before
    assert await _billed(stack) == billed

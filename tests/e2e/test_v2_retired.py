"""Smartcar turns v2 off under a legacy entry (real `hass`, the simulator's `--v2-retired`).

The cars keep their values, Home Assistant raises the fixable repair, and its fix flow, given
the application's API credentials, moves the entry to V3 in place: same entities, read again
with the application token and `sc-user-id`.
"""

from typing import Any

import pytest

from simulator import devstack

from ._stack import Stack, connect_smartcar, entry_state, v3_ledger_problems

pytestmark = pytest.mark.timeout(300)


async def _smartcar_entities(api: devstack.HomeAssistantAPI) -> dict[str, str]:
    registry = await api.websocket_command({"type": "config/entity_registry/list"})
    return {
        entity["entity_id"]: entity["unique_id"]
        for entity in registry
        if entity["platform"] == "smartcar"
    }


async def _states(api: devstack.HomeAssistantAPI, ids: set[str]) -> dict[str, str]:
    return {
        state["entity_id"]: state["state"]
        for state in await api.get("/api/states")
        if state["entity_id"] in ids
    }


async def test_v2_gone_raises_the_repair_keeps_values_and_its_fix_moves_to_v3(
    stack: Stack,
) -> None:
    api = await stack.start_home_assistant()
    await connect_smartcar(stack, api)
    entities = await _smartcar_entities(api)
    before = await _states(api, set(entities))
    lock = sorted(entity for entity in entities if entity.startswith("lock."))[0]

    await stack.sim("PATCH", "/sim/settings", {"v2_retired": "gone"})
    # A command is the first v2 call: it fails, and Home Assistant says why and what to do.
    async with api.session.post(
        f"{api.url}/api/services/lock/unlock",
        json={"entity_id": lock},
        headers=api.headers,
    ) as response:
        assert response.status >= 400

    issues: list[dict[str, Any]] = (
        await api.websocket_command({"type": "repairs/list_issues"})
    )["issues"]
    retired = [issue for issue in issues if issue["translation_key"] == "v2_retired"]
    assert retired, devstack.dump(issues)
    assert retired[0]["is_fixable"]
    assert await _states(api, set(entities)) == before

    flow = await api.post(
        "/api/repairs/issues/fix",
        {"handler": "smartcar", "issue_id": retired[0]["issue_id"]},
    )
    done = await api.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}",
        {
            "api_client_id": "client_sim-api-client",
            "api_client_secret": "sec_sim-api-secret",
        },
    )
    assert done["type"] == "create_entry", done
    await devstack.wait_for(
        lambda: entry_state(api), "loaded", within=60, log=stack.home_assistant
    )

    # The same entities; the lock now goes through v3, with the app token and sc-user-id.
    assert await _smartcar_entities(api) == entities
    await stack.sim("DELETE", "/sim/ledger")
    await api.post("/api/services/lock/unlock", {"entity_id": lock})
    assert (await api.get(f"/api/states/{lock}"))["state"] == "unlocked"
    assert await v3_ledger_problems(stack) == []

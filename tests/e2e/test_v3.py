"""A V3 application end to end: a real `hass`, the simulator in V3 mode, nothing mocked.

The config flow takes the API credentials, Connect creates the connection, the owner comes
from v3 Connections; a lock and a charge limit go through v3 command paths; every vehicle call
carries the application token and `sc-user-id`, and nothing calls v2; an expired application
token is renewed with one token request.
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from simulator import devstack

from ._stack import (
    Stack,
    approve_on_connect_page,
    entry_state,
    running_stack,
    v3_ledger_problems,
)
from .test_webhooks import (
    SMARTCAR_WEBHOOK_ID,
    TESLA,
    _entity_ids,
    _ledger,
    _turn_webhooks_on,
    _until,
)

pytestmark = pytest.mark.timeout(300)

API_CLIENT_ID = "client_sim-api-client"
API_CLIENT_SECRET = "sec_sim-api-secret"


@pytest.fixture
async def v3_stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path, ("--v3",)) as stack:
        yield stack


async def _connect_v3(stack: Stack, api: devstack.HomeAssistantAPI) -> dict[str, Any]:
    await devstack.add_application_credentials(api)
    flow = await api.post(
        "/api/config/config_entries/flow",
        {"handler": "smartcar", "show_advanced_options": False},
    )
    assert flow["type"] == "form", flow
    flow = await api.post(
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"api_client_id": API_CLIENT_ID, "api_client_secret": API_CLIENT_SECRET},
    )
    assert flow["type"] == "external", flow
    callback = await approve_on_connect_page(stack, flow["url"])
    async with stack.session.get(callback) as response:
        assert response.status == 200
    result = await api.post(f"/api/config/config_entries/flow/{flow['flow_id']}", {})
    assert result["type"] == "create_entry", result
    entries = await api.get("/api/config/config_entries/entry?domain=smartcar")
    return dict(entries[0])


async def _iam_requests(stack: Stack) -> int:
    ledger = await stack.sim("GET", "/sim/ledger?entries=true")
    return sum(entry["path"] == "/oauth2/token" for entry in ledger["entries"])


async def test_v3_application_from_the_flow_to_v3_commands(v3_stack: Stack) -> None:
    stack = v3_stack
    api = await stack.start_home_assistant()
    entry = await _connect_v3(stack, api)
    assert entry["state"] == "loaded"

    async def locks() -> list[str]:
        return sorted(
            state["entity_id"]
            for state in await api.get("/api/states")
            if state["entity_id"].startswith("lock.")
        )

    async def lock_count() -> int:
        return len(await locks())

    await devstack.wait_for(lock_count, 3, within=60, log=stack.home_assistant)
    target = (await locks())[0]
    await api.post("/api/services/lock/lock", {"entity_id": target})
    assert (await api.get(f"/api/states/{target}"))["state"] == "locked"
    limits = [
        state["entity_id"]
        for state in await api.get("/api/states")
        if state["entity_id"].endswith("_charge_limit")
    ]
    assert limits
    await api.post(
        "/api/services/number/set_value", {"entity_id": limits[0], "value": 70}
    )
    assert float((await api.get(f"/api/states/{limits[0]}"))["state"]) == 70.0

    commands = await stack.sim("GET", "/sim/commands")
    assert commands, commands
    problems = await v3_ledger_problems(stack)
    assert problems == [], devstack.dump(problems)

    # The application token ends early: one request renews it, and the car answers again.
    before = await _iam_requests(stack)
    await stack.sim("POST", "/sim/tokens/expire")
    await api.post("/api/services/lock/unlock", {"entity_id": target})
    assert (await api.get(f"/api/states/{target}"))["state"] == "unlocked"
    assert await _iam_requests(stack) == before + 1
    # The one request Smartcar refused for the expired token is what made the renewal.
    refused = [p for p in await v3_ledger_problems(stack) if p["status"] >= 400]
    assert [p["status"] for p in refused] == [401], devstack.dump(refused)
    assert [p for p in await v3_ledger_problems(stack) if p["status"] < 400] == []
    assert await entry_state(api) == "loaded"


async def test_v3_push_changes_an_entity_without_a_billed_read(v3_stack: Stack) -> None:
    stack = v3_stack
    api = await stack.start_home_assistant()
    entry = await _connect_v3(stack, api)
    await devstack.wait_for(
        lambda: _refresh_buttons(api), 3, within=60, log=stack.home_assistant
    )
    entities = await _entity_ids(api, TESLA)
    battery = entities["battery_level"]

    callback_url, _ = await _turn_webhooks_on(api, entry["entry_id"], stack.url)
    await devstack.wait_for(
        lambda: entry_state(api), "loaded", within=60, log=stack.home_assistant
    )
    await stack.sim(
        "POST", "/sim/webhooks", {"webhook_id": SMARTCAR_WEBHOOK_ID, "name": "HA"}
    )
    verify = await stack.sim(
        "POST",
        "/sim/webhooks/deliver",
        {
            "url": callback_url,
            "event_type": "VERIFY",
            "version": "4.0",
            "webhook_id": SMARTCAR_WEBHOOK_ID,
        },
    )
    assert verify["verified"] is True, devstack.dump(verify)

    async def subscribed() -> list[str]:
        hooks = (await stack.sim("GET", "/sim/webhooks"))["webhooks"]
        return next(
            h["vehicle_ids"] for h in hooks if h["webhook_id"] == SMARTCAR_WEBHOOK_ID
        )

    fleet = sorted(
        car["id"] for car in (await stack.sim("GET", "/sim/vehicles"))["vehicles"]
    )
    await _until(
        subscribed,
        lambda cars: sorted(cars) == fleet,
        within=30,
        what="the cars were not subscribed through the v3 Management API",
        log=stack.hass_log,
    )

    await stack.sim("PATCH", f"/sim/vehicles/{TESLA}", {"state_of_charge": 0.41})
    before = await _ledger(stack, TESLA)
    push = await stack.sim(
        "POST",
        "/sim/webhooks/deliver",
        {
            "url": callback_url,
            "event_type": "VEHICLE_STATE",
            "version": "4.0",
            "webhook_id": SMARTCAR_WEBHOOK_ID,
            "vehicle_id": TESLA,
        },
    )
    assert push["status"] == 200, devstack.dump(push)
    assert push["payload"]["data"]["user"]["id"]

    async def shown() -> float:
        return float((await api.get(f"/api/states/{battery}"))["state"])

    await _until(
        shown,
        lambda value: value == 41,
        within=10,
        what="Home Assistant did not show the pushed state",
        log=stack.hass_log,
    )
    assert (await _ledger(stack, TESLA))["billed"] == before["billed"]
    assert await v3_ledger_problems(stack) == []


async def _refresh_buttons(api: devstack.HomeAssistantAPI) -> int:
    entities = await api.websocket_command({"type": "config/entity_registry/list"})
    return sum(
        entity["platform"] == "smartcar" and entity["unique_id"].endswith("_refresh")
        for entity in entities
    )

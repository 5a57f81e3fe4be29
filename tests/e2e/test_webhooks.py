"""Webhooks end to end: the options flow, Smartcar's signed VERIFY, a pushed car state, a forgery.

A real `hass` and the simulator run as their own processes; everything goes over HTTP. The owner
turns webhooks on in the options (REST, as the UI does), the simulator plays Smartcar: it verifies
the callback URL with a signed challenge (after which the integration subscribes every car), then
pushes a signed v4 VEHICLE_STATE for a car changed through the control API. Home Assistant shows
the new values without reading the car (the simulator's billing ledger does not grow). A delivery
signed with the wrong key is refused with 401 and changes nothing.
"""

import asyncio
from collections.abc import Awaitable, Callable
import copy
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlparse

import pytest

from simulator import devstack

from ._stack import Stack, connect_smartcar, entry_state

pytestmark = pytest.mark.timeout(300)

MANAGEMENT_TOKEN = "sim-management-token"  # the simulator's default
SMARTCAR_WEBHOOK_ID = (
    "ha-e2e-webhook"  # Smartcar's id of the webhook, as its dashboard shows it
)
TESLA = "2f4a6c8e-0b1d-4f3a-8c5e-7a9b1c3d5e70"  # the simulator's battery-electric car
STATE_OF_CHARGE = "tractionbattery-stateofcharge"


async def _until[T](
    probe: Callable[[], Awaitable[T]],
    accept: Callable[[T], bool],
    *,
    within: float,
    what: str,
    log: Callable[[], str],
) -> T:
    """Poll probe until accept(value), or fail after `within` s with the last value and the log."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if accept(value):
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: last saw {value!r}\n{log()}")
        await asyncio.sleep(0.2)


def _absolute(url: str, base: str) -> str:
    """The callback URL as the simulator must call it: absolute, on Home Assistant's port."""
    path = urlparse(url).path if url.startswith(("http://", "https://")) else url
    assert path.startswith("/api/webhook/"), url
    return f"{base}{path}"


async def _turn_webhooks_on(
    api: devstack.HomeAssistantAPI, entry_id: str, base: str
) -> tuple[str, str]:
    """Run the options flow with the management token; return the callback URL and HA's id."""
    flow = await api.post(
        "/api/config/config_entries/options/flow",
        {"handler": entry_id, "show_advanced_options": False},
    )
    assert flow["type"] == "form", flow
    assert flow["step_id"] == "init", flow
    fields = {field["name"]: field for field in flow["data_schema"]}
    assert "management_token" in fields, devstack.dump(flow["data_schema"])
    # The form as the UI fills it: the current options (suggested), plus the token.
    answer = {
        name: field["description"]["suggested_value"]
        for name, field in fields.items()
        if "suggested_value" in (field.get("description") or {})
    }
    answer["management_token"] = MANAGEMENT_TOKEN
    step = await api.post(
        f"/api/config/config_entries/options/flow/{flow['flow_id']}", answer
    )
    assert step["type"] == "form", step
    # Saved already. This Home Assistant has no external HTTPS address, so the step says that
    # Smartcar cannot reach it (the simulator, on the same machine, can): the callback URI is
    # the webhook Home Assistant registered once the entry reloaded with the options.
    assert step["step_id"] == "webhook_no_address", step
    assert "webhook_url" not in step["description_placeholders"], step

    async def smartcar_webhooks() -> list[str]:
        return [
            hook["webhook_id"]
            for hook in await api.websocket_command({"type": "webhook/list"})
            if hook["domain"] == "smartcar"
        ]

    (webhook_id,) = await _until(
        smartcar_webhooks,
        lambda ids: len(ids) == 1,
        within=60,
        what="the Smartcar webhook was not registered after the options were saved",
        log=lambda: "",
    )
    callback_url = _absolute(f"/api/webhook/{webhook_id}", base)
    done = await api.post(
        f"/api/config/config_entries/options/flow/{flow['flow_id']}", {}
    )
    assert done["type"] == "create_entry", done
    return callback_url, webhook_id


async def _entity_ids(
    api: devstack.HomeAssistantAPI, vehicle_id: str
) -> dict[str, str]:
    """The car's entity ids by description key (unique ids are `<vehicle id>_<key>`)."""
    entities = await api.websocket_command({"type": "config/entity_registry/list"})
    prefix = f"{vehicle_id}_"
    return {
        entity["unique_id"].removeprefix(prefix): entity["entity_id"]
        for entity in entities
        if entity["platform"] == "smartcar" and entity["unique_id"].startswith(prefix)
    }


async def test_webhooks_verify_subscribe_push_and_refuse_a_forgery(
    stack: Stack,
) -> None:
    api = await stack.start_home_assistant()
    entry = await connect_smartcar(stack, api)
    fleet = sorted(
        car["id"] for car in (await stack.sim("GET", "/sim/vehicles"))["vehicles"]
    )
    assert TESLA in fleet
    entities = await _entity_ids(api, TESLA)
    battery, plug, lock = (
        entities["battery_level"],
        entities["plugged_in"],
        entities["lock"],
    )

    async def shown() -> tuple[float, str, str]:
        """Battery (%), plug and lock as Home Assistant shows them."""
        states = [
            (await api.get(f"/api/states/{entity}"))["state"]
            for entity in (battery, plug, lock)
        ]
        return float(states[0]), states[1], states[2]

    assert await shown() == (62, "on", "locked")

    # 1. Webhooks on. The entry reloads with them; it is done once the webhook is registered.
    callback_url, webhook_id = await _turn_webhooks_on(
        api, entry["entry_id"], stack.url
    )
    assert callback_url == f"{stack.url}/api/webhook/{webhook_id}"

    async def registered_webhooks() -> set[str]:
        return {
            hook["webhook_id"]
            for hook in await api.websocket_command({"type": "webhook/list"})
        }

    await _until(
        registered_webhooks,
        lambda ids: webhook_id in ids,
        within=60,
        what="the Smartcar webhook was not registered after the options flow",
        log=stack.hass_log,
    )
    await devstack.wait_for(
        lambda: entry_state(api), "loaded", within=60, log=stack.home_assistant
    )

    # 2. Smartcar learns the URL (the dashboard) and checks it with a signed challenge.
    await stack.sim(
        "POST", "/sim/webhooks", {"webhook_id": SMARTCAR_WEBHOOK_ID, "name": "HA"}
    )
    billed_before_verify = await _billed(stack)
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
    assert verify["status"] == 200, devstack.dump(verify)
    assert verify["verified"] is True, devstack.dump(verify)
    challenge = verify["payload"]["data"]["challenge"]
    expected = hmac.new(
        MANAGEMENT_TOKEN.encode(), challenge.encode(), hashlib.sha256
    ).hexdigest()
    assert json.loads(verify["body"]) == {"challenge": expected}
    deliveries = (await stack.sim("GET", "/sim/webhooks/deliveries"))["deliveries"]
    assert [(d["payload"]["eventType"], d["verified"]) for d in deliveries] == [
        ("VERIFY", True)
    ]

    async def subscribed() -> list[str]:
        hooks = (await stack.sim("GET", "/sim/webhooks"))["webhooks"]
        return next(
            h["vehicle_ids"] for h in hooks if h["webhook_id"] == SMARTCAR_WEBHOOK_ID
        )

    await _until(
        subscribed,
        lambda cars: cars == fleet,
        within=30,
        what="the cars were not all subscribed to the webhook after the signed VERIFY",
        log=stack.hass_log,
    )
    assert await _billed(stack) == billed_before_verify, (
        "subscribing must not be billed"
    )

    # 3. The car changes; Smartcar pushes its state; Home Assistant shows it without a request.
    changed = await stack.sim(
        "PATCH",
        f"/sim/vehicles/{TESLA}",
        {"state_of_charge": 0.41, "is_plugged_in": False, "is_locked": False},
    )
    assert (changed["is_plugged_in"], changed["is_locked"]) == (False, False), changed
    ledger_before = await _ledger(stack, TESLA)
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
    pushed = {
        signal["code"]: signal["body"] for signal in push["payload"]["data"]["signals"]
    }
    assert pushed[STATE_OF_CHARGE]["value"] == 41, devstack.dump(pushed)

    await _until(
        shown,
        lambda values: values == (41, "off", "unlocked"),
        within=10,
        what="Home Assistant did not show the pushed state",
        log=stack.hass_log,
    )
    ledger_after = await _ledger(stack, TESLA)
    assert ledger_after["billed"] == ledger_before["billed"], (
        ledger_before,
        ledger_after,
    )
    assert ledger_after["requests"] == ledger_before["requests"], (
        ledger_before,
        ledger_after,
    )

    # 4. A forgery: the same kind of delivery, signed with the wrong key, is refused. The
    # receiver applies a push before it answers, so the states can be read at once.
    forged = copy.deepcopy(push["payload"])
    forged["eventId"] = "forged-event"
    for signal in forged["data"]["signals"]:
        if signal["code"] == STATE_OF_CHARGE:
            signal["body"]["value"] = 5
    raw = json.dumps(forged).encode()
    wrong = hmac.new(b"not-the-management-token", raw, hashlib.sha256).hexdigest()
    async with stack.session.post(
        callback_url,
        data=raw,
        headers={"Content-Type": "application/json", "SC-Signature": wrong},
    ) as response:
        assert response.status == 401, await response.text()
    assert await shown() == (41, "off", "unlocked")
    assert await _ledger(stack, TESLA) == ledger_after
    assert await subscribed() == fleet


async def _ledger(stack: Stack, vehicle_id: str) -> dict[str, Any]:
    ledger = await stack.sim("GET", f"/sim/ledger?vehicle_id={vehicle_id}")
    car: dict[str, Any] = ledger["vehicles"][vehicle_id]
    return car


async def _billed(stack: Stack) -> int:
    ledger = await stack.sim("GET", "/sim/ledger")
    return sum(car["billed"] for car in ledger["vehicles"].values())

"""Commands, disconnect and webhook subscriptions; bad input is refused before anything is sent."""

from collections.abc import Awaitable, Callable
import math
from typing import Any

import pytest

from custom_components.smartcar.api import SmartcarClient, SmartcarInvalidInputError
from custom_components.smartcar.api.models import (
    CommandResult,
    ResponseMeta,
    WebhookSubscription,
)

from .conftest import Canned, FakeSmartcar

VEHICLE_ID = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
WEBHOOK_ID = "8c3b3bf7-bcbc-4b4b-9f44-5d1c2a0e5b8e"
SUCCESS = {"status": "success", "message": "Successfully sent request to vehicle"}
REQUEST_ID = "2a2e6f8a-0e1e-4b8e-a0bb-1c8b5b4c2a11"

# (what the test calls, HTTP method, path, JSON body sent)
COMMANDS: list[
    tuple[str, Callable[[SmartcarClient], Awaitable[object]], str, str, Any]
] = [
    ("lock", lambda c: c.lock(VEHICLE_ID), "POST", "/security", {"action": "LOCK"}),
    (
        "unlock",
        lambda c: c.unlock(VEHICLE_ID),
        "POST",
        "/security",
        {"action": "UNLOCK"},
    ),
    (
        "start_charge",
        lambda c: c.start_charge(VEHICLE_ID),
        "POST",
        "/charge",
        {"action": "START"},
    ),
    (
        "stop_charge",
        lambda c: c.stop_charge(VEHICLE_ID),
        "POST",
        "/charge",
        {"action": "STOP"},
    ),
    (
        "set_charge_limit",
        lambda c: c.set_charge_limit(VEHICLE_ID, 0.8),
        "POST",
        "/charge/limit",
        {"limit": 0.8},
    ),
    (
        "set_charge_limit_bounds",
        lambda c: c.set_charge_limit(VEHICLE_ID, 1),
        "POST",
        "/charge/limit",
        {"limit": 1.0},
    ),
    (
        "send_destination",
        lambda c: c.send_destination(VEHICLE_ID, 37.4292, -122.1381),
        "POST",
        "/navigation/destination",
        {"latitude": 37.4292, "longitude": -122.1381},
    ),
    (
        "send_destination_extremes",
        lambda c: c.send_destination(VEHICLE_ID, -90, 180),
        "POST",
        "/navigation/destination",
        {"latitude": -90.0, "longitude": 180.0},
    ),
]


@pytest.mark.parametrize(
    ("name", "call", "method", "path", "sent"),
    COMMANDS,
    ids=[row[0] for row in COMMANDS],
)
async def test_command_posts_json_action_and_returns_status(
    *,
    client: SmartcarClient,
    smartcar: FakeSmartcar,
    name: str,
    call: Callable[[SmartcarClient], Awaitable[object]],
    method: str,
    path: str,
    sent: Any,
) -> None:
    smartcar.reply(
        method,
        f"/api/v2.0/vehicles/{VEHICLE_ID}{path}",
        Canned(SUCCESS, headers={"SC-Request-Id": REQUEST_ID}),
    )

    result = await call(client)

    assert result == CommandResult(
        status="success",
        message="Successfully sent request to vehicle",
        meta=ResponseMeta(request_id=REQUEST_ID),
    )
    request = smartcar.only()
    assert request.method == method
    assert request.path == f"/api/v2.0/vehicles/{VEHICLE_ID}{path}"
    assert request.headers["Authorization"] == "Bearer access-token-1"
    assert request.headers["sc-unit-system"] == "metric"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.json() == sent


async def test_disconnect_deletes_the_application(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "DELETE",
        f"/api/v2.0/vehicles/{VEHICLE_ID}/application",
        Canned({"status": "success"}),
    )

    result = await client.disconnect(VEHICLE_ID)

    assert result == CommandResult(status="success", message=None)
    request = smartcar.only()
    assert request.method == "DELETE"
    assert request.headers["Authorization"] == "Bearer access-token-1"


async def test_subscribe_webhook_posts_to_the_webhook_path(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        f"/api/v2.0/vehicles/{VEHICLE_ID}/webhooks/{WEBHOOK_ID}",
        Canned({"webhookId": WEBHOOK_ID, "vehicleId": VEHICLE_ID}),
    )

    subscription = await client.subscribe_webhook(VEHICLE_ID, WEBHOOK_ID)

    assert subscription == WebhookSubscription(
        webhook_id=WEBHOOK_ID, vehicle_id=VEHICLE_ID
    )
    request = smartcar.only()
    assert request.method == "POST"
    assert request.headers["Authorization"] == "Bearer access-token-1"


BAD_INPUT: list[tuple[str, Callable[[SmartcarClient], Awaitable[object]]]] = [
    ("limit below 0.5", lambda c: c.set_charge_limit(VEHICLE_ID, 0.49)),
    ("limit above 1.0", lambda c: c.set_charge_limit(VEHICLE_ID, 1.01)),
    ("limit as percent", lambda c: c.set_charge_limit(VEHICLE_ID, 80)),
    ("limit NaN", lambda c: c.set_charge_limit(VEHICLE_ID, math.nan)),
    ("limit infinite", lambda c: c.set_charge_limit(VEHICLE_ID, math.inf)),
    ("limit boolean", lambda c: c.set_charge_limit(VEHICLE_ID, True)),
    ("limit text", lambda c: c.set_charge_limit(VEHICLE_ID, "0.8")),  # type: ignore[arg-type]
    ("latitude above 90", lambda c: c.send_destination(VEHICLE_ID, 90.01, 0)),
    ("latitude below -90", lambda c: c.send_destination(VEHICLE_ID, -90.01, 0)),
    ("longitude above 180", lambda c: c.send_destination(VEHICLE_ID, 0, 180.01)),
    ("longitude below -180", lambda c: c.send_destination(VEHICLE_ID, 0, -180.01)),
    ("latitude NaN", lambda c: c.send_destination(VEHICLE_ID, math.nan, 0)),
    ("longitude NaN", lambda c: c.send_destination(VEHICLE_ID, 0, math.nan)),
    ("empty vehicle id (read)", lambda c: c.get_battery("")),
    ("blank vehicle id (read)", lambda c: c.get_odometer("   ")),
    ("dot vehicle id", lambda c: c.get_odometer("..")),
    ("empty vehicle id (command)", lambda c: c.lock("")),
    ("empty vehicle id (limit)", lambda c: c.set_charge_limit("", 0.8)),
    ("empty vehicle id (destination)", lambda c: c.send_destination("", 1, 1)),
    ("empty vehicle id (permissions)", lambda c: c.get_permissions("")),
    ("empty vehicle id (signals)", lambda c: c.get_signals("")),
    ("empty vehicle id (batch)", lambda c: c.batch("", ["/odometer"])),
    ("empty signal code", lambda c: c.get_signal(VEHICLE_ID, "")),
    ("empty webhook id (subscribe)", lambda c: c.subscribe_webhook(VEHICLE_ID, "")),
    ("batch without paths", lambda c: c.batch(VEHICLE_ID, [])),
    (
        "batch with unknown path",
        lambda c: c.batch(VEHICLE_ID, ["/odometer", "/teleport"]),
    ),
]


@pytest.mark.parametrize(("name", "call"), BAD_INPUT, ids=[row[0] for row in BAD_INPUT])
async def test_bad_input_is_refused_before_any_request(
    client: SmartcarClient,
    smartcar: FakeSmartcar,
    name: str,
    call: Callable[[SmartcarClient], Awaitable[object]],
) -> None:
    with pytest.raises(SmartcarInvalidInputError) as caught:
        await call(client)

    assert isinstance(caught.value, ValueError)
    assert smartcar.requests == []


async def test_empty_access_token_from_the_callable_is_refused_before_sending(
    smartcar: FakeSmartcar, session: Any
) -> None:
    async def no_token() -> str:
        return ""

    client = SmartcarClient(session, no_token, origins=smartcar.origins)

    with pytest.raises(SmartcarInvalidInputError):
        await client.get_user_id()

    assert smartcar.requests == []

"""V3 Management API subscriptions and the v4 delivery variants."""

import json
from typing import Any

import pytest

from simulator import TESLA_ID, TOYOTA_ID, Simulator

from .conftest import (
    USER_ID,
    Client,
    Tokens,
    application_token,
    covers,
    example,
    keys_of,
    v3_headers,
)
from .test_webhooks import Receiver

CREATE = {
    "data": {
        "attributes": {
            "webhookId": "sim-webhook",
            "userId": USER_ID,
            "vehicleId": TESLA_ID,
        }
    }
}


async def _hook(client: Client, aiohttp_client: Any, **settings: Any) -> Receiver:
    receiver = Receiver()
    served: Client = await aiohttp_client(receiver.app)
    response = await client.post(
        "/sim/webhooks",
        json={
            "webhook_id": "sim-webhook",
            "name": "Home Assistant",
            "url": str(served.make_url("/hook")),
            **settings,
        },
    )
    assert response.status == 200
    return receiver


async def test_subscribe_202_then_409_and_a_first_delivery(
    client: Client, sim: Simulator, aiohttp_client: Any, tokens: Tokens
) -> None:
    receiver = await _hook(client, aiohttp_client)
    verified = await client.post("/sim/webhooks/sim-webhook/verify")
    headers = v3_headers(await application_token(client), None)

    created = await client.post("/v3/subscriptions", json=CREATE, headers=headers)
    again = await client.post("/v3/subscriptions", json=CREATE, headers=headers)
    await sim.drain()

    assert (await verified.json())["verified"] is True
    assert created.status == 202
    assert await created.json() == example("subscription-create-202.json")
    assert again.status == 409
    first = json.loads(receiver.deliveries[-1][0])
    assert first["eventType"] == "VEHICLE_STATE"
    assert first["triggers"] == [{"type": "FIRST_DELIVERY"}]
    assert first["data"]["user"]["id"] == USER_ID
    assert sim.webhooks.is_subscribed(TESLA_ID)


async def test_unverified_webhook_gets_no_first_delivery(
    client: Client, sim: Simulator, aiohttp_client: Any, tokens: Tokens
) -> None:
    receiver = await _hook(client, aiohttp_client)
    headers = v3_headers(await application_token(client), None)

    await client.post("/v3/subscriptions", json=CREATE, headers=headers)
    await sim.drain()

    assert receiver.deliveries == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (
            {"data": {"attributes": {"webhookId": "sim-webhook", "userId": USER_ID}}},
            400,
        ),
        (
            {
                "data": {
                    "attributes": {**CREATE["data"]["attributes"], "webhookId": "x"}
                }
            },
            404,
        ),
        (
            {"data": {"attributes": {**CREATE["data"]["attributes"], "userId": "x"}}},
            404,
        ),
    ],
)
async def test_subscription_refusals(
    client: Client, tokens: Tokens, body: Any, status: int
) -> None:
    headers = v3_headers(await application_token(client), None)

    response = await client.post("/v3/subscriptions", json=body, headers=headers)

    assert response.status == status


async def test_subscriptions_list_get_and_delete(
    client: Client, sim: Simulator, tokens: Tokens
) -> None:
    headers = v3_headers(await application_token(client), None)
    await client.post("/v3/subscriptions", json=CREATE, headers=headers)
    # The blog's path variant.
    blog = await client.post(
        "/v3/webhooks/sim-webhook/subscriptions",
        json={"data": {"attributes": {"userId": USER_ID, "vehicleId": TOYOTA_ID}}},
        headers=headers,
    )

    listed = await (
        await client.get(
            "/v3/subscriptions",
            params={"filter[vehicleId]": TESLA_ID},
            headers=headers,
        )
    ).json()
    per_webhook = await (
        await client.get("/v3/webhooks/sim-webhook/subscriptions", headers=headers)
    ).json()
    subscription_id = listed["data"][0]["id"]
    single = await (
        await client.get(f"/v3/subscriptions/{subscription_id}", headers=headers)
    ).json()
    deleted = await client.delete(
        f"/v3/subscriptions/{subscription_id}", headers=headers
    )
    by_vehicle = await client.delete(
        f"/v3/webhooks/sim-webhook/subscriptions/{TOYOTA_ID}", headers=headers
    )
    gone = await client.get(f"/v3/subscriptions/{subscription_id}", headers=headers)

    assert blog.status == 202
    assert listed["meta"]["totalCount"] == 1
    assert per_webhook["meta"]["totalCount"] == 2
    assert keys_of(single) == keys_of(example("subscription-get.json"))
    assert single["data"]["relationships"]["vehicle"]["data"] == {
        "type": "vehicle",
        "id": TESLA_ID,
    }
    assert deleted.status == 204
    assert by_vehicle.status == 204
    assert gone.status == 404
    assert not sim.webhooks.is_subscribed(TESLA_ID)


async def test_webhooks_are_listed_and_management_needs_the_app_token(
    client: Client, tokens: Tokens
) -> None:
    headers = v3_headers(await application_token(client), None)

    listing = await (await client.get("/v3/webhooks", headers=headers)).json()
    single = await client.get("/v3/webhooks/sim-webhook", headers=headers)
    unknown = await client.get("/v3/webhooks/nope", headers=headers)
    user_token = await client.get(
        "/v3/webhooks", headers={"Authorization": f"Bearer {tokens.access_token}"}
    )
    bad_page = await client.get(
        "/v3/subscriptions", params={"page[size]": 101}, headers=headers
    )
    not_json = await client.post(
        "/v3/subscriptions",
        data=b"{",
        headers={**headers, "Content-Type": "application/json"},
    )

    assert [w["id"] for w in listing["data"]] == ["sim-webhook"]
    assert single.status == 200
    assert unknown.status == 404
    assert user_token.status == 401
    assert bad_page.status == 400
    assert not_json.status == 400


# Delivery variants (control API).


async def _deliver(client: Client, **request: Any) -> Any:
    response = await client.post("/sim/webhooks/deliver", json=request)
    assert response.status == 200, await response.text()
    return (await response.json())["payload"]


@pytest.mark.parametrize(
    ("shape", "documented"),
    [
        (
            "signal_code",
            example("webhook-vehicle-state-docs-responses-meta3.json")["triggers"],
        ),
        ("flat", example("webhook-vehicle-state-triggers-variant.json")["triggers"]),
        (
            "signal",
            example("webhook-vehicle-state-dashboard-sample-trooperthorn.json")[
                "triggers"
            ],
        ),
    ],
)
async def test_trigger_shapes(
    client: Client, aiohttp_client: Any, tokens: Tokens, shape: str, documented: Any
) -> None:
    await _hook(client, aiohttp_client)

    payload = await _deliver(
        client, event_type="VEHICLE_STATE", vehicle_id=TESLA_ID, triggers=shape
    )

    assert keys_of(payload["triggers"]) == keys_of(documented)


async def test_meta_versions_placement_and_test_mode(
    client: Client, aiohttp_client: Any, tokens: Tokens
) -> None:
    await _hook(client, aiohttp_client)

    meta3 = await _deliver(
        client, event_type="VEHICLE_STATE", vehicle_id=TESLA_ID, meta_version="3.0"
    )
    in_data = await _deliver(
        client, event_type="VEHICLE_STATE", vehicle_id=TESLA_ID, triggers_in="data"
    )
    test = await _deliver(
        client, event_type="VEHICLE_STATE", vehicle_id=TESLA_ID, mode="TEST"
    )

    assert meta3["meta"]["version"] == "3.0"
    documented = example("webhook-vehicle-state-docs-responses-meta3.json")
    assert covers(meta3["meta"], documented["meta"])
    assert covers(meta3["data"]["vehicle"], documented["data"]["vehicle"])
    assert set(documented) <= set(meta3)
    assert "triggers" in in_data["data"]
    assert "triggers" not in in_data
    assert test["meta"]["mode"] == "TEST"
    assert test["data"]["vehicle"]["mode"] == "test"
    sample = example("webhook-vehicle-state-dashboard-sample-trooperthorn.json")
    assert set(sample["meta"]) <= set(test["meta"])


@pytest.mark.parametrize("state", ["ERROR", "RESOLVED"])
async def test_vehicle_error_deliveries(
    client: Client, aiohttp_client: Any, tokens: Tokens, state: str
) -> None:
    await _hook(client, aiohttp_client, signals=["tractionbattery-stateofcharge"])

    payload = await _deliver(
        client,
        event_type="VEHICLE_ERROR",
        vehicle_id=TESLA_ID,
        error={"type": "COMPATIBILITY", "code": "VEHICLE_NOT_CAPABLE"},
        state=state,
    )

    sample = example("webhook-vehicle-error-dashboard-sample-trooperthorn.json")
    assert set(payload["data"]["errors"][0]) == set(sample["data"]["errors"][0])
    assert payload["data"]["errors"][0]["state"] == state
    assert payload["data"]["errors"][0]["signals"] == [
        {
            "name": "StateOfCharge",
            "group": "TractionBattery",
            "code": "tractionbattery-stateofcharge",
        }
    ]


@pytest.mark.parametrize(
    "request_",
    [
        {"event_type": "VEHICLE_STATE", "triggers": "odd"},
        {"event_type": "VEHICLE_ERROR", "error": "x"},
        {"event_type": "VEHICLE_ERROR", "state": "MAYBE"},
        {"event_type": "OTHER"},
    ],
)
async def test_bad_delivery_requests_are_400(
    client: Client, aiohttp_client: Any, request_: dict[str, Any]
) -> None:
    await _hook(client, aiohttp_client)

    response = await client.post(
        "/sim/webhooks/deliver", json={"vehicle_id": TESLA_ID, **request_}
    )

    assert response.status == 400


async def test_webhook_settings_in_the_control_api(
    client: Client, aiohttp_client: Any
) -> None:
    await _hook(client, aiohttp_client, signals=["closure-islocked"], verified=True)
    cleared = await client.post(
        "/sim/webhooks",
        json={"webhook_id": "sim-webhook", "signals": None, "verified": False},
    )
    bad_url = await client.post(
        "/sim/webhooks", json={"webhook_id": "w", "url": "ftp://x"}
    )
    bad_signals = await client.post(
        "/sim/webhooks", json={"webhook_id": "w", "signals": ["warp"]}
    )
    no_url = await client.post("/sim/webhooks/other/verify")

    listed = (await cleared.json())["webhooks"][0]
    assert (listed["signals"], listed["verified"]) == (None, False)
    assert listed["url"].endswith("/hook")
    assert (bad_url.status, bad_signals.status, no_url.status) == (400, 400, 404)


async def test_a_wrong_verify_answer_leaves_the_webhook_unverified(
    client: Client, aiohttp_client: Any
) -> None:
    receiver = Receiver(answer_challenge=False)
    served: Client = await aiohttp_client(receiver.app)
    await client.post(
        "/sim/webhooks",
        json={"webhook_id": "sim-webhook", "url": str(served.make_url("/hook"))},
    )

    outcome = await (await client.post("/sim/webhooks/sim-webhook/verify")).json()

    assert outcome["verified"] is False


async def test_a_subscribed_car_pushes_what_a_command_or_a_change_changed(
    client: Client, sim: Simulator, aiohttp_client: Any, tokens: Tokens
) -> None:
    receiver = await _hook(client, aiohttp_client, verified=True)
    headers = v3_headers(await application_token(client), None)
    await client.post("/v3/subscriptions", json=CREATE, headers=headers)
    await sim.drain()
    receiver.deliveries.clear()

    await client.post(
        f"/v3/vehicles/{TESLA_ID}/commands/security/unlock",
        headers=v3_headers(headers["Authorization"].removeprefix("Bearer ")),
    )
    await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"odometer_km": 20000})
    await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"odometer_km": 20000})
    await client.patch(f"/sim/vehicles/{TOYOTA_ID}", json={"odometer_km": 1})
    await sim.drain()

    pushed = [json.loads(raw) for raw, _ in receiver.deliveries]
    triggers = [
        {trigger["signal"]["code"] for trigger in payload["triggers"]}
        for payload in pushed
    ]
    assert len(pushed) == 2
    assert "closure-islocked" in triggers[0]
    assert triggers[1] == {"odometer-traveleddistance"}
    assert pushed[1]["meta"]["signalCount"] == len(pushed[1]["data"]["signals"])

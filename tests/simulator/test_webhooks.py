"""Webhook subscriptions and signed deliveries (section 6)."""

import hashlib
import hmac
import json
from typing import Any

from aiohttp import web
import pytest

from simulator import TESLA_ID, TOYOTA_ID, VOLVO_ID

from .conftest import Client, bearer, connect

MANAGEMENT_TOKEN = "sim-management-token"


def _hmac(key: str, message: bytes) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


class Receiver:
    """An application's webhook endpoint: keeps raw bodies, answers VERIFY challenges."""

    def __init__(self, *, answer_challenge: bool = True) -> None:
        self.deliveries: list[tuple[bytes, dict[str, str]]] = []
        self.answer_challenge = answer_challenge
        self.app = web.Application()
        self.app.router.add_post("/hook", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.deliveries.append((raw, dict(request.headers)))
        payload = json.loads(raw)
        challenge = payload.get("data", {}).get("challenge") or payload.get(
            "payload", {}
        ).get("challenge")
        if challenge and self.answer_challenge:
            return web.json_response(
                {"challenge": _hmac(MANAGEMENT_TOKEN, challenge.encode())}
            )
        if challenge:
            return web.json_response({"challenge": "wrong"})
        return web.json_response({})


async def _receiver(aiohttp_client: Any, **options: bool) -> tuple[Receiver, str]:
    receiver = Receiver(**options)
    served: Client = await aiohttp_client(receiver.app)
    return receiver, str(served.make_url("/hook"))


async def _deliver(client: Client, **request: Any) -> Any:
    response = await client.post("/sim/webhooks/deliver", json=request)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_verify_delivery_is_signed_and_checks_the_challenge(
    client: Client, aiohttp_client: Any
) -> None:
    receiver, url = await _receiver(aiohttp_client)

    outcome = await _deliver(client, url=url, event_type="VERIFY")

    raw, headers = receiver.deliveries[0]
    assert headers["Content-Type"] == "application/json"
    assert hmac.compare_digest(headers["SC-Signature"], _hmac(MANAGEMENT_TOKEN, raw))
    payload = json.loads(raw)
    assert payload["eventType"] == "VERIFY"
    assert payload["meta"]["version"] == "4.0"
    assert payload["meta"]["webhookId"] == "sim-webhook"
    assert payload["data"]["challenge"]
    assert payload["eventId"]
    assert outcome["status"] == 200
    assert outcome["verified"] is True


async def test_wrong_challenge_answer_is_not_verified(
    client: Client, aiohttp_client: Any
) -> None:
    _, url = await _receiver(aiohttp_client, answer_challenge=False)

    outcome = await _deliver(client, url=url, event_type="VERIFY")

    assert outcome["verified"] is False


async def test_vehicle_state_delivery_carries_the_cars_signals(
    client: Client, aiohttp_client: Any
) -> None:
    receiver, url = await _receiver(aiohttp_client)
    await connect(client, scope="read_battery read_charge read_odometer")

    await _deliver(client, url=url, event_type="VEHICLE_STATE", vehicle_id=TESLA_ID)

    raw, headers = receiver.deliveries[0]
    assert headers["SC-Signature"] == _hmac(MANAGEMENT_TOKEN, raw)
    payload = json.loads(raw)
    assert payload["eventType"] == "VEHICLE_STATE"
    assert payload["vehicleId"] == TESLA_ID
    # meta.mode is the delivery's (LIVE/TEST), data.vehicle.mode the connection's.
    assert payload["meta"]["mode"] == "LIVE"
    data = payload["data"]
    assert data["user"] == {"id": "5e1b9a4c-7d2f-4c3e-9b8a-1f0e2d3c4b5a"}
    assert data["vehicle"] == {
        "id": TESLA_ID,
        "make": "TESLA",
        "model": "Model 3",
        "year": 2023,
        "mode": "simulated",
        "powertrainType": "BEV",
        "vin": "5YJ3E1EA7PF412345",
    }
    signals = {signal["code"]: signal for signal in data["signals"]}
    assert signals["tractionbattery-stateofcharge"]["body"] == {
        "unit": "percent",
        "value": 62.0,
    }
    assert set(signals["tractionbattery-stateofcharge"]) == {
        "code",
        "name",
        "group",
        "body",
        "status",
        "meta",
    }
    assert "location-preciselocation" not in signals
    assert payload["triggers"]
    assert "triggers" not in data


async def test_vehicle_state_delivery_can_pick_signals(
    client: Client, aiohttp_client: Any
) -> None:
    receiver, url = await _receiver(aiohttp_client)

    await _deliver(
        client,
        url=url,
        event_type="VEHICLE_STATE",
        vehicle_id=TOYOTA_ID,
        signals=["closure-islocked"],
    )

    payload = json.loads(receiver.deliveries[0][0])
    assert [s["code"] for s in payload["data"]["signals"]] == ["closure-islocked"]
    assert payload["meta"]["mode"] == "LIVE"


async def test_v2_verify_and_scheduled_envelopes(
    client: Client, aiohttp_client: Any
) -> None:
    receiver, url = await _receiver(aiohttp_client)
    await connect(client, scope="read_odometer read_vehicle_info")

    verify = await _deliver(client, url=url, event_type="VERIFY", version="2.0")
    await _deliver(
        client,
        url=url,
        event_type="VEHICLE_STATE",
        version="2.0",
        vehicle_id=VOLVO_ID,
        paths=["/odometer", "/location", "/battery", "/permissions"],
    )

    assert verify["verified"] is True
    verify_payload = json.loads(receiver.deliveries[0][0])
    assert verify_payload["version"] == "2.0"
    assert verify_payload["eventName"] == "verify"
    raw, headers = receiver.deliveries[1]
    assert headers["SC-Signature"] == _hmac(MANAGEMENT_TOKEN, raw)
    scheduled = json.loads(raw)
    assert scheduled["eventName"] == "scheduled"
    vehicle = scheduled["payload"]["vehicles"][0]
    assert vehicle["vehicleId"] == VOLVO_ID
    assert [(d["path"], d["code"]) for d in vehicle["data"]] == [
        ("/odometer", 200),
        ("/location", 403),
        ("/battery", 403),
        ("/permissions", 200),
    ]
    assert vehicle["data"][0]["body"] == {"distance": 9876.0}
    assert vehicle["data"][1]["body"]["type"] == "PERMISSION"


async def test_v2_scheduled_reports_incapable_paths(
    client: Client, aiohttp_client: Any
) -> None:
    receiver, url = await _receiver(aiohttp_client)

    await _deliver(
        client,
        url=url,
        version="2.0",
        vehicle_id=TOYOTA_ID,
        paths=["/battery", "/odometer"],
    )

    data = json.loads(receiver.deliveries[0][0])["payload"]["vehicles"][0]["data"]
    assert [d["code"] for d in data] == [501, 200]


async def test_unreachable_target_is_reported(client: Client) -> None:
    outcome = await _deliver(client, url="http://127.0.0.1:9/hook", event_type="VERIFY")

    assert outcome["status"] is None
    assert outcome["verified"] is False
    deliveries = await (await client.get("/sim/webhooks/deliveries")).json()
    assert len(deliveries["deliveries"]) == 1


@pytest.mark.parametrize(
    "request_body",
    [
        {"event_type": "VERIFY"},
        {"url": "ftp://x", "event_type": "VERIFY"},
        {"url": "http://127.0.0.1:9/", "event_type": "VEHICLE_ERROR"},
        {"url": "http://127.0.0.1:9/", "event_type": "VERIFY", "version": "3.0"},
        {"url": "http://127.0.0.1:9/", "event_type": "VERIFY", "webhook_id": 5},
        {"url": "http://127.0.0.1:9/", "vehicle_id": "nope"},
        {"url": "http://127.0.0.1:9/", "vehicle_id": TESLA_ID, "signals": ["warp"]},
        {
            "url": "http://127.0.0.1:9/",
            "vehicle_id": TESLA_ID,
            "version": "2.0",
            "paths": "/",
        },
    ],
)
async def test_invalid_delivery_requests(client: Client, request_body: Any) -> None:
    response = await client.post("/sim/webhooks/deliver", json=request_body)

    assert response.status == 400


async def test_subscribe_with_user_token_unsubscribe_with_management_token(
    client: Client, headers: dict[str, str]
) -> None:
    path = f"/v2.0/vehicles/{TESLA_ID}/webhooks/sim-webhook"

    subscribed = await client.post(path, headers=headers)
    listed = await (await client.get("/sim/webhooks")).json()
    with_user_token = await client.delete(path, headers=headers)
    unsubscribed = await client.delete(path, headers=bearer(MANAGEMENT_TOKEN))
    after = await (await client.get("/sim/webhooks")).json()

    assert await subscribed.json() == {
        "webhookId": "sim-webhook",
        "vehicleId": TESLA_ID,
    }
    assert listed["webhooks"][0]["vehicle_ids"] == [TESLA_ID]
    assert with_user_token.status == 401
    assert (await with_user_token.json())["type"] == "AUTHENTICATION"
    assert await unsubscribed.json() == {"status": "success"}
    assert after["webhooks"][0]["vehicle_ids"] == []
    ledger = await (await client.get("/sim/ledger")).json()
    assert ledger["vehicles"] == {}


async def test_subscribe_needs_a_user_token(client: Client) -> None:
    response = await client.post(f"/v2.0/vehicles/{TESLA_ID}/webhooks/sim-webhook")

    assert response.status == 401


async def test_register_webhook_names_it(client: Client, aiohttp_client: Any) -> None:
    receiver, url = await _receiver(aiohttp_client)
    registered = await client.post(
        "/sim/webhooks", json={"webhook_id": "wh-1", "name": "Mine"}
    )
    assert (await client.post("/sim/webhooks", json={})).status == 400

    await _deliver(client, url=url, event_type="VERIFY", webhook_id="wh-1")

    names = {w["webhook_id"]: w["name"] for w in (await registered.json())["webhooks"]}
    assert names["wh-1"] == "Mine"
    assert json.loads(receiver.deliveries[0][0])["meta"]["webhookName"] == "Mine"

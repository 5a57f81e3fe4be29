"""Webhook deliveries: envelopes (v4 and v2), the ``SC-Signature`` and the POST itself.

Signature: ``SC-Signature = hex(HMAC_SHA256(key=management token, msg=raw body bytes))``.
Verify: the receiver answers 200 ``{"challenge": hex(HMAC_SHA256(management token, challenge))}``.

v4 envelope: ``{eventId, eventType, vehicleId?, data, meta{version:"4.0", webhookId, webhookName,
deliveryId, deliveredAt (epoch ms), mode}}``; ``VERIFY`` data ``{challenge}``; ``VEHICLE_STATE``
data ``{user{id}, vehicle{id,make,model,year,vin}, signals:[{code,name,group,body,status,meta}],
triggers:[{type:"SIGNAL_UPDATED", signal{code,name,group}}]}``.
v2 envelope: ``{version:"2.0", webhookId, eventName: "verify"|"scheduled", mode, payload}``;
scheduled ``payload.vehicles[{vehicleId, requestId, data:[{path, code, body, headers}]}]``.

Each delivery is one attempt (Smartcar's retries after 25/50/100 s are not simulated).
"""

from collections.abc import Sequence
import hashlib
import hmac
import json
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout

from .clock import epoch_ms, iso
from .errors import SmartcarApiError
from .fleet import Vehicle
from .signals import SIGNALS, SIGNALS_BY_CODE, is_available, is_permitted, signal_core
from .state import Simulator
from .tokens import Grant
from .vehicle_api import Context, check_endpoint, find_endpoint

DELIVERY_TIMEOUT = 15.0


def signature(key: str, raw: bytes) -> str:
    """``SC-Signature`` of a raw body."""
    return hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()


def challenge_answer(key: str, challenge: str) -> str:
    """What a receiver must answer to a VERIFY challenge."""
    return hmac.new(key.encode(), challenge.encode(), hashlib.sha256).hexdigest()


def scope_for(sim: Simulator, vehicle_id: str) -> tuple[str, ...]:
    """Permissions granted for a car (union of its grants); every permission if none."""
    granted: dict[str, None] = {}
    for grant in sim.tokens.grants:
        if vehicle_id in grant.vehicle_ids:
            granted.update(dict.fromkeys(grant.scope))
    if granted:
        return tuple(granted)
    return tuple(dict.fromkeys(spec.permission for spec in SIGNALS if spec.permission))


def _mode(sim: Simulator, vehicle_id: str | None) -> str:
    for connection in sim.tokens.connections.values():
        if connection.vehicle_id == vehicle_id:
            return connection.mode
    return "live"


def _meta(sim: Simulator, webhook_id: str, vehicle_id: str | None) -> dict[str, Any]:
    return {
        "version": "4.0",
        "webhookId": webhook_id,
        "webhookName": sim.webhooks.names.get(webhook_id, webhook_id),
        "deliveryId": sim.new_id("delivery"),
        "deliveredAt": epoch_ms(sim.now()),
        "mode": _mode(sim, vehicle_id),
    }


def verify_payload(
    sim: Simulator, webhook_id: str, version: str
) -> tuple[dict[str, Any], str]:
    """A VERIFY event and its challenge."""
    challenge = sim.new_id("challenge").replace("-", "")
    if version == "2.0":
        return (
            {
                "version": "2.0",
                "webhookId": webhook_id,
                "eventName": "verify",
                "mode": "live",
                "payload": {"challenge": challenge},
            },
            challenge,
        )
    return (
        {
            "eventId": sim.new_id("event"),
            "eventType": "VERIFY",
            "data": {"challenge": challenge},
            "meta": _meta(sim, webhook_id, None),
        },
        challenge,
    )


def vehicle_state_payload(
    sim: Simulator, vehicle: Vehicle, webhook_id: str, codes: Sequence[str] | None
) -> dict[str, Any]:
    """A v4 VEHICLE_STATE event with the car's signals (those its grants allow)."""
    now = sim.now()
    vehicle.settle(now)
    scope = scope_for(sim, vehicle.vehicle_id)
    specs = [
        spec
        for spec in SIGNALS
        if is_available(spec, vehicle)
        and is_permitted(spec, scope)
        and (codes is None or spec.code in codes)
    ]
    signals = [signal_core(spec, vehicle, scope, now) for spec in specs]
    return {
        "eventId": sim.new_id("event"),
        "eventType": "VEHICLE_STATE",
        "vehicleId": vehicle.vehicle_id,
        "data": {
            "user": {"id": sim.config.user_id},
            "vehicle": {
                "id": vehicle.vehicle_id,
                "make": vehicle.make,
                "model": vehicle.model,
                "year": vehicle.year,
                "vin": vehicle.vin,
            },
            "signals": signals,
            "triggers": [
                {
                    "type": "SIGNAL_UPDATED",
                    "signal": {
                        "code": spec.code,
                        "name": spec.name,
                        "group": spec.group,
                    },
                }
                for spec in specs
            ],
        },
        "meta": _meta(sim, webhook_id, vehicle.vehicle_id),
    }


def scheduled_payload(
    sim: Simulator, vehicle: Vehicle, webhook_id: str, paths: Sequence[str]
) -> dict[str, Any]:
    """A v2 ``scheduled`` event: one batch-like response per path."""
    now = sim.now()
    vehicle.settle(now)
    scope = scope_for(sim, vehicle.vehicle_id)
    request_id = sim.next_request_id()
    data = []
    # The delivery reads with the permissions the car's connections granted.
    grant = Grant(
        grant_id="webhook",
        user_id=sim.config.user_id,
        vehicle_ids=[vehicle.vehicle_id],
        scope=scope,
        mode=_mode(sim, vehicle.vehicle_id),
        created_at=now,
    )
    for path in paths:
        try:
            endpoint = find_endpoint("GET", path)
            check_endpoint(endpoint, vehicle, scope)
            context = Context(
                sim=sim,
                vehicle=vehicle,
                grant=grant,
                imperial=False,
                now=now,
                payload=None,
            )
            body = endpoint.handler(context)
            entry = {
                "path": path,
                "code": 200,
                "body": body,
                "headers": {"sc-data-age": iso(now - vehicle.data_age_seconds)},
            }
        except SmartcarApiError as error:
            entry = {
                "path": path,
                "code": error.status,
                "body": error.v2_body(request_id),
            }
        data.append(entry)
    return {
        "version": "2.0",
        "webhookId": webhook_id,
        "eventName": "scheduled",
        "mode": _mode(sim, vehicle.vehicle_id),
        "payload": {
            "vehicles": [
                {"vehicleId": vehicle.vehicle_id, "requestId": request_id, "data": data}
            ]
        },
    }


async def post_signed(url: str, payload: dict[str, Any], key: str) -> dict[str, Any]:
    """POST the payload with its signature; report what the receiver answered."""
    raw = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "SC-Signature": signature(key, raw)}
    try:
        async with (
            ClientSession(timeout=ClientTimeout(total=DELIVERY_TIMEOUT)) as session,
            session.post(url, data=raw, headers=headers) as response,
        ):
            text = await response.text()
            return {
                "status": response.status,
                "body": text,
                "signature": headers["SC-Signature"],
            }
    except (ClientError, TimeoutError) as error:
        return {
            "status": None,
            "error": repr(error),
            "signature": headers["SC-Signature"],
        }


def known_codes(codes: Any) -> list[str] | None:
    """Validate a list of signal codes (None = all)."""
    if codes is None:
        return None
    if not isinstance(codes, list) or not all(
        code in SIGNALS_BY_CODE for code in codes
    ):
        raise ValueError("signals must be a list of known signal codes")
    return list(codes)

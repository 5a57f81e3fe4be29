"""Webhook deliveries: envelopes (v4 and v2), the ``SC-Signature`` and the POST itself.

Signature: ``SC-Signature = hex(HMAC_SHA256(key=management token, msg=raw body bytes))``.
Verify: the receiver answers 200 ``{"challenge": hex(HMAC_SHA256(management token, challenge))}``.

v4 envelope: ``{eventId, eventType, vehicleId?, data, triggers?, meta{version:"4.0"|"3.0",
applicationId, webhookId, webhookName, deliveryId, deliveredAt (epoch ms; ISO on VERIFY as in the
docs), mode:"LIVE"|"TEST", signalCount?, sequence?}}``; ``VERIFY`` data ``{challenge}``;
``VEHICLE_STATE`` data ``{user{id, externalId?}, vehicle{id, make, model, year, mode,
powertrainType, vin}, signals:[{code,name,group,body,status,meta}]}`` with ``triggers`` beside
``data`` (or inside it) in one of three shapes (``DeliveryOptions``); ``VEHICLE_ERROR`` data
``{user, vehicle, errors:[{type, code, description, docURL, resolution, suggestedUserMessage,
state:"ERROR"|"RESOLVED", signals:[{name, group, code}]}]}``.
v2 envelope: ``{version:"2.0", webhookId, eventName: "verify"|"scheduled", mode, payload}``;
scheduled ``payload.vehicles[{vehicleId, requestId, data:[{path, code, body, headers}]}]``.

Each delivery is one attempt (Smartcar's retries after 25/50/100 s are not simulated).
"""

from collections.abc import Sequence
from dataclasses import dataclass
import hashlib
import hmac
import json
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout

from .clock import epoch_ms, iso
from .errors import SmartcarApiError
from .fleet import Vehicle
from .signals import (
    SIGNALS,
    SIGNALS_BY_CODE,
    SignalSpec,
    is_available,
    is_permitted,
    signal_core,
)
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


TRIGGER_SHAPES = ("signal", "signal_code", "flat")


@dataclass(frozen=True, kw_only=True)
class DeliveryOptions:
    """The documented variants of a v4 delivery (SMARTCAR_V3.md section 3.6).

    - ``meta_version``: ``"4.0"`` (netlify preview, VERIFY, dashboard sample) or ``"3.0"``
      (smartcar.com responses page).
    - ``triggers``: ``signal`` = ``[{type, signal:{name, code, group}}]`` (dashboard sample),
      ``signal_code`` = ``[{type, signal:{code}}]`` (responses page), ``flat`` =
      ``[{code, name, group}]`` (vehicle-state event page).
    - ``triggers_in``: ``top`` (every Smartcar example) or ``data`` (a 3P prose example).
    - ``mode``: ``LIVE`` or ``TEST`` (a Dashboard "test webhook" delivery).
    - ``trigger``: ``SIGNAL_UPDATED`` or ``FIRST_DELIVERY`` (the first delivery after subscribing).
    """

    meta_version: str = "4.0"
    triggers: str = "signal"
    triggers_in: str = "top"
    mode: str = "LIVE"
    trigger: str = "SIGNAL_UPDATED"

    def __post_init__(self) -> None:
        checks = (
            ("meta_version", ("4.0", "3.0")),
            ("triggers", TRIGGER_SHAPES),
            ("triggers_in", ("top", "data")),
            ("mode", ("LIVE", "TEST")),
            ("trigger", ("SIGNAL_UPDATED", "FIRST_DELIVERY")),
        )
        for name, allowed in checks:
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}")


def _mode(sim: Simulator, vehicle_id: str | None) -> str:
    return "live" if vehicle_id is None else sim.connection_mode(vehicle_id)


def _meta(
    sim: Simulator,
    webhook_id: str,
    vehicle_id: str | None,
    options: DeliveryOptions | None = None,
) -> dict[str, Any]:
    options = options or DeliveryOptions()
    return {
        "version": options.meta_version,
        "applicationId": sim.config.client_id,
        "webhookId": webhook_id,
        "webhookName": sim.webhooks.names.get(webhook_id, webhook_id),
        "deliveryId": sim.new_id("delivery"),
        "deliveredAt": epoch_ms(sim.now()),
        "mode": options.mode,
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
            "meta": {**_meta(sim, webhook_id, None), "deliveredAt": iso(sim.now())},
        },
        challenge,
    )


def _user(sim: Simulator, vehicle_id: str) -> dict[str, Any]:
    for connection in sim.tokens.connections.values():
        if connection.vehicle_id == vehicle_id:
            user: dict[str, Any] = {"id": connection.user_id}
            if connection.external_id is not None:
                user["externalId"] = connection.external_id
            return user
    return {"id": sim.config.user_id}


def _vehicle(
    sim: Simulator, vehicle: Vehicle, options: DeliveryOptions | None
) -> dict[str, Any]:
    # A Dashboard test delivery says "test" here (3P dashboard samples).
    test = options is not None and options.mode == "TEST"
    return {
        "id": vehicle.vehicle_id,
        "make": vehicle.make,
        "model": vehicle.model,
        "year": vehicle.year,
        "mode": "test" if test else sim.connection_mode(vehicle.vehicle_id),
        "powertrainType": vehicle.powertrain,
        "vin": vehicle.vin,
    }


def _trigger(spec: SignalSpec, shape: str) -> dict[str, Any]:
    if shape == "flat":
        return {"code": spec.code, "name": spec.name, "group": spec.group}
    if shape == "signal_code":
        return {"type": "SIGNAL_UPDATED", "signal": {"code": spec.code}}
    return {
        "type": "SIGNAL_UPDATED",
        "signal": {"name": spec.name, "code": spec.code, "group": spec.group},
    }


def _specs(
    sim: Simulator, vehicle: Vehicle, codes: Sequence[str] | None
) -> list[SignalSpec]:
    scope = scope_for(sim, vehicle.vehicle_id)
    return [
        spec
        for spec in SIGNALS
        if is_available(spec, vehicle)
        and is_permitted(spec, scope)
        and (codes is None or spec.code in codes)
    ]


def vehicle_state_payload(
    sim: Simulator,
    vehicle: Vehicle,
    webhook_id: str,
    codes: Sequence[str] | None,
    options: DeliveryOptions | None = None,
    *,
    triggered_by: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A v4 VEHICLE_STATE event with the car's signals (those its grants allow).

    ``codes``: the webhook's configured signals (None = all); every configured signal is in
    every delivery. ``triggered_by``: the codes that changed (default: all of them).
    """
    options = options or DeliveryOptions()
    now = sim.now()
    vehicle.settle(now)
    scope = scope_for(sim, vehicle.vehicle_id)
    specs = _specs(sim, vehicle, codes)
    signals = [signal_core(spec, vehicle, scope, now) for spec in specs]
    if options.trigger == "FIRST_DELIVERY":
        triggers: list[dict[str, Any]] = [{"type": "FIRST_DELIVERY"}]
    else:
        triggers = [
            _trigger(spec, options.triggers)
            for spec in specs
            if triggered_by is None or spec.code in triggered_by
        ]
    data: dict[str, Any] = {
        "user": _user(sim, vehicle.vehicle_id),
        "vehicle": _vehicle(sim, vehicle, options),
        "signals": signals,
    }
    payload: dict[str, Any] = {
        "eventId": sim.new_id("event"),
        "eventType": "VEHICLE_STATE",
        "vehicleId": vehicle.vehicle_id,
        "data": data,
    }
    if options.triggers_in == "data":
        data["triggers"] = triggers
    else:
        payload["triggers"] = triggers
    payload["meta"] = {
        **_meta(sim, webhook_id, vehicle.vehicle_id, options),
        "signalCount": len(signals),
        "sequence": epoch_ms(now),
    }
    return payload


def vehicle_error_payload(
    sim: Simulator,
    vehicle: Vehicle,
    webhook_id: str,
    error: SmartcarApiError,
    *,
    state: str = "ERROR",
    codes: Sequence[str] | None = None,
    options: DeliveryOptions | None = None,
) -> dict[str, Any]:
    """A VEHICLE_ERROR event (3P dashboard sample); ``state`` ``RESOLVED`` re-sends it fixed."""
    if state not in {"ERROR", "RESOLVED"}:
        raise ValueError("state must be ERROR or RESOLVED")
    specs = _specs(sim, vehicle, codes)
    return {
        "eventId": sim.new_id("event"),
        "eventType": "VEHICLE_ERROR",
        "vehicleId": vehicle.vehicle_id,
        "data": {
            "user": _user(sim, vehicle.vehicle_id),
            "vehicle": _vehicle(sim, vehicle, options),
            "errors": [
                {
                    "type": error.error_type,
                    "code": error.code,
                    "description": error.text,
                    "docURL": error.doc_url,
                    "resolution": {"type": error.resolution["type"]},
                    "suggestedUserMessage": error.user_message,
                    "state": state,
                    "signals": [
                        {"name": spec.name, "group": spec.group, "code": spec.code}
                        for spec in specs
                    ],
                }
            ],
        },
        "meta": _meta(sim, webhook_id, vehicle.vehicle_id, options),
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


async def deliver_event(
    sim: Simulator, webhook_id: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """POST an event to the webhook's callback URL (if it has one) and log the outcome."""
    url = sim.webhooks.urls.get(webhook_id)
    if url is None:
        return {"url": None, "payload": payload, "status": None, "error": "no url"}
    result = await post_signed(url, payload, sim.config.management_token)
    outcome: dict[str, Any] = {"url": url, "payload": payload, **result}
    sim.webhooks.deliveries.append(outcome)
    return outcome


def first_delivery(sim: Simulator, webhook_id: str, vehicle: Vehicle) -> None:
    """After a subscription: one VEHICLE_STATE with the FIRST_DELIVERY trigger (if verified)."""
    if webhook_id not in sim.webhooks.urls or webhook_id not in sim.webhooks.verified:
        return
    payload = vehicle_state_payload(
        sim,
        vehicle,
        webhook_id,
        sim.webhooks.signals.get(webhook_id),
        DeliveryOptions(trigger="FIRST_DELIVERY"),
    )
    sim.spawn(deliver_event(sim, webhook_id, payload))


def signal_bodies(sim: Simulator, vehicle: Vehicle) -> dict[str, Any]:
    """Every signal body of the car now (to see what a change changed)."""
    scope = scope_for(sim, vehicle.vehicle_id)
    return {spec.code: spec.body(vehicle, scope) for spec in _specs(sim, vehicle, None)}


def push_changes(sim: Simulator, vehicle: Vehicle, before: dict[str, Any]) -> None:
    """VEHICLE_STATE to each verified webhook the car is subscribed to, if a configured signal
    changed ("Fired when any monitored signal changes value"); triggers name the changes."""
    after = signal_bodies(sim, vehicle)
    changed = [code for code, body in after.items() if before.get(code) != body]
    if not changed:
        return
    webhooks = sim.webhooks
    for webhook_id, cars in webhooks.subscriptions.items():
        if (
            vehicle.vehicle_id not in cars
            or webhook_id not in webhooks.urls
            or webhook_id not in webhooks.verified
        ):
            continue
        configured = webhooks.signals.get(webhook_id)
        monitored = [c for c in changed if configured is None or c in configured]
        if monitored:
            payload = vehicle_state_payload(
                sim, vehicle, webhook_id, configured, triggered_by=monitored
            )
            sim.spawn(deliver_event(sim, webhook_id, payload))

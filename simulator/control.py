"""The control API under ``/sim``: drive the simulator from tests, demos and benchmarks.

JSON in and out, snake_case keys (the Smartcar-shaped payloads it returns stay camelCase).

=============================================  =====================================================
``GET /sim/state``                             configuration, clock, cars, connections, faults
``POST /sim/reset``                            default fleet; no tokens, faults, ledger, commands
``POST /sim/clock``                            ``{"advance": seconds}`` or ``{"set": epoch}``
``GET /sim/vehicles``                          every car's full state
``GET|PATCH /sim/vehicles/{id}``               read / change state; PATCH takes any of
                                               ``is_plugged_in``, ``is_charging``, ``is_moving``,
                                               ``is_locked``, ``is_online``, ``is_asleep``,
                                               ``latitude``, ``longitude``, ``heading``,
                                               ``odometer_km``, ``state_of_charge``,
                                               ``charge_limit``, ``charge_rate_per_minute``,
                                               ``fuel_percent_remaining``, ``oil_life_remaining``,
                                               ``low_voltage_state_of_charge``,
                                               ``tire_pressures_kpa``, ``doors``, ``windows``,
                                               ``storage``, ``sunroof``, ``dtcs``, ``systems``,
                                               ``unsupported``, ``data_age_seconds``
``GET|POST|DELETE /sim/vehicles/{id}/faults``  list / inject (see ``faults.py``) / clear
``DELETE /sim/faults``                         clear every car's faults
``GET /sim/tokens``                            token counts (``refreshes``, ``code_exchanges`` ...)
``POST /sim/tokens/expire``                    expire every access token now
``POST /sim/tokens/revoke``                    revoke every access and refresh token
``GET|DELETE /sim/ledger``                     billing ledger (``?vehicle_id=``, ``?entries=true``)
                                               / reset it
``GET /sim/commands``                          recorded commands (``?vehicle_id=``)
``GET|POST|DELETE /sim/connect/error``         force a Connect error on the next approvals:
                                               ``{"error", "description"?, "count"?}``
``GET|POST|DELETE /sim/oauth/token-fault``     force token endpoint failures:
                                               ``{"status", "count"?, "retry_after"?}``
``GET|POST /sim/webhooks``                     list / register (the Dashboard's job)
                                               ``{"webhook_id", "name"?, "url"?, "signals"?:
                                               [codes], "verified"?: bool}``
``POST /sim/webhooks/{id}/verify``             send VERIFY to its url; verified when answered right
``POST /sim/webhooks/deliver``                 send one signed delivery: ``{"url"? (default: the
                                               webhook's), "event_type": "VERIFY"|"VEHICLE_STATE"|
                                               "VEHICLE_ERROR", "version": "4.0"|"2.0",
                                               "meta_version"?: "4.0"|"3.0", "triggers"?:
                                               "signal"|"signal_code"|"flat", "triggers_in"?:
                                               "top"|"data", "mode"?: "LIVE"|"TEST", "trigger"?:
                                               "SIGNAL_UPDATED"|"FIRST_DELIVERY", "webhook_id"?,
                                               "vehicle_id"?, "signals"?: [codes], "paths"?: [v2
                                               paths], "error"?: {"type", "code"}, "state"?:
                                               "ERROR"|"RESOLVED"}``
``GET /sim/webhooks/deliveries``               every delivery made and its outcome
``GET|PATCH /sim/settings``                    the switches (``SimulatorConfig`` fields, e.g.
                                               ``{"v2_retired": "gone", "iam_credentials":
                                               "basic", "signal_refresh_seconds": 86400}``)
``POST /sim/vehicles/{id}/signals/refresh``    the signal store fetches the car now
=============================================  =====================================================
"""

import copy
import dataclasses
import json
from typing import Any

from aiohttp import web

from .clock import iso
from .config import SimulatorConfig
from .errors import make_error
from .fleet import Vehicle, apply_changes, describe
from .keys import SIMULATOR
from .state import CONNECT_ERRORS, ConnectFault, Simulator, TokenEndpointFault
from .webhooks import (
    DeliveryOptions,
    challenge_answer,
    known_codes,
    post_signed,
    push_changes,
    scheduled_payload,
    signal_bodies,
    vehicle_error_payload,
    vehicle_state_payload,
    verify_payload,
)

DEFAULT_SCHEDULED_PATHS = ("/odometer", "/location")


class ControlError(Exception):
    """A bad control request: answered with ``{"error": message}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _sim(request: web.Request) -> Simulator:
    return request.app[SIMULATOR]


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise ControlError("body must be JSON") from None
    if not isinstance(data, dict):
        raise ControlError("body must be a JSON object")
    return data


def _vehicle(request: web.Request) -> Vehicle:
    sim = _sim(request)
    vehicle = sim.fleet.get(request.match_info["vehicle_id"])
    if vehicle is None:
        raise ControlError("unknown vehicle", 404)
    vehicle.settle(sim.now())
    return vehicle


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Turn ControlError into a JSON answer (only for ``/sim`` routes)."""
    try:
        response: web.StreamResponse = await handler(request)
    except ControlError as error:
        return web.json_response({"error": str(error)}, status=error.status)
    return response


async def get_state(request: web.Request) -> web.Response:
    sim = _sim(request)
    config = sim.config
    return web.json_response(
        {
            "now": iso(sim.now()),
            "clock_offset": sim.clock_offset,
            "config": {
                "client_id": config.client_id,
                "client_secret": config.client_secret,
                "redirect_uris": list(config.redirect_uris),
                "management_token": config.management_token,
                "user_id": config.user_id,
                "access_token_lifetime": config.access_token_lifetime,
                "refresh_token_lifetime": config.refresh_token_lifetime,
                "refresh_token_grace": config.refresh_token_grace,
                "vehicle_request_limit": config.vehicle_request_limit,
                "api_client_id": config.api_client_id,
                "api_client_secret": config.api_client_secret,
            },
            "vehicles": list(sim.fleet),
            "connections": [
                {
                    "user_id": c.user_id,
                    "vehicle_id": c.vehicle_id,
                    "connected_at": iso(c.connected_at),
                    "mode": c.mode,
                }
                for c in sim.tokens.connections.values()
            ],
            "grants": [
                {"id": g.grant_id, "vehicle_ids": g.vehicle_ids, "scope": list(g.scope)}
                for g in sim.tokens.grants
            ],
            "faults": {
                vid: [f.as_json() for f in sim.faults.list(vid)] for vid in sim.fleet
            },
            "connect_error": None
            if sim.connect_fault is None
            else sim.connect_fault.error,
        }
    )


async def reset(request: web.Request) -> web.Response:
    sim = _sim(request)
    sim.reset()
    return web.json_response({"status": "reset"})


async def set_clock(request: web.Request) -> web.Response:
    sim = _sim(request)
    data = await _body(request)
    if isinstance(data.get("advance"), int | float):
        sim.clock_offset += float(data["advance"])
    elif isinstance(data.get("set"), int | float):
        sim.clock_offset += float(data["set"]) - sim.now()
    else:
        raise ControlError("expected {advance: seconds} or {set: epoch seconds}")
    return web.json_response({"now": iso(sim.now()), "clock_offset": sim.clock_offset})


async def list_vehicles(request: web.Request) -> web.Response:
    sim = _sim(request)
    now = sim.now()
    for vehicle in sim.fleet.values():
        vehicle.settle(now)
    return web.json_response({"vehicles": [describe(v) for v in sim.fleet.values()]})


async def get_vehicle(request: web.Request) -> web.Response:
    return web.json_response(describe(_vehicle(request)))


async def patch_vehicle(request: web.Request) -> web.Response:
    """Change the car; a subscribed car pushes the change to its verified webhooks."""
    sim = _sim(request)
    vehicle = _vehicle(request)
    data = await _body(request)
    subscribed = sim.webhooks.is_subscribed(vehicle.vehicle_id)
    before = signal_bodies(sim, vehicle) if subscribed else {}
    try:
        apply_changes(vehicle, data, sim.now())
    except ValueError as error:
        raise ControlError(str(error)) from None
    if subscribed:
        push_changes(sim, vehicle, before)
    return web.json_response(describe(vehicle))


async def list_faults(request: web.Request) -> web.Response:
    vehicle = _vehicle(request)
    faults = _sim(request).faults.list(vehicle.vehicle_id)
    return web.json_response({"faults": [f.as_json() for f in faults]})


async def add_fault(request: web.Request) -> web.Response:
    vehicle = _vehicle(request)
    data = await _body(request)
    try:
        fault = _sim(request).faults.add(vehicle.vehicle_id, data)
    except ValueError as error:
        raise ControlError(str(error)) from None
    return web.json_response(fault.as_json(), status=201)


async def clear_faults(request: web.Request) -> web.Response:
    vehicle = _vehicle(request)
    _sim(request).faults.clear(vehicle.vehicle_id)
    return web.json_response({"faults": []})


async def clear_all_faults(request: web.Request) -> web.Response:
    _sim(request).faults.clear()
    return web.json_response({"faults": []})


async def expire_tokens(request: web.Request) -> web.Response:
    sim = _sim(request)
    return web.json_response({"expired": sim.tokens.expire_access_tokens(sim.now())})


async def get_tokens(request: web.Request) -> web.Response:
    sim = _sim(request)
    tokens = sim.tokens
    now = sim.now()
    return web.json_response(
        {
            "access_tokens": len(tokens.access_tokens),
            "active_access_tokens": sum(
                1
                for record in tokens.access_tokens.values()
                if not record.revoked and record.expires_at > now
            ),
            "refresh_tokens": len(tokens.refresh_tokens),
            "code_exchanges": tokens.code_exchanges,
            "refreshes": tokens.refreshes,
            "grants": len(tokens.grants),
            "application_tokens": tokens.application_token_grants,
            "active_application_tokens": sum(
                1 for expiry in tokens.application_tokens.values() if expiry > now
            ),
        }
    )


async def revoke_tokens(request: web.Request) -> web.Response:
    _sim(request).tokens.revoke_all()
    return web.json_response({"status": "revoked"})


async def get_ledger(request: web.Request) -> web.Response:
    sim = _sim(request)
    summary = sim.ledger.summary()
    vehicle_id = request.query.get("vehicle_id")
    if vehicle_id is not None:
        summary["vehicles"] = {
            vehicle_id: summary["vehicles"].get(
                vehicle_id, {"billed": 0, "requests": 0, "billed_by_path": {}}
            )
        }
    if request.query.get("entries") == "true":
        summary["entries"] = [e.as_json() for e in sim.ledger.requests(vehicle_id)]
    return web.json_response(summary)


async def reset_ledger(request: web.Request) -> web.Response:
    _sim(request).ledger.reset()
    return web.json_response({"status": "reset"})


async def get_commands(request: web.Request) -> web.Response:
    sim = _sim(request)
    vehicle_id = request.query.get("vehicle_id")
    records = [
        c for c in sim.commands if vehicle_id is None or c.vehicle_id == vehicle_id
    ]
    return web.json_response({"commands": [c.as_json() for c in records]})


def _count(data: dict[str, Any]) -> int | None:
    count = data.get("count")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ControlError("count must be a positive integer")
    return count


async def get_connect_error(request: web.Request) -> web.Response:
    fault = _sim(request).connect_fault
    if fault is None:
        return web.json_response({"error": None})
    return web.json_response(
        {
            "error": fault.error,
            "description": fault.description,
            "remaining": fault.remaining,
        }
    )


async def set_connect_error(request: web.Request) -> web.Response:
    data = await _body(request)
    error = data.get("error")
    if error not in CONNECT_ERRORS:
        raise ControlError("error must be one of " + ", ".join(sorted(CONNECT_ERRORS)))
    description = data.get("description") or f"Simulated Connect error: {error}."
    _sim(request).connect_fault = ConnectFault(
        error=str(error), description=str(description), remaining=_count(data)
    )
    return await get_connect_error(request)


async def clear_connect_error(request: web.Request) -> web.Response:
    _sim(request).connect_fault = None
    return web.json_response({"error": None})


async def get_token_fault(request: web.Request) -> web.Response:
    fault = _sim(request).token_endpoint_fault
    if fault is None:
        return web.json_response({"status": None})
    return web.json_response(
        {
            "status": fault.status,
            "remaining": fault.remaining,
            "retry_after": fault.retry_after,
        }
    )


async def set_token_fault(request: web.Request) -> web.Response:
    data = await _body(request)
    status = data.get("status")
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise ControlError("status must be an HTTP error status")
    retry_after = data.get("retry_after")
    if retry_after is not None and not isinstance(retry_after, int):
        raise ControlError("retry_after must be an integer")
    _sim(request).token_endpoint_fault = TokenEndpointFault(
        status=status, remaining=_count(data), retry_after=retry_after
    )
    return await get_token_fault(request)


async def clear_token_fault(request: web.Request) -> web.Response:
    _sim(request).token_endpoint_fault = None
    return web.json_response({"status": None})


async def list_webhooks(request: web.Request) -> web.Response:
    webhooks = _sim(request).webhooks
    return web.json_response(
        {
            "webhooks": [
                {
                    "webhook_id": webhook_id,
                    "name": name,
                    "vehicle_ids": sorted(
                        webhooks.subscriptions.get(webhook_id, set())
                    ),
                    "url": webhooks.urls.get(webhook_id),
                    "verified": webhook_id in webhooks.verified,
                    "signals": webhooks.signals.get(webhook_id),
                }
                for webhook_id, name in webhooks.names.items()
            ]
        }
    )


async def register_webhook(request: web.Request) -> web.Response:
    data = await _body(request)
    webhook_id = data.get("webhook_id")
    if not isinstance(webhook_id, str) or not webhook_id:
        raise ControlError("webhook_id is required")
    webhooks = _sim(request).webhooks
    webhooks.names[webhook_id] = str(data.get("name") or webhook_id)
    url = data.get("url")
    if url is not None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ControlError("url must be an http(s) URL")
        webhooks.urls[webhook_id] = url
    if "signals" in data:
        try:
            codes = known_codes(data["signals"])
        except ValueError as error:
            raise ControlError(str(error)) from None
        if codes is None:
            webhooks.signals.pop(webhook_id, None)
        else:
            webhooks.signals[webhook_id] = codes
    if data.get("verified") is True:
        webhooks.verified.add(webhook_id)
    elif data.get("verified") is False:
        webhooks.verified.discard(webhook_id)
    return await list_webhooks(request)


async def verify_webhook(request: web.Request) -> web.Response:
    sim = _sim(request)
    webhook_id = request.match_info["webhook_id"]
    url = sim.webhooks.urls.get(webhook_id)
    if url is None:
        raise ControlError("the webhook has no url", 404)
    payload, challenge = verify_payload(sim, webhook_id, "4.0")
    result = await post_signed(url, payload, sim.config.management_token)
    try:
        answered = json_field(result.get("body"), "challenge")
    except ValueError:
        answered = None
    expected = challenge_answer(sim.config.management_token, challenge)
    verified = result.get("status") == 200 and answered == expected
    if verified:
        sim.webhooks.verified.add(webhook_id)
    outcome = {"url": url, "payload": payload, **result, "verified": verified}
    sim.webhooks.deliveries.append(outcome)
    return web.json_response(outcome)


def _payload_for(
    sim: Simulator, data: dict[str, Any]
) -> tuple[dict[str, Any], str | None]:
    """Build the event to deliver; returns it and the VERIFY challenge (if any)."""
    event_type = data.get("event_type", "VEHICLE_STATE")
    version = data.get("version", "4.0")
    webhook_id = data.get("webhook_id", next(iter(sim.webhooks.names), "sim-webhook"))
    if version not in {"4.0", "2.0"}:
        raise ControlError("version must be 4.0 or 2.0")
    if not isinstance(webhook_id, str):
        raise ControlError("webhook_id must be a string")
    if event_type == "VERIFY":
        return verify_payload(sim, webhook_id, version)
    if event_type not in {"VEHICLE_STATE", "VEHICLE_ERROR"}:
        raise ControlError("event_type must be VERIFY, VEHICLE_STATE or VEHICLE_ERROR")
    try:
        options = DeliveryOptions(
            meta_version=str(data.get("meta_version", "4.0")),
            triggers=str(data.get("triggers", "signal")),
            triggers_in=str(data.get("triggers_in", "top")),
            mode=str(data.get("mode", "LIVE")),
            trigger=str(data.get("trigger", "SIGNAL_UPDATED")),
        )
    except ValueError as error:
        raise ControlError(str(error)) from None
    vehicle = sim.fleet.get(str(data.get("vehicle_id")))
    if vehicle is None:
        raise ControlError("vehicle_id must name a simulated vehicle")
    if version == "2.0":
        paths = data.get("paths", list(DEFAULT_SCHEDULED_PATHS))
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise ControlError("paths must be a list of v2 paths")
        return scheduled_payload(sim, vehicle, webhook_id, paths), None
    try:
        codes = known_codes(data.get("signals", sim.webhooks.signals.get(webhook_id)))
    except ValueError as error:
        raise ControlError(str(error)) from None
    if event_type == "VEHICLE_ERROR":
        failure = data.get("error") or {}
        if not isinstance(failure, dict):
            raise ControlError("error must be {type, code?}")
        try:
            error = make_error(
                str(failure.get("type", "COMPATIBILITY")), failure.get("code")
            )
            payload = vehicle_error_payload(
                sim,
                vehicle,
                webhook_id,
                error,
                state=str(data.get("state", "ERROR")),
                codes=codes,
                options=options,
            )
        except ValueError as failed:
            raise ControlError(str(failed)) from None
        return payload, None
    return vehicle_state_payload(sim, vehicle, webhook_id, codes, options), None


async def deliver(request: web.Request) -> web.Response:
    sim = _sim(request)
    data = await _body(request)
    webhook_id = data.get("webhook_id", next(iter(sim.webhooks.names), None))
    url = data.get("url", sim.webhooks.urls.get(str(webhook_id)))
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ControlError("url must be an http(s) URL")
    payload, challenge = _payload_for(sim, data)
    result = await post_signed(url, payload, sim.config.management_token)
    outcome: dict[str, Any] = {"url": url, "payload": payload, **result}
    if challenge is not None:
        expected = challenge_answer(sim.config.management_token, challenge)
        try:
            answered = json_field(result.get("body"), "challenge")
        except ValueError:
            answered = None
        outcome["verified"] = result.get("status") == 200 and answered == expected
    sim.webhooks.deliveries.append(outcome)
    return web.json_response(outcome)


def json_field(raw: Any, name: str) -> Any:
    """A field of a JSON object given as text; ValueError when it is not one."""
    data = json.loads(raw) if isinstance(raw, str) else None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")  # noqa: TRY004 - a wrong value, not a wrong type
    return data.get(name)


async def list_deliveries(request: web.Request) -> web.Response:
    return web.json_response({"deliveries": _sim(request).webhooks.deliveries})


# Fields of SimulatorConfig the control API may not change at run time.
_FIXED_SETTINGS = frozenset({"seed", "state_file", "webhook_ids"})


def _settings(config: SimulatorConfig) -> dict[str, Any]:
    return {
        field.name: getattr(config, field.name)
        for field in dataclasses.fields(config)
        if field.name not in _FIXED_SETTINGS
    }


async def get_settings(request: web.Request) -> web.Response:
    return web.json_response(_settings(_sim(request).config))


async def patch_settings(request: web.Request) -> web.Response:
    sim = _sim(request)
    data = await _body(request)
    allowed = set(_settings(sim.config))
    unknown = set(data) - allowed
    if unknown:
        raise ControlError("unknown settings: " + ", ".join(sorted(unknown)))
    if "redirect_uris" in data:
        data["redirect_uris"] = tuple(data["redirect_uris"])
    try:
        config = dataclasses.replace(sim.config, **data)
    except (ValueError, TypeError) as error:
        raise ControlError(str(error)) from None
    sim.reconfigure(config)
    return web.json_response(_settings(config))


async def refresh_signals(request: web.Request) -> web.Response:
    sim = _sim(request)
    vehicle = _vehicle(request)
    now = sim.now()
    sim.signal_store[vehicle.vehicle_id] = (now, copy.deepcopy(vehicle))
    return web.json_response({"vehicle_id": vehicle.vehicle_id, "at": iso(now)})


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/sim/state", get_state)
    router.add_post("/sim/reset", reset)
    router.add_post("/sim/clock", set_clock)
    router.add_get("/sim/vehicles", list_vehicles)
    router.add_get("/sim/vehicles/{vehicle_id}", get_vehicle)
    router.add_patch("/sim/vehicles/{vehicle_id}", patch_vehicle)
    router.add_get("/sim/vehicles/{vehicle_id}/faults", list_faults)
    router.add_post("/sim/vehicles/{vehicle_id}/faults", add_fault)
    router.add_delete("/sim/vehicles/{vehicle_id}/faults", clear_faults)
    router.add_delete("/sim/faults", clear_all_faults)
    router.add_get("/sim/tokens", get_tokens)
    router.add_post("/sim/tokens/expire", expire_tokens)
    router.add_post("/sim/tokens/revoke", revoke_tokens)
    router.add_get("/sim/ledger", get_ledger)
    router.add_delete("/sim/ledger", reset_ledger)
    router.add_get("/sim/commands", get_commands)
    router.add_get("/sim/connect/error", get_connect_error)
    router.add_post("/sim/connect/error", set_connect_error)
    router.add_delete("/sim/connect/error", clear_connect_error)
    router.add_get("/sim/oauth/token-fault", get_token_fault)
    router.add_post("/sim/oauth/token-fault", set_token_fault)
    router.add_delete("/sim/oauth/token-fault", clear_token_fault)
    router.add_get("/sim/webhooks", list_webhooks)
    router.add_post("/sim/webhooks", register_webhook)
    router.add_post("/sim/webhooks/deliver", deliver)
    router.add_get("/sim/webhooks/deliveries", list_deliveries)
    router.add_post("/sim/webhooks/{webhook_id}/verify", verify_webhook)
    router.add_get("/sim/settings", get_settings)
    router.add_patch("/sim/settings", patch_settings)
    router.add_post("/sim/vehicles/{vehicle_id}/signals/refresh", refresh_signals)

"""Vehicle API v3 commands: ``POST /v3/vehicles/{id}/commands/<group>/<action>``.

=================================  =====================  ======================================
path (under ``/commands``)         body                   refusals (besides auth, faults, limits)
=================================  =====================  ======================================
``security/lock``                  none                   409 IN_MOTION, DOOR_OPEN, TRUNK_OPEN, ...
``security/unlock``                none                   409 IN_MOTION
``charge/start``                   none                   501 no battery; 409 CHARGING_PLUG_NOT_
                                                          CONNECTED, CHARGING_IN_PROGRESS,
                                                          FULLY_CHARGED
``charge/stop``                    none                   501; 409 NOT_CHARGING
``charge/set-limit``               ``{"data":{"attribu    400 unless an integer 50-100; 501
                                   tes":{"percent":80}}}``
``navigation/set-destination``     ``data.attributes.lat  400 bad coordinates; 501 where the car
                                   itude/longitude``      has no navigation
``charge-port/open``, ``/close``   none                   501 no battery; close 409
                                                          CHARGING_PLUG_CONNECTED
=================================  =====================  ======================================

Headers: ``Authorization: Bearer <application token>`` and ``sc-user-id`` (required), or a
per-user token while ``v3_user_tokens`` is ``accept``. The permission the v2 command needed
(``control_security``, ``control_charge``, ``control_navigation``) must have been granted: 403.

A command takes ``command_duration_seconds`` (the car's, else the simulator's). Up to
``long_running_after`` (175 s) it answers **200** with the command-execution resource
(``executionMode: "sync"``) or the error's status. Longer, it answers **202 Accepted** at once with
no ``Content-Length``, holds the connection and streams the outcome on it when the car is done:
the same command-execution body (``executionMode: "async"``, the simulator's word) or a JSON:API
error body whose ``status`` is the real one (the header stays 202). Each command is billed once
when it succeeds, and recorded in ``/sim/commands``. A car subscribed to a verified webhook then
pushes a ``VEHICLE_STATE`` whose triggers are the signals the command changed.
"""

from collections.abc import Callable
from dataclasses import dataclass
import json
from typing import Any

from aiohttp import web

from .clock import iso
from .errors import (
    SmartcarApiError,
    not_capable_error,
    not_found_error,
    permission_error,
    validation_error,
)
from .fleet import Vehicle
from .keys import SIMULATOR
from .state import Simulator
from .v3_api import admit, error_response, record
from .webhooks import push_changes, signal_bodies

type Action = Callable[[Vehicle, dict[str, Any], float], dict[str, Any] | None]


@dataclass(frozen=True, kw_only=True)
class CommandSpec:
    permission: str
    action: Action
    needs_battery: bool = False
    # Names in a car's ``unsupported`` set that make it answer 501.
    unsupported_as: tuple[str, ...] = ()


def _attributes(body: Any) -> dict[str, Any]:
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        raise validation_error("data.attributes", "is required")
    return attributes


def _lock(vehicle: Vehicle, _body: dict[str, Any], _now: float) -> None:
    vehicle.lock()


def _unlock(vehicle: Vehicle, _body: dict[str, Any], _now: float) -> None:
    vehicle.unlock()


def _start(vehicle: Vehicle, _body: dict[str, Any], now: float) -> None:
    vehicle.start_charging(now)


def _stop(vehicle: Vehicle, _body: dict[str, Any], now: float) -> None:
    vehicle.stop_charging(now)


def _set_limit(vehicle: Vehicle, body: dict[str, Any], now: float) -> dict[str, Any]:
    percent = _attributes(body).get("percent")
    if (
        isinstance(percent, bool)
        or not isinstance(percent, int)
        or not 50 <= percent <= 100
    ):
        raise validation_error("percent", "must be an integer between 50 and 100")
    vehicle.set_charge_limit(percent / 100, now)
    return {"percent": percent}


def _destination(vehicle: Vehicle, body: dict[str, Any], now: float) -> dict[str, Any]:
    attributes = _attributes(body)
    latitude, longitude = attributes.get("latitude"), attributes.get("longitude")
    vehicle.set_destination(latitude, longitude, now)
    return {"latitude": latitude, "longitude": longitude}


def _open_port(vehicle: Vehicle, _body: dict[str, Any], _now: float) -> None:
    vehicle.open_charge_port()


def _close_port(vehicle: Vehicle, _body: dict[str, Any], _now: float) -> None:
    vehicle.close_charge_port()


COMMANDS: dict[str, CommandSpec] = {
    "security/lock": CommandSpec(permission="control_security", action=_lock),
    "security/unlock": CommandSpec(permission="control_security", action=_unlock),
    "charge/start": CommandSpec(
        permission="control_charge", action=_start, needs_battery=True
    ),
    "charge/stop": CommandSpec(
        permission="control_charge", action=_stop, needs_battery=True
    ),
    "charge/set-limit": CommandSpec(
        permission="control_charge", action=_set_limit, needs_battery=True
    ),
    "navigation/set-destination": CommandSpec(
        permission="control_navigation",
        action=_destination,
        unsupported_as=("/navigation/destination", "navigation/set-destination"),
    ),
    "charge-port/open": CommandSpec(
        permission="control_charge", action=_open_port, needs_battery=True
    ),
    "charge-port/close": CommandSpec(
        permission="control_charge", action=_close_port, needs_battery=True
    ),
}


def execution(
    sim: Simulator,
    name: str,
    parameters: dict[str, Any] | None,
    *,
    started: float,
    duration: float,
    mode: str,
) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "commandType": name.replace("/", "-"),
        "status": {"value": "SUCCESS"},
        "executionMode": mode,
    }
    if parameters is not None:
        attributes["parameters"] = parameters
    return {
        "data": {
            "id": "exec_" + sim.new_id("execution").replace("-", "")[:10],
            "type": "command-execution",
            "attributes": attributes,
            "meta": {
                "executedAt": iso(started),
                "completedAt": iso(started + duration),
                "durationInSeconds": round(duration),
            },
        }
    }


def _check(spec: CommandSpec, vehicle: Vehicle, scope: tuple[str, ...]) -> None:
    if spec.permission not in scope:
        raise permission_error(f"The {spec.permission} permission was not granted.")
    if spec.needs_battery and not vehicle.has_battery:
        raise not_capable_error()
    if any(name in vehicle.unsupported for name in spec.unsupported_as):
        raise not_capable_error()


async def _payload(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise validation_error("body", "must be valid JSON") from None
    if not isinstance(data, dict):
        raise validation_error("body", "must be a JSON object")
    return data


async def command(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    vehicle_id = request.match_info["vehicle_id"]
    name = f"{request.match_info['group']}/{request.match_info['action']}"
    path = f"/commands/{name}"
    spec = COMMANDS.get(name)
    try:
        if spec is None:
            # Authenticate first: an unknown command of a stranger is still a 401.
            sim.v3_caller(request.headers, need_user=True)
            raise not_found_error()
        access = await admit(request, sim, path, need_user=True)
        _check(spec, access.vehicle, access.scope)
        body = await _payload(request)
    except SmartcarApiError as error:
        record(sim, request, vehicle_id, path, error.status, api="v3-commands")
        sim.record_command(vehicle_id, path, None, error.status, error)
        return error_response(error, request_id)
    vehicle = access.vehicle
    duration = (
        vehicle.command_duration_seconds
        if vehicle.command_duration_seconds is not None
        else sim.config.command_duration_seconds
    )
    started = sim.now()
    if duration <= sim.config.long_running_after:
        await sim.sleep(duration)
        status, answer, error = _run(
            sim, spec, name, vehicle, body, started=started, duration=duration
        )
        record(sim, request, vehicle_id, path, status, api="v3-commands")
        sim.record_command(vehicle_id, path, body, status, error)
        if error is not None:
            return error_response(error, request_id)
        return web.json_response(answer, headers={"SC-Request-Id": request_id})
    # Long-running: 202 now, the outcome streamed on the same connection later.
    response = web.StreamResponse(
        status=202,
        headers={"Content-Type": "application/json", "SC-Request-Id": request_id},
    )
    response.enable_chunked_encoding()
    await response.prepare(request)
    await sim.sleep(duration)
    status, answer, error = _run(
        sim,
        spec,
        name,
        vehicle,
        body,
        started=started,
        duration=duration,
        mode="async",
    )
    record(sim, request, vehicle_id, path, status, api="v3-commands")
    sim.record_command(vehicle_id, path, body, status, error)
    await response.write(json.dumps(answer).encode())
    await response.write_eof()
    return response


def _run(
    sim: Simulator,
    spec: CommandSpec,
    name: str,
    vehicle: Vehicle,
    body: dict[str, Any],
    *,
    started: float,
    duration: float,
    mode: str = "sync",
) -> tuple[int, dict[str, Any], SmartcarApiError | None]:
    subscribed = sim.webhooks.is_subscribed(vehicle.vehicle_id)
    before = signal_bodies(sim, vehicle) if subscribed else {}
    try:
        parameters = spec.action(vehicle, body, sim.now())
    except SmartcarApiError as error:
        return error.status, error.v3_body(), error
    if subscribed:
        push_changes(sim, vehicle, before)
    answer = execution(
        sim, name, parameters, started=started, duration=duration, mode=mode
    )
    return 200, answer, None

"""Vehicle API v2.0: reads, commands, batch, permissions, disconnect and webhook subscriptions.

Order of checks for a vehicle request (the first failing one answers):
``401 AUTHENTICATION`` (token) -> ``403 PERMISSION`` (car not in the token's grant) ->
``404 RESOURCE_NOT_FOUND`` (path) -> request-level fault (``429``/``430``/``500``/``401``) ->
``403 PERMISSION`` (scope) -> ``501 COMPATIBILITY`` (car type) -> ``430 BILLING`` (monthly limit,
when configured) -> vehicle-level fault (``409``/``502``/``400`` ...) -> sleeping/offline car ->
``400 VALIDATION`` / ``409 VEHICLE_STATE`` from the car itself -> ``200``.

Units: metric by default; ``sc-unit-system: imperial`` converts km -> miles, litres -> US gallons,
kPa -> psi, and the answer echoes ``SC-Unit-System``.
"""

from collections.abc import Callable
from dataclasses import dataclass
import json
import re
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
from .faults import Fault
from .fleet import CLOSED, OPEN, POSITIONS, Vehicle, refuse_unknown_action
from .keys import SIMULATOR
from .state import Simulator
from .tokens import Grant

KM_PER_MILE = 1.609344
LITERS_PER_GALLON = 3.785411784
PSI_PER_KPA = 0.1450377377

SUCCESS_MESSAGE = "Successfully sent request to vehicle"
_WEBHOOK_PATH = re.compile(r"^/webhooks/([^/]+)$")


@dataclass(kw_only=True)
class Context:
    """What an endpoint handler needs."""

    sim: Simulator
    vehicle: Vehicle
    grant: Grant
    imperial: bool
    now: float
    payload: Any

    def distance(self, km: float) -> float:
        return round(km / KM_PER_MILE, 2) if self.imperial else round(km, 2)

    def volume(self, liters: float) -> float:
        return (
            round(liters / LITERS_PER_GALLON, 2) if self.imperial else round(liters, 2)
        )

    def pressure(self, kpa: float) -> float:
        return round(kpa * PSI_PER_KPA, 2) if self.imperial else round(kpa, 2)


type Handler = Callable[[Context], Any]


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """One row of the v2 endpoint table."""

    method: str
    path: str
    permission: str | None
    handler: Handler
    capable: Callable[[Vehicle], bool] | None = None
    billable: bool = True
    command: bool = False


# Reads.


def _info(ctx: Context) -> dict[str, Any]:
    v = ctx.vehicle
    return {"id": v.vehicle_id, "make": v.make, "model": v.model, "year": v.year}


def _battery(ctx: Context) -> dict[str, Any]:
    v = ctx.vehicle
    return {
        "percentRemaining": round(v.state_of_charge, 4),
        "range": ctx.distance(v.battery_range_km),
    }


def _nominal_capacity(ctx: Context) -> dict[str, Any]:
    v = ctx.vehicle
    return {
        "availableCapacities": list(v.nominal_capacities),
        "capacity": {"nominal": v.battery_capacity_kwh, "source": "SMARTCAR"},
        "url": None,
    }


def _fuel(ctx: Context) -> dict[str, Any]:
    v = ctx.vehicle
    return {
        "range": ctx.distance(v.fuel_range),
        "percentRemaining": round(v.fuel_fraction, 4),
        "amountRemaining": ctx.volume(v.fuel_liters),
    }


def _tires(ctx: Context) -> dict[str, Any]:
    return {
        position: ctx.pressure(ctx.vehicle.tires_kpa[position])
        for position in POSITIONS
    }


def _items(statuses: dict[str, str]) -> list[dict[str, str]]:
    return [{"type": name, "status": status} for name, status in statuses.items()]


def _security(ctx: Context) -> dict[str, Any]:
    v = ctx.vehicle
    return {
        "isLocked": v.is_locked,
        "doors": _items(v.doors),
        "windows": _items(v.windows),
        "sunroof": []
        if v.sunroof is None
        else [{"type": "sunroof", "status": v.sunroof}],
        "storage": _items(v.storage),
        "chargingPort": (
            [{"type": "chargingPort", "status": OPEN if v.is_plugged_in else CLOSED}]
            if v.has_battery
            else []
        ),
    }


def _service_history(ctx: Context) -> list[dict[str, Any]]:
    return [
        {**record, "odometerDistance": ctx.distance(record["odometerDistance"])}
        for record in ctx.vehicle.service_history
    ]


def _permissions(ctx: Context) -> dict[str, Any]:
    request = ctx.payload
    limit, offset = paging(request, default_limit=25, max_limit=100)
    scope = list(ctx.grant.scope)
    return {
        "permissions": scope[offset : offset + limit],
        "paging": {"count": len(scope), "offset": offset},
    }


def _disconnect(ctx: Context) -> dict[str, Any]:
    ctx.sim.tokens.disconnect(ctx.grant.user_id, ctx.vehicle.vehicle_id)
    return {"status": "success"}


# Commands.


def _command_body(ctx: Context) -> dict[str, Any]:
    if not isinstance(ctx.payload, dict):
        raise validation_error("body", "must be a JSON object")
    return ctx.payload


def _security_command(ctx: Context) -> dict[str, Any]:
    action = refuse_unknown_action(_command_body(ctx).get("action"), ("LOCK", "UNLOCK"))
    if action == "LOCK":
        ctx.vehicle.lock()
    else:
        ctx.vehicle.unlock()
    return {"status": "success", "message": SUCCESS_MESSAGE}


def _charge_command(ctx: Context) -> dict[str, Any]:
    action = refuse_unknown_action(_command_body(ctx).get("action"), ("START", "STOP"))
    if action == "START":
        ctx.vehicle.start_charging(ctx.now)
    else:
        ctx.vehicle.stop_charging(ctx.now)
    return {"status": "success", "message": SUCCESS_MESSAGE}


def _charge_limit_command(ctx: Context) -> dict[str, Any]:
    ctx.vehicle.set_charge_limit(_command_body(ctx).get("limit"), ctx.now)
    return {"status": "success", "message": SUCCESS_MESSAGE}


def _destination_command(ctx: Context) -> dict[str, Any]:
    body = _command_body(ctx)
    ctx.vehicle.set_destination(body.get("latitude"), body.get("longitude"), ctx.now)
    return {"status": "success", "message": SUCCESS_MESSAGE}


def _has_battery(vehicle: Vehicle) -> bool:
    return vehicle.has_battery


def _has_engine(vehicle: Vehicle) -> bool:
    return vehicle.has_engine


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(method="GET", path="/", permission="read_vehicle_info", handler=_info),
    Endpoint(
        method="GET",
        path="/vin",
        permission="read_vin",
        handler=lambda ctx: {"vin": ctx.vehicle.vin},
    ),
    Endpoint(
        method="GET",
        path="/location",
        permission="read_location",
        handler=lambda ctx: {
            "latitude": ctx.vehicle.latitude,
            "longitude": ctx.vehicle.longitude,
        },
    ),
    Endpoint(
        method="GET",
        path="/odometer",
        permission="read_odometer",
        handler=lambda ctx: {"distance": ctx.distance(ctx.vehicle.odometer_km)},
    ),
    Endpoint(
        method="GET",
        path="/fuel",
        permission="read_fuel",
        handler=_fuel,
        capable=_has_engine,
    ),
    Endpoint(
        method="GET",
        path="/battery",
        permission="read_battery",
        handler=_battery,
        capable=_has_battery,
    ),
    Endpoint(
        method="GET",
        path="/battery/capacity",
        permission="read_battery",
        handler=lambda ctx: {"capacity": ctx.vehicle.battery_capacity_kwh},
        capable=_has_battery,
    ),
    Endpoint(
        method="GET",
        path="/battery/nominal_capacity",
        permission="read_battery",
        handler=_nominal_capacity,
        capable=_has_battery,
    ),
    Endpoint(
        method="GET",
        path="/charge",
        permission="read_charge",
        handler=lambda ctx: {
            "isPluggedIn": ctx.vehicle.is_plugged_in,
            "state": ctx.vehicle.charge_state,
        },
        capable=_has_battery,
    ),
    Endpoint(
        method="GET",
        path="/charge/limit",
        permission="read_charge",
        handler=lambda ctx: {"limit": ctx.vehicle.charge_limit},
        capable=_has_battery,
    ),
    Endpoint(
        method="POST",
        path="/charge/limit",
        permission="control_charge",
        handler=_charge_limit_command,
        capable=_has_battery,
        command=True,
    ),
    Endpoint(
        method="POST",
        path="/charge",
        permission="control_charge",
        handler=_charge_command,
        capable=_has_battery,
        command=True,
    ),
    Endpoint(
        method="GET",
        path="/engine/oil",
        permission="read_engine_oil",
        handler=lambda ctx: {"lifeRemaining": ctx.vehicle.oil_life},
        capable=lambda v: v.has_engine and v.oil_life is not None,
    ),
    Endpoint(
        method="GET",
        path="/tires/pressure",
        permission="read_tires",
        handler=_tires,
        capable=lambda v: set(POSITIONS) <= set(v.tires_kpa),
    ),
    Endpoint(
        method="GET", path="/security", permission="read_security", handler=_security
    ),
    Endpoint(
        method="POST",
        path="/security",
        permission="control_security",
        handler=_security_command,
        command=True,
    ),
    Endpoint(
        method="POST",
        path="/navigation/destination",
        permission="control_navigation",
        handler=_destination_command,
        command=True,
    ),
    Endpoint(
        method="GET",
        path="/diagnostics/dtcs",
        permission="read_diagnostics",
        handler=lambda ctx: {"activeCodes": list(ctx.vehicle.dtcs)},
    ),
    Endpoint(
        method="GET",
        path="/diagnostics/system_status",
        permission="read_diagnostics",
        handler=lambda ctx: {"systems": list(ctx.vehicle.systems)},
    ),
    Endpoint(
        method="GET",
        path="/service/history",
        permission="read_service_history",
        handler=_service_history,
    ),
    Endpoint(
        method="GET",
        path="/permissions",
        permission=None,
        handler=_permissions,
        billable=False,
    ),
    Endpoint(
        method="DELETE",
        path="/application",
        permission=None,
        handler=_disconnect,
        billable=False,
    ),
)

ENDPOINTS_BY_KEY: dict[tuple[str, str], Endpoint] = {
    (e.method, e.path): e for e in ENDPOINTS
}


def normalize(path: str) -> str:
    """``""``, ``"/"`` and trailing slashes all name the same resource."""
    stripped = path.rstrip("/")
    return stripped or "/"


def find_endpoint(method: str, path: str) -> Endpoint:
    endpoint = ENDPOINTS_BY_KEY.get((method, normalize(path)))
    if endpoint is None:
        raise not_found_error()
    return endpoint


def paging(query: Any, *, default_limit: int, max_limit: int) -> tuple[int, int]:
    """``limit``/``offset`` query parameters, validated."""
    values = []
    for name, default, low, high in (
        ("limit", default_limit, 1, max_limit),
        ("offset", 0, 0, None),
    ):
        raw = query.get(name) if query is not None else None
        if raw is None:
            values.append(default)
            continue
        try:
            number = int(raw)
        except ValueError:
            raise validation_error(name, "must be an integer") from None
        if number < low or (high is not None and number > high):
            bound = (
                f"between {low} and {high}" if high is not None else f"at least {low}"
            )
            raise validation_error(name, f"must be {bound}")
        values.append(number)
    return values[0], values[1]


def check_endpoint(
    endpoint: Endpoint, vehicle: Vehicle, scope: tuple[str, ...]
) -> None:
    """PERMISSION when the scope lacks the endpoint's permission; COMPATIBILITY for the car."""
    if endpoint.permission is not None and endpoint.permission not in scope:
        raise permission_error(
            f"The {endpoint.permission} permission was not granted for this request."
        )
    capable = endpoint.capable is None or endpoint.capable(vehicle)
    if not capable or endpoint.path in vehicle.unsupported:
        raise not_capable_error()


@dataclass(kw_only=True)
class Outcome:
    """The answer to one vehicle path (a whole request, or one path of a batch)."""

    status: int
    body: Any
    error: SmartcarApiError | None = None
    data_age: float | None = None


async def perform(
    sim: Simulator,
    *,
    grant: Grant,
    vehicle: Vehicle,
    endpoint: Endpoint,
    payload: Any,
    imperial: bool,
    fault: Fault | None,
    api: str,
) -> Outcome:
    """Run one endpoint for one car after authentication; records it in the ledger."""
    now = sim.now()
    try:
        check_endpoint(endpoint, vehicle, grant.scope)
        if endpoint.billable:
            sim.check_request_limit(vehicle.vehicle_id)
        if (
            fault is not None
            and fault.error is not None
            and fault.matches(endpoint.path)
        ):
            raise fault.error
        if endpoint.billable:
            sim.check_vehicle_state(vehicle)
        context = Context(
            sim=sim,
            vehicle=vehicle,
            grant=grant,
            imperial=imperial,
            now=now,
            payload=payload,
        )
        body = endpoint.handler(context)
        outcome = Outcome(
            status=200, body=body, data_age=now - vehicle.data_age_seconds
        )
    except SmartcarApiError as error:
        outcome = Outcome(status=error.status, body=None, error=error)
    sim.ledger.record(
        vehicle_id=vehicle.vehicle_id,
        at=now,
        api=api,
        method=endpoint.method,
        path=endpoint.path,
        status=outcome.status,
        billable=endpoint.billable,
    )
    if endpoint.command:
        sim.record_command(
            vehicle.vehicle_id, endpoint.path, payload, outcome.status, outcome.error
        )
    return outcome


# HTTP layer.


def is_imperial(request: web.Request) -> bool:
    return request.headers.get("sc-unit-system", "metric").strip().lower() == "imperial"


def error_response(
    sim: Simulator, error: SmartcarApiError, request_id: str
) -> web.Response:
    headers = {"SC-Request-Id": request_id}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return web.json_response(
        error.v2_body(request_id), status=error.status, headers=headers
    )


async def _json_payload(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    raw = await request.read()
    try:
        return json.loads(raw)
    except ValueError:
        raise validation_error("body", "must be valid JSON") from None


async def list_vehicles(request: web.Request) -> web.Response:
    """``GET /v2.0/vehicles``: the connected cars of the token (not billed)."""
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    try:
        grant = sim.grant_from_header(request.headers.get("Authorization"))
        limit, offset = paging(request.query, default_limit=10, max_limit=50)
    except SmartcarApiError as error:
        return error_response(sim, error, request_id)
    vehicle_ids = sim.tokens.connected_vehicles(grant)
    sim.ledger.record(
        vehicle_id=None,
        at=sim.now(),
        api="v2",
        method="GET",
        path="/vehicles",
        status=200,
        billable=False,
    )
    return web.json_response(
        {
            "vehicles": vehicle_ids[offset : offset + limit],
            "paging": {"count": len(vehicle_ids), "offset": offset},
        },
        headers={"SC-Request-Id": request_id},
    )


async def get_user(request: web.Request) -> web.Response:
    """``GET /v2.0/user`` (not billed)."""
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    try:
        grant = sim.grant_from_header(request.headers.get("Authorization"))
    except SmartcarApiError as error:
        return error_response(sim, error, request_id)
    sim.ledger.record(
        vehicle_id=None,
        at=sim.now(),
        api="v2",
        method="GET",
        path="/user",
        status=200,
        billable=False,
    )
    return web.json_response(
        {"id": grant.user_id}, headers={"SC-Request-Id": request_id}
    )


async def vehicle_request(request: web.Request) -> web.Response:
    """Every ``/v2.0/vehicles/{id}...`` request."""
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    vehicle_id = request.match_info["vehicle_id"]
    path = normalize(request.match_info["tail"])
    imperial = is_imperial(request)
    unit_system = "imperial" if imperial else "metric"
    try:
        webhook = _WEBHOOK_PATH.match(path)
        if webhook and request.method == "DELETE":
            return _unsubscribe(request, sim, vehicle_id, webhook.group(1), request_id)
        grant = sim.grant_from_header(request.headers.get("Authorization"))
        vehicle = sim.vehicle_for(grant, vehicle_id)
        if webhook and request.method == "POST":
            return _subscribe(sim, vehicle, webhook.group(1), request_id)
        if path == "/batch" and request.method == "POST":
            return await _batch(
                request,
                sim,
                grant=grant,
                vehicle=vehicle,
                imperial=imperial,
                request_id=request_id,
            )
        endpoint = find_endpoint(request.method, path)
        payload = (
            await _json_payload(request) if request.method == "POST" else request.query
        )
        fault = await sim.take_fault(vehicle_id, endpoint.path)
        if fault is not None and fault.error is not None and fault.request_level:
            error = fault.error
            sim.ledger.record(
                vehicle_id=vehicle_id,
                at=sim.now(),
                api="v2",
                method=endpoint.method,
                path=endpoint.path,
                status=error.status,
                billable=False,
            )
            raise error
    except SmartcarApiError as error:
        return error_response(sim, error, request_id)
    outcome = await perform(
        sim,
        grant=grant,
        vehicle=vehicle,
        endpoint=endpoint,
        payload=payload,
        imperial=imperial,
        fault=fault,
        api="v2",
    )
    if outcome.error is not None:
        return error_response(sim, outcome.error, request_id)
    headers = {
        "SC-Request-Id": request_id,
        "SC-Unit-System": unit_system,
        "SC-Fetched-At": iso(sim.now()),
    }
    if outcome.data_age is not None:
        headers["SC-Data-Age"] = iso(outcome.data_age)
    return web.json_response(outcome.body, headers=headers)


async def _batch(
    request: web.Request,
    sim: Simulator,
    *,
    grant: Grant,
    vehicle: Vehicle,
    imperial: bool,
    request_id: str,
) -> web.Response:
    """``POST /batch``: each path answers with its own code; each successful path is billed."""
    payload = await _json_payload(request)
    requests = payload.get("requests") if isinstance(payload, dict) else None
    if not isinstance(requests, list) or not requests:
        raise validation_error("requests", "must be a non-empty list of {path}")
    paths: list[str] = []
    for item in requests:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise validation_error("requests", "every item needs a string path")
        paths.append(item["path"])
    fault = sim.faults.take(vehicle.vehicle_id, "/batch")
    if fault is None:
        fault = next(
            (
                found
                for path in paths
                if (found := sim.faults.take(vehicle.vehicle_id, normalize(path)))
                is not None
            ),
            None,
        )
    if fault is not None and fault.delay > 0:
        await sim.sleep(fault.delay)
    if fault is not None and fault.error is not None and fault.request_level:
        raise fault.error
    unit_system = "imperial" if imperial else "metric"
    responses = []
    for path in paths:
        try:
            endpoint = find_endpoint("GET", path)
        except SmartcarApiError as error:
            sim.ledger.record(
                vehicle_id=vehicle.vehicle_id,
                at=sim.now(),
                api="v2-batch",
                method="GET",
                path=path,
                status=error.status,
                billable=False,
            )
            outcome = Outcome(status=error.status, body=None, error=error)
        else:
            outcome = await perform(
                sim,
                grant=grant,
                vehicle=vehicle,
                endpoint=endpoint,
                payload=None,
                imperial=imperial,
                fault=fault,
                api="v2-batch",
            )
        headers = {"sc-unit-system": unit_system}
        if outcome.error is not None:
            body = outcome.error.v2_body(request_id)
        else:
            body = outcome.body
            if outcome.data_age is not None:
                headers["sc-data-age"] = iso(outcome.data_age)
        responses.append(
            {"path": path, "code": outcome.status, "body": body, "headers": headers}
        )
    return web.json_response(
        {"responses": responses},
        headers={
            "SC-Request-Id": request_id,
            "SC-Unit-System": unit_system,
            "SC-Fetched-At": iso(sim.now()),
        },
    )


def _subscribe(
    sim: Simulator, vehicle: Vehicle, webhook_id: str, request_id: str
) -> web.Response:
    """Subscribe a car to a webhook (not billed: no data is read from the car)."""
    sim.webhooks.names.setdefault(webhook_id, webhook_id)
    sim.webhooks.subscriptions.setdefault(webhook_id, set()).add(vehicle.vehicle_id)
    return web.json_response(
        {"webhookId": webhook_id, "vehicleId": vehicle.vehicle_id},
        headers={"SC-Request-Id": request_id},
    )


def _unsubscribe(
    request: web.Request,
    sim: Simulator,
    vehicle_id: str,
    webhook_id: str,
    request_id: str,
) -> web.Response:
    """Unsubscribe: requires ``Authorization: Bearer <management token>``."""
    header = request.headers.get("Authorization", "")
    token = (
        header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
    )
    sim.check_management_token(token)
    sim.webhooks.subscriptions.get(webhook_id, set()).discard(vehicle_id)
    return web.json_response(
        {"status": "success"}, headers={"SC-Request-Id": request_id}
    )


async def unknown_v2_path(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    return error_response(sim, not_found_error(), sim.next_request_id())

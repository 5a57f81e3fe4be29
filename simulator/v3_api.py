"""Vehicle API v3: vehicle attributes, signals and Connections (JSON:API bodies).

Authentication (``state.Simulator.v3_caller``): an **application token** (``POST /oauth2/token``)
plus ``sc-user-id`` (required on signals and commands: ``400 VALIDATION:MISSING_PARAMETER``
"missing userId" without it; a user who has not connected the car: ``403
AUTHENTICATION:ACCESS_DENIED``), or a per-user Connect token while ``v3_user_tokens`` is
``accept`` (the pre-launch SDKs' way; ``reject`` answers 401).

- ``GET /v3/vehicles/{id}`` -> ``{data:{id, type:"vehicle", attributes{make, model, year,
  powertrainType, mode}, links{self}}}`` (docs [S18]); the bare pre-launch resource (no ``data``,
  no ``mode``) for per-user tokens, or always, with ``vehicle_envelope``.
- ``GET /v3/vehicles/{id}/signals?page=1&pageSize=10`` (``page[number]``/``page[size]`` too) ->
  ``{data:[signal], meta{page,pageSize,totalCount}, links{self,first,previous,next,last},
  included{vehicle}}``; ``signals_page_meta=pageNumber`` gives the 3P capture's meta
  ``{totalCount, pageSize, pageNumber}``. Links are relative like Smartcar's reference.
- ``GET /v3/vehicles/{id}/signals/{code}`` -> the signal object itself; an unknown code is
  ``404 RESOURCE_NOT_FOUND:SIGNAL_NOT_FOUND``.
- ``GET /v3/connections`` (``filter[userId]``, ``filter[vehicleId]``, ``filter[vehicle.mode]``
  (default ``live``), ``filter[user.externalId]``, ``sc-user-id`` as a filter,
  ``page[number]``/``page[size]`` (default 10, max 100)), ``GET /v3/connections/{id}`` (the
  connection id [S17], or the vehicle id as the blog has it [S1]), ``DELETE
  /v3/connections/{id}`` and ``DELETE /v3/users/{userId}`` (204). Application token only; not
  billed.

The signal store: with ``signal_refresh_seconds`` set, signals are what Smartcar last fetched
from the car, on a fixed schedule (multiples of the interval since the epoch: once a day at
00:00 UTC by default), unless the car is subscribed to a webhook (then every read sees the car
now). ``retrievedAt`` is the moment of that fetch, ``oemUpdatedAt`` that minus the car's data age.
The values are the car's at the first read after the fetch (the simulator does not replay the
past). With ``signal_store_needs_subscription`` the store stays empty (``data: []``, single
signals 404) until the car was subscribed once (3P reading, SMARTCAR_V3.md section 3.3).

Every successful vehicle request is billed once (a page is one request). Faults and a
sleeping/offline car fail the whole request with a v3 error body; ``signal_statuses`` on a car
(control API) fail single signals inside a 200. Signals the caller has no permission for, or the
car cannot produce, are left out of the list.
"""

import copy
from dataclasses import dataclass
import math
from typing import Any

from aiohttp import web

from .clock import iso
from .errors import (
    SmartcarApiError,
    authentication_error,
    not_capable_error,
    not_found_error,
    permission_error,
    signal_not_found_error,
    validation_error,
)
from .fleet import Vehicle
from .keys import SIMULATOR
from .signals import (
    SIGNALS_BY_CODE,
    is_available,
    is_permitted,
    signal_resource,
    visible_signals,
)
from .state import Caller, Simulator
from .tokens import Connection

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


def error_response(error: SmartcarApiError, request_id: str) -> web.Response:
    headers = {"SC-Request-Id": request_id}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return web.json_response(error.v3_body(), status=error.status, headers=headers)


def vehicle_attributes(sim: Simulator, vehicle: Vehicle) -> dict[str, Any]:
    return {
        "make": vehicle.make,
        "model": vehicle.model,
        "year": vehicle.year,
        "powertrainType": vehicle.powertrain,
        "mode": sim.connection_mode(vehicle.vehicle_id),
    }


def _vehicle_resource(sim: Simulator, vehicle_id: str) -> dict[str, Any]:
    vehicle = sim.fleet[vehicle_id]
    return {
        "id": vehicle.vehicle_id,
        "type": "vehicle",
        "attributes": {
            "make": vehicle.make,
            "model": vehicle.model,
            "year": vehicle.year,
            "powertrainType": vehicle.powertrain,
        },
        "links": {"self": f"/vehicles/{vehicle.vehicle_id}"},
    }


def page_number(raw: str | None, name: str, default: int, maximum: int | None) -> int:
    if raw is None:
        return default
    try:
        number = int(raw)
    except ValueError:
        raise validation_error(name, "must be an integer") from None
    if number < 1 or (maximum is not None and number > maximum):
        raise validation_error(name, "is out of range")
    return number


@dataclass(frozen=True, kw_only=True)
class Access:
    """An admitted v3 vehicle request."""

    caller: Caller
    vehicle: Vehicle
    scope: tuple[str, ...]


def record(
    sim: Simulator,
    request: web.Request,
    vehicle_id: str | None,
    path: str,
    status: int,
    *,
    api: str = "v3",
    billable: bool = True,
) -> None:
    sim.ledger.record(
        vehicle_id=vehicle_id,
        at=sim.now(),
        api=api,
        method=request.method,
        path=path,
        status=status,
        billable=billable,
        app_token=sim.application_token(request.headers.get("Authorization")),
        sc_user_id=bool((request.headers.get("sc-user-id") or "").strip()),
    )


async def admit(
    request: web.Request, sim: Simulator, path: str, *, need_user: bool
) -> Access:
    """Authenticate, find the car, consume a fault; raises the answer's error."""
    caller = sim.v3_caller(request.headers, need_user=need_user)
    vehicle_id = request.match_info["vehicle_id"]
    vehicle, scope = sim.v3_vehicle(caller, vehicle_id)
    fault = await sim.take_fault(vehicle_id, path)
    sim.check_request_limit(vehicle_id)
    if fault is not None and fault.error is not None:
        raise fault.error
    sim.check_vehicle_state(vehicle)
    return Access(caller=caller, vehicle=vehicle, scope=scope)


async def _answer(
    request: web.Request, path: str, build: Any, *, need_user: bool
) -> web.Response:
    """Shared pipeline: admit, build the body, record it."""
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    vehicle_id = request.match_info["vehicle_id"]
    try:
        access = await admit(request, sim, path, need_user=need_user)
        body = build(sim, access)
    except SmartcarApiError as error:
        record(sim, request, vehicle_id, path, error.status)
        return error_response(error, request_id)
    record(sim, request, vehicle_id, path, 200)
    return web.json_response(body, headers={"SC-Request-Id": request_id})


def stored_car(sim: Simulator, vehicle: Vehicle) -> tuple[Vehicle, float] | None:
    """The car as the signal store has it, and when it was fetched (None = empty store)."""
    now = sim.now()
    config = sim.config
    subscribed = sim.webhooks.is_subscribed(vehicle.vehicle_id)
    if subscribed or config.signal_refresh_seconds is None:
        sim.signal_store[vehicle.vehicle_id] = (now, copy.deepcopy(vehicle))
        return vehicle, now
    if config.signal_store_needs_subscription and (
        vehicle.vehicle_id not in sim.signal_store
    ):
        return None
    interval = config.signal_refresh_seconds
    due = math.floor(now / interval) * interval
    stored = sim.signal_store.get(vehicle.vehicle_id)
    if stored is None or stored[0] < due:
        stored = (due, copy.deepcopy(vehicle))
        sim.signal_store[vehicle.vehicle_id] = stored
    return stored[1], stored[0]


async def get_vehicle(request: web.Request) -> web.Response:
    def build(sim: Simulator, access: Access) -> dict[str, Any]:
        envelope = sim.config.vehicle_envelope
        if envelope == "bare" or (envelope == "auto" and not access.caller.application):
            return _vehicle_resource(sim, access.vehicle.vehicle_id)
        vehicle = access.vehicle
        return {
            "data": {
                "id": vehicle.vehicle_id,
                "type": "vehicle",
                "attributes": vehicle_attributes(sim, vehicle),
                "links": {"self": f"/vehicles/{vehicle.vehicle_id}"},
            }
        }

    return await _answer(request, "/", build, need_user=False)


def _paging_params(request: web.Request) -> tuple[str | None, str | None]:
    query = request.query
    return (
        query.get("page", query.get("page[number]")),
        query.get("pageSize", query.get("page[size]")),
    )


async def list_signals(request: web.Request) -> web.Response:
    page, page_size = _paging_params(request)

    def build(sim: Simulator, access: Access) -> dict[str, Any]:
        number = page_number(page, "page", 1, None)
        size = page_number(page_size, "pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        vehicle_id = access.vehicle.vehicle_id
        stored = stored_car(sim, access.vehicle)
        if stored is None:
            specs = []
            car, retrieved_at = access.vehicle, sim.now()
        else:
            car, retrieved_at = stored
            specs = visible_signals(car, access.scope)
        last = max(1, math.ceil(len(specs) / size))
        chosen = specs[(number - 1) * size : number * size]
        base = f"/vehicles/{vehicle_id}/signals"

        def link(target: int) -> str:
            return f"{base}?page={target}&pageSize={size}"

        if sim.config.signals_page_meta == "pageNumber":
            meta = {"totalCount": len(specs), "pageSize": size, "pageNumber": number}
        else:
            meta = {"page": number, "pageSize": size, "totalCount": len(specs)}
        timestamps = sim.config.signal_timestamps
        return {
            "data": [
                signal_resource(
                    spec, car, access.scope, retrieved_at, timestamps=timestamps
                )
                for spec in chosen
            ],
            "meta": meta,
            "links": {
                "self": link(number),
                "first": link(1),
                "previous": link(number - 1) if number > 1 else None,
                "next": link(number + 1) if number < last else None,
                "last": link(last),
            },
            "included": {"vehicle": _vehicle_resource(sim, vehicle_id)},
        }

    return await _answer(request, "/signals", build, need_user=True)


async def get_signal(request: web.Request) -> web.Response:
    code = request.match_info["code"]

    def build(sim: Simulator, access: Access) -> dict[str, Any]:
        vehicle_id = access.vehicle.vehicle_id
        spec = SIGNALS_BY_CODE.get(code)
        stored = stored_car(sim, access.vehicle)
        if spec is None or stored is None:
            raise signal_not_found_error(code, vehicle_id)
        car, retrieved_at = stored
        if not is_available(spec, car):
            raise not_capable_error()
        if not is_permitted(spec, access.scope):
            raise permission_error(f"The {spec.permission} permission was not granted.")
        return signal_resource(
            spec,
            car,
            access.scope,
            retrieved_at,
            timestamps=sim.config.signal_timestamps,
        )

    return await _answer(request, f"/signals/{code}", build, need_user=True)


# Connections.


def connection_resource(
    sim: Simulator, origin: str, connection: Connection
) -> dict[str, Any]:
    vehicle = sim.fleet.get(connection.vehicle_id)
    attributes: dict[str, Any] = {
        "permissions": list(
            sim.tokens.scope_of(connection.user_id, connection.vehicle_id)
        ),
        "vehicle": (
            {}
            if vehicle is None
            else {
                "make": vehicle.make,
                "model": vehicle.model,
                "year": vehicle.year,
                "mode": connection.mode,
                "powertrainType": vehicle.powertrain,
            }
        ),
        "user": {"id": connection.user_id},
    }
    if connection.external_id is not None:
        attributes["user"]["externalId"] = connection.external_id
    updated = connection.updated_at or connection.connected_at
    return {
        "id": connection.connection_id,
        "type": "connection",
        "attributes": attributes,
        "relationships": {
            "vehicle": {
                "data": {"id": connection.vehicle_id, "type": "vehicle"},
                "links": {"related": f"{origin}/v3/vehicles/{connection.vehicle_id}"},
            },
            "user": {"data": {"id": connection.user_id, "type": "user"}},
        },
        "meta": {"createdAt": iso(connection.connected_at), "updatedAt": iso(updated)},
        "links": {"self": f"{origin}/v3/connections/{connection.connection_id}"},
    }


def _application(request: web.Request, sim: Simulator) -> None:
    if not sim.application_token(request.headers.get("Authorization")):
        raise authentication_error()


def _origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def list_connections(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    query = request.query
    try:
        _application(request, sim)
        number = page_number(query.get("page[number]"), "page[number]", 1, None)
        size = page_number(
            query.get("page[size]"), "page[size]", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
        )
    except SmartcarApiError as error:
        record(sim, request, None, "/connections", error.status, billable=False)
        return error_response(error, request_id)
    user_id = query.get("filter[userId]") or request.headers.get("sc-user-id")
    vehicle_id = query.get("filter[vehicleId]")
    mode = query.get("filter[vehicle.mode]", "live")
    external_id = query.get("filter[user.externalId]")
    matching = sorted(
        (
            c
            for c in sim.tokens.connections.values()
            if (user_id is None or c.user_id == user_id)
            and (vehicle_id is None or c.vehicle_id == vehicle_id)
            and c.mode == mode
            and (external_id is None or c.external_id == external_id)
        ),
        key=lambda c: c.connected_at,
        reverse=True,
    )
    origin = _origin(request)
    last = max(1, math.ceil(len(matching) / size))
    filters = {
        name: value
        for name, value in query.items()
        if name.startswith("filter[") and name != "filter[vehicle.mode]"
    }
    filters["filter[vehicle.mode]"] = mode

    def link(target: int) -> str:
        url = request.url.with_query(
            {"page[number]": str(target), "page[size]": str(size), **filters}
        )
        return f"{origin}{url.raw_path_qs}"

    record(sim, request, None, "/connections", 200, billable=False)
    body = {
        "data": [
            connection_resource(sim, origin, c)
            for c in matching[(number - 1) * size : number * size]
        ],
        "meta": {
            "pageNumber": number,
            "pageSize": size,
            "totalCount": len(matching),
            "orderBy": "createdAt",
            "orderDirection": "DESC",
        },
        "links": {
            "self": link(number),
            "first": link(1),
            "last": link(last),
            "next": link(number + 1) if number < last else None,
            "prev": link(number - 1) if number > 1 else None,
        },
    }
    return web.json_response(body, headers={"SC-Request-Id": request_id})


def _find_connection(sim: Simulator, request: web.Request, key: str) -> Connection:
    """By connection id ([S17]) or, the blog's variant, by vehicle id ([S1])."""
    user_id = request.headers.get("sc-user-id")
    candidates = [
        c
        for c in sim.tokens.connections.values()
        if key in {c.connection_id, c.vehicle_id}
        and (user_id is None or c.user_id == user_id)
    ]
    by_id = [c for c in candidates if c.connection_id == key]
    found = by_id or candidates
    if not found:
        raise not_found_error()
    return found[0]


async def get_connection(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    try:
        _application(request, sim)
        connection = _find_connection(sim, request, request.match_info["key"])
    except SmartcarApiError as error:
        record(sim, request, None, "/connections/{id}", error.status, billable=False)
        return error_response(error, request_id)
    record(sim, request, None, "/connections/{id}", 200, billable=False)
    return web.json_response(
        {"data": connection_resource(sim, _origin(request), connection)},
        headers={"SC-Request-Id": request_id},
    )


async def delete_connection(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    try:
        _application(request, sim)
        connection = _find_connection(sim, request, request.match_info["key"])
    except SmartcarApiError as error:
        record(sim, request, None, "/connections/{id}", error.status, billable=False)
        return error_response(error, request_id)
    sim.tokens.disconnect(connection.user_id, connection.vehicle_id)
    record(sim, request, None, "/connections/{id}", 204, billable=False)
    return web.Response(status=204, headers={"SC-Request-Id": request_id})


async def delete_user(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    user_id = request.match_info["user_id"]
    try:
        _application(request, sim)
        owned = [c for c in sim.tokens.connections.values() if c.user_id == user_id]
        if not owned:
            raise not_found_error()
    except SmartcarApiError as error:
        record(sim, request, None, "/users/{id}", error.status, billable=False)
        return error_response(error, request_id)
    for connection in owned:
        sim.tokens.disconnect(connection.user_id, connection.vehicle_id)
    record(sim, request, None, "/users/{id}", 204, billable=False)
    return web.Response(status=204, headers={"SC-Request-Id": request_id})


async def unknown_v3_path(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    return error_response(not_found_error(), sim.next_request_id())

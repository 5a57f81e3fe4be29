"""Vehicle API v3: the vehicle, paged signals and single signals (JSON:API bodies).

- ``GET /v3/vehicles/{id}`` -> ``{id, type:"vehicle", attributes{make,model,year,powertrainType},
  links{self}}`` (top level, as in SMARTCAR_API.md)
- ``GET /v3/vehicles/{id}/signals?page=1&pageSize=10`` -> ``{data:[signal], meta{page,pageSize,
  totalCount}, links{self,first,previous,next,last}, included{vehicle}}``; ``page`` starts at 1,
  ``pageSize`` defaults to 10 (max 100); links are relative (``/vehicles/{id}/signals?page=2&
  pageSize=10``) like Smartcar's reference; ``previous``/``next`` are null at the ends.
- ``GET /v3/vehicles/{id}/signals/{code}`` -> the signal object itself (top level).

Every successful request is billed once (a page is one request). Faults and a sleeping/offline car
fail the whole request with a v3 error body. Signals the token has no permission for, or the car
cannot produce, are left out of the list (see ``signals.py``).
"""

import math
from typing import Any

from aiohttp import web

from .errors import (
    SmartcarApiError,
    not_capable_error,
    not_found_error,
    permission_error,
    validation_error,
)
from .keys import SIMULATOR
from .signals import (
    SIGNALS_BY_CODE,
    is_available,
    is_permitted,
    signal_resource,
    visible_signals,
)
from .state import Simulator
from .tokens import Grant

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


def error_response(error: SmartcarApiError, request_id: str) -> web.Response:
    headers = {"SC-Request-Id": request_id}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return web.json_response(error.v3_body(), status=error.status, headers=headers)


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


def _page_number(raw: str | None, name: str, default: int, maximum: int | None) -> int:
    if raw is None:
        return default
    try:
        number = int(raw)
    except ValueError:
        raise validation_error(name, "must be an integer") from None
    if number < 1 or (maximum is not None and number > maximum):
        raise validation_error(name, "is out of range")
    return number


async def _admit(
    request: web.Request, sim: Simulator, path: str
) -> tuple[Grant, str, SmartcarApiError | None]:
    """Authenticate and apply faults; returns the grant, car id and a pending vehicle error."""
    grant = sim.grant_from_header(request.headers.get("Authorization"))
    vehicle_id = request.match_info["vehicle_id"]
    vehicle = sim.vehicle_for(grant, vehicle_id)
    fault = await sim.take_fault(vehicle_id, path)
    pending = fault.error if fault is not None else None
    if pending is None:
        try:
            sim.check_vehicle_state(vehicle)
        except SmartcarApiError as error:
            pending = error
    return grant, vehicle_id, pending


def _record(sim: Simulator, vehicle_id: str, path: str, status: int) -> None:
    sim.ledger.record(
        vehicle_id=vehicle_id,
        at=sim.now(),
        api="v3",
        method="GET",
        path=path,
        status=status,
        billable=True,
    )


async def _answer(request: web.Request, path: str, build: Any) -> web.Response:
    """Shared pipeline: admit, check the monthly limit, build the body, record it."""
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    try:
        grant, vehicle_id, pending = await _admit(request, sim, path)
    except SmartcarApiError as error:
        return error_response(error, request_id)
    try:
        sim.check_request_limit(vehicle_id)
        if pending is not None:
            raise pending
        body = build(sim, grant, vehicle_id)
    except SmartcarApiError as error:
        _record(sim, vehicle_id, path, error.status)
        return error_response(error, request_id)
    _record(sim, vehicle_id, path, 200)
    return web.json_response(body, headers={"SC-Request-Id": request_id})


async def get_vehicle(request: web.Request) -> web.Response:
    def build(sim: Simulator, _grant: Grant, vehicle_id: str) -> dict[str, Any]:
        return _vehicle_resource(sim, vehicle_id)

    return await _answer(request, "/", build)


async def list_signals(request: web.Request) -> web.Response:
    page = request.query.get("page")
    page_size = request.query.get("pageSize")

    def build(sim: Simulator, grant: Grant, vehicle_id: str) -> dict[str, Any]:
        number = _page_number(page, "page", 1, None)
        size = _page_number(page_size, "pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        vehicle = sim.fleet[vehicle_id]
        now = sim.now()
        specs = visible_signals(vehicle, grant.scope)
        last = max(1, math.ceil(len(specs) / size))
        chosen = specs[(number - 1) * size : number * size]
        base = f"/vehicles/{vehicle_id}/signals"

        def link(target: int) -> str:
            return f"{base}?page={target}&pageSize={size}"

        return {
            "data": [
                signal_resource(spec, vehicle, grant.scope, now) for spec in chosen
            ],
            "meta": {"page": number, "pageSize": size, "totalCount": len(specs)},
            "links": {
                "self": link(number),
                "first": link(1),
                "previous": link(number - 1) if number > 1 else None,
                "next": link(number + 1) if number < last else None,
                "last": link(last),
            },
            "included": {"vehicle": _vehicle_resource(sim, vehicle_id)},
        }

    return await _answer(request, "/signals", build)


async def get_signal(request: web.Request) -> web.Response:
    code = request.match_info["code"]

    def build(sim: Simulator, grant: Grant, vehicle_id: str) -> dict[str, Any]:
        spec = SIGNALS_BY_CODE.get(code)
        if spec is None:
            raise not_found_error()
        vehicle = sim.fleet[vehicle_id]
        if not is_available(spec, vehicle):
            raise not_capable_error()
        if not is_permitted(spec, grant.scope):
            raise permission_error(f"The {spec.permission} permission was not granted.")
        return signal_resource(spec, vehicle, grant.scope, sim.now())

    return await _answer(request, f"/signals/{code}", build)


async def unknown_v3_path(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    return error_response(not_found_error(), sim.next_request_id())

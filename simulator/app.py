"""The aiohttp application: every Smartcar origin on one server.

Point all the origins at it (``python -m simulator`` prints the ``export`` lines):

- Connect ``GET /oauth/authorize`` (+ ``/oauth/authorize/approve`` and ``/deny``)
- Auth ``POST /oauth/token`` (per-user Connect tokens)
- IAM ``POST /oauth2/token`` (V3 application tokens, client credentials)
- API v2 ``/v2.0/...`` and v3 ``/v3/vehicles/...``, ``/v3/connections``, ``/v3/users/{id}``
- Management v2 ``/v2.0/management/connections``, v3 ``/v3/webhooks``, ``/v3/subscriptions``
- the control API ``/sim/...``

Before any ``/v2.0`` or ``/v3`` handler: a retired v2 (``v2_retired``) answers every v2 call
``404 RESOURCE_NOT_FOUND:VERSION`` (``version``) or ``410 Gone`` (``gone``); then the
application's request bucket (``app_rate_limit`` requests, refilling
``app_rate_refill_per_minute``) answers ``429 RATE_LIMIT:SMARTCAR_API`` with ``Retry-After`` (the
seconds until a request is free again) when it is empty.
"""

from collections.abc import Awaitable, Callable
from pathlib import Path
import re

from aiohttp import web

from . import (
    compatibility,
    control,
    management,
    management_v3,
    oauth,
    persistence,
    v3_api,
    v3_commands,
    vehicle_api,
)
from .config import SimulatorConfig
from .errors import SmartcarApiError, make_error
from .keys import SIMULATOR
from .state import Simulator

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_VEHICLE_IN_PATH = re.compile(r"^/(?:v2\.0|v3)/vehicles/([^/]+)")


def _vehicle_of(path: str) -> str | None:
    match = _VEHICLE_IN_PATH.match(path)
    return match.group(1) if match else None


def _refusal(
    sim: Simulator, request: web.Request, error: SmartcarApiError, generation: str
) -> web.Response:
    request_id = sim.next_request_id()
    sim.ledger.record(
        vehicle_id=_vehicle_of(request.path),
        at=sim.now(),
        api=generation,
        method=request.method,
        path=request.path,
        status=error.status,
        billable=False,
        app_token=sim.application_token(request.headers.get("Authorization")),
        sc_user_id=bool(request.headers.get("sc-user-id")),
    )
    headers = {"SC-Request-Id": request_id}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    body = error.v3_body() if generation == "v3" else error.v2_body(request_id)
    return web.json_response(body, status=error.status, headers=headers)


@web.middleware
async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A retired v2 and the application's rate bucket, before any API handler."""
    path = request.path
    generation = (
        "v2" if path.startswith("/v2.0/") else "v3" if path.startswith("/v3/") else None
    )
    if generation is None:
        return await handler(request)
    sim = request.app[SIMULATOR]
    retired = sim.config.v2_retired
    if generation == "v2" and retired != "off":
        error = make_error(
            "RESOURCE_NOT_FOUND",
            "VERSION",
            description="Version 2.0 of the Smartcar API has been retired; use v3.",
        )
        if retired == "gone":
            error.status_override = 410
        return _refusal(sim, request, error, generation)
    retry_after = sim.take_rate()
    if retry_after is not None:
        error = make_error("RATE_LIMIT", "SMARTCAR_API", retry_after=retry_after)
        return _refusal(sim, request, error, generation)
    return await handler(request)


@web.middleware
async def persist(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Write the state file after each request that may change it."""
    try:
        return await handler(request)
    finally:
        sim = request.app[SIMULATOR]
        state_file = sim.config.state_file
        if state_file and not (
            request.method == "GET" and request.path.startswith("/sim")
        ):
            persistence.save(sim, Path(state_file))


def create_app(config: SimulatorConfig | Simulator | None = None) -> web.Application:
    """Build the application around a Simulator (made from ``config`` when not given one).

    With ``state_file`` set, the state is read from it (when it exists) and kept in it.
    """
    simulator = config if isinstance(config, Simulator) else Simulator(config)
    if simulator.config.state_file:
        persistence.load(simulator, Path(simulator.config.state_file))
    app = web.Application(middlewares=[persist, control.control_errors, gate])
    app[SIMULATOR] = simulator
    router = app.router
    router.add_get("/oauth/authorize", oauth.authorize)
    router.add_route("*", "/oauth/authorize/approve", oauth.approve)
    router.add_route("*", "/oauth/authorize/deny", oauth.deny)
    router.add_post("/oauth/token", oauth.token)
    router.add_post("/oauth2/token", oauth.application_token)
    router.add_get("/v2.0/management/connections", management.get_connections)
    router.add_delete("/v2.0/management/connections", management.delete_connections)
    router.add_get("/v2.0/compatibility/matrix", compatibility.get_matrix)
    router.add_get("/v2.0/vehicles", vehicle_api.list_vehicles)
    router.add_get("/v2.0/user", vehicle_api.get_user)
    router.add_route(
        "*", "/v2.0/vehicles/{vehicle_id}{tail:(/.*)?}", vehicle_api.vehicle_request
    )
    router.add_route("*", "/v2.0/{tail:.*}", vehicle_api.unknown_v2_path)
    router.add_get("/v3/vehicles/{vehicle_id}", v3_api.get_vehicle)
    router.add_get("/v3/vehicles/{vehicle_id}/signals", v3_api.list_signals)
    router.add_get("/v3/vehicles/{vehicle_id}/signals/{code}", v3_api.get_signal)
    router.add_post(
        "/v3/vehicles/{vehicle_id}/commands/{group}/{action}", v3_commands.command
    )
    router.add_get("/v3/connections", v3_api.list_connections)
    router.add_get("/v3/connections/{key}", v3_api.get_connection)
    router.add_delete("/v3/connections/{key}", v3_api.delete_connection)
    router.add_delete("/v3/users/{user_id}", v3_api.delete_user)
    management_v3.add_routes(app)
    router.add_route("*", "/v3/{tail:.*}", v3_api.unknown_v3_path)
    control.add_routes(app)
    app.on_cleanup.append(_finish)
    return app


async def _finish(app: web.Application) -> None:
    """At shutdown: let pending deliveries end, then write the state one last time."""
    sim = app[SIMULATOR]
    await sim.drain()
    if sim.config.state_file:
        persistence.save(sim, Path(sim.config.state_file))


def simulator_of(app: web.Application) -> Simulator:
    """The Simulator behind an application made by ``create_app``."""
    return app[SIMULATOR]

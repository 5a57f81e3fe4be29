"""The aiohttp application: every Smartcar origin on one server.

Point all five ``SMARTCAR_*_ORIGIN`` variables at it:

- Connect ``GET /oauth/authorize`` (+ ``/oauth/authorize/approve`` and ``/deny``)
- Auth ``POST /oauth/token``
- API v2 ``/v2.0/...`` and v3 ``/v3/...``
- Management ``/v2.0/management/connections``
- the control API ``/sim/...``
"""

from aiohttp import web

from . import control, management, oauth, v3_api, vehicle_api
from .config import SimulatorConfig
from .keys import SIMULATOR
from .state import Simulator


def create_app(config: SimulatorConfig | Simulator | None = None) -> web.Application:
    """Build the application around a Simulator (made from ``config`` when not given one)."""
    simulator = config if isinstance(config, Simulator) else Simulator(config)
    app = web.Application(middlewares=[control.control_errors])
    app[SIMULATOR] = simulator
    router = app.router
    router.add_get("/oauth/authorize", oauth.authorize)
    router.add_route("*", "/oauth/authorize/approve", oauth.approve)
    router.add_route("*", "/oauth/authorize/deny", oauth.deny)
    router.add_post("/oauth/token", oauth.token)
    router.add_get("/v2.0/management/connections", management.get_connections)
    router.add_delete("/v2.0/management/connections", management.delete_connections)
    router.add_get("/v2.0/vehicles", vehicle_api.list_vehicles)
    router.add_get("/v2.0/user", vehicle_api.get_user)
    router.add_route(
        "*", "/v2.0/vehicles/{vehicle_id}{tail:(/.*)?}", vehicle_api.vehicle_request
    )
    router.add_route("*", "/v2.0/{tail:.*}", vehicle_api.unknown_v2_path)
    router.add_get("/v3/vehicles/{vehicle_id}", v3_api.get_vehicle)
    router.add_get("/v3/vehicles/{vehicle_id}/signals", v3_api.list_signals)
    router.add_get("/v3/vehicles/{vehicle_id}/signals/{code}", v3_api.get_signal)
    router.add_route("*", "/v3/{tail:.*}", v3_api.unknown_v3_path)
    control.add_routes(app)
    return app


def simulator_of(app: web.Application) -> Simulator:
    """The Simulator behind an application made by ``create_app``."""
    return app[SIMULATOR]

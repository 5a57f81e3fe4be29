"""``GET /v2.0/compatibility/matrix``: the models and permissions supported, by region and make.

Answered with the application's client credentials in an HTTP Basic header, as Smartcar's
"by region and make" reference documents, from the simulated fleet: each car's model line, its
year, powertrain, and the permissions of the endpoints it can answer. ``region`` is required
(``US``, ``CA`` or ``EUROPE``); ``make`` filters.
"""

from aiohttp import web

from .errors import SmartcarApiError, make_error
from .keys import SIMULATOR
from .oauth import OAuthError, _check_client
from .state import Simulator
from .vehicle_api import ENDPOINTS

REGIONS = frozenset({"US", "CA", "EUROPE"})


async def get_matrix(request: web.Request) -> web.Response:
    """``GET /v2.0/compatibility/matrix?region=&make=&scope=&type=``."""
    sim = request.app[SIMULATOR]
    try:
        _check_client(sim, request.headers.get("Authorization"), {})
    except OAuthError:
        return _refused(sim, make_error("AUTHENTICATION"))
    region = request.query.get("region", "")
    if region not in REGIONS:
        return _refused(sim, make_error("VALIDATION", "PARAMETER"))
    make = request.query.get("make", "").lower()
    matrix: dict[str, list[dict[str, object]]] = {}
    for vehicle in sim.fleet.values():
        if make and vehicle.make.lower() != make:
            continue
        endpoints = [
            endpoint
            for endpoint in ENDPOINTS
            if endpoint.permission
            and endpoint.path not in vehicle.unsupported
            and (endpoint.capable is None or endpoint.capable(vehicle))
        ]
        matrix.setdefault(vehicle.make.upper(), []).append(
            {
                "model": vehicle.model,
                "startYear": vehicle.year,
                "endYear": vehicle.year,
                "type": vehicle.powertrain,
                "endpoints": sorted({endpoint.path for endpoint in endpoints}),
                "permissions": sorted(
                    {
                        endpoint.permission
                        for endpoint in endpoints
                        if endpoint.permission
                    }
                ),
            }
        )
    return web.json_response(matrix)


def _refused(sim: Simulator, error: SmartcarApiError) -> web.Response:
    request_id = sim.next_request_id()
    return web.json_response(
        error.v2_body(request_id),
        status=error.status,
        headers={"SC-Request-Id": request_id},
    )

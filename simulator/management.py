"""Management API: ``GET|DELETE /v2.0/management/connections``.

Authentication: ``Authorization: Basic base64("default:" + management token)``.
``GET`` answers ``{connections:[{userId, vehicleId, connectedAt, mode}], paging:{cursor}}``,
filtered by ``vehicle_id`` / ``user_id``, paged with ``limit`` (default 10, max 100) and the opaque
``cursor`` of the previous page (null on the last page). ``DELETE`` needs ``vehicle_id`` or
``user_id`` and answers ``{connections:[{userId, vehicleId}]}`` for what it removed; the removed
cars disappear from every token of that user.
"""

import base64
import binascii

from aiohttp import web

from .errors import SmartcarApiError, authentication_error, validation_error
from .keys import SIMULATOR
from .state import Simulator
from .tokens import Connection
from .vehicle_api import error_response


def _authenticate(sim: Simulator, header: str | None) -> None:
    if not header or not header.startswith("Basic "):
        raise authentication_error()
    try:
        decoded = base64.b64decode(
            header.removeprefix("Basic ").strip(), validate=True
        ).decode()
    except binascii.Error, UnicodeDecodeError:
        raise authentication_error() from None
    user, _, token = decoded.partition(":")
    if user != "default":
        raise authentication_error()
    sim.check_management_token(token)


def _matching(sim: Simulator, request: web.Request) -> list[Connection]:
    vehicle_id = request.query.get("vehicle_id")
    user_id = request.query.get("user_id")
    return [
        connection
        for connection in sim.tokens.connections.values()
        if (vehicle_id is None or connection.vehicle_id == vehicle_id)
        and (user_id is None or connection.user_id == user_id)
    ]


def _int(raw: str | None, name: str, default: int, low: int, high: int | None) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise validation_error(name, "must be an integer") from None
    if value < low or (high is not None and value > high):
        raise validation_error(name, "is out of range")
    return value


async def get_connections(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    try:
        _authenticate(sim, request.headers.get("Authorization"))
        limit = _int(request.query.get("limit"), "limit", 10, 1, 100)
        start = _int(request.query.get("cursor"), "cursor", 0, 0, None)
    except SmartcarApiError as error:
        return error_response(sim, error, request_id)
    connections = _matching(sim, request)
    page = connections[start : start + limit]
    cursor = str(start + limit) if start + limit < len(connections) else None
    return web.json_response(
        {"connections": [c.as_json() for c in page], "paging": {"cursor": cursor}},
        headers={"SC-Request-Id": request_id},
    )


async def delete_connections(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    try:
        _authenticate(sim, request.headers.get("Authorization"))
        if "vehicle_id" not in request.query and "user_id" not in request.query:
            raise validation_error("vehicle_id", "vehicle_id or user_id is required")
    except SmartcarApiError as error:
        return error_response(sim, error, request_id)
    removed = []
    for connection in _matching(sim, request):
        sim.tokens.disconnect(connection.user_id, connection.vehicle_id)
        removed.append(
            {"userId": connection.user_id, "vehicleId": connection.vehicle_id}
        )
    return web.json_response(
        {"connections": removed}, headers={"SC-Request-Id": request_id}
    )

"""Management API v3 (``management.api.smartcar.com/v3``): webhooks and subscriptions.

Same application token as the Vehicle API (``Authorization: Bearer``); never billed.

- ``GET /v3/webhooks``, ``GET /v3/webhooks/{webhookId}``: the webhooks made in the Dashboard
  (control API ``POST /sim/webhooks``); there is no create endpoint.
- ``POST /v3/subscriptions`` ``{"data":{"attributes":{"webhookId","userId","vehicleId"}}}``
  (docs [S19]) or ``POST /v3/webhooks/{webhookId}/subscriptions`` with ``userId``/``vehicleId``
  (blog [S1]) -> **202** ``{"meta":{"message":"subscription creation in progress"}}``; **409**
  when that subscription exists; 404 for an unknown webhook or a car the user has not
  connected; 400 for a missing attribute. A verified webhook with a callback URL then receives
  a ``VEHICLE_STATE`` whose trigger is ``FIRST_DELIVERY``.
- ``GET /v3/subscriptions`` (``filter[userId]``, ``filter[webhookId]``, ``filter[vehicleId]``,
  ``filter[vehicle.mode]``, ``page[number]``, ``page[size]`` default 25, max 100) and
  ``GET /v3/webhooks/{webhookId}/subscriptions``; ``GET /v3/subscriptions/{id}``.
- ``DELETE /v3/subscriptions/{id}`` or ``DELETE /v3/webhooks/{webhookId}/subscriptions/{id}``
  (``{id}`` may be the vehicle id there) -> 204.
"""

import math
from typing import Any

from aiohttp import web

from .clock import iso
from .errors import SmartcarApiError, not_found_error, validation_error
from .keys import SIMULATOR
from .state import Simulator, Subscription
from .v3_api import error_response, page_number, record
from .webhooks import first_delivery

DEFAULT_PAGE_SIZE = 25


def _authenticate(request: web.Request, sim: Simulator) -> None:
    sim.check_application_token(request.headers.get("Authorization"))


def _webhook(sim: Simulator, webhook_id: str) -> dict[str, Any]:
    if webhook_id not in sim.webhooks.names:
        raise not_found_error()
    return {
        "id": webhook_id,
        "type": "webhook",
        "attributes": {
            "name": sim.webhooks.names[webhook_id],
            "callbackUri": sim.webhooks.urls.get(webhook_id),
            "status": "VERIFIED"
            if webhook_id in sim.webhooks.verified
            else "UNVERIFIED",
            "signals": sim.webhooks.signals.get(webhook_id),
        },
        "links": {"self": f"/webhooks/{webhook_id}"},
    }


def _subscription(sim: Simulator, item: Subscription) -> dict[str, Any]:
    vehicle = sim.fleet.get(item.vehicle_id)
    return {
        "type": "subscription",
        "id": item.subscription_id,
        "attributes": {
            "vehicle": {}
            if vehicle is None
            else {
                "make": vehicle.make,
                "model": vehicle.model,
                "year": vehicle.year,
                "mode": sim.connection_mode(vehicle.vehicle_id),
                "powertrainType": vehicle.powertrain,
            }
        },
        "meta": {"createdAt": iso(item.created_at), "updatedAt": iso(item.created_at)},
        "relationships": {
            "webhook": {
                "data": {"type": "webhook", "id": item.webhook_id},
                "links": {"related": f"/webhooks/{item.webhook_id}"},
            },
            "user": {
                "data": {"type": "user", "id": item.user_id},
                "links": {"related": f"/users/{item.user_id}"},
            },
            "vehicle": {
                "data": {"type": "vehicle", "id": item.vehicle_id},
                "links": {"related": f"/vehicles/{item.vehicle_id}"},
            },
        },
        "links": {"self": f"/subscriptions/{item.subscription_id}"},
    }


async def _handle(request: web.Request, path: str, work: Any) -> web.StreamResponse:
    sim = request.app[SIMULATOR]
    request_id = sim.next_request_id()
    try:
        _authenticate(request, sim)
        status, body = await work(sim)
    except SmartcarApiError as error:
        record(sim, request, None, path, error.status, api="v3-management")
        return error_response(error, request_id)
    record(sim, request, None, path, status, api="v3-management", billable=False)
    if body is None:
        return web.Response(status=status, headers={"SC-Request-Id": request_id})
    return web.json_response(body, status=status, headers={"SC-Request-Id": request_id})


async def list_webhooks(request: web.Request) -> web.StreamResponse:
    async def work(sim: Simulator) -> tuple[int, Any]:
        return 200, {"data": [_webhook(sim, wid) for wid in sim.webhooks.names]}

    return await _handle(request, "/webhooks", work)


async def get_webhook(request: web.Request) -> web.StreamResponse:
    async def work(sim: Simulator) -> tuple[int, Any]:
        return 200, {"data": _webhook(sim, request.match_info["webhook_id"])}

    return await _handle(request, "/webhooks/{id}", work)


def _attribute(attributes: dict[str, Any], name: str) -> str:
    value = attributes.get(name)
    if not isinstance(value, str) or not value:
        raise SmartcarApiError(
            error_type="VALIDATION",
            code="MISSING_PARAMETER",
            description=f"missing {name}",
        )
    return value


async def create_subscription(request: web.Request) -> web.StreamResponse:
    async def work(sim: Simulator) -> tuple[int, Any]:
        try:
            body = await request.json() if request.can_read_body else {}
        except ValueError:
            raise validation_error("body", "must be valid JSON") from None
        data = body.get("data") if isinstance(body, dict) else None
        attributes = data.get("attributes") if isinstance(data, dict) else None
        if not isinstance(attributes, dict):
            attributes = body if isinstance(body, dict) else {}
        webhook_id = request.match_info.get("webhook_id") or _attribute(
            attributes, "webhookId"
        )
        user_id = _attribute(attributes, "userId")
        vehicle_id = _attribute(attributes, "vehicleId")
        if webhook_id not in sim.webhooks.names:
            raise not_found_error()
        if (user_id, vehicle_id) not in sim.tokens.connections:
            raise not_found_error()
        if any(
            (s.webhook_id, s.user_id, s.vehicle_id) == (webhook_id, user_id, vehicle_id)
            for s in sim.webhooks.v3_subscriptions.values()
        ):
            raise SmartcarApiError(
                error_type="VALIDATION",
                description="This vehicle is already subscribed to this webhook.",
                status_override=409,
            )
        item = Subscription(
            subscription_id=sim.new_id("subscription"),
            webhook_id=webhook_id,
            user_id=user_id,
            vehicle_id=vehicle_id,
            created_at=sim.now(),
        )
        sim.webhooks.v3_subscriptions[item.subscription_id] = item
        sim.webhooks.subscriptions.setdefault(webhook_id, set()).add(vehicle_id)
        first_delivery(sim, webhook_id, sim.fleet[vehicle_id])
        return 202, {"meta": {"message": "subscription creation in progress"}}

    return await _handle(request, "/subscriptions", work)


async def list_subscriptions(request: web.Request) -> web.StreamResponse:
    async def work(sim: Simulator) -> tuple[int, Any]:
        query = request.query
        number = page_number(query.get("page[number]"), "page[number]", 1, None)
        size = page_number(
            query.get("page[size]"), "page[size]", DEFAULT_PAGE_SIZE, 100
        )
        webhook_id = request.match_info.get("webhook_id") or query.get(
            "filter[webhookId]"
        )
        user_id = query.get("filter[userId]")
        vehicle_id = query.get("filter[vehicleId]")
        mode = query.get("filter[vehicle.mode]")
        matching = [
            s
            for s in sim.webhooks.v3_subscriptions.values()
            if (webhook_id is None or s.webhook_id == webhook_id)
            and (user_id is None or s.user_id == user_id)
            and (vehicle_id is None or s.vehicle_id == vehicle_id)
            and (mode is None or sim.connection_mode(s.vehicle_id) == mode)
        ]
        last = max(1, math.ceil(len(matching) / size))
        chosen = matching[(number - 1) * size : number * size]
        return 200, {
            "data": [_subscription(sim, s) for s in chosen],
            "meta": {
                "pageNumber": number,
                "pageSize": size,
                "totalCount": len(matching),
            },
            "links": {
                "next": None if number >= last else f"?page[number]={number + 1}",
                "prev": None if number <= 1 else f"?page[number]={number - 1}",
            },
        }

    return await _handle(request, "/subscriptions", work)


def _find(sim: Simulator, request: web.Request) -> Subscription:
    key = request.match_info["subscription_id"]
    webhook_id = request.match_info.get("webhook_id")
    for item in sim.webhooks.v3_subscriptions.values():
        if webhook_id is not None and item.webhook_id != webhook_id:
            continue
        if key in {item.subscription_id, item.vehicle_id if webhook_id else None}:
            return item
    raise not_found_error()


async def get_subscription(request: web.Request) -> web.StreamResponse:
    async def work(sim: Simulator) -> tuple[int, Any]:
        return 200, {"data": _subscription(sim, _find(sim, request))}

    return await _handle(request, "/subscriptions/{id}", work)


async def delete_subscription(request: web.Request) -> web.StreamResponse:
    async def work(sim: Simulator) -> tuple[int, Any]:
        item = _find(sim, request)
        del sim.webhooks.v3_subscriptions[item.subscription_id]
        if not any(
            (s.webhook_id, s.vehicle_id) == (item.webhook_id, item.vehicle_id)
            for s in sim.webhooks.v3_subscriptions.values()
        ):
            sim.webhooks.subscriptions.get(item.webhook_id, set()).discard(
                item.vehicle_id
            )
        return 204, None

    return await _handle(request, "/subscriptions/{id}", work)


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/v3/webhooks", list_webhooks)
    router.add_get("/v3/webhooks/{webhook_id}", get_webhook)
    router.add_post("/v3/subscriptions", create_subscription)
    router.add_get("/v3/subscriptions", list_subscriptions)
    router.add_get("/v3/subscriptions/{subscription_id}", get_subscription)
    router.add_delete("/v3/subscriptions/{subscription_id}", delete_subscription)
    router.add_post("/v3/webhooks/{webhook_id}/subscriptions", create_subscription)
    router.add_get("/v3/webhooks/{webhook_id}/subscriptions", list_subscriptions)
    router.add_delete(
        "/v3/webhooks/{webhook_id}/subscriptions/{subscription_id}",
        delete_subscription,
    )

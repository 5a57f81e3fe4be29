"""Parsers for answers about accounts, not a car's data (re-exported by `parsers`).

Response headers (`SC-*`), `/user`, vehicle attributes (v2 and v3), command answers, webhook
subscriptions, the token endpoint and connections (Management API, v3 `/connections`). Every
parser raises `ShapeError` when the body does not have the documented shape.
"""

from collections.abc import Mapping

from . import _json as j
from .models import (
    EMPTY_META,
    CommandResult,
    Connection,
    ResponseMeta,
    Token,
    User,
    VehicleAttributes,
    WebhookSubscription,
)

type JsonObject = j.JsonObject


# --- Response metadata --------------------------------------------------------------------------


def meta_from_headers(headers: Mapping[str, str] | None) -> ResponseMeta:
    """SC-Data-Age, SC-Fetched-At, SC-Unit-System and SC-Request-Id (names in any case).

    Unreadable times are dropped rather than failing an otherwise good answer.
    """
    if not headers:
        return EMPTY_META
    lowered = {key.lower(): value for key, value in headers.items()}
    return ResponseMeta(
        data_age=j.parse_timestamp(lowered.get("sc-data-age")),
        fetched_at=j.parse_timestamp(lowered.get("sc-fetched-at")),
        unit_system=lowered.get("sc-unit-system") or None,
        request_id=lowered.get("sc-request-id") or None,
    )


# --- Account level ------------------------------------------------------------------------------


def parse_user(body: JsonObject, meta: ResponseMeta) -> User:
    """GET /user."""
    return User(id=j.req_str(body, "id"), meta=meta)


def parse_vehicle_attributes(body: JsonObject, meta: ResponseMeta) -> VehicleAttributes:
    """GET /vehicles/{id} (v2: flat) or the v3 vehicle resource (`attributes`, maybe in `data`).

    v3 adds `powertrainType` and `mode` [S18]; the pre-launch SDK fixture sends `year` as text.
    """
    resource = j.opt_object(body, "data") or body
    attributes = j.opt_object(resource, "attributes") or resource
    return VehicleAttributes(
        id=j.req_str(resource, "id"),
        make=j.opt_str(attributes, "make"),
        model=j.opt_str(attributes, "model"),
        year=_year(attributes),
        meta=meta,
        powertrain_type=j.opt_str(attributes, "powertrainType"),
        mode=j.opt_str(attributes, "mode"),
    )


def _year(obj: JsonObject) -> int | None:
    """`year` as a number or as digits (`"2021"` in the Java SDK's v3 fixtures)."""
    value = obj.get("year")
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return j.opt_int(obj, "year")


def parse_command(body: JsonObject, meta: ResponseMeta) -> CommandResult:
    """Parse a command's answer `{status, message}`."""
    return CommandResult(
        status=j.req_str(body, "status"), message=j.opt_str(body, "message"), meta=meta
    )


def parse_webhook_subscription(
    body: JsonObject, meta: ResponseMeta
) -> WebhookSubscription:
    """POST /vehicles/{id}/webhooks/{webhookId}."""
    return WebhookSubscription(
        webhook_id=j.req_str(body, "webhookId"),
        vehicle_id=j.req_str(body, "vehicleId"),
        meta=meta,
    )


def parse_token(body: JsonObject) -> Token:
    """Parse the token endpoint's answer."""
    expires_in = j.opt_int(body, "expires_in")
    if expires_in is None:
        raise j.ShapeError("expires_in: a number is required")
    return Token(
        access_token=j.req_str(body, "access_token"),
        token_type=j.opt_str(body, "token_type") or "Bearer",
        expires_in=expires_in,
        refresh_token=j.req_str(body, "refresh_token"),
    )


def parse_connection(item: object) -> Connection:
    """One Management API connection."""
    obj = j.as_object(item, "connections[]")
    return Connection(
        user_id=j.req_str(obj, "userId"),
        vehicle_id=j.req_str(obj, "vehicleId"),
        connected_at=j.opt_datetime(obj, "connectedAt"),
        mode=j.opt_str(obj, "mode"),
    )


def parse_connection_v3(item: object) -> Connection:
    """One v3 connection resource (`GET /v3/connections[/{id}]`, SMARTCAR_V3.md §3.1).

    The user is `relationships.user.data.id` [S17] (the 3P capture also has `attributes.user.id`
    [T4]); the vehicle `relationships.vehicle.data.id`; connected at `meta.createdAt`.
    """
    obj = j.as_object(item, "data[]")
    attributes = j.opt_object(obj, "attributes") or {}
    relationships = j.opt_object(obj, "relationships") or {}
    vehicle = j.opt_object(attributes, "vehicle") or {}
    meta = j.opt_object(obj, "meta") or {}
    user_id = _related_id(relationships, "user") or _nested_id(attributes, "user")
    vehicle_id = _related_id(relationships, "vehicle") or _nested_id(
        attributes, "vehicle"
    )
    if user_id is None or vehicle_id is None:
        raise j.ShapeError("connection: a user id and a vehicle id are required")
    return Connection(
        user_id=user_id,
        vehicle_id=vehicle_id,
        connected_at=j.opt_datetime(meta, "createdAt"),
        mode=j.opt_str(vehicle, "mode"),
        connection_id=j.opt_id(obj, "id"),
        permissions=tuple(
            j.as_str(value, "permissions[]")
            for value in j.opt_list(attributes, "permissions") or ()
        ),
        make=j.opt_str(vehicle, "make"),
        model=j.opt_str(vehicle, "model"),
        year=_year(vehicle),
        powertrain_type=j.opt_str(vehicle, "powertrainType"),
        updated_at=j.opt_datetime(meta, "updatedAt"),
    )


def _related_id(relationships: JsonObject, name: str) -> str | None:
    relation = j.opt_object(relationships, name)
    data = j.opt_object(relation, "data") if relation else None
    return j.opt_id(data, "id") if data else None


def _nested_id(attributes: JsonObject, name: str) -> str | None:
    nested = j.opt_object(attributes, name)
    return j.opt_id(nested, "id") if nested else None

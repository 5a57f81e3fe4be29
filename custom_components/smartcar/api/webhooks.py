"""Smartcar webhooks without I/O: the verify challenge, the signature check and payload parsing.

Order of work for a delivery: `verify_signature` on the raw bytes first, then `parse_webhook`, then
answer a `VerifyEvent` with `{"challenge": challenge_response(...)}`. v4 envelopes (`eventType`
VERIFY, VEHICLE_STATE, VEHICLE_ERROR) read their signals through the same table as v3
(`signals.SIGNALS`); v2 envelopes (`eventName` verify, scheduled, eventBased) read their per-path
data through the same readers as `/batch` (`parsers.PATH_READERS`).

Malformed deliveries raise `WebhookPayloadError` (a `SmartcarError` and a `ValueError`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
import hashlib
import hmac

from . import _json as j
from .errors import (
    SmartcarError,
    SmartcarInvalidInputError,
    WebhookPayloadError,
    error_from_body,
)
from .models import Fact, ResponseMeta, VehicleAttributes, VehicleState
from .parsers import parse_vehicle_attributes, read_path_responses
from .signals import parse_signals

type JsonObject = j.JsonObject

# Limits of a delivery: far above what Smartcar sends, far below what could hurt.
MAX_WEBHOOK_BODY = 1024 * 1024
MAX_WEBHOOK_DEPTH = 32


def _signature(management_token: str, message: bytes) -> str:
    return hmac.new(management_token.encode(), message, hashlib.sha256).hexdigest()


def challenge_response(management_token: str, challenge: str) -> str:
    """Hex HMAC-SHA256 of the challenge keyed by the application management token."""
    if not isinstance(management_token, str) or not management_token:
        raise SmartcarInvalidInputError("management_token must be a non-empty string")
    return _signature(management_token, challenge.encode())


def verify_signature(
    management_token: str, raw_body: bytes, signature: str | None
) -> bool:
    """Check `SC-Signature` against the raw body in constant time; missing or empty is False."""
    if not management_token or not signature:
        return False
    expected = _signature(management_token, raw_body)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


# --- Events -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyEvent:
    """Smartcar checks the callback URL: answer 200 `{"challenge": challenge_response(...)}`."""

    challenge: str
    version: str
    event_id: str | None = None
    webhook_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VehicleStateEvent:
    """New data for one car (v4 VEHICLE_STATE, or one car of a v2 scheduled delivery).

    `errors` maps signal codes (v4) or paths (v2) that failed to their `SmartcarError`.
    `event_id` is the v4 `eventId` or the v2 `requestId`: de-duplicate on it (delivered at least
    once).
    """

    event_id: str | None
    vehicle_id: str
    state: VehicleState
    version: str
    errors: Mapping[str, Exception]
    webhook_id: str | None = None
    user_id: str | None = None
    vehicle: VehicleAttributes | None = None
    triggers: tuple[str, ...] = ()
    delivered_at: datetime | None = None
    mode: str | None = None
    # What each signal (v4) or path (v2) of the delivery says, with its own data age.
    facts: tuple[Fact, ...] = ()
    # Trigger types (`SIGNAL_UPDATED`, `FIRST_DELIVERY`, ...), in delivery order.
    trigger_types: tuple[str, ...] = ()
    user_external_id: str | None = None

    @property
    def is_test(self) -> bool:
        """True for the Dashboard's "test webhook" deliveries (`meta.mode: TEST`)."""
        return (self.mode or "").upper() == "TEST"

    @property
    def is_first_delivery(self) -> bool:
        """True for the first delivery after the car was subscribed (`FIRST_DELIVERY`)."""
        return "FIRST_DELIVERY" in self.trigger_types


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookVehicleError:
    """One error of a VEHICLE_ERROR event, with the signals it affects."""

    error: SmartcarError
    state: str | None = None  # ERROR, or RESOLVED when the condition has cleared
    signal_codes: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        """True when Smartcar reports the condition as resolved."""
        return self.state == "RESOLVED"


@dataclass(frozen=True, slots=True, kw_only=True)
class VehicleErrorEvent:
    """Smartcar could not get (some) data for one car, or reports such a condition resolved."""

    event_id: str | None
    vehicle_id: str
    errors: tuple[WebhookVehicleError, ...]
    version: str
    webhook_id: str | None = None
    user_id: str | None = None
    delivered_at: datetime | None = None
    mode: str | None = None

    @property
    def is_test(self) -> bool:
        """True for the Dashboard's "test webhook" deliveries (`meta.mode: TEST`)."""
        return (self.mode or "").upper() == "TEST"


@dataclass(frozen=True, slots=True, kw_only=True)
class VehiclesEvent:
    """A v2 delivery (`scheduled`, `eventBased`): data for several cars at once."""

    event_name: str
    vehicles: tuple[VehicleStateEvent, ...]
    version: str
    webhook_id: str | None = None
    mode: str | None = None


type WebhookEvent = VerifyEvent | VehicleStateEvent | VehicleErrorEvent | VehiclesEvent


def vehicle_events(
    event: WebhookEvent,
) -> tuple[VehicleStateEvent | VehicleErrorEvent, ...]:
    """Flatten any event into its per-car events (none for a verify challenge)."""
    match event:
        case VerifyEvent():
            return ()
        case VehiclesEvent():
            return event.vehicles
        case _:
            return (event,)


# --- Parsing ------------------------------------------------------------------------------------


def parse_webhook(raw_body: bytes) -> WebhookEvent:
    """Parse a delivery's raw bytes (verify the signature first) into a typed event.

    Bodies larger than `MAX_WEBHOOK_BODY` or nested deeper than `MAX_WEBHOOK_DEPTH` are
    refused before they are decoded; Smartcar's deliveries are a few kilobytes, six levels deep.
    """
    if len(raw_body) > MAX_WEBHOOK_BODY:
        raise WebhookPayloadError(f"body larger than {MAX_WEBHOOK_BODY} bytes")
    try:
        envelope = j.as_object(
            j.loads(raw_body, max_depth=MAX_WEBHOOK_DEPTH), "webhook"
        )
        if "eventType" in envelope:
            return _parse_v4(envelope)
        if "eventName" in envelope:
            return _parse_v2(envelope)
    except j.ShapeError as err:
        raise WebhookPayloadError(f"malformed Smartcar webhook: {err}") from err
    raise WebhookPayloadError(
        "not a Smartcar webhook: neither eventType (v4) nor eventName (v2)"
    )


def _parse_v4(envelope: JsonObject) -> WebhookEvent:
    event_type = j.req_str(envelope, "eventType")
    event_id = j.opt_str(envelope, "eventId")
    meta = j.opt_object(envelope, "meta") or {}
    version = j.scalar_text(meta.get("version")) or "4.0"
    webhook_id = j.opt_str(meta, "webhookId")
    data = j.as_object(envelope.get("data"), "data")
    if event_type == "VERIFY":
        return VerifyEvent(
            challenge=j.req_str(data, "challenge"),
            version=version,
            event_id=event_id,
            webhook_id=webhook_id,
        )
    if event_type not in {"VEHICLE_STATE", "VEHICLE_ERROR"}:
        raise j.ShapeError(f"eventType {event_type!r} is not one this client knows")
    vehicle = j.opt_object(data, "vehicle")
    vehicle_id = (j.opt_str(vehicle, "id") if vehicle else None) or j.req_str(
        envelope, "vehicleId"
    )
    user = j.opt_object(data, "user")
    user_id = j.opt_str(user, "id") if user else None
    delivered_at = j.parse_timestamp(meta.get("deliveredAt"))
    mode = j.opt_str(meta, "mode")
    if event_type == "VEHICLE_ERROR":
        return VehicleErrorEvent(
            event_id=event_id,
            vehicle_id=vehicle_id,
            errors=_vehicle_errors(data),
            version=version,
            webhook_id=webhook_id,
            user_id=user_id,
            delivered_at=delivered_at,
            mode=mode,
        )
    result = parse_signals(j.opt_list(data, "signals") or ())
    # Every Smartcar example puts `triggers` beside `data`; a 3P prose example inside it.
    triggers = j.opt_list(envelope, "triggers") or j.opt_list(data, "triggers") or ()
    state = result.state
    vin = j.opt_str(vehicle, "vin") if vehicle else None
    if vin and state.vin is None:
        state = replace(state, vin=vin)
    return VehicleStateEvent(
        event_id=event_id,
        vehicle_id=vehicle_id,
        state=state,
        version=version,
        errors=result.errors,
        facts=result.facts,
        webhook_id=webhook_id,
        user_id=user_id,
        vehicle=(
            parse_vehicle_attributes(vehicle, ResponseMeta())
            if vehicle and "id" in vehicle
            else None
        ),
        triggers=_trigger_codes(triggers),
        trigger_types=_trigger_types(triggers),
        delivered_at=delivered_at,
        mode=mode,
        user_external_id=j.opt_str(user, "externalId") if user else None,
    )


def _trigger_codes(triggers: Sequence[object]) -> tuple[str, ...]:
    """Codes of the signals whose change caused the delivery, in any documented shape.

    `{type, signal: {code}}` [S21], `{code, name, group}` [S22] and
    `{type, signal: {name, code, group}}` [T4].
    """
    codes: list[str] = []
    for item in triggers:
        trigger = j.as_object(item, "triggers[]")
        signal = j.opt_object(trigger, "signal")
        code = j.opt_str(signal, "code") if signal is not None else None
        if code := code or j.opt_str(trigger, "code"):
            codes.append(code)
    return tuple(codes)


def _trigger_types(triggers: Sequence[object]) -> tuple[str, ...]:
    """`type` of each trigger (`SIGNAL_UPDATED`, `FIRST_DELIVERY`), once each, in order."""
    types: dict[str, None] = {}
    for item in triggers:
        if isinstance(item, Mapping) and (kind := j.opt_str(item, "type")):
            types[kind] = None
    return tuple(types)


def _vehicle_errors(data: JsonObject) -> tuple[WebhookVehicleError, ...]:
    """`data.errors[]` (or one `data.error`), plus any signal delivered with an ERROR status."""
    items = list(j.opt_list(data, "errors") or ())
    if (single := j.opt_object(data, "error")) is not None:
        items.append(single)
    errors: list[WebhookVehicleError] = []
    for item in items:
        obj = j.as_object(item, "errors[]")
        errors.append(
            WebhookVehicleError(
                error=error_from_body(obj),
                state=j.opt_str(obj, "state"),
                signal_codes=_signal_codes(j.opt_list(obj, "signals") or ()),
            )
        )
    failed = parse_signals(j.opt_list(data, "signals") or ()).errors
    errors.extend(
        WebhookVehicleError(error=error, state="ERROR", signal_codes=(code,))
        for code, error in failed.items()
        if isinstance(error, SmartcarError)
    )
    if not errors:
        raise j.ShapeError("VEHICLE_ERROR carries no error")
    return tuple(errors)


def _signal_codes(signals: Sequence[object]) -> tuple[str, ...]:
    """Signal codes given as strings or as `{code, name, group}` objects."""
    codes: list[str] = []
    for item in signals:
        if isinstance(item, str):
            codes.append(item)
        else:
            codes.append(j.req_str(j.as_object(item, "signals[]"), "code"))
    return tuple(codes)


def _parse_v2(envelope: JsonObject) -> WebhookEvent:
    event_name = j.req_str(envelope, "eventName")
    version = j.scalar_text(envelope.get("version")) or "2.0"
    webhook_id = j.opt_str(envelope, "webhookId")
    mode = j.opt_str(envelope, "mode")
    payload = j.as_object(envelope.get("payload"), "payload")
    if event_name == "verify":
        return VerifyEvent(
            challenge=j.req_str(payload, "challenge"),
            version=version,
            webhook_id=webhook_id,
        )
    vehicles = j.opt_list(payload, "vehicles")
    # Older event-based deliveries carry one car directly in `payload`.
    items = vehicles if vehicles is not None else (payload,)
    return VehiclesEvent(
        event_name=event_name,
        vehicles=tuple(_v2_vehicle(item, version, webhook_id, mode) for item in items),
        version=version,
        webhook_id=webhook_id,
        mode=mode,
    )


def _v2_vehicle(
    item: object, version: str, webhook_id: str | None, mode: str | None
) -> VehicleStateEvent:
    """One car of a v2 delivery: `{vehicleId, requestId, data: [{path, code, body, headers}]}`."""
    obj = j.as_object(item, "vehicles[]")
    request_id = j.opt_str(obj, "requestId")
    result = read_path_responses(
        j.opt_list(obj, "data") or (), ResponseMeta(request_id=request_id)
    )
    return VehicleStateEvent(
        event_id=request_id or j.opt_str(obj, "eventId"),
        vehicle_id=j.req_str(obj, "vehicleId"),
        state=result.state,
        version=version,
        errors=result.errors,
        facts=result.facts,
        webhook_id=webhook_id,
        mode=mode,
    )


__all__ = [
    "VehicleErrorEvent",
    "VehicleStateEvent",
    "VehiclesEvent",
    "VerifyEvent",
    "WebhookEvent",
    "WebhookPayloadError",
    "WebhookVehicleError",
    "challenge_response",
    "parse_webhook",
    "vehicle_events",
    "verify_signature",
]

"""Webhooks without I/O: challenge, signature (vectors computed here with hmac), payload parsing."""

from datetime import UTC, datetime
import hashlib
import hmac
import json
from typing import Any

import pytest

from custom_components.smartcar.api import (
    NotCapableError,
    SmartcarError,
    SmartcarInvalidInputError,
    SmartcarPermissionError,
    VehicleErrorEvent,
    VehiclesEvent,
    VehicleState,
    VehicleStateError,
    VehicleStateEvent,
    VerifyEvent,
    WebhookPayloadError,
    challenge_response,
    parse_webhook,
    vehicle_events,
    verify_signature,
)
from custom_components.smartcar.api.models import ChargeState, VehicleAttributes

MANAGEMENT_TOKEN = "e5a8f3c2-application-management-token"
WEBHOOK_ID = "5a8e5e38-1e12-4011-a36d-56f120053f9e"
VEHICLE_ID = "123e4567-e89b-12d3-a456-426614174000"


def hex_hmac(key: str, message: bytes) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def raw(payload: Any) -> bytes:
    return json.dumps(payload).encode()


# --- Challenge and signature ----------------------------------------------------------------------


def test_challenge_response_is_hex_hmac_sha256_keyed_by_management_token() -> None:
    expected = hex_hmac(MANAGEMENT_TOKEN, b"4f7c3b2a-random-challenge")

    assert challenge_response(MANAGEMENT_TOKEN, "4f7c3b2a-random-challenge") == expected
    # A fixed vector, independent of any code: HMAC-SHA256(key="key", msg="The quick brown fox...").
    assert challenge_response("key", "The quick brown fox jumps over the lazy dog") == (
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )


def test_challenge_response_refuses_an_empty_management_token() -> None:
    with pytest.raises(SmartcarInvalidInputError):
        challenge_response("", "challenge")


def test_signature_of_the_raw_body_is_accepted() -> None:
    body = b'{"eventId":"1","eventType":"VEHICLE_STATE"}'
    signature = hex_hmac(MANAGEMENT_TOKEN, body)

    assert verify_signature(MANAGEMENT_TOKEN, body, signature) is True
    assert verify_signature(MANAGEMENT_TOKEN, body, signature.upper()) is True
    assert verify_signature(MANAGEMENT_TOKEN, body, f" {signature}\n") is True


@pytest.mark.parametrize(
    ("body", "signature"),
    [
        (b'{"eventId":"1"}', hex_hmac(MANAGEMENT_TOKEN, b'{"eventId":"2"}')),
        (b'{"eventId":"1"}', hex_hmac("another-token", b'{"eventId":"1"}')),
        (b'{"eventId":"1"}', hex_hmac(MANAGEMENT_TOKEN, b'{"eventId": "1"}')),
        (b'{"eventId":"1"}', hex_hmac(MANAGEMENT_TOKEN, b'{"eventId":"1"}')[:-1]),
        (b'{"eventId":"1"}', "zz" * 32),
        (b'{"eventId":"1"}', "é" * 64),
        (b'{"eventId":"1"}', ""),
        (b'{"eventId":"1"}', None),
    ],
    ids=[
        "other-body",
        "other-key",
        "reformatted-body",
        "truncated",
        "not-hex",
        "non-ascii",
        "empty",
        "missing",
    ],
)
def test_forged_or_missing_signatures_are_rejected(
    body: bytes, signature: str | None
) -> None:
    assert verify_signature(MANAGEMENT_TOKEN, body, signature) is False


def test_without_a_management_token_nothing_verifies() -> None:
    body = b"{}"

    assert verify_signature("", body, hex_hmac("", body)) is False


# --- v4 payloads ----------------------------------------------------------------------------------


def test_v4_verify_event_carries_the_challenge() -> None:
    event = parse_webhook(
        raw(
            {
                "eventId": "52f6e0bb-1369-45da-a61c-9e67d092d6db",
                "eventType": "VERIFY",
                "data": {"challenge": "random-string"},
                "meta": {
                    "version": "4.0",
                    "webhookId": WEBHOOK_ID,
                    "webhookName": "Example Webhook",
                    "deliveryId": "5d569643-3a47-4cd1-a3ec-db5fc1f6f03b",
                    "deliveredAt": "2025-07-31T19:38:42.332Z",
                },
            }
        )
    )

    assert event == VerifyEvent(
        challenge="random-string",
        version="4.0",
        event_id="52f6e0bb-1369-45da-a61c-9e67d092d6db",
        webhook_id=WEBHOOK_ID,
    )
    assert vehicle_events(event) == ()


V4_STATE = {
    "eventId": "5a537912-9ad3-424b-ba33-65a1704567e9",
    "eventType": "VEHICLE_STATE",
    "data": {
        "user": {"id": "93b3ea96-ca37-43a9-9073-f4334712dbc7"},
        "vehicle": {
            "id": VEHICLE_ID,
            "make": "Test Make",
            "model": "Test Model",
            "year": 2020,
            "vin": "1HGCM82633A123456",
        },
        "signals": [
            {
                "code": "location-preciselocation",
                "name": "PreciseLocation",
                "group": "Location",
                "body": {"latitude": 37.7749, "longitude": -122.4194},
                "status": {"value": "SUCCESS"},
                "meta": {"retrievedAt": 1758668712404, "oemUpdatedAt": 1758668712404},
            },
            {
                "code": "location-isathome",
                "name": "IsAtHome",
                "group": "Location",
                "status": {
                    "error": {"code": "VEHICLE_NOT_CAPABLE", "type": "COMPATIBILITY"},
                    "value": "ERROR",
                },
            },
            {
                "code": "tractionbattery-stateofcharge",
                "name": "StateOfCharge",
                "group": "TractionBattery",
                "body": {"unit": "percent", "value": 75},
                "status": {"value": "SUCCESS"},
                "meta": {"retrievedAt": 1758668712404, "oemUpdatedAt": 1758668700000},
            },
        ],
    },
    "triggers": [
        {
            "type": "SIGNAL_UPDATED",
            "signal": {
                "name": "StateOfCharge",
                "group": "TractionBattery",
                "code": "tractionbattery-stateofcharge",
            },
        },
        {"type": "SCHEDULED"},
    ],
    "meta": {
        "version": "4.0",
        "deliveryId": "48b25f8f-9fea-42e1-9085-81043682cbb8",
        "deliveredAt": 1761896351529,
        "webhookId": WEBHOOK_ID,
        "webhookName": "My First Webhook",
        "signalCount": 3,
        "mode": "LIVE",
    },
}


def test_v4_vehicle_state_goes_through_the_signal_table() -> None:
    event = parse_webhook(raw(V4_STATE))

    assert isinstance(event, VehicleStateEvent)
    assert event.event_id == "5a537912-9ad3-424b-ba33-65a1704567e9"
    assert event.vehicle_id == VEHICLE_ID
    assert event.user_id == "93b3ea96-ca37-43a9-9073-f4334712dbc7"
    assert event.webhook_id == WEBHOOK_ID
    assert event.version == "4.0"
    assert event.mode == "LIVE"
    assert event.delivered_at == datetime(2025, 10, 31, 7, 39, 11, 529000, tzinfo=UTC)
    assert event.triggers == ("tractionbattery-stateofcharge",)
    assert event.vehicle == VehicleAttributes(
        id=VEHICLE_ID, make="Test Make", model="Test Model", year=2020
    )
    assert event.state == VehicleState(
        latitude=37.7749,
        longitude=-122.4194,
        battery_percent=75.0,
        vin="1HGCM82633A123456",
        data_age=datetime(2025, 9, 23, 23, 5, 12, 404000, tzinfo=UTC),
    )
    assert list(event.errors) == ["location-isathome"]
    assert isinstance(event.errors["location-isathome"], NotCapableError)
    assert vehicle_events(event) == (event,)


def test_v4_vehicle_state_with_the_older_percentage_body_and_no_vehicle_object() -> (
    None
):
    event = parse_webhook(
        raw(
            {
                "eventId": "1234567890",
                "eventType": "VEHICLE_STATE",
                "vehicleId": VEHICLE_ID,
                "data": {
                    "signals": [
                        {
                            "code": "tractionbattery-stateofcharge",
                            "name": "StateOfCharge",
                            "group": "TractionBattery",
                            "body": {"percentage": 75},
                        }
                    ],
                    "triggers": [
                        {
                            "type": "SIGNAL_UPDATED",
                            "signal": {"code": "charge-ischarging"},
                        }
                    ],
                },
                "meta": {"version": "3.0", "deliveredAt": "not a time"},
            }
        )
    )

    assert isinstance(event, VehicleStateEvent)
    assert event.vehicle_id == VEHICLE_ID
    assert event.vehicle is None
    assert event.state == VehicleState(battery_percent=75.0)
    assert (event.version, event.delivered_at) == ("3.0", None)
    assert event.triggers == ("charge-ischarging",)


def test_v4_vehicle_error_lists_each_error_with_its_signals_and_state() -> None:
    event = parse_webhook(
        raw(
            {
                "eventId": "9b2f3c1e-error",
                "eventType": "VEHICLE_ERROR",
                "data": {
                    "user": {"id": "user-1"},
                    "vehicle": {
                        "id": VEHICLE_ID,
                        "make": "TESLA",
                        "model": "Model 3",
                        "year": 2021,
                    },
                    "errors": [
                        {
                            "type": "VEHICLE_STATE",
                            "code": "ASLEEP",
                            "state": "ERROR",
                            "description": "The vehicle is asleep.",
                            "suggestedUserMessage": "Wake your car up.",
                            "signals": [
                                {
                                    "code": "odometer-traveleddistance",
                                    "name": "TraveledDistance",
                                },
                                "location-preciselocation",
                            ],
                        },
                        {
                            "type": "PERMISSION",
                            "code": None,
                            "state": "RESOLVED",
                            "resolution": {"type": "REAUTHENTICATE"},
                        },
                    ],
                },
                "meta": {"version": "4.0", "webhookId": WEBHOOK_ID, "mode": "TEST"},
            }
        )
    )

    assert isinstance(event, VehicleErrorEvent)
    assert (event.event_id, event.vehicle_id, event.user_id) == (
        "9b2f3c1e-error",
        VEHICLE_ID,
        "user-1",
    )
    assert (event.webhook_id, event.mode) == (WEBHOOK_ID, "TEST")
    asleep, permission = event.errors
    assert isinstance(asleep.error, VehicleStateError)
    assert asleep.error.is_transient
    assert asleep.error.suggested_user_message == "Wake your car up."
    assert asleep.signal_codes == (
        "odometer-traveleddistance",
        "location-preciselocation",
    )
    assert asleep.resolved is False
    assert isinstance(permission.error, SmartcarPermissionError)
    assert permission.resolved is True
    assert vehicle_events(event) == (event,)


def test_v4_vehicle_error_as_one_error_or_as_failed_signals() -> None:
    event = parse_webhook(
        raw(
            {
                "eventType": "VEHICLE_ERROR",
                "vehicleId": VEHICLE_ID,
                "data": {
                    "error": {"type": "COMPATIBILITY", "code": "MAKE_NOT_COMPATIBLE"},
                    "signals": [
                        {
                            "code": "closure-islocked",
                            "status": {
                                "value": "ERROR",
                                "error": {"type": "UPSTREAM", "code": "NO_RESPONSE"},
                            },
                        }
                    ],
                },
            }
        )
    )

    assert isinstance(event, VehicleErrorEvent)
    assert event.event_id is None
    assert [
        (e.error.type, e.error.code, e.state, e.signal_codes) for e in event.errors
    ] == [
        ("COMPATIBILITY", "MAKE_NOT_COMPATIBLE", None, ()),
        ("UPSTREAM", "NO_RESPONSE", "ERROR", ("closure-islocked",)),
    ]
    assert event.version == "4.0"


# --- v2 payloads ----------------------------------------------------------------------------------


def test_v2_verify_event_carries_the_challenge() -> None:
    event = parse_webhook(
        raw(
            {
                "version": "2.0",
                "webhookId": WEBHOOK_ID,
                "eventName": "verify",
                "payload": {"challenge": "random-string"},
            }
        )
    )

    assert event == VerifyEvent(
        challenge="random-string", version="2.0", webhook_id=WEBHOOK_ID
    )


def test_v2_scheduled_payload_goes_through_the_batch_readers() -> None:
    event = parse_webhook(
        raw(
            {
                "version": "2.0",
                "webhookId": WEBHOOK_ID,
                "eventName": "scheduled",
                "mode": "live",
                "payload": {
                    "vehicles": [
                        {
                            "vehicleId": VEHICLE_ID,
                            "requestId": "f3a1c2b4-request",
                            "data": [
                                {
                                    "path": "/battery",
                                    "code": 200,
                                    "body": {"percentRemaining": 0.63, "range": 320.5},
                                    "headers": {
                                        "sc-data-age": "2024-06-01T12:00:00.000Z"
                                    },
                                },
                                {
                                    "path": "/charge",
                                    "code": 200,
                                    "body": {
                                        "isPluggedIn": True,
                                        "state": "NOT_CHARGING",
                                    },
                                    "headers": {
                                        "sc-data-age": "2024-06-01T11:00:00.000Z"
                                    },
                                },
                                {
                                    "path": "/location",
                                    "code": 409,
                                    "body": {
                                        "type": "VEHICLE_STATE",
                                        "code": "UNREACHABLE",
                                        "description": "The vehicle is unreachable.",
                                    },
                                    "headers": {},
                                },
                            ],
                        },
                        {"vehicleId": "second-vehicle", "requestId": "r2", "data": []},
                    ]
                },
            }
        )
    )

    assert isinstance(event, VehiclesEvent)
    assert (event.event_name, event.webhook_id, event.mode, event.version) == (
        "scheduled",
        WEBHOOK_ID,
        "live",
        "2.0",
    )
    first, second = event.vehicles
    assert (first.vehicle_id, first.event_id) == (VEHICLE_ID, "f3a1c2b4-request")
    assert first.state == VehicleState(
        battery_percent=63.0,
        battery_range_km=320.5,
        is_plugged_in=True,
        charge_state=ChargeState.NOT_CHARGING,
        is_charging=False,
        data_age=datetime(2024, 6, 1, 12, tzinfo=UTC),
    )
    unreachable = first.errors["/location"]
    assert isinstance(unreachable, VehicleStateError)
    assert unreachable.request_id == "f3a1c2b4-request"
    assert (second.vehicle_id, second.state, second.errors) == (
        "second-vehicle",
        VehicleState(),
        {},
    )
    assert vehicle_events(event) == (first, second)


def test_v2_event_based_payload_with_one_car_in_the_payload() -> None:
    event = parse_webhook(
        raw(
            {
                "version": "2.0",
                "webhookId": WEBHOOK_ID,
                "eventName": "eventBased",
                "payload": {
                    "vehicleId": VEHICLE_ID,
                    "eventId": "charge-complete-1",
                    "data": [
                        {
                            "path": "/battery",
                            "code": 200,
                            "body": {"percentRemaining": 1},
                        }
                    ],
                },
            }
        )
    )

    assert isinstance(event, VehiclesEvent)
    (only,) = event.vehicles
    assert (only.event_id, only.vehicle_id) == ("charge-complete-1", VEHICLE_ID)
    assert only.state == VehicleState(battery_percent=100.0)


# --- Malformed payloads ---------------------------------------------------------------------------


def _deep(levels: int) -> Any:
    """A JSON value nested `levels` deep."""
    value: Any = 0
    for _ in range(levels):
        value = [value]
    return value


MALFORMED: list[tuple[str, bytes]] = [
    ("not-json", b"<html>hello</html>"),
    ("not-utf8", b"\xff\xfe{"),
    ("empty", b""),
    ("array", b"[]"),
    ("no-envelope", raw({"hello": "world"})),
    ("unknown-v4-type", raw({"eventType": "VEHICLE_DELETED", "data": {}})),
    ("v4-data-missing", raw({"eventType": "VERIFY"})),
    ("v4-challenge-missing", raw({"eventType": "VERIFY", "data": {}})),
    ("v4-challenge-number", raw({"eventType": "VERIFY", "data": {"challenge": 5}})),
    ("v4-type-number", raw({"eventType": 4, "data": {}})),
    (
        "v4-state-no-vehicle",
        raw({"eventType": "VEHICLE_STATE", "data": {"signals": []}}),
    ),
    (
        "v4-signals-object",
        raw({"eventType": "VEHICLE_STATE", "vehicleId": "v", "data": {"signals": {}}}),
    ),
    (
        "v4-signal-without-code",
        raw(
            {
                "eventType": "VEHICLE_STATE",
                "vehicleId": "v",
                "data": {"signals": [{"body": {}}]},
            }
        ),
    ),
    (
        "v4-trigger-text",
        raw(
            {
                "eventType": "VEHICLE_STATE",
                "vehicleId": "v",
                "data": {},
                "triggers": ["x"],
            }
        ),
    ),
    (
        "v4-error-empty",
        raw({"eventType": "VEHICLE_ERROR", "vehicleId": "v", "data": {}}),
    ),
    (
        "v4-error-item-text",
        raw(
            {
                "eventType": "VEHICLE_ERROR",
                "vehicleId": "v",
                "data": {"errors": ["bad"]},
            }
        ),
    ),
    (
        "v4-error-signal-number",
        raw(
            {
                "eventType": "VEHICLE_ERROR",
                "vehicleId": "v",
                "data": {"errors": [{"type": "SERVER", "signals": [7]}]},
            }
        ),
    ),
    ("v2-payload-missing", raw({"eventName": "scheduled", "version": "2.0"})),
    ("v2-challenge-missing", raw({"eventName": "verify", "payload": {}})),
    (
        "v2-vehicle-without-id",
        raw({"eventName": "scheduled", "payload": {"vehicles": [{"data": []}]}}),
    ),
    ("nested-200000-deep", b"[" * 200_000 + b"]" * 200_000),
    (
        "nested-33-deep-inside-data",
        raw({"eventType": "VEHICLE_STATE", "data": _deep(33)}),
    ),
    ("larger-than-a-megabyte", b" " * (1024 * 1024) + b"{}"),
    (
        "v2-data-item-without-path",
        raw(
            {
                "eventName": "scheduled",
                "payload": {"vehicles": [{"vehicleId": "v", "data": [{}]}]},
            }
        ),
    ),
]


@pytest.mark.parametrize(
    "body", [row[1] for row in MALFORMED], ids=[row[0] for row in MALFORMED]
)
def test_malformed_payload_raises_webhook_payload_error(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError) as caught:
        parse_webhook(body)

    assert isinstance(caught.value, SmartcarError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.description


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    body = {
        "eventType": "VERIFY",
        "eventId": "e1",
        "meta": {"version": "4.0"},
        "data": {"challenge": "[" * 100 + '\\"{' * 50},
    }

    event = parse_webhook(raw(body))

    assert isinstance(event, VerifyEvent)
    assert event.challenge.startswith("[[[")

"""v4 webhook deliveries: the shared examples parse to the values they state, every variant."""

from datetime import UTC, datetime
import hashlib
import hmac
import json
from typing import Any

from custom_components.smartcar.api import (
    NotCapableError,
    VehicleErrorEvent,
    VehicleStateEvent,
    VerifyEvent,
    challenge_response,
    parse_webhook,
    verify_signature,
)

from .examples import example, example_bytes

MANAGEMENT_TOKEN = "amt-0d5c1f"


def state_event(body: Any) -> VehicleStateEvent:
    event = parse_webhook(json.dumps(body).encode())
    assert isinstance(event, VehicleStateEvent)
    return event


def test_verify_v4_docs_example_s23_and_its_challenge_answer() -> None:
    event = parse_webhook(example_bytes("webhook-verify-v4-docs.json"))

    assert event == VerifyEvent(
        challenge="<random-string>",
        version="4.0",
        event_id="52f6e0bb-1369-45da-a61c-9e67d092d6db",
        webhook_id="5a8e5e38-1e12-4011-a36d-56f120053f9e",
    )
    assert (
        challenge_response(MANAGEMENT_TOKEN, event.challenge)
        == hmac.new(
            MANAGEMENT_TOKEN.encode(), b"<random-string>", hashlib.sha256
        ).hexdigest()
    )


def test_signature_of_an_example_delivery_s24_is_checked_on_its_raw_bytes() -> None:
    raw = example_bytes("webhook-vehicle-state-dashboard-sample-trooperthorn.json")
    signature = hmac.new(MANAGEMENT_TOKEN.encode(), raw, hashlib.sha256).hexdigest()

    assert verify_signature(MANAGEMENT_TOKEN, raw, signature)
    assert not verify_signature(MANAGEMENT_TOKEN, raw + b" ", signature)


def assert_docs_responses_example(event: VehicleStateEvent) -> None:
    assert event.event_id == "1234567890"
    assert event.vehicle_id == "123e4567-e89b-12d3-a456-426614174000"
    assert event.user_id == "user_1234567890"
    assert event.state.battery_percent == 75.0  # the `{percentage: 75}` body
    assert (event.state.latitude, event.state.longitude) == (37.7749, -122.4194)
    assert event.state.heading_degrees == 90.0
    assert event.state.vin == "1HGCM82633A123456"
    assert event.triggers == ("tractionbattery-stateofcharge",)
    assert event.trigger_types == ("SIGNAL_UPDATED",)
    # `deliveredAt: 1700000000` is epoch seconds.
    assert event.delivered_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert event.mode == "LIVE"
    assert not event.is_test
    assert not event.is_first_delivery
    assert event.vehicle is not None
    assert (event.vehicle.make, event.vehicle.year) == ("Test Make", 2020)


def test_meta_version_3_0_of_the_docs_responses_page_s21() -> None:
    event = state_event(example("webhook-vehicle-state-docs-responses-meta3.json"))

    assert event.version == "3.0"
    assert_docs_responses_example(event)


def test_meta_version_4_0_of_the_netlify_preview_s21_net() -> None:
    event = state_event(example("webhook-vehicle-state-netlify-preview-meta4.json"))

    assert event.version == "4.0"
    assert_docs_responses_example(event)


def test_triggers_as_code_name_group_s22() -> None:
    body = example("webhook-vehicle-state-netlify-preview-meta4.json")
    body["triggers"] = example("webhook-vehicle-state-triggers-variant.json")[
        "triggers"
    ]

    event = state_event(body)

    assert event.triggers == ("tractionbattery-stateofcharge",)
    assert event.trigger_types == ()


def test_triggers_inside_data_t2_prose() -> None:
    body = example("webhook-vehicle-state-netlify-preview-meta4.json")
    body["data"]["triggers"] = body.pop("triggers")

    event = state_event(body)

    assert event.triggers == ("tractionbattery-stateofcharge",)


def test_dashboard_test_delivery_t4_with_user_mode_test_and_full_signal_triggers() -> (
    None
):
    event = state_event(
        example("webhook-vehicle-state-dashboard-sample-trooperthorn.json")
    )

    assert event.is_test
    assert event.version == "4.0"
    assert event.user_id == "f3fc39e5-408d-4a5e-9488-441a6299e9b4"
    assert event.user_external_id == "user-external-id-123"
    assert event.vehicle_id == "bd77cd6e-20ce-4c46-8cb6-00aca8d1da51"
    assert event.triggers == (
        "closure-islocked",
        "connectivitystatus-isasleep",
        "connectivitystatus-isonline",
        "odometer-traveleddistance",
        "vehicleidentification-nickname",
        "vehicleuseraccount-permissions",
        "vehicleuseraccount-role",
    )
    assert event.trigger_types == ("SIGNAL_UPDATED",)
    state = event.state
    assert state.battery_percent == 78.0
    assert state.vin == "5YJSA1CN5DFP00101"
    assert state.is_locked is True
    assert state.is_asleep is False
    assert state.is_online is True
    assert state.odometer_km == 78432.0
    assert state.nickname == "QueenLiz"
    assert state.account_permissions == ("vehicle_cmds", "vehicle_device_data")
    assert state.account_role == "Driver"
    assert event.errors == {}
    assert len(event.facts) == 9
    # 1790080005073 ms; the VIN's `oemUpdatedAt: 0` is no age at all.
    assert state.data_age == datetime(2026, 9, 22, 12, 26, 45, 73000, tzinfo=UTC)
    vin_fact = next(f for f in event.facts if f.source == "vehicleidentification-vin")
    assert vin_fact.age is None
    assert event.delivered_at == datetime(2026, 9, 22, 12, 26, 45, 74000, tzinfo=UTC)


def test_first_delivery_trigger_s21_s22() -> None:
    body = example("webhook-vehicle-state-netlify-preview-meta4.json")
    body["triggers"] = [{"type": "FIRST_DELIVERY"}]

    event = state_event(body)

    assert event.is_first_delivery
    assert event.triggers == ()
    assert event.state.battery_percent == 75.0


def test_vehicle_error_dashboard_sample_t4() -> None:
    event = parse_webhook(
        example_bytes("webhook-vehicle-error-dashboard-sample-trooperthorn.json")
    )

    assert isinstance(event, VehicleErrorEvent)
    assert event.is_test
    assert event.user_id == "df2677d5-9bab-4fd4-b0a2-6b9654a8aab2"
    (error,) = event.errors
    assert isinstance(error.error, NotCapableError)
    assert error.error.code == "VEHICLE_NOT_CAPABLE"
    assert error.error.suggested_user_message == (
        "Your car is unable to perform this request."
    )
    assert error.state == "ERROR"
    assert not error.resolved
    assert len(error.signal_codes) == 9
    assert error.signal_codes[0] == "tractionbattery-stateofcharge"


def test_vehicle_error_with_state_resolved_s21() -> None:
    body = example("webhook-vehicle-error-dashboard-sample-trooperthorn.json")
    body["data"]["errors"][0]["state"] = "RESOLVED"

    event = parse_webhook(json.dumps(body).encode())

    assert isinstance(event, VehicleErrorEvent)
    assert event.errors[0].resolved

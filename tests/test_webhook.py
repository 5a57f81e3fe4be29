"""Webhooks: signed pushes update the cars without a request; anything else changes nothing."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import hashlib
import hmac
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulator.fleet import TESLA_ID, Vehicle
from simulator.state import Simulator
from simulator.webhooks import scheduled_payload, vehicle_state_payload

from .conftest import (
    ACCESS_TOKEN,
    API,
    API_V3,
    DOMAIN,
    EV_ID,
    PETROL_ID,
    USER_ID,
    Reply,
    SmartcarMock,
    load_fixture,
    make_entry,
    next_poll,
    setup_entry,
    v2_error,
)

NOW = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
MANAGEMENT_TOKEN = "amt-5d41402abc4b2a76b9719d911017c592"
WEBHOOK_ID = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a99"
URL = f"/api/webhook/{WEBHOOK_ID}"
SIGNALS = f"{API_V3}/vehicles/{EV_ID}/signals"
BATTERY = "sensor.tesla_model_3_battery"
LOCK = "lock.tesla_model_3_lock"
ODOMETER = "sensor.tesla_model_3_odometer"
WATCHED = (BATTERY, LOCK, ODOMETER)


@pytest.fixture(autouse=True)
def october(freezer: FrozenDateTimeFactory) -> None:
    """20 October 2026, 08:00 UTC."""
    freezer.move_to(NOW)


@pytest.fixture
def config_entry() -> MockConfigEntry:
    """An entry with webhooks on."""
    return make_entry(
        options={"management_token": MANAGEMENT_TOKEN, "webhook_id": WEBHOOK_ID}
    )


def sign(raw: bytes, key: str = MANAGEMENT_TOKEN) -> str:
    """`SC-Signature` as Smartcar computes it: hex HMAC-SHA256 of the raw body."""
    return hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()


def encode(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def _signal(code: str, name: str, group: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "group": group,
        "body": body,
        "status": {"value": "SUCCESS"},
        "meta": {"retrievedAt": 1792486800000, "oemUpdatedAt": 1792486740000},
    }


def vehicle_state(
    vehicle_id: str = EV_ID, event_id: str = "evt-0001", battery: float = 42
) -> dict[str, Any]:
    """A v4 VEHICLE_STATE event (SMARTCAR_API.md §6): the battery dropped and the car unlocked."""
    return {
        "eventId": event_id,
        "eventType": "VEHICLE_STATE",
        "vehicleId": vehicle_id,
        "data": {
            "user": {"id": USER_ID},
            "vehicle": {
                "id": vehicle_id,
                "make": "TESLA",
                "model": "Model 3",
                "year": 2022,
            },
            "signals": [
                _signal(
                    "tractionbattery-stateofcharge",
                    "StateOfCharge",
                    "TractionBattery",
                    {"unit": "percent", "value": battery},
                ),
                _signal("closure-islocked", "IsLocked", "Closure", {"value": False}),
            ],
        },
        "triggers": [
            {
                "type": "SIGNAL_UPDATED",
                "signal": {
                    "code": "tractionbattery-stateofcharge",
                    "name": "StateOfCharge",
                    "group": "TractionBattery",
                },
            }
        ],
        "meta": {
            "version": "4.0",
            "webhookId": "5a8e5e38-1e12-4011-a36d-56f120053f9e",
            "webhookName": "Home Assistant",
            "deliveryId": f"delivery-{event_id}",
            "deliveredAt": 1792486800500,
            "mode": "live",
        },
    }


def vehicle_error(
    error_type: str, code: str, state: str = "ERROR", event_id: str = "err-0001"
) -> dict[str, Any]:
    """A v4 VEHICLE_ERROR event."""
    return {
        "eventId": event_id,
        "eventType": "VEHICLE_ERROR",
        "vehicleId": EV_ID,
        "data": {
            "user": {"id": USER_ID},
            "vehicle": {"id": EV_ID, "make": "TESLA", "model": "Model 3", "year": 2022},
            "errors": [
                {
                    "type": error_type,
                    "code": code,
                    "state": state,
                    "description": "The carmaker account needs attention.",
                    "resolution": {
                        "type": "REAUTHENTICATE",
                        "url": "https://www.tesla.com/teslaaccount",
                    },
                    "signals": [{"code": "tractionbattery-stateofcharge"}],
                }
            ],
        },
        "meta": {
            "version": "4.0",
            "webhookId": "5a8e5e38",
            "deliveredAt": 1792486800500,
        },
    }


def scheduled(percent: float = 0.55, odometer: float = 18300.0) -> dict[str, Any]:
    """A v2 `scheduled` delivery: one batch-like answer per path."""
    headers = {"sc-data-age": "2026-10-20T07:59:00.000Z", "sc-unit-system": "metric"}
    return {
        "version": "2.0",
        "webhookId": "5a8e5e38-1e12-4011-a36d-56f120053f9e",
        "eventName": "scheduled",
        "mode": "live",
        "payload": {
            "vehicles": [
                {
                    "vehicleId": EV_ID,
                    "requestId": "req-2222",
                    "data": [
                        {
                            "path": "/battery",
                            "code": 200,
                            "body": {"percentRemaining": percent, "range": 290.0},
                            "headers": headers,
                        },
                        {
                            "path": "/odometer",
                            "code": 200,
                            "body": {"distance": odometer},
                            "headers": headers,
                        },
                    ],
                }
            ]
        },
    }


def states(hass: HomeAssistant) -> dict[str, str]:
    result: dict[str, str] = {}
    for entity_id in WATCHED:
        state = hass.states.get(entity_id)
        assert state is not None
        result[entity_id] = state.state
    return result


async def deliver(
    hass_client_no_auth: ClientSessionGenerator,
    raw: bytes,
    signature: str | None,
) -> tuple[int, str]:
    client = await hass_client_no_auth()
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["SC-Signature"] = signature
    response = await client.post(URL, data=raw, headers=headers)
    return response.status, await response.text()


@pytest.fixture
async def loaded(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> MockConfigEntry:
    """The battery-electric car, with webhooks on."""
    smartcar.add_vehicle("ev")
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    return config_entry


def _used(entry: MockConfigEntry) -> int:
    return entry.runtime_data.ledger.usage(EV_ID, NOW).used


# --- pushes -------------------------------------------------------------------------------------


async def test_signed_vehicle_state_updates_entities_without_a_request(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    loaded: MockConfigEntry,
) -> None:
    assert states(hass)[BATTERY] == "76.0"
    assert states(hass)[LOCK] == "locked"
    requests, used = len(aioclient_mock.mock_calls), _used(loaded)
    raw = encode(vehicle_state())

    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))
    await hass.async_block_till_done()

    assert status == 200
    assert states(hass)[BATTERY] == "42.0"
    assert states(hass)[LOCK] == "unlocked"
    # What the push did not carry keeps its value.
    assert states(hass)[ODOMETER] == "18234.6"
    assert len(aioclient_mock.mock_calls) == requests
    assert _used(loaded) == used


async def test_push_during_a_poll_is_not_undone_by_the_poll_answer(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    smartcar: SmartcarMock,
    loaded: MockConfigEntry,
) -> None:
    # Smartcar read the car before it unlocked and pushed (those signals are older than the
    # push); only the odometer was recorded after the push's data.
    older = load_fixture("ev/signals.json")
    for item in older["data"]:
        if item["attributes"]["code"] == "odometer-traveleddistance":
            item["attributes"]["body"] = {"unit": "kilometers", "value": 18300.0}
            item["meta"]["oemUpdatedAt"] = 1792486770000  # 07:59:30
    asked, answer = asyncio.Event(), asyncio.Event()

    async def slow_answer(_body: Any) -> Reply:
        asked.set()
        await answer.wait()
        return Reply(body=older)

    smartcar.routes["GET", SIGNALS] = slow_answer
    poll = hass.async_create_task(loaded.runtime_data.vehicles[EV_ID].async_refresh())
    await asked.wait()
    raw = encode(vehicle_state(battery=42))
    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))
    assert status == 200

    answer.set()
    await poll
    await hass.async_block_till_done()

    assert states(hass) == {BATTERY: "42.0", LOCK: "unlocked", ODOMETER: "18300.0"}


async def test_v2_scheduled_delivery_updates_entities(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    loaded: MockConfigEntry,
) -> None:
    requests, used = len(aioclient_mock.mock_calls), _used(loaded)
    raw = encode(scheduled(percent=0.55, odometer=18300.0))

    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))
    await hass.async_block_till_done()

    assert status == 200
    assert states(hass)[BATTERY] == "55.0"
    assert states(hass)[ODOMETER] == "18300.0"
    assert states(hass)[LOCK] == "locked"
    assert len(aioclient_mock.mock_calls) == requests
    assert _used(loaded) == used


async def test_redelivered_event_is_handled_once(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
) -> None:
    first = encode(vehicle_state(event_id="evt-A", battery=42))
    second = encode(vehicle_state(event_id="evt-B", battery=50))

    for raw in (first, second, first):
        status, _text = await deliver(hass_client_no_auth, raw, sign(raw))
        assert status == 200
    await hass.async_block_till_done()

    # Smartcar retried evt-A after evt-B arrived: the older value does not come back.
    assert states(hass)[BATTERY] == "50.0"


async def test_delivery_for_another_car_is_acknowledged_and_ignored(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
) -> None:
    before = states(hass)
    raw = encode(vehicle_state(vehicle_id=PETROL_ID))

    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))
    await hass.async_block_till_done()

    # A 2xx, so Smartcar does not retry a delivery for a car this entry does not have.
    assert status == 200
    assert states(hass) == before


async def test_safety_poll_comes_a_day_after_the_last_poll_however_often_pushes_arrive(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded: MockConfigEntry,
) -> None:
    polls = len(smartcar.calls("GET", SIGNALS))

    # A push every two hours for 22 hours: signals Smartcar does not push still need the
    # safety poll, so pushes never move it.
    for hour in range(11):
        raw = encode(vehicle_state(event_id=f"evt-{hour}"))
        await next_poll(hass, freezer, timedelta(hours=2).total_seconds())
        await deliver(hass_client_no_auth, raw, sign(raw))
    assert len(smartcar.calls("GET", SIGNALS)) == polls

    await next_poll(hass, freezer, timedelta(hours=2).total_seconds())

    assert len(smartcar.calls("GET", SIGNALS)) == polls + 1


@pytest.mark.parametrize(
    "build",
    [
        lambda sim, car: vehicle_state_payload(sim, car, "sim-webhook", None),
        lambda sim, car: scheduled_payload(
            sim, car, "sim-webhook", ["/battery", "/odometer"]
        ),
    ],
    ids=["v4", "v2-scheduled"],
)
async def test_deliveries_the_simulator_sends_update_entities(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
    build: Callable[[Simulator, Vehicle], dict[str, Any]],
) -> None:
    sim = Simulator()
    car = sim.fleet[TESLA_ID]
    # The simulator's Tesla, delivered as the car this entry knows.
    car.vehicle_id = EV_ID
    raw = encode(build(sim, car))

    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))
    await hass.async_block_till_done()

    assert status == 200
    assert states(hass)[BATTERY] == "62.0"
    assert states(hass)[ODOMETER] == "18452.3"


# --- the verify challenge -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {
            "eventId": "52f6e0bb-1369-45da-a61c-9e67d092d6db",
            "eventType": "VERIFY",
            "data": {"challenge": "3a7c1e9f0b2d4c6e8a0f1b3d5c7e9a1b"},
            "meta": {"version": "4.0", "webhookId": "5a8e5e38", "webhookName": "HA"},
        },
        {
            "version": "2.0",
            "webhookId": "5a8e5e38",
            "eventName": "verify",
            "payload": {"challenge": "3a7c1e9f0b2d4c6e8a0f1b3d5c7e9a1b"},
        },
    ],
    ids=["v4", "v2"],
)
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
async def test_verify_answers_the_challenge_hash(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
    payload: dict[str, Any],
    signed: bool,
) -> None:
    before = states(hass)
    raw = encode(payload)

    client = await hass_client_no_auth()
    headers = {"SC-Signature": sign(raw)} if signed else {}
    response = await client.post(URL, data=raw, headers=headers)

    assert response.status == 200
    assert response.content_type == "application/json"
    expected = hmac.new(
        MANAGEMENT_TOKEN.encode(), b"3a7c1e9f0b2d4c6e8a0f1b3d5c7e9a1b", hashlib.sha256
    ).hexdigest()
    assert await response.json() == {"challenge": expected}
    assert states(hass) == before


@pytest.mark.parametrize(
    "challenge",
    [
        # Its answer would be a valid signature of a forged delivery.
        '{"eventType":"VEHICLE_STATE","vehicleId":"x","data":{"signals":[]}}',
        "x" * 300,
    ],
    ids=["shaped-like-a-delivery", "too-long"],
)
async def test_unsigned_verify_that_could_sign_a_delivery_is_refused(
    hass_client_no_auth: ClientSessionGenerator, loaded: MockConfigEntry, challenge: str
) -> None:
    raw = encode(
        {"eventId": "e", "eventType": "VERIFY", "data": {"challenge": challenge}}
    )

    status, text = await deliver(hass_client_no_auth, raw, None)

    assert status == 401
    assert "challenge" not in text


async def test_large_unsigned_request_is_refused_unread(
    hass_client_no_auth: ClientSessionGenerator, loaded: MockConfigEntry
) -> None:
    raw = encode(
        {
            "eventType": "VERIFY",
            "data": {"challenge": "abc"},
            "meta": {"webhookName": "n" * 2000},
        }
    )

    status, _text = await deliver(hass_client_no_auth, raw, None)

    assert status == 401


async def test_unsigned_garbage_is_refused(
    hass_client_no_auth: ClientSessionGenerator, loaded: MockConfigEntry
) -> None:
    status, _text = await deliver(hass_client_no_auth, b"challenge=abc123", None)

    # Unauthorised, not malformed: nothing about an unsigned body is worth telling.
    assert status == 401


async def test_verify_with_a_wrong_signature_is_refused(
    hass_client_no_auth: ClientSessionGenerator, loaded: MockConfigEntry
) -> None:
    raw = encode(
        {"eventId": "e", "eventType": "VERIFY", "data": {"challenge": "abc123"}}
    )

    status, text = await deliver(hass_client_no_auth, raw, sign(raw, "another-token"))

    assert status == 401
    assert "challenge" not in text


# --- refused deliveries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        (sign(encode(vehicle_state()), "another-token"), 401),
        (None, 401),
        ("", 401),
        ("not-hex", 401),
        # Signed, but the body was changed on the way.
        (sign(encode(vehicle_state(battery=43))), 401),
    ],
    ids=["forged", "missing", "empty", "garbage", "other-body"],
)
async def test_unsigned_or_forged_delivery_changes_nothing(
    hass: HomeAssistant,
    *,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    loaded: MockConfigEntry,
    signature: str | None,
    expected: int,
) -> None:
    before, requests = states(hass), len(aioclient_mock.mock_calls)

    status, _text = await deliver(
        hass_client_no_auth, encode(vehicle_state()), signature
    )
    await hass.async_block_till_done()

    assert status == expected
    assert states(hass) == before
    assert len(aioclient_mock.mock_calls) == requests


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"eventType": "VEHICLE_STATE", ', "not JSON"),
        (b"[1, 2, 3]", "expected an object"),
        (b'{"hello": "world"}', "neither eventType"),
        (encode({"eventType": "VEHICLE_STATE", "data": {"signals": []}}), "vehicleId"),
        (encode({**vehicle_state(), "eventType": "SOMETHING_NEW"}), "SOMETHING_NEW"),
        (encode({**vehicle_state(), "data": "battery low"}), "data"),
    ],
    ids=[
        "truncated",
        "array",
        "not-smartcar",
        "no-vehicle",
        "unknown-type",
        "data-not-object",
    ],
)
async def test_signed_malformed_delivery_is_refused_and_changes_nothing(
    hass: HomeAssistant,
    *,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
    raw: bytes,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = states(hass)
    caplog.set_level("DEBUG", logger="custom_components.smartcar")

    status, text = await deliver(hass_client_no_auth, raw, sign(raw))
    await hass.async_block_till_done()

    assert status == 400
    assert reason in text
    assert states(hass) == before
    logged = " ".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.smartcar")
    )
    assert "refused" in logged
    assert MANAGEMENT_TOKEN not in logged
    assert WEBHOOK_ID not in logged


# --- VEHICLE_ERROR ------------------------------------------------------------------------------


async def test_account_error_raises_a_repair_issue_until_resolved(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
    loaded: MockConfigEntry,
) -> None:
    before = states(hass)
    raw = encode(vehicle_error("CONNECTED_SERVICES_ACCOUNT", "AUTHENTICATION_FAILED"))

    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))

    assert status == 200
    issue = issue_registry.async_get_issue(
        DOMAIN, f"connected_services_account_{EV_ID}"
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["code"] == "AUTHENTICATION_FAILED"
    assert issue.learn_more_url == "https://www.tesla.com/teslaaccount"
    # The car keeps its last values.
    assert states(hass) == before

    raw = encode(
        vehicle_error(
            "CONNECTED_SERVICES_ACCOUNT",
            "AUTHENTICATION_FAILED",
            "RESOLVED",
            event_id="err-2",
        )
    )
    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))

    assert status == 200
    assert (
        issue_registry.async_get_issue(DOMAIN, f"connected_services_account_{EV_ID}")
        is None
    )


async def test_pushed_data_clears_the_account_issue(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
    loaded: MockConfigEntry,
) -> None:
    raw = encode(vehicle_error("CONNECTED_SERVICES_ACCOUNT", "ACCOUNT_ISSUE"))
    await deliver(hass_client_no_auth, raw, sign(raw))
    assert issue_registry.async_get_issue(DOMAIN, f"connected_services_account_{EV_ID}")

    raw = encode(vehicle_state())
    await deliver(hass_client_no_auth, raw, sign(raw))

    assert (
        issue_registry.async_get_issue(DOMAIN, f"connected_services_account_{EV_ID}")
        is None
    )


async def test_other_vehicle_errors_keep_the_last_values(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
    loaded: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG", logger="custom_components.smartcar")
    before = states(hass)

    for state in ("ERROR", "RESOLVED"):
        raw = encode(
            vehicle_error("VEHICLE_STATE", "ASLEEP", state, event_id=f"asleep-{state}")
        )
        status, _text = await deliver(hass_client_no_auth, raw, sign(raw))
        assert status == 200

    assert states(hass) == before
    assert "VEHICLE_STATE:ASLEEP" in caplog.text
    assert not issue_registry.issues


async def test_signal_errors_in_a_push_leave_the_other_signals_applied(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
) -> None:
    payload = vehicle_state(battery=61)
    payload["data"]["signals"][1] = {
        "code": "closure-islocked",
        "name": "IsLocked",
        "group": "Closure",
        "status": {"value": "ERROR", "error": {"type": "PERMISSION", "code": None}},
    }
    raw = encode(payload)

    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))
    await hass.async_block_till_done()

    assert status == 200
    assert states(hass)[BATTERY] == "61.0"
    assert states(hass)[LOCK] == "locked"


# --- registration and polling -------------------------------------------------------------------


async def test_webhook_stops_answering_when_the_entry_unloads(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
) -> None:
    raw = encode(
        {"eventId": "e", "eventType": "VERIFY", "data": {"challenge": "abc123"}}
    )

    await hass.config_entries.async_unload(loaded.entry_id)
    status, text = await deliver(hass_client_no_auth, raw, sign(raw))

    # Home Assistant answers unknown webhooks with an empty 200.
    assert status == 200
    assert text == ""


async def test_without_webhooks_nothing_is_registered(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    credentials: None,
    smartcar: SmartcarMock,
) -> None:
    smartcar.add_vehicle("ev")
    await setup_entry(hass, make_entry())
    raw = encode(
        {"eventId": "e", "eventType": "VERIFY", "data": {"challenge": "abc123"}}
    )

    status, text = await deliver(hass_client_no_auth, raw, sign(raw))

    assert status == 200
    assert text == ""


async def test_webhooks_slow_polling_to_a_safety_poll(loaded: MockConfigEntry) -> None:
    coordinator = loaded.runtime_data.vehicles[EV_ID]

    # The budget would allow a poll every 49 minutes; pushes bring the data instead: at most
    # 31 billed polls a month.
    assert loaded.runtime_data.policy.safety_interval == timedelta(hours=24)
    assert coordinator.car.poll.next_at == NOW + timedelta(hours=24)


async def test_safety_poll_never_exceeds_the_budget(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry(
        options={
            "management_token": MANAGEMENT_TOKEN,
            "webhook_id": WEBHOOK_ID,
            "monthly_limit": 10,
        }
    )

    await setup_entry(hass, entry)

    # 9 requests for polls, 9/31 a day in October; far behind that pace, twice it: one poll
    # every 24 h x 31 / 18 = 41 h 20 min, longer than the daily safety poll.
    assert entry.runtime_data.vehicles[EV_ID].car.poll.next_at == NOW + timedelta(
        hours=41, minutes=20
    )


async def test_refresh_button_still_polls_with_webhooks_on(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    loaded: MockConfigEntry,
) -> None:
    polls = len(smartcar.calls("GET", SIGNALS))

    # The owner's floor (15 minutes) applies, not the six hours of the safety poll.
    await next_poll(hass, freezer, timedelta(minutes=15).total_seconds())
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.tesla_model_3_refresh"}, blocking=True
    )

    assert len(smartcar.calls("GET", SIGNALS)) == polls + 1


# --- subscribing the cars to Smartcar's webhook -------------------------------------------------

SMARTCAR_WEBHOOK_ID = "5a8e5e38-1e12-4011-a36d-56f120053f9e"
CHALLENGE = "3a7c1e9f0b2d4c6e8a0f1b3d5c7e9a1b"
BOTH_CARS = sorted([EV_ID, PETROL_ID])


def verify_event(
    version: str = "4.0", webhook_id: str = SMARTCAR_WEBHOOK_ID
) -> dict[str, Any]:
    """Smartcar's VERIFY request, carrying Smartcar's own id of the webhook."""
    if version == "2.0":
        return {
            "version": "2.0",
            "webhookId": webhook_id,
            "eventName": "verify",
            "payload": {"challenge": CHALLENGE},
        }
    return {
        "eventId": "52f6e0bb-1369-45da-a61c-9e67d092d6db",
        "eventType": "VERIFY",
        "data": {"challenge": CHALLENGE},
        "meta": {
            "version": "4.0",
            "webhookId": webhook_id,
            "webhookName": "Home Assistant",
        },
    }


def subscription_url(vehicle_id: str, webhook_id: str = SMARTCAR_WEBHOOK_ID) -> str:
    return f"{API}/vehicles/{vehicle_id}/webhooks/{webhook_id}"


def subscribe_calls(
    smartcar: SmartcarMock, vehicle_id: str, webhook_id: str = SMARTCAR_WEBHOOK_ID
) -> int:
    return len(smartcar.calls("POST", subscription_url(vehicle_id, webhook_id)))


def webhook_calls(
    aioclient_mock: AiohttpClientMocker,
) -> list[tuple[Any, Any, Any, Any]]:
    """Every subscribe or unsubscribe request, whatever the car or webhook."""
    return [call for call in aioclient_mock.mock_calls if "/webhooks/" in str(call[1])]


def challenge_answer() -> dict[str, str]:
    return {
        "challenge": hmac.new(
            MANAGEMENT_TOKEN.encode(), CHALLENGE.encode(), hashlib.sha256
        ).hexdigest()
    }


def webhooks_entry(**data: Any) -> MockConfigEntry:
    """An entry with webhooks on and `data` stored (Smartcar's webhook id, subscribed cars)."""
    return make_entry(
        options={"management_token": MANAGEMENT_TOKEN, "webhook_id": WEBHOOK_ID},
        data=data,
    )


async def settle(hass: HomeAssistant) -> None:
    """Let the background subscriptions finish."""
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize("version", ["4.0", "2.0"], ids=["v4", "v2"])
async def test_signed_verify_is_answered_at_once_then_subscribes_every_car_once(
    hass: HomeAssistant,
    *,
    hass_client_no_auth: ClientSessionGenerator,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    version: str,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    await setup_entry(hass, config_entry)
    # Smartcar's webhook id is not known yet: nothing to subscribe to.
    assert subscribe_calls(smartcar, EV_ID) == subscribe_calls(smartcar, PETROL_ID) == 0
    asked, release = asyncio.Event(), asyncio.Event()

    def slow(vehicle_id: str) -> Callable[[Any], Any]:
        async def reply(_body: Any) -> Reply:
            asked.set()
            await release.wait()
            return Reply(
                body={"webhookId": SMARTCAR_WEBHOOK_ID, "vehicleId": vehicle_id}
            )

        return reply

    for vehicle_id in BOTH_CARS:
        smartcar.routes["POST", subscription_url(vehicle_id)] = slow(vehicle_id)
    raw = encode(verify_event(version))

    status, text = await deliver(hass_client_no_auth, raw, sign(raw))

    # Answered while no subscription has finished: Smartcar never waits for them.
    assert status == 200
    assert json.loads(text) == challenge_answer()
    await asyncio.wait_for(asked.wait(), timeout=5)
    assert not release.is_set()
    # Smartcar checks again while the first subscription is under way.
    status, text = await deliver(hass_client_no_auth, raw, sign(raw))
    assert status == 200
    assert json.loads(text) == challenge_answer()

    release.set()
    await settle(hass)

    assert subscribe_calls(smartcar, EV_ID) == subscribe_calls(smartcar, PETROL_ID) == 1
    assert config_entry.data["smartcar_webhook_id"] == SMARTCAR_WEBHOOK_ID
    assert config_entry.data["subscribed_vehicles"] == BOTH_CARS

    # Yet another check, then a restart: every car is subscribed already.
    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))
    assert status == 200
    await settle(hass)
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await settle(hass)

    assert subscribe_calls(smartcar, EV_ID) == subscribe_calls(smartcar, PETROL_ID) == 1
    assert config_entry.data["subscribed_vehicles"] == BOTH_CARS


@pytest.mark.parametrize("version", ["4.0", "2.0"], ids=["v4", "v2"])
async def test_unsigned_verify_is_answered_but_stores_and_subscribes_nothing(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    loaded: MockConfigEntry,
    version: str,
) -> None:
    data = dict(loaded.data)
    raw = encode(verify_event(version))

    status, text = await deliver(hass_client_no_auth, raw, None)
    await settle(hass)

    assert status == 200
    assert json.loads(text) == challenge_answer()
    # Anyone could have sent it: it is trusted with nothing.
    assert dict(loaded.data) == data
    assert "smartcar_webhook_id" not in loaded.data
    assert webhook_calls(aioclient_mock) == []


async def test_signed_verify_of_another_webhook_subscribes_the_cars_to_it(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    credentials: None,
    smartcar: SmartcarMock,
) -> None:
    smartcar.add_vehicle("ev")
    entry = webhooks_entry(
        smartcar_webhook_id="old-webhook", subscribed_vehicles=[EV_ID]
    )
    await setup_entry(hass, entry)
    raw = encode(verify_event(webhook_id=SMARTCAR_WEBHOOK_ID))

    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))
    await settle(hass)

    assert status == 200
    assert subscribe_calls(smartcar, EV_ID, "old-webhook") == 0
    assert subscribe_calls(smartcar, EV_ID) == 1
    assert entry.data["smartcar_webhook_id"] == SMARTCAR_WEBHOOK_ID
    assert entry.data["subscribed_vehicles"] == [EV_ID]


async def test_subscriptions_leave_the_request_ledger_unchanged(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    await setup_entry(hass, config_entry)
    ledger = config_entry.runtime_data.ledger
    before = {
        vehicle_id: ledger.usage(vehicle_id, NOW).used for vehicle_id in BOTH_CARS
    }
    raw = encode(verify_event())

    await deliver(hass_client_no_auth, raw, sign(raw))
    await settle(hass)

    # Subscribing reads nothing from a car: it is not a billed request.
    assert config_entry.data["subscribed_vehicles"] == BOTH_CARS
    assert {
        vehicle_id: ledger.usage(vehicle_id, NOW).used for vehicle_id in BOTH_CARS
    } == before


async def _submit_options(
    hass: HomeAssistant, entry: MockConfigEntry, **choices: Any
) -> dict[str, Any]:
    """Submit the options form (an empty token field keeps the stored token)."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"read_path": "signals", "monthly_limit": 500, "min_poll_interval": 15}
        | choices,
    )
    return dict(result)


async def test_smartcar_webhook_id_entered_in_the_options_subscribes_the_cars(
    hass: HomeAssistant, smartcar: SmartcarMock, loaded: MockConfigEntry
) -> None:
    runtime = loaded.runtime_data

    result = await _submit_options(
        hass, loaded, smartcar_webhook_id=f"  {SMARTCAR_WEBHOOK_ID}  "
    )
    await settle(hass)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The options did not change, so no reload: the cars are subscribed all the same.
    assert loaded.runtime_data is runtime
    assert subscribe_calls(smartcar, EV_ID) == 1
    assert loaded.data["smartcar_webhook_id"] == SMARTCAR_WEBHOOK_ID
    assert loaded.data["subscribed_vehicles"] == [EV_ID]


async def test_smartcar_webhook_id_entered_while_turning_webhooks_on_subscribes_after_reload(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry()
    await setup_entry(hass, entry)
    result = await _submit_options(
        hass,
        entry,
        management_token=MANAGEMENT_TOKEN,
        smartcar_webhook_id=SMARTCAR_WEBHOOK_ID,
    )
    assert result["step_id"] in ("webhook", "webhook_no_address")

    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    await settle(hass)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.state is ConfigEntryState.LOADED
    assert subscribe_calls(smartcar, EV_ID) == 1
    assert entry.data["subscribed_vehicles"] == [EV_ID]


async def test_options_show_the_smartcar_webhook_id_learned(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    smartcar: SmartcarMock,
    loaded: MockConfigEntry,
) -> None:
    raw = encode(verify_event())
    await deliver(hass_client_no_auth, raw, sign(raw))
    await settle(hass)

    result = await hass.config_entries.options.async_init(loaded.entry_id)
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested["smartcar_webhook_id"] == SMARTCAR_WEBHOOK_ID

    # Submitted unchanged: nothing is subscribed twice.
    await _submit_options(hass, loaded, smartcar_webhook_id=SMARTCAR_WEBHOOK_ID)
    await settle(hass)
    assert subscribe_calls(smartcar, EV_ID) == 1


async def test_car_joining_the_account_later_is_subscribed(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.add_vehicle("ev")
    entry = webhooks_entry(
        smartcar_webhook_id=SMARTCAR_WEBHOOK_ID, subscribed_vehicles=[EV_ID]
    )
    await setup_entry(hass, entry)
    await settle(hass)
    # Subscribed before the restart: not again.
    assert subscribe_calls(smartcar, EV_ID) == 0

    smartcar.add_vehicle("petrol")
    await next_poll(hass, freezer, timedelta(hours=6).total_seconds())
    await settle(hass)

    assert PETROL_ID in entry.runtime_data.vehicles
    assert subscribe_calls(smartcar, PETROL_ID) == 1
    assert subscribe_calls(smartcar, EV_ID) == 0
    assert entry.data["subscribed_vehicles"] == BOTH_CARS


async def test_car_leaving_the_account_leaves_the_subscribed_cars(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    entry = webhooks_entry(
        smartcar_webhook_id=SMARTCAR_WEBHOOK_ID, subscribed_vehicles=BOTH_CARS
    )
    await setup_entry(hass, entry)

    smartcar.remove_vehicle(PETROL_ID)
    await next_poll(hass, freezer, timedelta(hours=6).total_seconds())
    await settle(hass)

    assert entry.data["subscribed_vehicles"] == [EV_ID]
    assert entry.data["smartcar_webhook_id"] == SMARTCAR_WEBHOOK_ID


async def test_failed_subscription_waits_for_the_next_setup_and_logs_no_secret(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    smartcar.routes["POST", subscription_url(EV_ID)] = v2_error(
        500, "SERVER", "INTERNAL"
    )
    entry = webhooks_entry(smartcar_webhook_id=SMARTCAR_WEBHOOK_ID)

    await setup_entry(hass, entry)
    await settle(hass)

    assert entry.state is ConfigEntryState.LOADED
    assert subscribe_calls(smartcar, EV_ID) == 1
    # The other car is subscribed; the failed one is left for the next setup.
    assert entry.data["subscribed_vehicles"] == [PETROL_ID]
    assert (
        f"Could not subscribe Smartcar car {EV_ID} to the webhook "
        "(ServerError SERVER:INTERNAL HTTP 500)"
    ) in caplog.text
    for secret in (ACCESS_TOKEN, MANAGEMENT_TOKEN, "Bearer", WEBHOOK_ID):
        assert secret not in caplog.text

    del smartcar.routes["POST", subscription_url(EV_ID)]
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)

    assert subscribe_calls(smartcar, EV_ID) == 2
    assert subscribe_calls(smartcar, PETROL_ID) == 1
    assert entry.data["subscribed_vehicles"] == BOTH_CARS


async def test_turning_webhooks_off_unsubscribes_the_cars_with_the_management_token(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    entry = webhooks_entry(
        smartcar_webhook_id=SMARTCAR_WEBHOOK_ID, subscribed_vehicles=BOTH_CARS
    )
    await setup_entry(hass, entry)

    result = await _submit_options(hass, entry, webhooks_off=True)
    await settle(hass)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    deletes = [
        call for call in webhook_calls(aioclient_mock) if call[0].upper() == "DELETE"
    ]
    assert sorted(str(call[1]) for call in deletes) == [
        subscription_url(vehicle_id) for vehicle_id in BOTH_CARS
    ]
    for call in deletes:
        assert call[3]["Authorization"] == f"Bearer {MANAGEMENT_TOKEN}"
    assert [
        call for call in webhook_calls(aioclient_mock) if call[0].upper() != "DELETE"
    ] == []
    assert "smartcar_webhook_id" not in entry.data
    assert "subscribed_vehicles" not in entry.data
    assert entry.state is ConfigEntryState.LOADED


async def test_failed_unsubscription_is_logged_and_the_other_cars_still_unsubscribed(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    smartcar.routes["DELETE", subscription_url(BOTH_CARS[0])] = v2_error(
        401, "AUTHENTICATION", None
    )
    entry = webhooks_entry(
        smartcar_webhook_id=SMARTCAR_WEBHOOK_ID, subscribed_vehicles=BOTH_CARS
    )
    await setup_entry(hass, entry)

    await _submit_options(hass, entry, webhooks_off=True)
    await settle(hass)

    assert len(smartcar.calls("DELETE", subscription_url(BOTH_CARS[1]))) == 1
    assert f"Could not unsubscribe Smartcar car {BOTH_CARS[0]}" in caplog.text
    assert "HTTP 401" in caplog.text
    assert MANAGEMENT_TOKEN not in caplog.text
    assert "subscribed_vehicles" not in entry.data


async def test_removing_the_entry_unsubscribes_the_cars(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    smartcar.add_vehicle("ev")
    entry = webhooks_entry(
        smartcar_webhook_id=SMARTCAR_WEBHOOK_ID, subscribed_vehicles=[EV_ID]
    )
    await setup_entry(hass, entry)

    await hass.config_entries.async_remove(entry.entry_id)
    await settle(hass)

    deletes = smartcar.calls("DELETE", subscription_url(EV_ID))
    assert len(deletes) == 1
    assert deletes[0][3]["Authorization"] == f"Bearer {MANAGEMENT_TOKEN}"


async def test_removing_an_entry_without_a_management_token_sends_no_unsubscription(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    # Subscribed once, the token since removed from the options by hand: nothing to send it with.
    smartcar.add_vehicle("ev")
    entry = make_entry(
        data={
            "smartcar_webhook_id": SMARTCAR_WEBHOOK_ID,
            "subscribed_vehicles": [EV_ID],
        }
    )
    await setup_entry(hass, entry)

    await hass.config_entries.async_remove(entry.entry_id)
    await settle(hass)

    assert [c for c in aioclient_mock.mock_calls if c[0].upper() == "DELETE"] == []


# --- pushes that must change nothing, or only what they own --------------------------------

FRONT_TRUNK = "binary_sensor.tesla_model_3_front_trunk"
REAR_TRUNK = "binary_sensor.tesla_model_3_trunk"


def _push(*signals: dict[str, Any], event_id: str, delivered_ms: int) -> bytes:
    payload = vehicle_state(event_id=event_id)
    payload["data"]["signals"] = list(signals)
    payload["meta"]["deliveredAt"] = delivered_ms
    return encode(payload)


async def test_a_push_of_the_rear_trunk_leaves_the_front_trunk_alone(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
) -> None:
    front = hass.states.get(FRONT_TRUNK)
    assert front is not None
    assert (front.state, hass.states.get(REAR_TRUNK).state) == ("off", "off")
    raw = _push(
        _signal("closure-reartrunk", "RearTrunk", "Closure", {"isOpen": True}),
        event_id="evt-rear",
        delivered_ms=1792486800500,
    )

    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))

    assert status == 200
    assert hass.states.get(REAR_TRUNK).state == "on"
    assert hass.states.get(FRONT_TRUNK).state == "off"


async def test_a_push_older_than_what_is_shown_changes_nothing(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
) -> None:
    before = states(hass)
    old = _signal(
        "odometer-traveleddistance",
        "TraveledDistance",
        "Odometer",
        {"unit": "kilometers", "value": 17000.0},
    )
    old["meta"] = {"retrievedAt": 1792400000000, "oemUpdatedAt": 1792400000000}
    raw = _push(old, event_id="evt-old", delivered_ms=1792486800500)

    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))

    assert status == 200
    assert states(hass) == before


async def test_a_push_without_signal_ages_delivered_before_the_shown_data_changes_nothing(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
) -> None:
    before = states(hass)
    ageless = _signal(
        "odometer-traveleddistance",
        "TraveledDistance",
        "Odometer",
        {"unit": "kilometers", "value": 17000.0},
    )
    del ageless["meta"]
    # Delivered two days before the shown data was recorded: a replay of an old delivery.
    raw = _push(ageless, event_id="evt-replayed", delivered_ms=1792310000000)

    await deliver(hass_client_no_auth, raw, sign(raw))

    assert states(hass) == before


async def test_a_delivery_replayed_after_300_newer_events_and_a_restart_changes_nothing(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
) -> None:
    captured = encode(vehicle_state(event_id="evt-captured", battery=42))
    await deliver(hass_client_no_auth, captured, sign(captured))
    for number in range(300):
        raw = encode(vehicle_state(event_id=f"evt-{number}", battery=60))
        await deliver(hass_client_no_auth, raw, sign(raw))
    # The owner locked the car since (its newest state).
    await hass.services.async_call("lock", "lock", {"entity_id": LOCK}, blocking=True)
    before = states(hass)

    status, _text = await deliver(hass_client_no_auth, captured, sign(captured))
    assert status == 200
    assert states(hass) == before

    assert await hass.config_entries.async_reload(loaded.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await deliver(hass_client_no_auth, captured, sign(captured))
    assert states(hass) == before


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"[" * 200_000 + b"]" * 200_000, 400),
        (b'{"eventType":"VEHICLE_STATE","data":' + b"[" * 40 + b"]" * 40 + b"}", 400),
        (b" " * (1024 * 1024 + 1), 413),
    ],
    ids=["200000-deep", "40-deep", "over-a-megabyte"],
)
async def test_a_signed_but_malformed_or_oversized_body_is_refused_cleanly(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    *,
    raw: bytes,
    status: int,
) -> None:
    before = states(hass)

    answer, _text = await deliver(hass_client_no_auth, raw, sign(raw))

    assert answer == status
    assert states(hass) == before
    assert not [
        record
        for record in caplog.records
        if record.name.startswith("custom_components.smartcar") and record.exc_info
    ]


async def test_a_dashboard_test_delivery_is_answered_and_changes_nothing(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded: MockConfigEntry,
) -> None:
    before = states(hass)
    payload = vehicle_state(event_id="evt-test", battery=11)
    payload["meta"]["mode"] = "TEST"
    raw = encode(payload)

    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))

    assert status == 200
    assert states(hass) == before

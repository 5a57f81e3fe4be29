"""POST /batch: one request, a result or an error per path, merged into one VehicleState."""

from datetime import UTC, datetime

import pytest

from custom_components.smartcar.api import (
    BATCH_PATHS,
    PATH_READERS,
    NotCapableError,
    RateLimitError,
    SmartcarClient,
    SmartcarPermissionError,
    SmartcarResponseError,
    VehicleState,
    VehicleStateError,
)
from custom_components.smartcar.api.models import (
    ChargeState,
    DiagnosticTroubleCode,
    Opening,
    OpeningStatus,
    ResponseMeta,
    SystemHealth,
    SystemStatus,
)
from custom_components.smartcar.api.parsers import read_path_responses

from .conftest import Canned, FakeSmartcar

VEHICLE_ID = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
BATCH_PATH = f"/api/v2.0/vehicles/{VEHICLE_ID}/batch"
REQUEST_ID = "5b1c66c5-5d8e-4d84-9c0b-5f3f5d9a7f34"


def ok(
    path: str, body: object, age: str = "2024-05-04T07:20:50.000Z"
) -> dict[str, object]:
    return {
        "path": path,
        "code": 200,
        "body": body,
        "headers": {"sc-data-age": age, "sc-unit-system": "metric"},
    }


async def test_batch_merges_successes_and_keeps_each_error_by_path(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        BATCH_PATH,
        Canned(
            {
                "responses": [
                    ok("/odometer", {"distance": 32259.1}, "2024-05-04T07:00:00.000Z"),
                    ok("/battery", {"percentRemaining": 0.81, "range": 350.2}),
                    ok("/charge", {"isPluggedIn": True, "state": "FULLY_CHARGED"}),
                    {
                        "path": "/security",
                        "code": 409,
                        "body": {
                            "type": "VEHICLE_STATE",
                            "code": "DOOR_OPEN",
                            "description": "A door is open.",
                            "docURL": "https://smartcar.com/docs/errors/api-errors/vehicle-state-errors#door-open",
                            "statusCode": 409,
                            "requestId": "per-path-request",
                            "resolution": {"type": "RETRY_LATER"},
                            "suggestedUserMessage": "Close the doors and try again.",
                        },
                        "headers": {},
                    },
                    {
                        "path": "/fuel",
                        "code": 501,
                        "body": {
                            "type": "COMPATIBILITY",
                            "code": "VEHICLE_NOT_CAPABLE",
                            "description": "The vehicle is not capable.",
                            "statusCode": 501,
                        },
                        "headers": {},
                    },
                    {
                        "path": "/location",
                        "code": 403,
                        "body": {
                            "type": "PERMISSION",
                            "code": None,
                            "description": "No.",
                        },
                    },
                    {
                        "path": "/tires/pressure",
                        "code": 429,
                        "body": {"type": "RATE_LIMIT", "code": "VEHICLE"},
                        "headers": {"retry-after": "120"},
                    },
                ]
            },
            headers={"SC-Request-Id": REQUEST_ID},
        ),
    )

    result = await client.batch(
        VEHICLE_ID,
        [
            "/odometer",
            "/battery",
            "/charge",
            "/security",
            "/fuel",
            "/location",
            "/tires/pressure",
        ],
    )

    assert result.state == VehicleState(
        odometer_km=32259.1,
        battery_percent=81.0,
        battery_range_km=350.2,
        is_plugged_in=True,
        charge_state=ChargeState.FULLY_CHARGED,
        is_charging=False,
        data_age=datetime(2024, 5, 4, 7, 20, 50, tzinfo=UTC),
    )
    assert result.meta == ResponseMeta(request_id=REQUEST_ID)
    assert set(result.errors) == {"/security", "/fuel", "/location", "/tires/pressure"}
    door = result.errors["/security"]
    assert isinstance(door, VehicleStateError)
    assert (door.status, door.type, door.code) == (409, "VEHICLE_STATE", "DOOR_OPEN")
    assert door.request_id == "per-path-request"
    assert door.suggested_user_message == "Close the doors and try again."
    assert door.resolution is not None
    assert door.resolution.type == "RETRY_LATER"
    assert door.is_transient is False
    fuel = result.errors["/fuel"]
    assert isinstance(fuel, NotCapableError)
    assert fuel.code == "VEHICLE_NOT_CAPABLE"
    location = result.errors["/location"]
    assert isinstance(location, SmartcarPermissionError)
    assert location.request_id == REQUEST_ID  # the batch's id when the path has none
    rate = result.errors["/tires/pressure"]
    assert isinstance(rate, RateLimitError)
    assert rate.retry_after == 120.0

    request = smartcar.only()
    assert request.headers["Authorization"] == "Bearer access-token-1"
    assert request.headers["sc-unit-system"] == "metric"
    assert request.json() == {
        "requests": [
            {"path": "/odometer"},
            {"path": "/battery"},
            {"path": "/charge"},
            {"path": "/security"},
            {"path": "/fuel"},
            {"path": "/location"},
            {"path": "/tires/pressure"},
        ]
    }


async def test_batch_reads_every_batch_path_into_vehicle_state(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    bodies: dict[str, object] = {
        "/battery": {"percentRemaining": 0.5, "range": 200.0},
        "/battery/capacity": {"capacity": 75.0},
        "/charge": {"isPluggedIn": True, "state": "CHARGING"},
        "/charge/limit": {"limit": 0.9},
        "/fuel": {"range": 500.0, "percentRemaining": 0.25, "amountRemaining": 12.5},
        "/odometer": {"distance": 1234.5},
        "/location": {"latitude": 52.52, "longitude": 13.405},
        "/security": {
            "isLocked": False,
            "doors": [{"type": "frontLeft", "status": "OPEN"}],
            "windows": [],
            "sunroof": [],
            "storage": [{"type": "rear", "status": "CLOSED"}],
            "chargingPort": [{"type": "chargingPort", "status": "CLOSED"}],
        },
        "/tires/pressure": {
            "frontLeft": 240.0,
            "frontRight": 241.0,
            "backLeft": 242.0,
            "backRight": 243.0,
        },
        "/engine/oil": {"lifeRemaining": 0.6},
        "/vin": {"vin": "WAUZZZ4G0DN000000"},
        "/diagnostics/dtcs": {"activeCodes": [{"code": "P0420", "timestamp": None}]},
        "/diagnostics/system_status": {
            "systems": [{"systemId": "SYSTEM_ABS", "status": "OK", "description": None}]
        },
    }
    assert set(bodies) == set(BATCH_PATHS)
    smartcar.reply(
        "POST",
        BATCH_PATH,
        Canned({"responses": [ok(path, body) for path, body in bodies.items()]}),
    )

    result = await client.batch(VEHICLE_ID, BATCH_PATHS)

    assert result.errors == {}
    assert result.state == VehicleState(
        battery_percent=50.0,
        battery_range_km=200.0,
        battery_capacity_kwh=75.0,
        is_plugged_in=True,
        charge_state=ChargeState.CHARGING,
        is_charging=True,
        charge_limit_percent=90.0,
        fuel_percent=25.0,
        fuel_amount_l=12.5,
        fuel_range_km=500.0,
        odometer_km=1234.5,
        latitude=52.52,
        longitude=13.405,
        is_locked=False,
        doors=(Opening(type="frontLeft", status=OpeningStatus.OPEN),),
        storage=(Opening(type="rear", status=OpeningStatus.CLOSED),),
        charging_port=(Opening(type="chargingPort", status=OpeningStatus.CLOSED),),
        tire_front_left_kpa=240.0,
        tire_front_right_kpa=241.0,
        tire_back_left_kpa=242.0,
        tire_back_right_kpa=243.0,
        oil_life_percent=60.0,
        vin="WAUZZZ4G0DN000000",
        trouble_codes=(DiagnosticTroubleCode(code="P0420"),),
        system_statuses=(SystemStatus(system_id="SYSTEM_ABS", status=SystemHealth.OK),),
        data_age=datetime(2024, 5, 4, 7, 20, 50, tzinfo=UTC),
    )
    # Every field a reader declares is one it can fill, and every batch path has a reader.
    filled = result.state.known_fields() - {"data_age"}
    declared = frozenset().union(*(PATH_READERS[path].fields for path in BATCH_PATHS))
    assert filled <= declared


def test_state_without_fields_forgets_them_and_keeps_the_rest() -> None:
    state = VehicleState(
        odometer_km=1.0, latitude=52.52, longitude=13.405, is_locked=True
    )

    forgotten = state.without(PATH_READERS["/location"].fields)

    assert forgotten == VehicleState(odometer_km=1.0, is_locked=True)
    # Merging never forgets: a newer state without a value keeps the old one.
    assert forgotten.merge(VehicleState()) == forgotten


async def test_batch_sends_duplicate_paths_once(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST", BATCH_PATH, Canned({"responses": [ok("/odometer", {"distance": 1.0})]})
    )

    result = await client.batch(VEHICLE_ID, ["/odometer", "/odometer"])

    assert smartcar.only().json() == {"requests": [{"path": "/odometer"}]}
    assert result.billed_requests == 1


async def test_batch_bills_only_the_paths_answered_with_success(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    # "Smartcar charges for all successful API requests"; a batch is billed per path.
    smartcar.reply(
        "POST",
        BATCH_PATH,
        Canned(
            {
                "responses": [
                    ok("/odometer", {"distance": 1.0}),
                    {"path": "/fuel", "code": 501, "body": {"type": "COMPATIBILITY"}},
                    {"path": "/battery", "code": 500, "body": "Internal Server Error"},
                ]
            }
        ),
    )

    result = await client.batch(VEHICLE_ID, ["/odometer", "/fuel", "/battery", "/vin"])

    # /vin was not answered at all: not billed either.
    assert result.billed_requests == 1


async def test_batch_bills_every_path_answered(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        BATCH_PATH,
        Canned(
            {
                "responses": [
                    ok("/odometer", {"distance": 1.0}),
                    ok("/vin", {"vin": "X"}),
                ]
            }
        ),
    )

    result = await client.batch(VEHICLE_ID, ["/odometer", "/vin"])

    assert result.billed_requests == 2


async def test_batch_reports_a_path_smartcar_did_not_answer(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST", BATCH_PATH, Canned({"responses": [ok("/odometer", {"distance": 1.0})]})
    )

    result = await client.batch(VEHICLE_ID, ["/odometer", "/vin"])

    assert result.state.odometer_km == 1.0
    assert isinstance(result.errors["/vin"], SmartcarResponseError)


async def test_batch_path_with_a_malformed_body_fails_alone(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        BATCH_PATH,
        Canned(
            {
                "responses": [
                    ok("/odometer", {"distance": "far"}),
                    ok("/vin", {"vin": "X"}),
                    ok("/nominal", {"anything": True}),
                    {"path": "/battery", "code": 500, "body": "Internal Server Error"},
                ]
            }
        ),
    )

    result = await client.batch(VEHICLE_ID, ["/odometer", "/vin", "/battery"])

    assert result.state == VehicleState(
        vin="X", data_age=datetime(2024, 5, 4, 7, 20, 50, tzinfo=UTC)
    )
    assert isinstance(result.errors["/odometer"], SmartcarResponseError)
    assert result.errors["/odometer"].status == 200
    battery = result.errors["/battery"]
    assert isinstance(battery, SmartcarResponseError)
    assert battery.status == 500


@pytest.mark.parametrize(
    "body",
    [[], {"responses": {"path": "/odometer"}}, {"responses": [{"code": 200}]}],
    ids=["array", "responses-object", "item-without-path"],
)
async def test_batch_answer_of_the_wrong_shape_is_a_response_error(
    client: SmartcarClient, smartcar: FakeSmartcar, body: object
) -> None:
    smartcar.reply("POST", BATCH_PATH, Canned(body))

    with pytest.raises(SmartcarResponseError):
        await client.batch(VEHICLE_ID, ["/odometer"])


def test_each_answered_path_is_a_fact_owning_its_fields_with_its_data_age() -> None:
    result = read_path_responses(
        [
            {
                "path": "/odometer",
                "code": 200,
                "body": {"distance": 1200.5},
                "headers": {"sc-data-age": "2026-10-14T10:00:00.000Z"},
            },
            {"path": "/fuel", "code": 200, "body": {"percentRemaining": None}},
            {"path": "/battery", "code": 409, "body": {"type": "VEHICLE_STATE"}},
        ]
    )

    odometer, fuel = result.facts
    assert (odometer.source, odometer.fields) == ("/odometer", {"odometer_km"})
    assert odometer.values.odometer_km == 1200.5
    assert odometer.age == datetime(2026, 10, 14, 10, 0, tzinfo=UTC)
    assert fuel.fields == {"fuel_percent", "fuel_amount_l", "fuel_range_km"}
    assert fuel.values.fuel_percent is None
    assert fuel.age is None
    assert set(result.errors) == {"/battery"}

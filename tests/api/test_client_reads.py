"""Every v2 read and account-level endpoint against Smartcar-shaped JSON on a real local server."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from custom_components.smartcar.api import SmartcarClient, SmartcarInvalidInputError
from custom_components.smartcar.api.models import (
    Battery,
    BatteryCapacity,
    CapacityOption,
    Charge,
    ChargeLimit,
    ChargeState,
    DiagnosticTroubleCode,
    DiagnosticTroubleCodes,
    EngineOil,
    Fuel,
    Location,
    NominalCapacity,
    Odometer,
    Opening,
    OpeningStatus,
    Permissions,
    ResponseMeta,
    Security,
    ServiceCost,
    ServiceHistory,
    ServiceRecord,
    SystemHealth,
    SystemStatus,
    SystemStatuses,
    TirePressure,
    User,
    VehicleAttributes,
    Vin,
)

from .conftest import Canned, FakeSmartcar, TokenSource

VEHICLE_ID = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
HEADERS = {
    "SC-Data-Age": "2024-05-04T07:20:50.844Z",
    "SC-Fetched-At": "2024-05-04T07:21:02.000Z",
    "SC-Unit-System": "metric",
    "SC-Request-Id": "26c14915-0c26-43c5-8e42-9edfc2a66a0f",
}
META = ResponseMeta(
    data_age=datetime(2024, 5, 4, 7, 20, 50, 844000, tzinfo=UTC),
    fetched_at=datetime(2024, 5, 4, 7, 21, 2, tzinfo=UTC),
    unit_system="metric",
    request_id="26c14915-0c26-43c5-8e42-9edfc2a66a0f",
)
NO_AGE_META = ResponseMeta(
    unit_system="metric", request_id="26c14915-0c26-43c5-8e42-9edfc2a66a0f"
)
NO_AGE_HEADERS = {"SC-Unit-System": "metric", "SC-Request-Id": META.request_id or ""}

SECURITY_BODY = {
    "isLocked": True,
    "doors": [
        {"type": "frontLeft", "status": "CLOSED"},
        {"type": "frontRight", "status": "OPEN"},
        {"type": "backLeft", "status": "CLOSED"},
        {"type": "backRight", "status": "UNKNOWN"},
    ],
    "windows": [{"type": "frontLeft", "status": "CLOSED"}],
    "sunroof": [{"type": "sunroof", "status": "CLOSED"}],
    "storage": [
        {"type": "rear", "status": "OPEN"},
        {"type": "front", "status": "CLOSED"},
    ],
    "chargingPort": [{"type": "chargingPort", "status": "OPEN"}],
}

# (client method, path under /vehicles/{id}, Smartcar body, headers, expected result)
READS: list[tuple[str, str, Any, dict[str, str], object]] = [
    (
        "get_attributes",
        "",
        {"id": VEHICLE_ID, "make": "TESLA", "model": "Model 3", "year": 2019},
        NO_AGE_HEADERS,
        VehicleAttributes(
            id=VEHICLE_ID, make="TESLA", model="Model 3", year=2019, meta=NO_AGE_META
        ),
    ),
    (
        "get_vin",
        "/vin",
        {"vin": "5YJ3E1EA1KF000000"},
        NO_AGE_HEADERS,
        Vin(vin="5YJ3E1EA1KF000000", meta=NO_AGE_META),
    ),
    (
        "get_location",
        "/location",
        {"latitude": 37.4292, "longitude": -122.1381},
        HEADERS,
        Location(latitude=37.4292, longitude=-122.1381, meta=META),
    ),
    (
        "get_odometer",
        "/odometer",
        {"distance": 104.32},
        HEADERS,
        Odometer(distance_km=104.32, meta=META),
    ),
    (
        "get_fuel",
        "/fuel",
        {"range": 40.5, "percentRemaining": 0.3, "amountRemaining": 40.5},
        HEADERS,
        Fuel(range_km=40.5, percent_remaining=30.0, amount_remaining_l=40.5, meta=META),
    ),
    (
        "get_fuel",
        "/fuel",
        {"range": None, "percentRemaining": None, "amountRemaining": None},
        HEADERS,
        Fuel(range_km=None, percent_remaining=None, amount_remaining_l=None, meta=META),
    ),
    (
        "get_battery",
        "/battery",
        {"percentRemaining": 0.57, "range": 289.7},
        HEADERS,
        Battery(percent_remaining=57.0, range_km=289.7, meta=META),
    ),
    (
        "get_battery_capacity",
        "/battery/capacity",
        {"capacity": 28.0},
        HEADERS,
        BatteryCapacity(capacity_kwh=28.0, meta=META),
    ),
    (
        "get_nominal_capacity",
        "/battery/nominal_capacity",
        {
            "availableCapacities": [
                {"capacity": 70.9, "description": "Standard Range"},
                {"capacity": 91.0, "description": None},
            ],
            "capacity": {"nominal": 70.9, "source": "USER_SELECTED"},
            "url": "https://connect.smartcar.com/battery-capacity?token=abc",
        },
        HEADERS,
        NominalCapacity(
            available_capacities=(
                CapacityOption(capacity_kwh=70.9, description="Standard Range"),
                CapacityOption(capacity_kwh=91.0, description=None),
            ),
            nominal_kwh=70.9,
            source="USER_SELECTED",
            url="https://connect.smartcar.com/battery-capacity?token=abc",
            meta=META,
        ),
    ),
    (
        "get_nominal_capacity",
        "/battery/nominal_capacity",
        {"availableCapacities": [], "capacity": None, "url": None},
        HEADERS,
        NominalCapacity(
            available_capacities=(), nominal_kwh=None, source=None, url=None, meta=META
        ),
    ),
    (
        "get_charge",
        "/charge",
        {"isPluggedIn": True, "state": "CHARGING"},
        HEADERS,
        Charge(is_plugged_in=True, state=ChargeState.CHARGING, meta=META),
    ),
    (
        "get_charge",
        "/charge",
        {"isPluggedIn": False, "state": "SUPERCHARGING_SOON"},
        HEADERS,
        Charge(is_plugged_in=False, state=None, meta=META),
    ),
    (
        "get_charge_limit",
        "/charge/limit",
        {"limit": 0.8},
        HEADERS,
        ChargeLimit(limit_percent=80.0, meta=META),
    ),
    (
        "get_engine_oil",
        "/engine/oil",
        {"lifeRemaining": 0.35},
        HEADERS,
        EngineOil(life_remaining_percent=35.0, meta=META),
    ),
    (
        "get_tire_pressure",
        "/tires/pressure",
        {"frontLeft": 219.3, "frontRight": 219.3, "backLeft": 224.0, "backRight": None},
        HEADERS,
        TirePressure(
            front_left_kpa=219.3,
            front_right_kpa=219.3,
            back_left_kpa=224.0,
            back_right_kpa=None,
            meta=META,
        ),
    ),
    (
        "get_security",
        "/security",
        SECURITY_BODY,
        HEADERS,
        Security(
            is_locked=True,
            doors=(
                Opening(type="frontLeft", status=OpeningStatus.CLOSED),
                Opening(type="frontRight", status=OpeningStatus.OPEN),
                Opening(type="backLeft", status=OpeningStatus.CLOSED),
                Opening(type="backRight", status=OpeningStatus.UNKNOWN),
            ),
            windows=(Opening(type="frontLeft", status=OpeningStatus.CLOSED),),
            sunroof=(Opening(type="sunroof", status=OpeningStatus.CLOSED),),
            storage=(
                Opening(type="rear", status=OpeningStatus.OPEN),
                Opening(type="front", status=OpeningStatus.CLOSED),
            ),
            charging_port=(Opening(type="chargingPort", status=OpeningStatus.OPEN),),
            meta=META,
        ),
    ),
    (
        "get_security",
        "/security",
        {"isLocked": None, "doors": [{"type": "frontLeft", "status": "AJAR"}]},
        HEADERS,
        Security(
            is_locked=None,
            doors=(Opening(type="frontLeft", status=OpeningStatus.UNKNOWN),),
            meta=META,
        ),
    ),
    (
        "get_diagnostic_trouble_codes",
        "/diagnostics/dtcs",
        {
            "activeCodes": [
                {"code": "P302D", "timestamp": "2024-05-01T10:00:00.000Z"},
                {"code": "U0100", "timestamp": None},
            ]
        },
        HEADERS,
        DiagnosticTroubleCodes(
            active_codes=(
                DiagnosticTroubleCode(
                    code="P302D", timestamp=datetime(2024, 5, 1, 10, tzinfo=UTC)
                ),
                DiagnosticTroubleCode(code="U0100", timestamp=None),
            ),
            meta=META,
        ),
    ),
    (
        "get_system_status",
        "/diagnostics/system_status",
        {
            "systems": [
                {
                    "systemId": "SYSTEM_TPMS",
                    "status": "ALERT",
                    "description": "Tire pressure low",
                },
                {"systemId": "SYSTEM_AIRBAG", "status": "OK", "description": None},
            ]
        },
        HEADERS,
        SystemStatuses(
            systems=(
                SystemStatus(
                    system_id="SYSTEM_TPMS",
                    status=SystemHealth.ALERT,
                    description="Tire pressure low",
                ),
                SystemStatus(
                    system_id="SYSTEM_AIRBAG", status=SystemHealth.OK, description=None
                ),
            ),
            meta=META,
        ),
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "expected"),
    READS,
    ids=[
        f"{method}{path or '/'}-{index}"
        for index, (method, path, *_rest) in enumerate(READS)
    ],
)
async def test_read_endpoint_sends_bearer_and_metric_and_parses_body(
    *,
    client: SmartcarClient,
    smartcar: FakeSmartcar,
    method: str,
    path: str,
    body: Any,
    headers: dict[str, str],
    expected: object,
) -> None:
    smartcar.reply(
        "GET", f"/api/v2.0/vehicles/{VEHICLE_ID}{path}", Canned(body, headers=headers)
    )

    result = await getattr(client, method)(VEHICLE_ID)

    assert result == expected
    request = smartcar.only()
    assert request.method == "GET"
    assert request.path == f"/api/v2.0/vehicles/{VEHICLE_ID}{path}"
    assert request.headers["Authorization"] == "Bearer access-token-1"
    assert request.headers["sc-unit-system"] == "metric"
    assert request.body == b""


async def test_each_request_asks_the_token_callable_for_a_fresh_token(
    client: SmartcarClient, smartcar: FakeSmartcar, tokens: TokenSource
) -> None:
    smartcar.reply(
        "GET", f"/api/v2.0/vehicles/{VEHICLE_ID}/odometer", Canned({"distance": 1.0})
    )

    await client.get_odometer(VEHICLE_ID)
    await client.get_odometer(VEHICLE_ID)

    assert tokens.calls == 2
    assert [r.headers["Authorization"] for r in smartcar.requests] == [
        "Bearer access-token-1",
        "Bearer access-token-2",
    ]


async def test_vehicle_id_is_percent_encoded_into_one_path_segment(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply("GET", "/api/v2.0/vehicles/a/b?c/vin", Canned({"vin": "X"}))

    result = await client.get_vin("a/b?c")

    assert result.vin == "X"
    assert smartcar.only().path == "/api/v2.0/vehicles/a/b?c/vin"


async def test_user_id_is_read_from_top_level_user(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        "/api/v2.0/user",
        Canned({"id": "e0514ef4-5226-11e8-8c13-8f6e8f02e27e"}, headers=NO_AGE_HEADERS),
    )

    user = await client.get_user_id()

    assert user == User(id="e0514ef4-5226-11e8-8c13-8f6e8f02e27e", meta=NO_AGE_META)
    request = smartcar.only()
    assert request.headers["Authorization"] == "Bearer access-token-1"
    assert request.headers["sc-unit-system"] == "metric"


async def test_vehicle_ids_follow_every_page_of_fifty(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    every_id = [f"vehicle-{number:03}" for number in range(120)]

    def page(request: Any) -> Canned:
        offset, limit = int(request.query["offset"]), int(request.query["limit"])
        return Canned(
            {
                "vehicles": every_id[offset : offset + limit],
                "paging": {"count": len(every_id), "offset": offset},
            }
        )

    smartcar.handle("GET", "/api/v2.0/vehicles", page)

    vehicle_ids = await client.get_vehicle_ids()

    assert vehicle_ids == tuple(every_id)
    assert [(r.query["limit"], r.query["offset"]) for r in smartcar.requests] == [
        ("50", "0"),
        ("50", "50"),
        ("50", "100"),
    ]


async def test_vehicle_ids_stop_when_total_count_is_reached_on_a_full_page(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    every_id = [f"vehicle-{number:03}" for number in range(100)]
    smartcar.handle(
        "GET",
        "/api/v2.0/vehicles",
        lambda request: Canned(
            {
                "vehicles": every_id[int(request.query["offset"]) :][:50],
                "paging": {"count": 100, "offset": int(request.query["offset"])},
            }
        ),
    )

    assert await client.get_vehicle_ids() == tuple(every_id)
    assert len(smartcar.requests) == 2


async def test_vehicle_ids_keep_paging_when_count_is_only_the_page_size(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    every_id = [f"vehicle-{number:03}" for number in range(50)]
    smartcar.reply(
        "GET",
        "/api/v2.0/vehicles",
        Canned({"vehicles": every_id, "paging": {"count": 50, "offset": 0}}),
        Canned({"vehicles": [], "paging": {"count": 0, "offset": 50}}),
    )

    assert await client.get_vehicle_ids() == tuple(every_id)
    assert [r.query["offset"] for r in smartcar.requests] == ["0", "50"]


async def test_permissions_follow_every_page(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    granted = [f"read_thing_{number}" for number in range(60)]
    smartcar.handle(
        "GET",
        f"/api/v2.0/vehicles/{VEHICLE_ID}/permissions",
        lambda request: Canned(
            {
                "permissions": granted[int(request.query["offset"]) :][:50],
                "paging": {"count": 60, "offset": int(request.query["offset"])},
            },
            headers=NO_AGE_HEADERS,
        ),
    )

    permissions = await client.get_permissions(VEHICLE_ID)

    assert permissions == Permissions(permissions=tuple(granted), meta=NO_AGE_META)
    assert [r.query["offset"] for r in smartcar.requests] == ["0", "50"]


async def test_service_history_sends_date_range_and_parses_records(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        f"/api/v2.0/vehicles/{VEHICLE_ID}/service/history",
        Canned(
            [
                {
                    "serviceId": 12345,
                    "serviceDate": "2023-06-15T09:30:00.000Z",
                    "odometerDistance": 15234.5,
                    "serviceTasks": [{"taskId": 8, "taskDescription": "Oil change"}],
                    "serviceDetails": [{"type": "dealer", "value": "Palo Alto"}],
                    "serviceCost": {"totalCost": 150.25, "currency": "USD"},
                },
                {
                    "serviceId": None,
                    "serviceDate": None,
                    "odometerDistance": None,
                    "serviceTasks": [],
                    "serviceDetails": [{"type": "warranty", "value": True}],
                    "serviceCost": None,
                },
            ],
            headers=HEADERS,
        ),
    )

    history = await client.get_service_history(
        VEHICLE_ID,
        start_date=date(2023, 1, 1),
        end_date=datetime(2023, 12, 31, 23, 0, tzinfo=UTC),
    )

    assert history == ServiceHistory(
        records=(
            ServiceRecord(
                service_id="12345",
                service_date=datetime(2023, 6, 15, 9, 30, tzinfo=UTC),
                odometer_distance_km=15234.5,
                service_tasks=({"taskId": "8", "taskDescription": "Oil change"},),
                service_details=({"type": "dealer", "value": "Palo Alto"},),
                service_cost=ServiceCost(total_cost=150.25, currency="USD"),
            ),
            ServiceRecord(
                service_id=None,
                service_date=None,
                odometer_distance_km=None,
                service_tasks=(),
                service_details=({"type": "warranty", "value": "true"},),
                service_cost=None,
            ),
        ),
        meta=META,
    )
    assert smartcar.only().query == {"startDate": "2023-01-01", "endDate": "2023-12-31"}


async def test_service_history_without_dates_sends_no_filter(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        f"/api/v2.0/vehicles/{VEHICLE_ID}/service/history",
        Canned({"serviceHistory": []}),
    )

    history = await client.get_service_history(VEHICLE_ID)

    assert history.records == ()
    assert smartcar.only().query == {}


async def test_service_history_refuses_a_reversed_range_before_sending(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    with pytest.raises(SmartcarInvalidInputError):
        await client.get_service_history(
            VEHICLE_ID, start_date=date(2024, 2, 1), end_date=date(2024, 1, 1)
        )

    assert smartcar.requests == []
